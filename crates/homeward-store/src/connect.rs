//! Opening the database named by a URL, migrating it, and the write transaction.

use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row, Transaction};

use crate::{Result, StoreError};

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (the default).
    Sqlite,
    /// A PostgreSQL server, for deployments with several servers.
    Postgres,
}

impl Backend {
    /// The engine a URL names, or a message saying which URLs work.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL '{}': use sqlite://FILE (the default, e.g. \
                 sqlite://homeward.db) or postgres://USER@HOST:PORT/DATABASE",
                redact(url)
            )))
        }
    }

    /// The name used in messages and figures.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A URL with any password replaced by `***`, safe to print.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Shipped migrations, in order. Never edit one that has shipped: add the next.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "users_sessions_access",
        sqlite: include_str!("../migrations/sqlite/0002_users_sessions_access.sql"),
        postgres: include_str!("../migrations/postgres/0002_users_sessions_access.sql"),
    },
    Migration {
        version: 3,
        name: "placement_custody",
        sqlite: include_str!("../migrations/sqlite/0003_placement_custody.sql"),
        postgres: include_str!("../migrations/postgres/0003_placement_custody.sql"),
    },
    Migration {
        version: 4,
        name: "person_files",
        sqlite: include_str!("../migrations/sqlite/0004_person_files.sql"),
        postgres: include_str!("../migrations/postgres/0004_person_files.sql"),
    },
    Migration {
        version: 5,
        name: "identity",
        sqlite: include_str!("../migrations/sqlite/0005_identity.sql"),
        postgres: include_str!("../migrations/postgres/0005_identity.sql"),
    },
    Migration {
        version: 6,
        name: "repatriation",
        sqlite: include_str!("../migrations/sqlite/0006_repatriation.sql"),
        postgres: include_str!("../migrations/postgres/0006_repatriation.sql"),
    },
    Migration {
        version: 7,
        name: "sign_in_hardening",
        sqlite: include_str!("../migrations/sqlite/0007_sign_in_hardening.sql"),
        postgres: include_str!("../migrations/postgres/0007_sign_in_hardening.sql"),
    },
    Migration {
        version: 8,
        name: "courts_incidents",
        sqlite: include_str!("../migrations/sqlite/0008_courts_incidents.sql"),
        postgres: include_str!("../migrations/postgres/0008_courts_incidents.sql"),
    },
    Migration {
        version: 9,
        name: "care_health",
        sqlite: include_str!("../migrations/sqlite/0009_care_health.sql"),
        postgres: include_str!("../migrations/postgres/0009_care_health.sql"),
    },
    Migration {
        version: 10,
        name: "reports_imports",
        sqlite: include_str!("../migrations/sqlite/0010_reports_imports.sql"),
        postgres: include_str!("../migrations/postgres/0010_reports_imports.sql"),
    },
    Migration {
        version: 11,
        name: "field_keys",
        sqlite: include_str!("../migrations/sqlite/0011_field_keys.sql"),
        postgres: include_str!("../migrations/postgres/0011_field_keys.sql"),
    },
    Migration {
        version: 13,
        name: "import_staging",
        sqlite: include_str!("../migrations/sqlite/0013_import_staging.sql"),
        postgres: include_str!("../migrations/postgres/0013_import_staging.sql"),
    },
    Migration {
        version: 14,
        name: "tallies",
        sqlite: include_str!("../migrations/sqlite/0014_tallies.sql"),
        postgres: include_str!("../migrations/postgres/0014_tallies.sql"),
    },
    Migration {
        version: 15,
        name: "change_epochs",
        sqlite: include_str!("../migrations/sqlite/0015_change_epochs.sql"),
        postgres: include_str!("../migrations/postgres/0015_change_epochs.sql"),
    },
    Migration {
        version: 16,
        name: "document_number_lookup",
        sqlite: include_str!("../migrations/sqlite/0016_document_number_lookup.sql"),
        postgres: include_str!("../migrations/postgres/0016_document_number_lookup.sql"),
    },
];

impl Store {
    /// How many migrations this build ships.
    pub fn shipped_migrations() -> usize {
        MIGRATIONS.len()
    }
}

/// The registry's storage.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    cipher: crate::sealing::Cipher,
    views: crate::access_log::ViewWriter,
    counts: ListCounts,
}

/// Counts of list filters, each with the audit head it was counted at (see `list_persons`).
#[derive(Clone, Debug, Default)]
pub(crate) struct ListCounts(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (i64, i64)>>>,
);

impl ListCounts {
    /// Filters remembered at most; past it the memory starts again.
    const MAX: usize = 256;

