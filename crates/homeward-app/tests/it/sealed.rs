//! Field encryption on every backend: DNA references and evidence notes are stored sealed (the
//! SQLite file and its write-ahead log hold no plain text, the audit trail neither), read back
//! as plain text, still open after a new key version is added, are resealed by a rotation so
//! that the old version can be retired, and a wrong key is refused with a clear message. The
//! same for care and health notes and TOTP secrets, whose values written before sealing (plain
//! text) still read and are sealed by a rotation; incident accounts stand in the audit trail
//! only as a keyed digest.

use std::sync::Arc;

use chrono::NaiveDateTime;
use homeward_app::auth::{SignIn, UserDraft, totp_for};
use homeward_app::care::{ConditionDraft, ProcedureDraft, SchoolingDraft};
use homeward_app::courts::{IncidentDraft, action_note_mac_context, narrative_mac_context};
use homeward_app::registry::{LinkDraft, NameDraft, RegisterPerson};
use homeward_app::sealed::KeyRing;
use homeward_app::{Actor, App, AppError, FixedClock};
use homeward_domain::access::{Principal, Role};
use homeward_domain::care::{
    AssessmentDraft, CarePlanDraft, DecisionDraft, FitnessDraft, ImplementationDraft, ReviewDraft,
};
use homeward_domain::person::{PersonDraft, PersonId};
use homeward_domain::repatriation::PanelMember;
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
    app_at(db, ring, test_now()).await
}

