//! The import page's file between its dry run and its commit.
//!
//! An uploaded spreadsheet is kept in the database (table `import_staging`), found by the
//! SHA-256 of a random 256-bit token that only the uploading browser holds, and only together
//! with the user who uploaded it: another user's token, an old token or a guessed one finds
//! nothing, and no part of a path comes from the user. A staged file is kept for
//! [`STAGED_MINUTES`] minutes, removed when its import commits and when the user discards it;
//! every upload purges the expired ones. The upload is audited (`import.stage`, with the file's
//! SHA-256 and size); the import itself writes the same events as the command line.
//!
//! A commit first takes the staged file out (one delete, so two clicks on "commit" cannot
//! import it twice) and puts it back under the same token when nothing was written, so a
//! refused commit leaves the registry, the audit trail and the staged file as they were.

use homeward_domain::access::{Action, Principal, authorize};
use homeward_domain::error::Invalid;
use homeward_store::audit::NewEvent;
use homeward_store::staging::StagedFile;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::import::{ImportReport, ImportRequest, MAX_IMPORT_BYTES, read_table};
use crate::{App, AppError};

/// How long a staged file is kept.
pub const STAGED_MINUTES: i64 = 60;

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// The name shown for an uploaded file: its last path component, without control characters,
/// at most 120 characters (it is only ever shown and written to the audit trail).
pub fn display_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        "upload".to_owned()
    } else {
        clean.to_owned()
    }
}

impl App {
    /// Keeps an uploaded spreadsheet for its dry run and commit; returns the token that finds
    /// it again (for this user only). The file must be readable as a table (CSV or XLSX within
    /// the import limits): anything else is refused here and nothing is kept.
    pub async fn stage_import(
        &self,
        p: &Principal,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<String, AppError> {
        authorize(p, Action::WriteRegistry)?;
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(Invalid::one(
                "file",
                "HW-IMP-0002",
                format!(
                    "file: larger than {} MB; split it",
                    MAX_IMPORT_BYTES / (1024 * 1024)
                ),
            )
            .into());
        }
        read_table(&bytes)?;
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let name = display_name(file_name);
        let sha = hex::encode(Sha256::digest(&bytes));
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.purge_staged_files(now - chrono::Duration::minutes(STAGED_MINUTES))
            .await?;
        let id = tx
            .stage_file(&token_hash(&token), &p.username, &name, &sha, &bytes, now)
            .await?;
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "import.stage",
            entity_type: "import",
            entity_id: name.clone(),
            before: None,
            after: Some(serde_json::json!({
                "file": name,
                "bytes": bytes.len(),
                "sha256": sha,
                "staging_id": id,
            })),
        })
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The file this user staged under `token`, if it is still kept; "not found" otherwise
    /// (also for another user's token).
    pub async fn staged_import(&self, p: &Principal, token: &str) -> Result<StagedFile, AppError> {
        authorize(p, Action::WriteRegistry)?;
        let since = self.now() - chrono::Duration::minutes(STAGED_MINUTES);
        self.store()
            .staged_file(&token_hash(token), &p.username, since)
            .await?
            .ok_or_else(|| AppError::NotFound("staged import".into()))
    }

    /// A dry run of the staged file with these `COLUMN=FIELD` mappings: writes nothing.
    pub async fn check_staged_import(
        &self,
        p: &Principal,
        token: &str,
        mappings: Vec<String>,
    ) -> Result<ImportReport, AppError> {
        let f = self.staged_import(p, token).await?;
        let req = ImportRequest {
            file_name: f.file_name,
            bytes: f.content,
            mappings,
            dry_run: true,
            skip_invalid: false,
        };
        self.import_persons(p, &req, &|_, _, _| {}).await
    }

    /// Commits the staged file (all or nothing, as [`App::import_persons`]); the staged file is
    /// removed when persons were written and kept otherwise.
    pub async fn commit_staged_import(
        &self,
        p: &Principal,
        token: &str,
        mappings: Vec<String>,
        skip_invalid: bool,
    ) -> Result<ImportReport, AppError> {
        let f = self.staged_import(p, token).await?;
        let hash = token_hash(token);
        // Take it out first: a second commit of the same file finds nothing.
        let mut tx = self.store().begin().await?;
        let taken = tx.drop_staged_file(&hash, &p.username).await?;
        tx.commit().await?;
        if !taken {
            return Err(AppError::NotFound("staged import".into()));
        }
        let req = ImportRequest {
            file_name: f.file_name.clone(),
            bytes: f.content,
            mappings,
            dry_run: false,
            skip_invalid,
        };
        let result = self.import_persons(p, &req, &|_, _, _| {}).await;
        let written = matches!(&result, Ok(r) if r.committed > 0);
        if !written {
            // Put it back as it was, so the user can change the mapping or skip invalid rows.
            let mut tx = self.store().begin().await?;
            let at = chrono::NaiveDateTime::parse_from_str(&f.staged_at, "%Y-%m-%dT%H:%M:%S%.f")
                .unwrap_or_else(|_| self.now());
            tx.stage_file(&hash, &p.username, &f.file_name, &f.sha256, &req.bytes, at)
                .await?;
            tx.commit().await?;
        }
        result
    }

    /// Removes a staged file of this user (nothing happens when there is none).
    pub async fn discard_staged_import(&self, p: &Principal, token: &str) -> Result<(), AppError> {
        authorize(p, Action::WriteRegistry)?;
        let mut tx = self.store().begin().await?;
        tx.drop_staged_file(&token_hash(token), &p.username).await?;
        tx.commit().await?;
        Ok(())
    }
}
