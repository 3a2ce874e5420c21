//! `homeward dossier`: the repatriation dossier of a person (or family) as a PDF file.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use homeward_app::dossier::DossierRequest;
use homeward_app::{Actor, App};
use homeward_domain::access::{Principal, Role};

/// Arguments of `homeward dossier`.
#[derive(Debug, Args)]
pub struct DossierArgs {
    /// Registration number of the person, e.g. HW-000123.
    #[arg(long, value_name = "REGISTRATION_NUMBER")]
    person: String,
    /// ar (Arabic only), or en, fr or ru beside Arabic.
    #[arg(long, default_value = "ar", value_name = "LANG")]
    lang: String,
    /// The PDF file to write (written only when the dossier and its disclosures are recorded).
    #[arg(long, value_name = "FILE.pdf")]
    out: PathBuf,
    /// The receiving country (ISO alpha-2); default: the person's only claimed nationality.
    #[arg(long, value_name = "COUNTRY")]
    to: Option<String>,
    /// Include the family members (mother, father, children, siblings).
    #[arg(long)]
    family: bool,
}

/// The command line acts as a ministry case worker: it has the database in hand anyway, and
/// the dossier still needs a consent or legal basis on record for each person it releases.
fn operator() -> Principal {
    Principal {
        user_id: 0,
        username: "cli".to_owned(),
        role: Role::CaseWorker,
        country: None,
        site: None,
    }
}

/// Produces the dossier, records its disclosures and writes the file.
pub async fn run(app: &App, args: DossierArgs) -> anyhow::Result<()> {
    let row = app
        .store()
        .person_by_number(args.person.trim())
        .await
        .map_err(|_| anyhow::anyhow!("no person with registration number {}", args.person))?;
    let req = DossierRequest {
        person: row.person_id(),
        lang: args.lang.clone(),
        to_country: args.to.clone(),
        family: args.family,
    };
    // Open the file beside the target first (a dossier is not released when it cannot be
    // written), write it, then rename: a reader never sees half a file.
    let dir = args
        .out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let (tmp_path, mut tmp) = tempfile_in(&dir)?;
    let produced = app.dossier(&operator(), &Actor::named("cli"), &req).await;
    let out = match produced {
        Ok(out) => out,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp_path);
            anyhow::bail!("{e}");
        }
    };
    let written = tmp
        .write_all(&out.pdf)
        .and_then(|()| tmp.sync_all())
        .and_then(|()| std::fs::rename(&tmp_path, &args.out));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(e).with_context(|| format!("cannot write {}", args.out.display()));
    }
    println!(
        "dossier for {} written to {} ({} bytes): {}",
        out.to_country,
        args.out.display(),
        out.pdf.len(),
        out.included.join(", ")
    );
    println!(
        "disclosure recorded for each person ({} entries in the register)",
        out.disclosures.len()
    );
    if !out.withheld.is_empty() {
        println!(
            "left out (no consent and no approved legal basis for {}): {}",
            out.to_country,
            out.withheld.join(", ")
        );
    }
    Ok(())
}

fn tempfile_in(dir: &std::path::Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(".homeward-dossier-{}.part", std::process::id()));
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    Ok((path, file))
}
