//! Cross-script name-matching benchmark on the Wikidata transliteration pairs (Latin →
//! Arabic, Latin → Cyrillic): precision and recall of `name_agreement` at each level.
//!
//! Usage: cross_script DATA_DIR [--n N] [--seed S] [--misses K]
//! (`--misses K` prints the positives below "same sound" among the first K drawn.)
//! DATA_DIR holds `wd_arabic_80.tsv` and `wd_russian_80.tsv` (`latin <TAB> spaced target
//! characters <TAB> count`). For each file, N rows are drawn with a fixed seed; each gives
//! a positive pair (the Latin token and its own target form) and a negative pair (the Latin
//! token and the target form of another drawn row with a different Latin token).

use std::path::PathBuf;

use homeward_linkage::normalize::name_key;
use homeward_linkage::{NameAgreement, name_agreement};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

fn load(path: &PathBuf) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let latin = f.next()?.to_string();
            let target: String = f.next()?.split(' ').collect();
            (!latin.is_empty() && !target.is_empty()).then_some((latin, target))
        })
        .collect())
}

const LEVELS: [(NameAgreement, &str); 3] = [
    (NameAgreement::SameSound, "same sound or exact"),
    (NameAgreement::OneTypo, "one typo or better"),
    (NameAgreement::Similar, "similar or better"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir: Option<PathBuf> = None;
    let (mut n, mut seed, mut misses) = (5000usize, 42u64, 0usize);
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--n" => n = it.next().ok_or("--n needs a value")?.parse()?,
            "--seed" => seed = it.next().ok_or("--seed needs a value")?.parse()?,
            "--misses" => misses = it.next().ok_or("--misses needs a value")?.parse()?,
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.ok_or("usage: cross_script DATA_DIR [--n N] [--seed S]")?;
    println!("| pairs | decision | precision | recall | F1 |");
    println!("|---|---|---|---|---|");
    for (file, label) in [
        ("wd_arabic_80.tsv", "Latin vs Arabic"),
        ("wd_russian_80.tsv", "Latin vs Cyrillic"),
    ] {
        let rows = load(&dir.join(file))?;
        let mut rng = Rng(seed);
        let drawn: Vec<usize> = (0..n.min(rows.len()))
            .map(|_| rng.below(rows.len()))
            .collect();
        let mut pos = Vec::new();
        let mut neg = Vec::new();
        for &i in &drawn {
            let (latin, target) = &rows[i];
            let agreement = name_agreement(latin, target);
            if agreement < NameAgreement::SameSound && pos.len() < misses {
                let (a, b) = (name_key(latin), name_key(target));
                eprintln!("miss {latin} {target}: {a:?} {b:?} {agreement:?}");
            }
            pos.push(agreement);
            let mut j = drawn[rng.below(drawn.len())];
            while rows[j].0 == *latin || rows[j].1 == *target {
                j = rng.below(rows.len());
            }
            neg.push(name_agreement(latin, &rows[j].1));
        }
        for (level, name) in LEVELS {
            let tp = pos.iter().filter(|&&a| a >= level).count() as f64;
            let fp = neg.iter().filter(|&&a| a >= level).count() as f64;
            let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
            let r = tp / pos.len().max(1) as f64;
            let f1 = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            println!(
                "| {label} ({} + {}) | {name} | {p:.4} | {r:.4} | {f1:.4} |",
                pos.len(),
                neg.len()
            );
        }
    }
    Ok(())
}
