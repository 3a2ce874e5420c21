//! Prints the explanations of wrongly decided pairs of a FEBRL4-style link, for tuning:
//! false positives at the threshold and true pairs scored below it.
//!
//! Usage: explain LEFT.csv RIGHT.csv TRUTH.csv [--map COLUMN=FIELD]... [--threshold P]
//! The truth file has `left_id,right_id` rows.

use std::collections::BTreeSet;

use homeward_linkage::batch::{self, BatchOptions, ColumnMapping};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = BatchOptions::standard();
    options.config.threshold = 0.01;
    let mut show = 0.5;
    let mut pos = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--map" => options
                .mappings
                .push(ColumnMapping::parse(&it.next().unwrap_or_default())?),
            "--threshold" => show = it.next().unwrap_or_default().parse()?,
            _ => pos.push(a),
        }
    }
    let [l, r, t] = pos.as_slice() else {
        return Err("usage: explain LEFT RIGHT TRUTH".into());
    };
    let left = batch::read_records(&options, l.as_ref())?;
    let right = batch::read_records(&options, r.as_ref())?;
    let mut truth = BTreeSet::new();
    for line in std::fs::read_to_string(t)?.lines().skip(1) {
        if let Some((a, b)) = line.split_once(',') {
            truth.insert((a.to_string(), b.to_string()));
        }
    }
    let linkage = homeward_linkage::link(&options.config, &left, &right);
    println!("model: {:?}", linkage.model.training());
    for f in homeward_linkage::FIELDS {
        let ls: Vec<String> = (1..f.levels().len() as u8)
            .map(|l| format!("{:.4}/{:.5}", linkage.model.m(f, l), linkage.model.u(f, l)))
            .collect();
        println!("  {:16} {}", f.label(), ls.join("  "));
    }
    let mut found = BTreeSet::new();
    for p in &linkage.pairs {
        let key = (left[p.left].id.clone(), right[p.right].id.clone());
        let is_true = truth.contains(&key);
        if is_true {
            found.insert(key.clone());
        }
        if (p.probability >= show) != is_true {
            println!(
                "{} {} {} truth={is_true}\n{}",
                key.0, key.1, p.probability, p.explanation
            );
        }
    }
    println!("true pairs never reported: {}", truth.len() - found.len());
    Ok(())
}
