//! Command-line front end to `homeward_linkage::batch`, so that benchmarks can run before
//! the `homeward` binary wires in `homeward match`.
//!
//! Usage:
//!   match link LEFT.csv RIGHT.csv --out PAIRS.csv [--map COLUMN=FIELD]... [--threshold P]
//!   match dedupe FILE.csv --out PAIRS.csv [--map COLUMN=FIELD]... [--threshold P]
//! Options also accepted: --reference-year YEAR (for an `age` column), --quiet.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use homeward_linkage::batch::{self, BatchOptions, ColumnMapping, Progress};

fn usage() -> ExitCode {
    eprintln!(
        "usage: match link LEFT RIGHT --out PAIRS [--map COLUMN=FIELD]... [--threshold P]\n       \
         match dedupe FILE --out PAIRS [--map COLUMN=FIELD]... [--threshold P]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional: Vec<String> = Vec::new();
    let mut out: Option<PathBuf> = None;
    let mut options = BatchOptions::standard();
    let mut quiet = false;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = it.next().map(PathBuf::from),
            "--map" => match it.next().map(|m| ColumnMapping::parse(&m)) {
                Some(Ok(m)) => options.mappings.push(m),
                Some(Err(e)) => {
                    eprintln!("match: {e}");
                    return ExitCode::from(2);
                }
                None => return usage(),
            },
            "--threshold" => match it.next().and_then(|t| t.parse().ok()) {
                Some(t) => options.config.threshold = t,
                None => return usage(),
            },
            "--reference-year" => match it.next().and_then(|t| t.parse().ok()) {
                Some(y) => options.reference_year = Some(y),
                None => return usage(),
            },
            "--quiet" => quiet = true,
            _ => positional.push(a),
        }
    }
    let Some(out) = out else { return usage() };
    let start = Instant::now();
    let mut progress = |p: Progress| {
        if !quiet {
            eprintln!(
                "[{:7.2} s] {:?} {}/{}",
                start.elapsed().as_secs_f64(),
                p.stage,
                p.done,
                p.total
            );
        }
    };
    let result = match positional
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["link", l, r] => batch::link(&options, l.as_ref(), r.as_ref(), &out, &mut progress),
        ["dedupe", f] => batch::dedupe(&options, f.as_ref(), &out, &mut progress),
        _ => return usage(),
    };
    match result {
        Ok(s) => {
            eprintln!(
                "match: {} + {} records, {} candidate pairs, {} written, EM {} iterations (converged: {}), lambda {:.4}, {:.2} s",
                s.left_records,
                s.right_records,
                s.candidate_pairs,
                s.pairs_written,
                s.em_iterations,
                s.converged,
                s.lambda,
                start.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("match: {e}");
            ExitCode::FAILURE
        }
    }
}
