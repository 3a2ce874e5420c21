//! Photos and document scans of persons.

use chrono::NaiveDateTime;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::moment;
use crate::connect::WriteTx;
use crate::{Result, Store, StoreError, classify};

/// A stored file's description (the content is read separately).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileRow {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub label: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

impl FileRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            kind: r.try_get("kind")?,
            label: r.try_get("label")?,
            media_type: r.try_get("media_type")?,
            size_bytes: r.try_get("size_bytes")?,
            sha256: r.try_get("sha256")?,
            uploaded_by: r.try_get("uploaded_by")?,
            uploaded_at: r.try_get("uploaded_at")?,
        })
    }
}

const COLUMNS: &str =
    "id, person_id, kind, label, media_type, size_bytes, sha256, uploaded_by, uploaded_at";

/// A file to store.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    pub person_id: i64,
    pub kind: &'a str,
    pub label: &'a str,
    pub media_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
}

impl WriteTx {
    /// Stores a file.
    pub async fn insert_file(&mut self, f: &NewFile<'_>, at: NaiveDateTime) -> Result<FileRow> {
        let sql = format!(
            "INSERT INTO person_files (person_id, kind, label, media_type, size_bytes, sha256, \
             content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(f.person_id)
            .bind(f.kind)
            .bind(f.label)
            .bind(f.media_type)
            .bind(i64::try_from(f.content.len()).unwrap_or(i64::MAX))
            .bind(f.sha256)
            .bind(f.content.to_vec())
            .bind(f.uploaded_by)
            .bind(moment(at))
            .fetch_one(self.conn())
            .await
            .map_err(classify)?;
        FileRow::from_row(&row)
    }
}

impl Store {
    /// The files of a person, oldest first.
    pub async fn files_of(&self, person_id: i64) -> Result<Vec<FileRow>> {
        let sql = format!("SELECT {COLUMNS} FROM person_files WHERE person_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(person_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(FileRow::from_row).collect()
    }

    /// One file with its content.
    pub async fn file(&self, id: i64) -> Result<(FileRow, Vec<u8>)> {
        let sql = format!("SELECT {COLUMNS}, content FROM person_files WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("file {id}")))?;
        Ok((FileRow::from_row(&row)?, row.try_get("content")?))
    }
}