async fn app_at(db: &TestDb, ring: &KeyRing, now: NaiveDateTime) -> App {
    let store = Store::connect(&db.url).await.expect("connect");
    let app = App::with_keys(store, Arc::new(FixedClock(now)), Arc::new(ring.clone()));
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

const GOAL: &str = "sleeps through the night without the nightmares of Baghouz";
const REVIEW: &str = "fewer nightmares since the move away from the guards' block";
const QUESTION: &str = "whether to go home with the grandmother in Tilburg";
const ASSESSMENT: &str = "asks every day for the grandmother, afraid of the uncle";
const DECISION: &str = "the grandmother is able and willing, the child wishes it";
const IMPLEMENTATION: &str = "handed over at Erbil airport with the psychologist present";
const PROGRESS: &str = "drew the family house for the first time, spoke of the father";
const SCHOOLING: &str = "reads Arabic well, hides during the air-raid drill";
const CONDITION: &str = "epilepsy after a head injury from shrapnel";
const NEED: &str = "levetiracetam 250 mg twice a day, never skipped";
const FITNESS: &str = "fit to fly with a nurse and the medication in hand luggage";
const CARE_TEXTS: [&str; 11] = [
    GOAL,
    REVIEW,
    QUESTION,
    ASSESSMENT,
    DECISION,
    IMPLEMENTATION,
    PROGRESS,
    SCHOOLING,
    CONDITION,
    NEED,
    FITNESS,
];
const ADMIN_PASSWORD: &str = "a long and quiet river";

fn case_worker() -> Principal {
    Principal {
        user_id: 1,
        username: "cw".into(),
        role: Role::CaseWorker,
        country: None,
        site: None,
    }
}

/// A child's care file and health record with every sealed text, written through the
/// use-cases. Returns (the child, the care plan).
async fn care_story(app: &App) -> (i64, i64) {
    let child = person(app, "female", "2012-04-05", "Noor Bakker").await;
    let p = case_worker();
    let view = app
        .open_care_plan(
            &p,
            PersonId(child),
            &CarePlanDraft {
                goals: vec![GOAL.into()],
                next_review_due: "2018-03-01".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        view.goals[0].goal_detail, GOAL,
        "the caller sees plain text"
    );
    app.review_care_plan(
        &p,
        view.plan.id,
        view.plan.version,
        &ReviewDraft {
            reviewed_on: "2018-01-31".into(),
            review_note: REVIEW.into(),
            next_review_due: "2018-03-01".into(),
        },
    )
    .await
    .unwrap();
    let proc = app
        .open_procedure(
            &p,
            PersonId(child),
            &ProcedureDraft {
                question: "placement".into(),
                question_detail: QUESTION.into(),
                ..ProcedureDraft::default()
            },
        )
        .await
        .unwrap();
    let proc = app
        .assess_procedure(
            &p,
            proc.id,
            proc.version,
            &AssessmentDraft {
                assessment_note: ASSESSMENT.into(),
                assessed_on: "2018-01-31".into(),
            },
        )
        .await
        .unwrap();
    let panel = [
        ("Huda Karim", "case_worker"),
        ("Sami Aziz", "psychologist"),
        ("Noor Ali", "guardian"),
    ];
    let proc = app
        .decide_procedure(
            &p,
            proc.id,
            proc.version,
            &DecisionDraft {
                panel: panel
                    .iter()
                    .map(|(n, r)| PanelMember {
                        name: (*n).into(),
                        role: (*r).into(),
                    })
                    .collect(),
                decision: "approve".into(),
                decision_note: DECISION.into(),
                decided_on: "2018-02-01".into(),
            },
        )
        .await
        .unwrap();
    let proc = app
        .implement_procedure(
            &p,
            proc.id,
            proc.version,
            &ImplementationDraft {
                implemented_on: "2018-02-01".into(),
                implementation_note: IMPLEMENTATION.into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(proc.implementation_note.as_deref(), Some(IMPLEMENTATION));
    let enrolment = app
        .enrol(&p, PersonId(child), "psychosocial", "2018-01-20")
        .await
        .unwrap();
    let session = app
        .record_session(&p, enrolment.id, "2018-01-27", true, PROGRESS)
        .await
        .unwrap();
    assert_eq!(session.progress_note, PROGRESS);
    app.record_schooling(
        &p,
        PersonId(child),
        &SchoolingDraft {
            school: "Camp school".into(),
            grade: "2".into(),
            started_on: "2018-01-02".into(),
            schooling_note: SCHOOLING.into(),
        },
    )
    .await
    .unwrap();
    app.record_condition(
        &p,
        PersonId(child),
        &ConditionDraft {
            kind: "chronic".into(),
            condition_detail: CONDITION.into(),
            essential_need_detail: NEED.into(),
            since_on: Some("2017-11-01".into()),
        },
    )
    .await
    .unwrap();
    app.record_fitness(
        &p,
        PersonId(child),
        &FitnessDraft {
            fit: true,
            assessed_on: "2018-01-31".into(),
            assessed_by: "Dr Salma".into(),
            fitness_note: FITNESS.into(),
        },
    )
    .await
    .unwrap();
    (child, view.plan.id)
}

/// Every care and health text reads back as written, through the case worker's views.
async fn assert_care_plain(app: &App, child: i64) {
    let p = case_worker();
    let care = app.care_file(&p, PersonId(child), "test").await.unwrap();
    let text = serde_json::to_string(&care).unwrap();
    let health = app.health_file(&p, PersonId(child), "test").await.unwrap();
    let text = format!("{text}{}", serde_json::to_string(&health).unwrap());
    for t in CARE_TEXTS {
        assert!(text.contains(t), "'{t}' is not shown: {text}");
    }
}

/// An administrator with a second factor set up at `now`; returns the TOTP secret.
async fn admin_with_totp(app: &App) -> String {
    app.add_user(
        &Actor::named("test"),
        &UserDraft {
            username: "chief".into(),
            role: "administrator".into(),
            password: ADMIN_PASSWORD.into(),
            ..UserDraft::default()
        },
        false,
    )
    .await
    .unwrap();
    let (token, _) = app.sign_in("chief", ADMIN_PASSWORD).await.unwrap();
    let (secret, _) = app.begin_totp(&token).await.unwrap();
    app.confirm_totp(&token, &code(app, &secret)).await.unwrap();
    assert_eq!(
        app.store()
            .user_by_name("chief")
            .await
            .unwrap()
            .totp_secret
            .as_deref(),
        Some(secret.as_str()),
        "the secret reads back as it was given"
    );
    secret
}

fn code(app: &App, secret: &str) -> String {
    let t = u64::try_from(app.now().and_utc().timestamp()).unwrap();
    totp_for(secret, "chief").unwrap().generate(t).to_string()
}

/// Signs the administrator in with a code from `secret` (the app's clock must be past the last
/// step used).
async fn sign_in_with_totp(app: &App, secret: &str) {
    let code = code(app, secret);
    app.sign_in_with(&SignIn {
        username: "chief",
        password: ADMIN_PASSWORD,
        code: Some(&code),
        agent: "test",
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn care_health_notes_and_totp_secrets_are_sealed_at_rest_and_plain_on_read() {
    for db in backends().await {
        let ring = KeyRing::generate();
        let app = app_with(&db, &ring).await;
        let (child, _) = care_story(&app).await;
        let secret = admin_with_totp(&app).await;
        assert_care_plain(&app, child).await;
        if db.backend == "sqlite" {
            let bytes = sqlite_bytes(&db);
            assert!(
                contains(&bytes, "Noor Bakker"),
                "the test reads the right file"
            );
            assert!(
                contains(&bytes, "Camp school"),
                "unsealed columns stay plain"
            );
            for secret in CARE_TEXTS.iter().copied().chain([secret.as_str()]) {
                assert!(
                    !contains(&bytes, secret),
                    "'{secret}' is in the database file"
                );
            }
        }
        // Audit snapshots leave the notes out; what they do keep is sealed or withheld.
        let trail = format!("{:?}", app.store().audit_recent(200).await.unwrap());
        for t in CARE_TEXTS.iter().copied().chain([secret.as_str()]) {
            assert!(!trail.contains(t), "'{t}' is in the audit trail");
        }
        let v = app.store().verify_audit().await.unwrap();
        assert!(matches!(v, Verdict::Intact { .. }), "{v:?}");
    }
}

#[tokio::test]
async fn rotation_reseals_care_notes_and_totp_secrets_and_seals_plain_values_written_before() {
    for db in backends().await {
        let v1 = KeyRing::generate();
        let app = app_with(&db, &v1).await;
        let (child, plan) = care_story(&app).await;
        let secret = admin_with_totp(&app).await;

        // Values written before sealing existed are plain text: they still read.
        let legacy_goal = "legacy goal written before sealing";
        let mut tx = app.store().begin().await.unwrap();
        tx.raw_execute(&format!(
            "UPDATE care_goals SET goal_detail = '{legacy_goal}' WHERE plan_id = {plan}"
        ))
        .await
        .unwrap();
        tx.raw_execute(&format!(
            "UPDATE users SET totp_secret = '{secret}' WHERE username = 'chief'"
        ))
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let goals = app.store().goals_of(plan).await.unwrap();
        assert_eq!(goals[0].goal_detail, legacy_goal);
        let later = test_now() + chrono::Duration::seconds(60);
        sign_in_with_totp(&app_at(&db, &v1, later).await, &secret).await;
        // A store without keys reads plain values, and refuses sealed ones.
        let keyless = Store::connect(&db.url).await.unwrap();
        assert_eq!(
            keyless.goals_of(plan).await.unwrap()[0].goal_detail,
            legacy_goal
        );
        assert!(keyless.user_by_name("chief").await.is_ok());
        assert!(
            keyless.reviews_of(plan).await.is_err(),
            "the review is sealed"
        );

        let v1_v2 = v1.with_new_version();
        let app = app_at(&db, &v1_v2, later + chrono::Duration::seconds(60)).await;
        let r = app
            .rotate_field_keys(&Actor::named("admin"), 2)
            .await
            .unwrap();
        assert_eq!(r.key_version, 2);
        // 11 care texts (the goal now plain) and the TOTP secret (plain).
        assert_eq!(r.resealed, 12, "{r:?}");
        let again = app
            .rotate_field_keys(&Actor::named("admin"), 2)
            .await
            .unwrap();
        assert_eq!((again.resealed, again.batches), (0, 0), "{again:?}");

        // The plain values are sealed now: a store without keys no longer reads them.
        for e in [
            keyless.goals_of(plan).await.err(),
            keyless.user_by_name("chief").await.err(),
        ] {
            let e = e.expect("sealed by the rotation").to_string();
            assert!(e.contains("no field key is configured"), "{e}");
        }
        // Everything is under version 2: a ring without version 1 reads it all, and signs in.
        let only_v2 = KeyRing::parse(v1_v2.to_text().lines().nth(1).unwrap()).unwrap();
        let app = app_at(&db, &only_v2, later + chrono::Duration::seconds(120)).await;
        assert_eq!(
            app.store().goals_of(plan).await.unwrap()[0].goal_detail,
            legacy_goal
        );
        let p = case_worker();
        let health = app.health_file(&p, PersonId(child), "test").await.unwrap();
        assert_eq!(health.conditions[0].condition_detail, CONDITION);
        assert_eq!(health.conditions[0].essential_need_detail, NEED);
        assert_eq!(health.fitness.unwrap().fitness_note, FITNESS);
        let care =
            serde_json::to_string(&app.care_file(&p, PersonId(child), "test").await.unwrap())
                .unwrap();
        for t in [
            REVIEW,
            QUESTION,
            ASSESSMENT,
            DECISION,
            IMPLEMENTATION,
            PROGRESS,
            SCHOOLING,
        ] {
            assert!(care.contains(t), "'{t}' is not shown: {care}");
        }
        sign_in_with_totp(&app, &secret).await;
        if db.backend == "sqlite" {
            let bytes = sqlite_bytes(&db);
            assert!(contains(&bytes, "hw1:2:"), "values sealed under version 2");
        }
        let v = app.store().verify_audit().await.unwrap();
        assert!(matches!(v, Verdict::Intact { .. }), "{v:?}");
    }
}

#[tokio::test]
async fn incident_accounts_stand_in_the_audit_trail_as_a_keyed_digest_only() {
    use sha2::{Digest, Sha256};
    for db in backends().await {
        let ring = KeyRing::generate();
        let app = app_with(&db, &ring).await;
        story(&app).await;
        let incident = &app
            .store()
            .protection_incidents(&ProtectionFilter::default())
            .await
            .unwrap()[0];
        let action = &app.store().protection_actions(incident.id).await.unwrap()[0];
        let events = app
            .store()
            .audit_of("protection_incident", &incident.id.to_string())
            .await
            .unwrap();
        assert_eq!(events.len(), 2, "opened and followed up");
        let opened: serde_json::Value =
            serde_json::from_str(events[0].after_json.as_deref().unwrap()).unwrap();
        let followed: serde_json::Value =
            serde_json::from_str(events[1].after_json.as_deref().unwrap()).unwrap();
        let plain = |t: &str| hex::encode(Sha256::digest(t.as_bytes()));
        let all = format!("{opened}{followed}");
        for (t, hash) in [(NARRATIVE, plain(NARRATIVE)), (ACTION, plain(ACTION))] {
            assert!(!all.contains(t), "{all}");
            assert!(
                !all.contains(&hash),
                "a plain SHA-256 confirms a guess: {all}"
            );
        }
        assert!(!all.contains("_sha256"), "{all}");
        let mac = opened["report_narrative_mac"].as_str().unwrap();
        assert!(mac.starts_with("hmac-sha256:k1:"), "{mac}");
        assert_eq!(
            mac,
            ring.mac(&narrative_mac_context(incident.id), NARRATIVE)
        );
        // Whoever holds the keys can prove the account unaltered; a guess without them cannot.
        let ctx = narrative_mac_context(incident.id);
        assert_eq!(ring.mac_matches(mac, &ctx, NARRATIVE), Some(true));
        assert_eq!(ring.mac_matches(mac, &ctx, "a guess"), Some(false));
        assert_ne!(mac, KeyRing::generate().mac(&ctx, NARRATIVE));
        let note_mac = followed["action_note_mac"].as_str().unwrap();
        assert_eq!(
            ring.mac_matches(note_mac, &action_note_mac_context(action.id), ACTION),
            Some(true)
        );
        let v = app.store().verify_audit().await.unwrap();
        assert!(matches!(v, Verdict::Intact { .. }), "{v:?}");
    }
}
