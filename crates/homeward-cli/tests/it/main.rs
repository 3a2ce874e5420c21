//! The `homeward` binary as a newcomer runs it: demo, stats, persons, audit verify, errors.

mod backup;
mod crash;
mod dossier;
mod import;
mod servers;

use std::process::{Command, Output};

use homeward_store::Store;
use homeward_testkit::backends;
use serde_json::Value;

fn homeward(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("HOMEWARD_DATABASE_URL")
        .output()
        .expect("the homeward binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn the_demo_is_shaped_like_the_reports_and_stats_say_so() {
    for db in backends().await {
        let out = homeward(&db.url, &["demo", "--seed", "7"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = homeward(&db.url, &["stats", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let s: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let total = s["total"].as_i64().unwrap();
        assert!(
            (1400..=1600).contains(&total),
            "total {total} on {}",
            db.backend
        );
        let women = s["women"].as_i64().unwrap();
        let children = s["children"].as_i64().unwrap();
        assert!((430..=570).contains(&women), "women {women}");
        assert!((900..=1100).contains(&children), "children {children}");
        let nations = s["by_nationality"].as_object().unwrap();
        assert!(
            (18..=22).contains(&nations.len()),
            "{} nationalities",
            nations.len()
        );
        let largest = nations.iter().max_by_key(|(_, v)| v.as_i64()).unwrap().0;
        assert_eq!(largest, "TR", "Turkey is the largest group");
        for key in ["pregnant", "without_documents", "father_unknown"] {
            assert!(s[key].as_i64().unwrap() > 0, "{key}");
        }
        let bands = s["by_age_band"].as_object().unwrap();
        let keys: Vec<_> = bands.keys().cloned().collect();
        assert_eq!(keys, ["0-3", "15-17", "4-14", "adult"]);
        assert!(s["by_site"].as_object().unwrap().len() >= 6);
        let again = homeward(&db.url, &["demo"]);
        assert!(
            !again.status.success(),
            "a second demo into a full registry is refused"
        );
        assert!(
            stderr(&again).contains("empty database"),
            "{}",
            stderr(&again)
        );
    }
}

#[tokio::test]
async fn persons_json_lists_every_person_with_the_promised_fields() {
    let db = &backends().await[0];
    assert!(
        homeward(&db.url, &["demo", "--as-of", "2018-02-01"])
            .status
            .success()
    );
    let out = homeward(&db.url, &["persons", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let people: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(people.len() > 1400);
    let first = &people[0];
    assert!(
        first["registration_number"]
            .as_str()
            .unwrap()
            .starts_with("HW-")
    );
    assert!(["female", "male"].contains(&first["sex"].as_str().unwrap()));
    assert!(first["age"].is_u64());
    assert!(first["nationalities"].is_array());
    assert!(first["site"].is_string());
    let arabic = people.iter().filter(|p| {
        p["names"].as_array().unwrap().iter().any(|n| {
            n.as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
        })
    });
    assert_eq!(
        arabic.count(),
        people.len(),
        "everyone has an Arabic-script registered name"
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_people() {
    let a = &backends().await[0];
    let b = &backends().await[0];
    for db in [a, b] {
        assert!(
            homeward(&db.url, &["demo", "--seed", "11", "--as-of", "2018-02-01"])
                .status
                .success()
        );
    }
    let pa = stdout(&homeward(&a.url, &["persons", "--json"]));
    let pb = stdout(&homeward(&b.url, &["persons", "--json"]));
    assert_eq!(pa, pb);
}

#[tokio::test]
async fn an_altered_audit_event_fails_verification_and_is_named() {
    for db in backends().await {
        assert!(
            homeward(
                &db.url,
                &["demo", "--persons", "200", "--as-of", "2018-02-01"]
            )
            .status
            .success()
        );
        let ok = homeward(&db.url, &["audit", "verify"]);
        assert!(ok.status.success(), "{}{}", stdout(&ok), stderr(&ok));
        assert!(stdout(&ok).contains("intact"));

        // Someone with the database file drops the guard triggers and edits event 42.
        let store = Store::connect(&db.url).await.unwrap();
        let drop = match store.backend() {
            homeward_store::Backend::Sqlite => "DROP TRIGGER audit_events_no_update;",
            homeward_store::Backend::Postgres => {
                "DROP TRIGGER audit_events_no_update ON audit_events;"
            }
        };
        let mut tx = store.begin().await.unwrap();
        tx.raw_execute(drop).await.unwrap();
        tx.raw_execute("UPDATE audit_events SET actor = 'nobody' WHERE seq = 42")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        store.close().await;

        let bad = homeward(&db.url, &["audit", "verify"]);
        assert_eq!(bad.status.code(), Some(1), "{}", db.backend);
        assert!(stdout(&bad).contains("event 42"), "{}", stdout(&bad));
    }
}

#[test]
fn an_unsupported_database_url_gets_one_line_saying_what_to_do() {
    let out = homeward("mysql://root:secret@localhost/db", &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("sqlite://") && err.contains("postgres://"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "the password is never printed: {err}"
    );
}

#[test]
fn an_unreachable_database_says_what_to_check() {
    let out = homeward("postgres://homeward:pw@127.0.0.1:1/none", &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("PostgreSQL is running"), "{err}");
    assert!(!err.contains(":pw@"), "{err}");
}
