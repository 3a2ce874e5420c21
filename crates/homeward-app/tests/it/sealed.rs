//! Field encryption on every backend: DNA references and evidence notes are stored sealed (the
//! SQLite file and its write-ahead log hold no plain text, the audit trail neither), read back
//! as plain text, still open after a new key version is added, are resealed by a rotation so
//! that the old version can be retired, and a wrong key is refused with a clear message.

use std::sync::Arc;

use homeward_app::courts::IncidentDraft;
use homeward_app::registry::{LinkDraft, NameDraft, RegisterPerson};
use homeward_app::sealed::KeyRing;
use homeward_app::{Actor, App, AppError, FixedClock};
use homeward_domain::person::{PersonDraft, PersonId};
use homeward_store::Store;
use homeward_store::audit::Verdict;
use homeward_store::courts::ProtectionFilter;
use homeward_testkit::{TestDb, backends, test_now};

const DNA_REF: &str = "DNA-LAB-BAGHDAD-7731-SECRET";
const NOTE: &str = "swab taken at the clinic, mother present, results to the Dutch embassy";
const LINK_REF: &str = "DNA-LINK-ZZ-55012";
const NARRATIVE: &str = "a guard in block C threatened her at the night count";
const ACTION: &str = "moved to block A, psychologist informed the same day";

async fn app_with(db: &TestDb, ring: &KeyRing) -> App {
    let store = Store::connect(&db.url).await.expect("connect");
    let app = App::with_keys(
        store,
        Arc::new(FixedClock(test_now())),
        Arc::new(ring.clone()),
    );
    app.migrate().await.expect("migrate");
    app
}

async fn person(app: &App, sex: &str, dob: &str, name: &str) -> i64 {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: sex.into(),
            date_of_birth: Some(dob.into()),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: name.into(),
            ..NameDraft::default()
        }],
        nationalities: vec!["NL".into()],
        ..RegisterPerson::default()
    };
    app.register_person(&Actor::named("registrar"), &cmd)
        .await
        .unwrap()
        .person
        .id
}

