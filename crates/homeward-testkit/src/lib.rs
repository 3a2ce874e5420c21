//! Test helpers shared by the crates' integration tests (a dev-dependency only).
//!
//! `backends()` gives a fresh, empty database for every backend under test: always a SQLite
//! file in a temporary folder, and a new PostgreSQL database when `HOMEWARD_TEST_DATABASE_URL`
//! names a server (the CI script starts one on 127.0.0.1). The same test body then runs on
//! each, which is how the storage conformance suite proves both backends behave alike.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{NaiveDate, NaiveDateTime};
use homeward_app::{App, FixedClock};
use homeward_store::Store;
use sqlx::Executor;

/// A fresh database and whatever keeps it alive (a temporary folder for SQLite).
pub struct TestDb {
    /// Its URL.
    pub url: String,
    /// Backend name, for messages.
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One fresh database per backend under test.
pub async fn backends() -> Vec<TestDb> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    out.push(TestDb {
        url,
        backend: "sqlite",
        _dir: Some(dir),
    });
    if let Ok(base) = std::env::var("HOMEWARD_TEST_DATABASE_URL")
        && !base.is_empty()
    {
        out.push(fresh_postgres(&base).await);
    }
    out
}

async fn fresh_postgres(base: &str) -> TestDb {
    sqlx::any::install_default_drivers();
    let name = format!(
        "hw_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_subsec_nanos()
    );
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(base)
        .await
        .expect("HOMEWARD_TEST_DATABASE_URL must name a reachable PostgreSQL server");
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create database");
    let (prefix, _) = base.rsplit_once('/').expect("a database URL with a path");
    TestDb {
        url: format!("{prefix}/{name}"),
        backend: "postgres",
        _dir: None,
    }
}

/// The moment tests run at: a day in the period the reports describe.
pub fn test_now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2018, 2, 1)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("a valid moment")
}

/// A migrated app over `db` with its clock fixed at [`test_now`].
pub async fn app(db: &TestDb) -> App {
    app_at(db, test_now()).await
}

/// A migrated app over `db` with its clock fixed at `now`.
pub async fn app_at(db: &TestDb, now: NaiveDateTime) -> App {
    let store = Store::connect(&db.url).await.expect("connect");
    let app = App::new(store, Arc::new(FixedClock(now)));
    app.migrate().await.expect("migrate");
    app
}
