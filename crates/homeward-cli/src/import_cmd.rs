//! `homeward import FILE`: a registration spreadsheet into the registry, checked row by row,
//! all or nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use homeward_app::App;
use homeward_app::import::{ImportReport, ImportRequest};
use homeward_domain::access::{Principal, Role};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `homeward import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The spreadsheet: CSV (UTF-8) or XLSX (first sheet). Headers such as given_name,
    /// family_name, full_name, sex, date_of_birth, age, nationality, place_of_birth,
    /// mother_name, father_name, document_number, id, or their Arabic equivalents, map by
    /// themselves.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Column mappings COLUMN=FIELD, comma-separated (saved for files with the same headers).
    #[arg(long = "map", value_name = "COLUMN=FIELD,...")]
    map: Vec<String>,
    /// Check every row and show possible duplicates; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the valid rows even when some rows are invalid (they are listed).
    #[arg(long)]
    skip_invalid: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The command line registers as a registrar would: it holds the database in hand anyway,
/// and every row still passes the registration rules.
fn operator() -> Principal {
    Principal {
        user_id: 0,
        username: "cli".to_owned(),
        role: Role::Registrar,
        country: None,
        site: None,
    }
}

/// Runs the import; exit status 1 when rows are invalid (and nothing was written).
pub async fn run(app: &App, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let req = ImportRequest {
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        mappings: args.map.clone(),
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} rows")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let progress = {
        let bar = bar.clone();
        move |stage: &str, done: u64, total: u64| {
            bar.set_message(stage.to_owned());
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let report = app.import_persons(&operator(), &req, &progress).await;
    bar.finish_and_clear();
    let report = report?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, args.skip_invalid);
    }
    Ok(if report.refused(args.skip_invalid) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(r: &ImportReport, skip_invalid: bool) {
    println!(
        "{}: {} rows, {} valid, {} invalid (columns mapped from {})",
        r.file_name, r.rows, r.valid, r.invalid_rows, r.mapping_source
    );
    for (column, field) in &r.mapping {
        println!(
            "  column '{column}' -> {}",
            field.as_deref().unwrap_or("(ignored)")
        );
    }
    for c in &r.not_stored {
        println!("  column '{c}' is read for matching only and not stored");
    }
    if !r.issues.is_empty() {
        println!("problems:");
        for i in &r.issues {
            println!("  row {}, {}: {} [{}]", i.row, i.field, i.message, i.code);
        }
    }
    if r.dry_run {
        println!(
            "possible duplicates already registered ({} rows checked):",
            r.duplicates_checked
        );
        if r.duplicates.is_empty() {
            println!("  none");
        }
        for d in &r.duplicates {
            println!(
                "  row {} resembles {} ({}) p={:.2}",
                d.row,
                d.registration_number,
                d.names.join(" / "),
                d.probability
            );
        }
        println!("dry run: nothing written");
    } else if r.refused(skip_invalid) {
        println!(
            "nothing written: {} rows are invalid (fix them, or use --skip-invalid to import the valid rows only)",
            r.invalid_rows
        );
    } else if let Some((first, last)) = &r.registered {
        println!("registered {} persons: {first} to {last}", r.committed);
    } else {
        println!("nothing to register");
    }
}