/// A mother and child linked by DNA, the child's claim with DNA evidence. Returns the child.
async fn story(app: &App) -> i64 {
    let mother = person(app, "female", "1990-03-04", "Sanne de Vries").await;
    let child = person(app, "male", "2015-06-07", "Daan de Vries").await;
    let link = app
        .add_link(
            &Actor::named("cw"),
            &LinkDraft {
                from: mother,
                to: child,
                relation: "mother".into(),
                basis: Some("dna".into()),
                confidence: Some("confirmed".into()),
                evidence_ref: Some(LINK_REF.into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        link.evidence_ref.as_deref(),
        Some(LINK_REF),
        "the caller sees plain text"
    );
    let file = app.store().person_file(PersonId(child)).await.unwrap();
    let ev = app
        .add_evidence(
            &Actor::named("cw"),
            file.claims[0].id,
            "dna_result_reference",
            DNA_REF,
            NOTE,
        )
        .await
        .unwrap();
    assert_eq!((ev.reference.as_str(), ev.note.as_str()), (DNA_REF, NOTE));
    let worker = homeward_domain::access::Principal {
        user_id: 1,
        username: "cw".into(),
        role: homeward_domain::access::Role::CaseWorker,
        country: None,
        site: None,
    };
    let v = app
        .report_incident(
            &worker,
            &IncidentDraft {
                person: file.person.registration_number.clone(),
                kind: "threats".into(),
                occurred_on: "2018-01-30".into(),
                narrative: NARRATIVE.into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(v.incident.report_narrative, NARRATIVE);
    let v = app
        .follow_up_incident(
            &worker,
            v.incident.id,
            v.incident.version,
            ACTION,
            v.statuses[0].as_str(),
        )
        .await
        .unwrap();
    assert_eq!(v.actions[0].action_note, ACTION);
    child
}

async fn assert_plain_on_read(app: &App, child: i64) {
    let file = app.store().person_file(PersonId(child)).await.unwrap();
    assert_eq!(file.evidence[0].reference, DNA_REF);
    assert_eq!(file.evidence[0].note, NOTE);
    let link = file.links.iter().find(|l| l.to_person == child).unwrap();
    assert_eq!(link.evidence_ref.as_deref(), Some(LINK_REF));
    let incidents = app
        .store()
        .protection_incidents(&ProtectionFilter::default())
        .await
        .unwrap();
    assert_eq!(incidents[0].report_narrative, NARRATIVE);
    let actions = app
        .store()
        .protection_actions(incidents[0].id)
        .await
        .unwrap();
    assert_eq!(actions[0].action_note, ACTION);
}

fn sqlite_bytes(db: &TestDb) -> Vec<u8> {
    let path = db.url.strip_prefix("sqlite://").unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn sensitive_fields_are_sealed_at_rest_and_plain_on_read() {
    for db in backends().await {
        let ring = KeyRing::generate();
        let app = app_with(&db, &ring).await;
        let child = story(&app).await;
        assert_plain_on_read(&app, child).await;
        if db.backend == "sqlite" {
            let bytes = sqlite_bytes(&db);
            assert!(
                contains(&bytes, "Daan de Vries"),
                "the test reads the right file"
            );
            for secret in [DNA_REF, NOTE, LINK_REF, NARRATIVE, ACTION] {
                assert!(
                    !contains(&bytes, secret),
                    "'{secret}' is in the database file"
                );
            }
            assert!(contains(&bytes, "hw1:1:"), "sealed values are stored");
        }
        let v = app.store().verify_audit().await.unwrap();
        assert!(matches!(v, Verdict::Intact { .. }), "{v:?}");
    }
}

#[tokio::test]
async fn rotation_reseals_under_the_newest_key_and_old_values_open_until_then() {
    for db in backends().await {
        let v1 = KeyRing::generate();
        let child = story(&app_with(&db, &v1).await).await;

        // A new version is added: everything sealed under version 1 still opens.
        let v1_v2 = v1.with_new_version();
        let app = app_with(&db, &v1_v2).await;
        assert_plain_on_read(&app, child).await;

        // Only version 2: the version 1 values are refused, naming the missing version.
        let only_v2 = KeyRing::parse(v1_v2.to_text().lines().nth(1).unwrap()).unwrap();
        let e = app_with(&db, &only_v2)
            .await
            .store()
            .person_file(PersonId(child))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 1, which is not in"), "{e}");

        let r = app
            .rotate_field_keys(&Actor::named("admin"), 1)
            .await
            .unwrap();
        assert_eq!(r.key_version, 2);
        assert_eq!(r.resealed, 5, "{r:?}");
        assert!(r.batches >= 2, "one transaction per batch: {r:?}");
        // Running it again finds nothing left to do (a stopped rotation just runs again).
        let again = app
            .rotate_field_keys(&Actor::named("admin"), 1)
            .await
            .unwrap();
        assert_eq!((again.resealed, again.batches), (0, 0), "{again:?}");

        // Version 1 can now be retired.
        assert_plain_on_read(&app_with(&db, &only_v2).await, child).await;
        let v = app.store().verify_audit().await.unwrap();
        assert!(matches!(v, Verdict::Intact { .. }), "{v:?}");
    }
}

#[tokio::test]
async fn a_wrong_key_is_refused_with_a_clear_message() {
    for db in backends().await {
        let child = story(&app_with(&db, &KeyRing::generate()).await).await;
        let other = app_with(&db, &KeyRing::generate()).await;
        let e = other
            .store()
            .person_file(PersonId(child))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 1 does not open"), "{e}");
        assert!(e.contains("HOMEWARD_FIELD_KEY"), "{e}");
        assert!(!e.contains(DNA_REF), "{e}");
        // Through the application it is an internal failure, never a wrong answer.
        let p = homeward_domain::access::Principal {
            user_id: 1,
            username: "cw".into(),
            role: homeward_domain::access::Role::CaseWorker,
            country: None,
            site: None,
        };
        let r = other.person_file_for(&p, PersonId(child), "test").await;
        assert!(matches!(r, Err(AppError::Store(_))), "{r:?}");
    }
}
