//! Prints the shape of a generated population and how long generating it took, to check the
//! generator by eye: `cargo run --release -p homeward-demo --example summary -- 1000000 42`.

use std::collections::BTreeMap;
use std::time::Instant;

use homeward_demo::{DemoConfig, DocType, NameKind, Sex, generate};

fn main() {
    let mut args = std::env::args().skip(1);
    let persons = args.next().and_then(|a| a.parse().ok()).unwrap_or(1500);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let samples: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let as_of = chrono::NaiveDate::from_ymd_opt(2018, 2, 1).expect("valid date");
    let config = DemoConfig {
        seed,
        persons,
        as_of,
    };

    let started = Instant::now();
    let population = generate(&config);
    let elapsed = started.elapsed();
    println!(
        "generated {persons} persons in {:.3} s",
        elapsed.as_secs_f64()
    );

    let people = &population.persons;
    let women: Vec<_> = people.iter().filter(|p| p.age_on(as_of) >= 18).collect();
    let children = people.len() - women.len();
    println!("women {}  children {children}", women.len());

    let mut nat: BTreeMap<&str, usize> = BTreeMap::new();
    for w in &women {
        *nat.entry(w.nationality.unwrap_or("--")).or_default() += 1;
    }
    let mut nat: Vec<_> = nat.into_iter().collect();
    nat.sort_by_key(|b| std::cmp::Reverse(b.1));
    println!("women's nationalities ({}):", nat.len());
    for (code, n) in &nat {
        println!(
            "  {code} {n} ({:.1}%)",
            100.0 * *n as f64 / women.len() as f64
        );
    }

    let mut ages = [0usize; 18];
    for p in people.iter().filter(|p| p.age_on(as_of) < 18) {
        ages[p.age_on(as_of) as usize] += 1;
    }
    println!("children by age: {ages:?}");
    let under10: usize = ages[..10].iter().sum();
    println!(
        "children under 10: {:.1}%",
        100.0 * under10 as f64 / children as f64
    );

    let undocumented = people.iter().filter(|p| p.documents.is_empty()).count();
    let women_undocumented = women.iter().filter(|p| p.documents.is_empty()).count();
    println!(
        "women without document {:.1}%, children {:.1}%",
        100.0 * women_undocumented as f64 / women.len() as f64,
        100.0 * (undocumented - women_undocumented) as f64 / children as f64
    );
    let mut women_ages = [0usize; 7];
    for w in &women {
        women_ages[(w.age_on(as_of) as usize / 10).min(6)] += 1;
    }
    println!("women by decade of age: {women_ages:?}");
    let passports = people
        .iter()
        .filter(|p| p.documents.iter().any(|d| d.doc_type == DocType::Passport))
        .count();
    println!(
        "no document {:.1}%  passport {:.1}%",
        100.0 * undocumented as f64 / people.len() as f64,
        100.0 * passports as f64 / people.len() as f64
    );
    let count = |f: &dyn Fn(&&homeward_demo::DemoPerson) -> bool| people.iter().filter(f).count();
    println!(
        "pregnant {}  born in custody {}  unaccompanied {}  children's father unknown {:.1}%  disability {}  medical {}",
        count(&|p| p.pregnant_expected_delivery.is_some()),
        count(&|p| p.born_in_custody),
        count(&|p| p.unaccompanied),
        100.0 * count(&|p| p.father_unknown && p.age_on(as_of) < 18) as f64 / children as f64,
        count(&|p| p.disability),
        count(&|p| p.serious_medical_condition),
    );
    println!(
        "kunya {}  maiden {}  alias {}  two registered spellings {}",
        count(&|p| p.names.iter().any(|n| n.kind == NameKind::Kunya)),
        count(&|p| p.names.iter().any(|n| n.kind == NameKind::MaidenName)),
        count(&|p| p.names.iter().any(|n| n.kind == NameKind::Alias)),
        count(&|p| p
            .names
            .iter()
            .filter(|n| n.kind == NameKind::AsRegistered)
            .count()
            > 1),
    );

    println!("sites:");
    for s in &population.sites {
        let occ = people.iter().filter(|p| p.site == s.code).count();
        println!(
            "  {:<12} {:<16?} {:>7} / {:<7} {}",
            s.code, s.kind, occ, s.capacity, s.name_en
        );
    }

    for p in people.iter().take(samples) {
        let sex = if p.sex == Sex::Female { "F" } else { "M" };
        println!(
            "#{} {sex} {:?} age {} {:?} site {} mother {:?} docs {} pob {:?} father {:?}",
            p.index,
            p.nationality,
            p.age_on(as_of),
            p.birth,
            p.site,
            p.mother,
            p.documents.len(),
            p.place_of_birth,
            p.father_name
        );
        for n in &p.names {
            println!("    {:?}: {}", n.kind, n.text);
        }
    }
}
