//! `homeward report sitrep`: the situation report for a date as a PDF file.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use homeward_app::App;
use homeward_domain::access::{Principal, Role};

/// Reports.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The situation report: figures, breakdowns and the changes since the previous report.
    Sitrep(SitrepArgs),
    /// The dashboard's figures (aggregates only), as JSON, or only the time they took.
    Figures {
        /// The day ages are computed for (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Print only the milliseconds the computation took (for benchmarks).
        #[arg(long)]
        millis: bool,
    },
}

/// Arguments of `homeward report sitrep`.
#[derive(Debug, Args)]
pub struct SitrepArgs {
    /// The day the report is about (ages are computed for it).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: String,
    /// ar or en.
    #[arg(long, default_value = "ar", value_name = "LANG")]
    lang: String,
    /// The PDF file to write.
    #[arg(long, value_name = "FILE.pdf")]
    out: PathBuf,
}

/// The command line reads figures as a monitor would: aggregates only.
fn operator() -> Principal {
    Principal {
        user_id: 0,
        username: "cli".to_owned(),
        role: Role::Monitor,
        country: None,
        site: None,
    }
}

/// Runs a report command.
pub async fn run(app: &App, cmd: ReportCommand) -> anyhow::Result<()> {
    match cmd {
        ReportCommand::Figures { as_of, millis } => {
            let on = match as_of {
                Some(d) => homeward_domain::date::parse_date("--as-of", &d)?,
                None => app.today(),
            };
            let started = std::time::Instant::now();
            let d = app.dashboard(&operator(), on).await?;
            let ms = started.elapsed().as_millis();
            if millis {
                println!("{ms}");
            } else {
                println!("{}", serde_json::to_string_pretty(&d)?);
            }
        }
        ReportCommand::Sitrep(args) => {
            let date = homeward_domain::date::parse_date("--date", &args.date)?;
            let started = std::time::Instant::now();
            let r = app.sitrep(&operator(), date, &args.lang).await?;
            std::fs::write(&args.out, &r.pdf)
                .with_context(|| format!("cannot write {}", args.out.display()))?;
            println!(
                "situation report for {} ({}) written to {} in {:.1} s: {} persons{}",
                r.figures.as_of,
                args.lang,
                args.out.display(),
                started.elapsed().as_secs_f64(),
                r.figures.figure("total"),
                r.previous
                    .map(|d| format!(", compared with the report of {d}"))
                    .unwrap_or_else(|| ", first report".into())
            );
        }
    }
    Ok(())
}
