//! Sealed columns: the most sensitive free text (DNA result references, evidence notes,
//! incident narratives, care and health notes) is stored encrypted, sealed on write and opened
//! on read inside this crate, so every read path sees plain text and the database file, its
//! backups and the audit trail's snapshots hold only ciphertext.
//!
//! The cryptography lives in `homeward-app` (`sealed.rs`, keys from configuration); this crate
//! knows only the [`FieldCipher`] trait, which columns are sealed ([`SEALED_COLUMNS`]) and the
//! context each value is bound to (table, column and owning record), so a sealed value copied
//! into another column or another person's row does not open.

use std::sync::Arc;

use sqlx::Row;

use crate::connect::WriteTx;
use crate::{Result, StoreError};

/// The prefix of every sealed value (`hw1:<key version>:<nonce>:<ciphertext>`).
pub const SEALED_PREFIX: &str = "hw1:";

/// Encrypts and decrypts column values; implemented by the application's key ring.
pub trait FieldCipher: Send + Sync {
    /// Seals `plain`, bound to `context`, under the newest key version.
    fn seal(&self, plain: &str, context: &str) -> std::result::Result<String, String>;
    /// Opens a sealed value bound to `context`; the error says why it cannot be opened.
    fn unseal(&self, sealed: &str, context: &str) -> std::result::Result<String, String>;
    /// The newest key version: values under an older one are resealed by a rotation.
    fn newest_version(&self) -> u32;
}

/// The key version a sealed value was sealed under, if it is a sealed value.
pub fn version_of(stored: &str) -> Option<u32> {
    stored
        .strip_prefix(SEALED_PREFIX)?
        .split(':')
        .next()?
        .parse()
        .ok()
}

/// The cipher a store uses, if one was given (a store without one writes plain text, for tools
/// and tests that do not go through the application).
#[derive(Clone, Default)]
pub(crate) struct Cipher(pub(crate) Option<Arc<dyn FieldCipher>>);

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Cipher(keys)"
        } else {
            "Cipher(none)"
        })
    }
}

impl Cipher {
    /// Seals a value of `table.column` owned by record `owner`. Empty text stays empty.
    pub(crate) fn seal(
        &self,
        table: &str,
        column: &str,
        owner: i64,
        plain: &str,
    ) -> Result<String> {
        match &self.0 {
            Some(c) if !plain.is_empty() => c
                .seal(plain, &context(table, column, owner))
                .map_err(StoreError::Sealed),
            _ => Ok(plain.to_owned()),
        }
    }

    /// Seals an optional value.
    pub(crate) fn seal_opt(
        &self,
        table: &str,
        column: &str,
        owner: i64,
        plain: Option<&str>,
    ) -> Result<Option<String>> {
        plain
            .map(|p| self.seal(table, column, owner, p))
            .transpose()
    }

    /// Opens a stored value in place; plain text (written before sealing existed) is left as is.
    pub(crate) fn open(
        &self,
        table: &str,
        column: &str,
        owner: i64,
        value: &mut String,
    ) -> Result<()> {
        if !value.starts_with(SEALED_PREFIX) {
            return Ok(());
        }
        let Some(c) = &self.0 else {
            return Err(StoreError::Sealed(format!(
                "{table}.{column} of record {owner} is sealed and no field key is configured: \
                 set HOMEWARD_FIELD_KEY (or field_key_file) to the key ring it was sealed with"
            )));
        };
        *value = c
            .unseal(value, &context(table, column, owner))
            .map_err(|e| StoreError::Sealed(format!("{table}.{column} of record {owner}: {e}")))?;
        Ok(())
    }

    /// Opens an optional stored value in place.
    pub(crate) fn open_opt(
        &self,
        table: &str,
        column: &str,
        owner: i64,
        value: &mut Option<String>,
    ) -> Result<()> {
        match value {
            Some(v) => self.open(table, column, owner, v),
            None => Ok(()),
        }
    }
}

/// The context a value is bound to (the AEAD's associated data).
fn context(table: &str, column: &str, owner: i64) -> String {
    format!("{table}.{column}:{owner}")
}

/// One sealed column: its table, the table's key, the column, and the column naming the record
/// the value belongs to (known before the insert, unlike the row's own id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub key: &'static str,
    pub column: &'static str,
    pub owner: &'static str,
}

