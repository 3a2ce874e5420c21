//! `homeward match`: link two files of person records, or find duplicates within one,
//! across scripts, with the identity-resolution engine. No database is needed.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use homeward_linkage::batch::{self, BatchOptions, ColumnMapping, Progress, Stage};
use indicatif::{ProgressBar, ProgressStyle};

/// Options shared by both kinds of run.
#[derive(Debug, Args)]
pub struct Common {
    /// Where to write the pairs: CSV with header left_id,right_id,probability.
    #[arg(long, value_name = "PAIRS.csv")]
    out: PathBuf,
    /// Read column COLUMN as FIELD (repeatable), e.g. --map surname=family_name.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    map: Vec<String>,
    /// Keep pairs with at least this match probability.
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// The year an `age` column was recorded in (default: a birth year is not derived).
    #[arg(long, value_name = "YEAR")]
    reference_year: Option<i32>,
}

/// `homeward match ...`
#[derive(Debug, Subcommand)]
pub enum MatchCommand {
    /// Pair the records of LEFT with those of RIGHT that are the same person.
    Link {
        /// First CSV file (header: id, given_name, family_name, full_name, sex, date_of_birth, ...).
        left: PathBuf,
        /// Second CSV file, same columns.
        right: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Pair the records within one file that are the same person.
    Dedupe {
        /// The CSV file.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

fn options(c: &Common) -> anyhow::Result<BatchOptions> {
    let mut options = BatchOptions::standard();
    for m in &c.map {
        options.mappings.push(ColumnMapping::parse(m)?);
    }
    if !(0.0..=1.0).contains(&c.threshold) {
        anyhow::bail!("--threshold {} must be between 0 and 1", c.threshold);
    }
    options.config.threshold = c.threshold;
    options.reference_year = c.reference_year;
    Ok(options)
}

fn stage_name(s: Stage) -> &'static str {
    match s {
        Stage::Reading => "reading",
        Stage::Blocking => "blocking",
        Stage::Training => "training",
        Stage::Scoring => "scoring",
        Stage::Writing => "writing",
    }
}

/// Runs a match command, with a progress bar when standard error is a terminal.
pub fn run(cmd: MatchCommand) -> anyhow::Result<()> {
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut progress = |p: Progress| {
        if let Some(b) = &bar {
            b.set_message(stage_name(p.stage));
            b.set_length(p.total.max(p.done));
            b.set_position(p.done);
        }
    };
    let (summary, out) = match &cmd {
        MatchCommand::Link {
            left,
            right,
            common,
        } => (
            batch::link(&options(common)?, left, right, &common.out, &mut progress),
            &common.out,
        ),
        MatchCommand::Dedupe { file, common } => (
            batch::dedupe(&options(common)?, file, &common.out, &mut progress),
            &common.out,
        ),
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let s = summary.with_context(|| "matching failed".to_owned())?;
    eprintln!(
        "{} pairs written to {} ({} + {} records, {} candidate pairs compared)",
        s.pairs_written,
        out.display(),
        s.left_records,
        s.right_records,
        s.candidate_pairs
    );
    Ok(())
}
