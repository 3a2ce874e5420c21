//! Several servers on one PostgreSQL database (only when HOMEWARD_TEST_DATABASE_URL names a
//! server): a session opened on one server works on the other and ends on both; the daily review
//! that both start with is claimed and run once; concurrent writes through both keep the audit
//! chain valid, and every answered registration is in the registry exactly once.

use std::sync::Arc;

use homeward_app::sealed::KeyRing;
use homeward_app::{App, FixedClock};
use homeward_store::Store;
use homeward_testkit::{TEST_PASSWORD, backends, test_now};
use serde_json::json;
use sqlx::{Connection, Row};

use crate::crash::{call, free_port, prepare, ring_text, start_server};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_share_sessions_jobs_and_one_audit_chain() {
    let Some(db) = backends()
        .await
        .into_iter()
        .find(|d| d.backend == "postgres")
    else {
        eprintln!("HOMEWARD_TEST_DATABASE_URL not set: the several-servers test needs PostgreSQL");
        return;
    };
    let ring = KeyRing::generate();
    let keys = ring_text(&ring);
    let first_token = prepare(&db.url, &ring, 120, 9).await;
    let (pa, pb) = (free_port(), free_port());
    let mut a = start_server(&db.url, pa, &keys).await;
    let mut b = start_server(&db.url, pb, &keys).await;

    // A session opened on A works on B, and ends on both when ended on B.
    let (s, body) = call(
        pa,
        "",
        "POST",
        "/api/v1/session",
        Some(&json!({ "username": "crash-cw", "password": TEST_PASSWORD })),
    )
    .await
    .unwrap();
    assert_eq!(s, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let (s, _) = call(pb, &token, "GET", "/api/v1/persons", None)
        .await
        .unwrap();
    assert_eq!(s, 200, "a session from server A is accepted by server B");
    let (s, _) = call(pb, &token, "DELETE", "/api/v1/session", None)
        .await
        .unwrap();
    assert!(s < 300, "sign out on B: {s}");
    let (s, _) = call(pa, &token, "GET", "/api/v1/persons", None)
        .await
        .unwrap();
    assert_eq!(s, 401, "a session ended on B is ended on A");

    // Concurrent registrations through both servers.
    let mut tasks = Vec::new();
    for (i, port) in [pa, pb, pa, pb, pa, pb].into_iter().enumerate() {
        let token = first_token.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for n in 0..15 {
                let (s, body) = call(
                    port,
                    &token,
                    "POST",
                    "/api/v1/persons",
                    Some(&json!({
                        "sex": "female",
                        "date_of_birth": "1992-02-03",
                        "names": [{ "text": format!("Two Servers {i}-{n}") }],
                        "nationalities": ["FR"],
                    })),
                )
                .await
                .unwrap();
                assert_eq!(s, 201, "{body}");
                ok += 1;
            }
            ok
        }));
    }
    let mut answered = 0;
    for t in tasks {
        answered += t.await.unwrap();
    }

    // The daily review both servers started with ran once.
    let store = Store::connect(&db.url).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let runs = loop {
        let runs = store
            .job_runs(homeward_app::jobs::DAILY_REVIEW)
            .await
            .unwrap();
        if runs.iter().all(|r| r.finished_at.is_some()) && !runs.is_empty() {
            break runs;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the review did not finish: {runs:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(runs.len(), 1, "{runs:?}");

    a.kill().unwrap();
    b.kill().unwrap();
    a.wait().unwrap();
    b.wait().unwrap();

    let mut c = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let n = |sql: &'static str| sqlx::query(sql);
    let count = |r: sqlx::any::AnyRow| r.get::<i64, _>(0);
    let claims = count(
        n("SELECT COUNT(*) FROM audit_events WHERE action = 'job.claim'")
            .fetch_one(&mut c)
            .await
            .unwrap(),
    );
    assert_eq!(claims, 1, "one server claimed the review");
    let registered = count(
        n("SELECT COUNT(*) FROM name_variants WHERE text LIKE 'Two Servers %'")
            .fetch_one(&mut c)
            .await
            .unwrap(),
    );
    assert_eq!(registered, answered, "every answered registration, once");
    let events = count(
        n("SELECT COUNT(*) FROM audit_events WHERE action = 'person.register'")
            .fetch_one(&mut c)
            .await
            .unwrap(),
    );
    assert!(events >= answered, "{events} registration events");

    // Claims race on the database itself: of many concurrent attempts on one day, one wins.
    let day = test_now() + chrono::Duration::days(400);
    let apps: Vec<App> = {
        let mut v = Vec::new();
        for _ in 0..2 {
            let s = Store::connect(&db.url).await.unwrap();
            v.push(App::with_keys(
                s,
                Arc::new(FixedClock(day)),
                Arc::new(ring.clone()),
            ));
        }
        v
    };
    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let app = apps[i % 2].clone();
            tokio::spawn(async move { app.run_scheduled_review(&format!("server-{i}")).await })
        })
        .collect();
    let mut ran = 0;
    for t in attempts {
        if t.await.unwrap().unwrap().is_some() {
            ran += 1;
        }
    }
    assert_eq!(ran, 1, "one of eight concurrent claims wins");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(["audit", "verify", "--database", &db.url])
        .env_remove("HOMEWARD_DATABASE_URL")
        .env("HOMEWARD_FIELD_KEY", &keys)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