/// Every sealed column of the schema: evidence and family-link references, protection
/// incident accounts, care and health notes (`*_note`, `*_detail` of the care tables) and the
/// users' TOTP secrets (bound to the user's own id).
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn {
        table: "claim_evidence",
        key: "id",
        column: "reference",
        owner: "claim_id",
    },
    SealedColumn {
        table: "claim_evidence",
        key: "id",
        column: "note",
        owner: "claim_id",
    },
    SealedColumn {
        table: "family_links",
        key: "id",
        column: "evidence_ref",
        owner: "from_person",
    },
    SealedColumn {
        table: "protection_incidents",
        key: "id",
        column: "report_narrative",
        owner: "person_id",
    },
    SealedColumn {
        table: "protection_incident_actions",
        key: "id",
        column: "action_note",
        owner: "incident_id",
    },
    SealedColumn {
        table: "care_goals",
        key: "id",
        column: "goal_detail",
        owner: "plan_id",
    },
    SealedColumn {
        table: "care_reviews",
        key: "id",
        column: "review_note",
        owner: "plan_id",
    },
    SealedColumn {
        table: "bi_procedures",
        key: "id",
        column: "question_detail",
        owner: "person_id",
    },
    SealedColumn {
        table: "bi_procedures",
        key: "id",
        column: "assessment_note",
        owner: "person_id",
    },
    SealedColumn {
        table: "bi_procedures",
        key: "id",
        column: "decision_note",
        owner: "person_id",
    },
    SealedColumn {
        table: "bi_procedures",
        key: "id",
        column: "implementation_note",
        owner: "person_id",
    },
    SealedColumn {
        table: "programme_sessions",
        key: "id",
        column: "progress_note",
        owner: "enrolment_id",
    },
    SealedColumn {
        table: "schooling",
        key: "id",
        column: "schooling_note",
        owner: "person_id",
    },
    SealedColumn {
        table: "health_conditions",
        key: "id",
        column: "condition_detail",
        owner: "person_id",
    },
    SealedColumn {
        table: "health_conditions",
        key: "id",
        column: "essential_need_detail",
        owner: "person_id",
    },
    SealedColumn {
        table: "fitness_to_travel",
        key: "id",
        column: "fitness_note",
        owner: "person_id",
    },
    SealedColumn {
        table: "repat_best_interests",
        key: "id",
        column: "assessment",
        owner: "child_id",
    },
    SealedColumn {
        table: "users",
        key: "id",
        column: "totp_secret",
        owner: "id",
    },
];

/// What one batch of a rotation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResealBatch {
    /// Rows read.
    pub examined: usize,
    /// Values sealed again under the newest key (or sealed for the first time).
    pub resealed: usize,
    /// The key of the last row read; `None` when the table has no row after the start.
    pub last_key: Option<i64>,
}

impl WriteTx {
    /// Seals again, under the newest key version, every value of `col` in up to `limit` rows
    /// whose key is greater than `after`; values already under the newest version are left
    /// alone, so a rotation that stopped half-way simply runs again.
    pub async fn reseal_batch(
        &mut self,
        col: &SealedColumn,
        after: i64,
        limit: i64,
    ) -> Result<ResealBatch> {
        let Some(newest) = self.cipher.0.as_ref().map(|c| c.newest_version()) else {
            return Err(StoreError::Sealed(
                "no field key is configured: nothing can be resealed".into(),
            ));
        };
        let sql = format!(
            "SELECT {key} AS k, {owner} AS o, {column} AS v FROM {table} WHERE {key} > $1 \
             ORDER BY {key} LIMIT $2",
            key = col.key,
            owner = col.owner,
            column = col.column,
            table = col.table
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        let mut out = ResealBatch::default();
        let update = format!(
            "UPDATE {table} SET {column} = $1 WHERE {key} = $2",
            table = col.table,
            column = col.column,
            key = col.key
        );
        for r in rows {
            let key: i64 = r.try_get("k")?;
            let owner: i64 = r.try_get("o")?;
            let value: Option<String> = r.try_get("v")?;
            out.examined += 1;
            out.last_key = Some(key);
            let Some(mut value) = value else { continue };
            if value.is_empty() || version_of(&value) == Some(newest) {
                continue;
            }
            let cipher = self.cipher.clone();
            cipher.open(col.table, col.column, owner, &mut value)?;
            let sealed = cipher.seal(col.table, col.column, owner, &value)?;
            sqlx::query(&update)
                .bind(sealed)
                .bind(key)
                .execute(self.conn())
                .await?;
            out.resealed += 1;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_sealed_values_only() {
        assert_eq!(version_of("hw1:3:abc:def"), Some(3));
        assert_eq!(version_of("hw1:x:abc:def"), None);
        assert_eq!(version_of("a plain note"), None);
    }

    #[test]
    fn without_a_cipher_plain_text_passes_and_sealed_text_is_refused_clearly() {
        let c = Cipher::default();
        assert_eq!(c.seal("t", "c", 1, "plain").unwrap(), "plain");
        let mut v = "plain".to_owned();
        c.open("t", "c", 1, &mut v).unwrap();
        assert_eq!(v, "plain");
        let mut v = "hw1:1:aa:bb".to_owned();
        let e = c.open("t", "c", 1, &mut v).unwrap_err().to_string();
        assert!(e.contains("HOMEWARD_FIELD_KEY"), "{e}");
    }
}
