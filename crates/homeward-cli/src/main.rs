//! The `homeward` command: one binary to serve, migrate, load the demo, and answer questions.

mod config;
mod dossier_cmd;
mod import_cmd;
mod match_cmd;
mod report_cmd;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc instead of the C library's allocator: under 64 concurrent connections a list page
/// spent a quarter of its time in glibc's malloc and free (each database row becomes many small
/// allocations), with its arenas contended across the runtime's threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use homeward_app::{Actor, App, SystemClock};
use homeward_store::Store;
use homeward_store::audit::Verdict;

/// homeward: case management and repatriation for foreign women and children in custody.
///
/// Every command works on one database: an embedded SQLite file by default
/// (homeward.db in the working directory), or PostgreSQL for several servers.
#[derive(Debug, Parser)]
#[command(name = "homeward", version, propagate_version = true)]
struct Cli {
    /// Database URL: sqlite://FILE or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long, global = true, env = "HOMEWARD_DATABASE_URL", value_name = "URL")]
    database: Option<String>,

    /// A TOML configuration file (see `homeward config example`).
    #[arg(long, global = true, env = "HOMEWARD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web application and the JSON API (loads the demo into an empty database).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "HOMEWARD_LISTEN", value_name = "IP:PORT")]
        listen: Option<String>,
        /// Do not load the demo population into an empty database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Create or upgrade the database schema.
    Migrate,
    /// Load the synthetic demo population into an empty database.
    Demo {
        /// Seed of the generator: the same seed gives the same people.
        #[arg(long, default_value_t = 2018)]
        seed: u64,
        /// How many persons to generate.
        #[arg(long, default_value_t = 1500)]
        persons: usize,
        /// The day the ages are computed for (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
    },
    /// Headline figures: totals, women, children, nationalities, age bands, sites.
    Stats {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every person with registration number, names, sex, age, nationalities and site.
    Persons {
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Match person records across scripts: link two CSV files, or find duplicates in one.
    Match {
        #[command(subcommand)]
        command: match_cmd::MatchCommand,
    },
    /// The placement protocol: what the rules in force propose for a person on a date.
    Placement {
        #[command(subcommand)]
        command: PlacementCommand,
    },
    /// Background jobs (the server runs them daily by itself).
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write an encrypted copy of the whole database to FILE (consistent while the server
    /// runs). The key is the passphrase in HOMEWARD_BACKUP_KEY.
    Backup {
        /// Where to write the copy.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore a copy into the empty database named by --database (same engine as the copy).
    /// The key is the passphrase in HOMEWARD_BACKUP_KEY.
    Restore {
        /// The copy to restore.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// A repatriation dossier PDF for one embassy (records the disclosure).
    Dossier(dossier_cmd::DossierArgs),
    /// Import a registration spreadsheet (CSV or XLSX): checked row by row, all or nothing.
    Import(import_cmd::ImportArgs),
    /// Reports: the situation report as PDF.
    Report {
        #[command(subcommand)]
        command: report_cmd::ReportCommand,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The field keys that seal the most sensitive fields.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Print a new key ring of one key (version 1), for HOMEWARD_FIELD_KEY or a key file.
    Generate,
    /// Add a new newest key version to the configured ring: written back to a key file, or
    /// printed for HOMEWARD_FIELD_KEY. Then run `homeward keys rotate`.
    New,
    /// Reseal every sealed value under the newest key version, in audited batches; safe to
    /// run again after an interruption.
    Rotate {
        /// Rows per transaction.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, 1 naming the first bad event.
    Verify,
}

#[derive(Debug, Subcommand)]
enum PlacementCommand {
    /// Evaluate the rules in force on a date for a person, with the explanation.
    Propose {
        /// Registration number, e.g. HW-000123.
        #[arg(long, value_name = "REGISTRATION_NUMBER")]
        person: String,
        /// The day to judge (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List every rule version with its dates.
    Rules,
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Run the jobs that are due now (the daily review of children turning 4 or 15,
    /// estimated ages, deliveries near and long stays), filling the teams' task lists.
    RunDue,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from standard input (one line) when
    /// --password-stdin is given; otherwise a strong one is generated and printed once.
    Add {
        /// Sign-in name (one word).
        #[arg(long)]
        username: String,
        /// registrar, case_worker, judicial_liaison, consular_officer, monitor,
        /// administrator or auditor.
        #[arg(long)]
        role: String,
        /// The site code the user works at.
        #[arg(long)]
        site: Option<String>,
        /// The country (ISO alpha-2) a consular officer is bound to.
        #[arg(long)]
        country: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts (never their passwords).
    List,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration file.
    Example,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOMEWARD_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx::postgres::notice=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(cli: &Cli) -> anyhow::Result<(App, config::FileConfig)> {
    let file = match &cli.config {
        Some(p) => config::read_file(p)?,
        None => config::FileConfig::default(),
    };
    let settings = config::Settings::resolve(cli.database.clone(), &file)?;
    let (keys, _) = config::field_keys(&file, &settings.database)?;
    let store = Store::connect(&settings.database).await?;
    let app = App::with_keys(store, Arc::new(SystemClock), Arc::new(keys));
    app.migrate().await.context("cannot migrate the database")?;
    Ok((app, file))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let cli = match cli {
        Cli {
            command:
                Command::Config {
                    command: ConfigCommand::Example,
                },
            ..
        } => {
            print!("{}", config::EXAMPLE);
            return Ok(ExitCode::SUCCESS);
        }
        Cli {
            command: Command::Match { command },
            ..
        } => {
            let joined = tokio::task::spawn_blocking(move || match_cmd::run(command)).await;
            joined.context("the matching task failed")??;
            return Ok(ExitCode::SUCCESS);
        }
        Cli {
            command: Command::Restore { file },
            database,
            config: config_path,
        } => {
            // Into a database with the schema only: nothing seeded, nothing audited before it.
            let conf = match &config_path {
                Some(p) => config::read_file(p)?,
                None => config::FileConfig::default(),
            };
            let settings = config::Settings::resolve(database, &conf)?;
            let store = Store::connect(&settings.database).await?;
            store.migrate().await.context("cannot create the schema")?;
            let app = App::new(store, Arc::new(SystemClock));
            let copied = app.restore(&file, &backup_key()?).await?;
            println!(
                "restored {} rows ({} persons, {} audit events) from {}",
                copied.total(),
                copied.rows.get("persons").copied().unwrap_or(0),
                copied.rows.get("audit_events").copied().unwrap_or(0),
                file.display()
            );
            println!(
                "sealed fields open only with the field key ring they were sealed with: \
                 configure HOMEWARD_FIELD_KEY (or the key file) before serving this database"
            );
            return Ok(ExitCode::SUCCESS);
        }
        Cli {
            command: Command::Keys {
                command: KeysCommand::Generate,
            },
            ..
        } => {
            print!("{}", homeward_app::sealed::KeyRing::generate().to_text());
            return Ok(ExitCode::SUCCESS);
        }
        Cli {
            command: Command::Keys {
                command: KeysCommand::New,
            },
            database,
            config: config_path,
        } => {
            let conf = match &config_path {
                Some(p) => config::read_file(p)?,
                None => config::FileConfig::default(),
            };
            let settings = config::Settings::resolve(database, &conf)?;
            let (ring, source) = config::field_keys(&conf, &settings.database)?;
            let grown = ring.with_new_version();
            match source {
                config::KeySource::File(path) | config::KeySource::Default(path) => {
                    config::write_ring(&path, &grown)?;
                    println!(
                        "key version {} added to {}; now run `homeward keys rotate`",
                        grown.newest(),
                        path.display()
                    );
                }
                config::KeySource::Inline | config::KeySource::Ephemeral => {
                    println!("{}", grown.to_text().trim_end().replace('\n', ","));
                    eprintln!(
                        "set HOMEWARD_FIELD_KEY (or field_key) to the line above on every server, \
                         then run `homeward keys rotate`"
                    );
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        cli => cli,
    };
    let (app, file) = open(&cli).await?;
    let cli_actor = Actor::named("cli");
    match cli.command {
        Command::Serve { listen, no_demo } => {
            let addr = config::listen_addr(listen, &file)?;
            if !no_demo && app.is_empty().await? && app.store().users().await?.is_empty() {
                eprintln!("empty database: loading the synthetic demo population (first run)...");
                let s = app
                    .load_demo(&Actor::named("demo"), 2018, 1500, app.today())
                    .await?;
                app.add_demo_accounts().await?;
                eprintln!("demo loaded: {} persons at {} sites", s.persons, s.sites);
            }
            print_sign_in_help(&app).await?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            eprintln!(
                "homeward is serving on http://{addr}/ (API under /api/v1; stop with Ctrl-C)"
            );
            let jobs = app.clone();
            let server = server_name(addr);
            tokio::spawn(async move {
                // Every hour each server tries to claim today's review: one of them runs it.
                let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
                loop {
                    every_hour.tick().await;
                    match jobs.run_scheduled_review(&server).await {
                        Ok(Some(n)) => tracing::info!(new_tasks = n, "daily review ran"),
                        Ok(None) => tracing::debug!("daily review already claimed"),
                        Err(e) => tracing::error!(error = %e, "daily review failed"),
                    }
                }
            });
            homeward_web::serve(app, listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::Migrate => {
            println!("database is up to date ({})", app.store().backend().name());
        }
        Command::Demo {
            seed,
            persons,
            as_of,
        } => {
            let as_of = match as_of {
                Some(d) => homeward_domain::date::parse_date("--as-of", &d)?,
                None => app.today(),
            };
            let s = app
                .load_demo(&Actor::named("demo"), seed, persons, as_of)
                .await?;
            println!(
                "demo loaded: {} persons at {} sites (seed {}, ages as of {}); every record is synthetic",
                s.persons, s.sites, s.seed, s.as_of
            );
        }
        Command::Stats { json } => {
            let stats = app.stats().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print_stats(&stats);
            }
        }
        Command::Persons { json } => persons(&app, json).await?,
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            return match app.store().verify_audit().await? {
                Verdict::Intact { events, head } => {
                    println!("audit trail intact: {events} events, head {head}");
                    Ok(ExitCode::SUCCESS)
                }
                Verdict::Broken { seq, reason } => {
                    println!("audit trail BROKEN at event {seq}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            };
        }
        Command::User {
            command: UserCommand::List,
        } => {
            for u in app.store().users().await? {
                println!(
                    "{:<16} {:<17} {:<3} {}{}",
                    u.username,
                    u.role,
                    u.country_code.as_deref().unwrap_or("-"),
                    if u.demo { "demo only" } else { "" },
                    if u.active { "" } else { " (disabled)" }
                );
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    site,
                    country,
                    password_stdin,
                },
        } => {
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password")?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (homeward_app::auth::generate_password(), true)
            };
            let draft = homeward_app::auth::UserDraft {
                username,
                role,
                country,
                site,
                password,
            };
            let row = app.add_user(&cli_actor, &draft, false).await?;
            println!("account '{}' created with role {}", row.username, row.role);
            if generated {
                println!(
                    "password (shown once, give it to the user securely): {}",
                    draft.password
                );
            }
        }
        Command::Placement {
            command: PlacementCommand::Propose { person, date, json },
        } => {
            let on = match date {
                Some(d) => homeward_domain::date::parse_date("--date", &d)?,
                None => app.today(),
            };
            let row = app
                .store()
                .person_by_number(&person)
                .await
                .map_err(|_| anyhow::anyhow!("no person with registration number {person}"))?;
            let p = app.propose_placement(row.person_id(), on).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                println!("{} on {}: {}", p.registration_number, p.date, p.placement);
                println!("  rule {} version {}", p.rule.id, p.rule.version);
                println!("  {}", p.explanation);
            }
        }
        Command::Placement {
            command: PlacementCommand::Rules,
        } => {
            for r in app.rules().await? {
                println!(
                    "{:<32} v{} from {} prio {:>3} ages {}-{} {:<6} {:<20} -> {}{}",
                    r.id,
                    r.version,
                    r.effective_from,
                    r.priority,
                    r.min_age,
                    r.max_age,
                    r.sex.map_or("any", homeward_domain::person::Sex::key),
                    r.nationality.key(),
                    r.outcome.key(),
                    if r.retired { " (retired)" } else { "" }
                );
            }
        }
        Command::Jobs {
            command: JobsCommand::RunDue,
        } => {
            let added = app.run_due_jobs().await?;
            println!("daily review done: {added} new tasks");
            for t in app.store().tasks(None).await? {
                println!("  [{}] {} due {}: {}", t.team, t.kind, t.due, t.detail);
            }
        }
        Command::Dossier(args) => dossier_cmd::run(&app, args).await?,
        Command::Import(args) => return import_cmd::run(&app, args).await,
        Command::Report { command } => report_cmd::run(&app, command).await?,
        Command::Backup { out } => {
            let copied = app.backup(&out, &backup_key()?).await?;
            println!(
                "backup written to {}: {} rows ({} persons, {} audit events), encrypted",
                out.display(),
                copied.total(),
                copied.rows.get("persons").copied().unwrap_or(0),
                copied.rows.get("audit_events").copied().unwrap_or(0),
            );
        }
        Command::Keys {
            command: KeysCommand::Rotate { batch },
        } => {
            let r = app.rotate_field_keys(&cli_actor, batch).await?;
            println!(
                "field keys rotated: {} values resealed under key version {} ({} rows read, \
                 {} transactions)",
                r.resealed, r.key_version, r.examined, r.batches
            );
        }
        Command::Keys { .. } => {}
        Command::Restore { .. } => {}
        Command::Config { .. } | Command::Match { .. } => {}
    }
    let _ = cli_actor;
    Ok(ExitCode::SUCCESS)
}

/// A name for this server among several on one database: host, address and process.
fn server_name(addr: std::net::SocketAddr) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into());
    format!("{host}/{addr}/{}", std::process::id())
}

async fn print_sign_in_help(app: &App) -> anyhow::Result<()> {
    let users = app.store().users().await?;
    if users.is_empty() {
        eprintln!(
            "no account exists yet: create one with\n  homeward user add --username NAME --role administrator"
        );
    } else if users.iter().any(|u| u.demo) {
        eprintln!(
            "DEMO ONLY, synthetic data: sign in with one of these accounts, password '{}':",
            homeward_app::auth::DEMO_PASSWORD
        );
        for u in users.iter().filter(|u| u.demo) {
            eprintln!(
                "  {:<12} {}{}",
                u.username,
                u.role,
                u.country_code
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

fn print_stats(s: &homeward_app::stats::Stats) {
    println!("registry on {}", s.as_of);
    println!("  total             {:>7}", s.total);
    println!("  women             {:>7}", s.women);
    println!("  children          {:>7}", s.children);
    println!("  pregnant          {:>7}", s.pregnant);
    println!("  without documents {:>7}", s.without_documents);
    println!("  father unknown    {:>7}", s.father_unknown);
    println!("  unaccompanied     {:>7}", s.unaccompanied);
    println!("by age band:");
    for (k, v) in &s.by_age_band {
        println!("  {k:<17} {v:>7}");
    }
    println!("by nationality ({} countries):", s.by_nationality.len());
    let mut nat: Vec<_> = s.by_nationality.iter().collect();
    nat.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (k, v) in nat {
        println!("  {k:<17} {v:>7}");
    }
    println!("by site:");
    for (k, v) in &s.by_site {
        println!("  {k:<17} {v:>7}");
    }
}

#[derive(serde::Serialize)]
struct PersonLine {
    registration_number: String,
    names: Vec<String>,
    sex: String,
    date_of_birth: String,
    age: u32,
    age_estimated: bool,
    nationalities: Vec<String>,
    site: Option<String>,
    status: String,
}

async fn persons(app: &App, json: bool) -> anyhow::Result<()> {
    let store = app.store();
    let today = app.today();
    let sites: std::collections::BTreeMap<i64, String> = store
        .sites()
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .list_persons(
                &homeward_store::registry::PersonFilter::default(),
                5000,
                offset,
            )
            .await?;
        if page.items.is_empty() {
            break;
        }
        offset += i64::try_from(page.items.len())?;
        let ids: Vec<i64> = page.items.iter().map(|p| p.id).collect();
        let names = store.names_of(&ids).await?;
        let claims = store.claims_of(&ids).await?;
        for p in page.items {
            let dob = p.date_of_birth()?;
            out.push(PersonLine {
                registration_number: p.registration_number.clone(),
                names: names
                    .iter()
                    .filter(|n| n.person_id == p.id)
                    .map(|n| n.text.clone())
                    .collect(),
                sex: p.sex.clone(),
                date_of_birth: match &dob {
                    homeward_domain::date::DateOfBirth::Exact(d) => {
                        d.format("%Y-%m-%d").to_string()
                    }
                    homeward_domain::date::DateOfBirth::Year(y) => y.to_string(),
                    homeward_domain::date::DateOfBirth::Estimated {
                        age_years, made_on, ..
                    } => {
                        format!("~{age_years} years on {}", made_on.format("%Y-%m-%d"))
                    }
                },
                age: dob.age_on(today),
                age_estimated: dob.is_estimate(),
                nationalities: claims
                    .iter()
                    .filter(|c| c.person_id == p.id)
                    .map(|c| c.country_code.clone())
                    .collect(),
                site: p.current_site_id.and_then(|id| sites.get(&id).cloned()),
                status: p.status.clone(),
            });
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for p in &out {
            println!(
                "{}  {:<6} {:>3}{} {:<8} {:<14} {}",
                p.registration_number,
                p.sex,
                p.age,
                if p.age_estimated { "~" } else { " " },
                p.nationalities.join(","),
                p.site.as_deref().unwrap_or("-"),
                p.names.join(" / ")
            );
        }
        println!("{} persons", out.len());
    }
    Ok(())
}

/// The backup passphrase, from the environment only (a flag would show in the process list).
fn backup_key() -> anyhow::Result<String> {
    match std::env::var("HOMEWARD_BACKUP_KEY") {
        Ok(k) if !k.trim().is_empty() => Ok(k),
        _ => anyhow::bail!(
            "set HOMEWARD_BACKUP_KEY to the backup passphrase (at least {} characters); keep it apart from the backups",
            homeward_app::backup::MIN_KEY_CHARS
        ),
    }
}
