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

/// A migrated app over `db` whose clock the test moves.
pub async fn app_with_clock(db: &TestDb, clock: homeward_app::ManualClock) -> App {
    let store = Store::connect(&db.url).await.expect("connect");
    let app = App::new(store, Arc::new(clock));
    app.migrate().await.expect("migrate");
    app
}

/// The password of the accounts [`account`] makes.
pub const TEST_PASSWORD: &str = "correct horse battery";

/// Creates an account, signs it in and returns the session token. For a role that must use a
/// second factor (administrator, consular officer) it sets one up first, with a code computed
/// from the app's clock, as the user's authenticator app would.
pub async fn account(app: &App, name: &str, role: &str, country: Option<&str>) -> String {
    let draft = homeward_app::auth::UserDraft {
        username: name.into(),
        role: role.into(),
        country: country.map(str::to_owned),
        site: None,
        password: TEST_PASSWORD.into(),
    };
    app.add_user(&homeward_app::Actor::named("test"), &draft, false)
        .await
        .expect("add the account");
    let token = app.sign_in(name, TEST_PASSWORD).await.expect("sign in").0;
    enrol_if_required(app, &token).await;
    token
}

/// Sets up the second factor of a signed-in account whose role requires one.
pub async fn enrol_if_required(app: &App, token: &str) {
    if !matches!(
        app.session(token).await,
        Err(homeward_app::AppError::Authentication(
            homeward_app::AuthNeed::Enrolment
        ))
    ) {
        return;
    }
    let (user, _) = app.session_details(token).await.expect("session");
    let (secret, _) = app
        .begin_totp(token)
        .await
        .expect("start the second factor");
    let now = u64::try_from(app.now().and_utc().timestamp()).expect("a time after 1970");
    let code = homeward_app::auth::totp_for(&secret, &user.username)
        .expect("totp")
        .generate(now)
        .to_string();
    app.confirm_totp(token, &code)
        .await
        .expect("confirm the second factor");
}