    /// The count for `key` made at audit head `head`, if any.
    pub(crate) fn get(&self, key: &str, head: i64) -> Option<i64> {
        let map = self.0.lock().ok()?;
        map.get(key).filter(|(h, _)| *h == head).map(|(_, n)| *n)
    }

    /// Remembers the count for `key` at audit head `head`.
    pub(crate) fn put(&self, key: String, head: i64, total: i64) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= Self::MAX {
                map.clear();
            }
            map.insert(key, (head, total));
        }
    }
}

static DRIVERS: Once = Once::new();

impl Store {
    /// Opens the database at `url` (a SQLite file is created when missing).
    pub async fn connect(url: &str) -> Result<Self> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|e| {
            StoreError::Config(format!(
                "cannot read the database URL '{}': {e}",
                redact(&url)
            ))
        })?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            // The pool's own check pings every connection on every checkout: a round trip
            // per statement for nothing on a busy server. A PostgreSQL connection idle for a
            // second or more is still pinged (the server may have restarted or dropped it);
            // an embedded SQLite file cannot hang up.
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                Box::pin(async move {
                    if backend == Backend::Postgres && meta.idle_for >= Duration::from_secs(1) {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| {
                StoreError::Config(format!(
                    "cannot open the database at {}: {e}. Check --database or \
                     HOMEWARD_DATABASE_URL{}",
                    redact(&url),
                    match backend {
                        Backend::Postgres => ", and that PostgreSQL is running and reachable",
                        Backend::Sqlite => ", and that the folder exists and is writable",
                    }
                ))
            })?;
        let store = Store {
            pool,
            backend,
            cipher: crate::sealing::Cipher::default(),
            views: crate::access_log::ViewWriter::default(),
            counts: ListCounts::default(),
        };
        if backend == Backend::Postgres {
            store.check_postgres_version().await?;
        }
        Ok(store)
    }

    async fn check_postgres_version(&self) -> Result<()> {
        let row = sqlx::query("SELECT CAST(current_setting('server_version_num') AS BIGINT) AS v")
            .fetch_one(&self.pool)
            .await?;
        let v: i64 = row.try_get("v")?;
        if v < 130000 {
            return Err(StoreError::Config(format!(
                "PostgreSQL {} is too old: homeward needs version 13 or later",
                v / 10000
            )));
        }
        Ok(())
    }

    /// This store with sealed columns encrypted by `cipher` (see [`crate::sealing`]).
    pub fn with_cipher(mut self, cipher: Arc<dyn crate::sealing::FieldCipher>) -> Self {
        self.cipher = crate::sealing::Cipher(Some(cipher));
        self
    }

    /// Whether sealed columns are encrypted by this store.
    pub fn has_cipher(&self) -> bool {
        self.cipher.0.is_some()
    }

    pub(crate) fn cipher(&self) -> &crate::sealing::Cipher {
        &self.cipher
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The list counts kept per filter.
    pub(crate) fn list_counts(&self) -> &ListCounts {
        &self.counts
    }

    /// The access log's group writer.
    pub(crate) fn views(&self) -> &crate::access_log::ViewWriter {
        &self.views
    }

    /// The connection pool, for the read queries of this crate.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies the migrations not yet applied, each in its own transaction. Returns how many ran.
    pub async fn migrate(&self) -> Result<usize> {
        let mut conn = self.pool.acquire().await?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL)",
        )
        .await?;
        let mut ran = 0;
        for m in MIGRATIONS {
            let mut tx = conn.begin().await?;
            let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
                .bind(m.version)
                .bind(m.name)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Opens a write transaction: it takes the audit head first, so writers queue up instead of
    /// failing half-way, and the audit chain stays a single line.
    pub async fn begin(&self) -> Result<WriteTx> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(WriteTx {
            tx,
            cipher: self.cipher.clone(),
            backend: self.backend,
        })
    }

    /// A pooled connection for reads.
    pub(crate) async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A write transaction: the change, its audit event and anything it enqueues commit together.
pub struct WriteTx {
    tx: Transaction<'static, sqlx::Any>,
    pub(crate) cipher: crate::sealing::Cipher,
    pub(crate) backend: Backend,
}

impl WriteTx {
    /// The connection inside the transaction.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Commits everything written in this transaction.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Abandons everything written in this transaction.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl WriteTx {
    /// Runs raw SQL inside the transaction. For tests and maintenance only: it bypasses every
    /// rule of this crate.
    #[doc(hidden)]
    pub async fn raw_execute(&mut self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sql).execute(self.conn()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_and_others_are_refused() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        let e = Backend::from_url("mysql://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sqlite://"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }
}
