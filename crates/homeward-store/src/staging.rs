//! Import files waiting between their dry run and their commit on the import page. A staged
//! file is found only by the SHA-256 of its random token together with the user who uploaded
//! it, so neither a path nor another user's token reaches it.

use chrono::NaiveDateTime;
use sqlx::Row;

use crate::audit::moment;
use crate::{Result, Store, WriteTx, classify};

/// A staged import file.
#[derive(Debug, Clone)]
pub struct StagedFile {
    /// Row id.
    pub id: i64,
    /// Who uploaded it.
    pub username: String,
    /// The file's name as uploaded (shown, never used as a path).
    pub file_name: String,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Its bytes.
    pub content: Vec<u8>,
    /// When it was staged.
    pub staged_at: String,
}

impl Store {
    /// The file staged under this token hash by this user and not older than `since`.
    pub async fn staged_file(
        &self,
        token_sha256: &str,
        username: &str,
        since: NaiveDateTime,
    ) -> Result<Option<StagedFile>> {
        let row = sqlx::query(
            "SELECT id, username, file_name, sha256, content, staged_at FROM import_staging \
             WHERE token_sha256 = $1 AND username = $2 AND staged_at >= $3",
        )
        .bind(token_sha256)
        .bind(username)
        .bind(moment(since))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(StagedFile {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                file_name: r.try_get("file_name")?,
                sha256: r.try_get("sha256")?,
                content: r.try_get("content")?,
                staged_at: r.try_get("staged_at")?,
            })
        })
        .transpose()
    }
}

impl WriteTx {
    /// Stages a file; returns its row id.
    pub async fn stage_file(
        &mut self,
        token_sha256: &str,
        username: &str,
        file_name: &str,
        sha256: &str,
        content: &[u8],
        at: NaiveDateTime,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO import_staging (token_sha256, username, file_name, size_bytes, sha256, \
             content, staged_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(token_sha256)
        .bind(username)
        .bind(file_name)
        .bind(i64::try_from(content.len()).unwrap_or(i64::MAX))
        .bind(sha256)
        .bind(content.to_vec())
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        Ok(row.try_get("id")?)
    }

    /// Removes one staged file of this user; returns whether there was one.
    pub async fn drop_staged_file(&mut self, token_sha256: &str, username: &str) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM import_staging WHERE token_sha256 = $1 AND username = $2")
                .bind(token_sha256)
                .bind(username)
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes every staged file older than `before`; returns how many.
    pub async fn purge_staged_files(&mut self, before: NaiveDateTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM import_staging WHERE staged_at < $1")
            .bind(moment(before))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }
}
