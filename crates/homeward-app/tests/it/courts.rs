//! Courts and protection on every backend: each fair-trial safeguard refuses the violating
//! hearing and leaves nothing behind, an allegation at a hearing opens a protection incident in
//! the same transaction, incidents are seen only by case workers and monitors (every view
//! logged, the account kept out of the audit trail), and detention limits near are listed.

use homeward_app::courts::IncidentDraft;
use homeward_app::registry::{NameDraft, RegisterPerson};
use homeward_app::{Actor, App, AppError};
use homeward_domain::access::{Principal, Role};
use homeward_domain::country::CountryCode;
use homeward_domain::courts::{HearingDraft, LegalCaseDraft};
use homeward_domain::person::PersonDraft;
use homeward_store::courts::ProtectionFilter;
use homeward_testkit::{app, backends};

fn who(name: &str, role: Role) -> Principal {
    Principal {
        user_id: 1,
        username: name.into(),
        role,
        country: (role == Role::ConsularOfficer).then(|| CountryCode::parse("c", "TR").unwrap()),
        site: None,
    }
}

fn judge() -> Principal {
    who("liaison", Role::JudicialLiaison)
}

fn worker() -> Principal {
    who("amal", Role::CaseWorker)
}

fn monitor() -> Principal {
    who("visitor", Role::Monitor)
}

async fn person(app: &App, sex: &str, dob: &str) -> i64 {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: sex.into(),
            date_of_birth: Some(dob.into()),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: format!("Ayşe {dob}"),
            ..NameDraft::default()
        }],
        nationalities: vec!["TR".into()],
        ..RegisterPerson::default()
    };
    app.register_person(&Actor::named("registrar"), &cmd)
        .await
        .unwrap()
        .person
        .id
}

fn case_draft(number: &str) -> LegalCaseDraft {
    LegalCaseDraft {
        charges: "membership of a terrorist organisation".into(),
        court: "Central Criminal Court of Iraq, Rusafa".into(),
        case_number: number.into(),
        counsel: "assigned".into(),
        counsel_name: "Counsel Hadi".into(),
        interpreter_language: "tr".into(),
        detained_since: "2017-09-01".into(),
        detention_limit_days: Some(160),
        ..LegalCaseDraft::default()
    }
}

/// A held hearing with counsel and a Turkish interpreter.
fn good_hearing(date: &str) -> HearingDraft {
    HearingDraft {
        hearing_date: date.into(),
        held: true,
        summary: "charges read; the defence asked for time".into(),
        next_date: "2018-03-01".into(),
        counsel_present: true,
        interpreter_language: "tr".into(),
        interpreter_name: "Interpreter Selin".into(),
        ..HearingDraft::default()
    }
}

fn refusal(e: AppError) -> Vec<(String, &'static str)> {
    match e {
        AppError::Invalid(inv) => inv.0.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn hearings(app: &App, case: i64) -> usize {
    app.store().hearings_of(case).await.unwrap().len()
}

async fn incidents(app: &App) -> usize {
    app.store()
        .protection_incidents(&ProtectionFilter::default())
        .await
        .unwrap()
        .len()
}

/// A woman who speaks Turkish, with an open case.
async fn turkish_mother(app: &App) -> (i64, i64) {
    let p = person(app, "female", "1990-04-02").await;
    app.set_languages(&judge(), p, &["tr".into()])
        .await
        .unwrap();
    let case = app
        .open_legal_case(&judge(), p, &case_draft("2018/114"))
        .await
        .unwrap()
        .case
        .id;
    (p, case)
}

#[tokio::test]
async fn a_hearing_without_counsel_is_refused_unless_waived_with_a_reason() {
    for db in backends().await {
        let app = app(&db).await;
        let (_, case) = turkish_mother(&app).await;
        let mut d = good_hearing("2018-01-29");
        d.counsel_present = false;
        let e = app.record_hearing(&judge(), case, &d).await.unwrap_err();
        assert_eq!(
            refusal(e),
            vec![("counsel_present".into(), "HW-COURT-0001")],
            "{}",
            db.backend
        );
        assert_eq!(hearings(&app, case).await, 0);
        // A blank reason is no waiver.
        d.counsel_waiver_reason = "   ".into();
        assert!(app.record_hearing(&judge(), case, &d).await.is_err());
        d.counsel_waiver_reason = "she refused counsel in writing before the judge".into();
        let h = app.record_hearing(&judge(), case, &d).await.unwrap();
        assert_eq!(
            h.hearing.counsel_waiver_reason.as_deref(),
            Some("she refused counsel in writing before the judge")
        );
        assert_eq!(hearings(&app, case).await, 1);
    }
}

#[tokio::test]
async fn a_hearing_needs_an_interpreter_in_a_language_the_person_speaks() {
    for db in backends().await {
        let app = app(&db).await;
        let (p, case) = turkish_mother(&app).await;
        let mut d = good_hearing("2018-01-29");
        d.interpreter_language = "ru".into();
        let e = app.record_hearing(&judge(), case, &d).await.unwrap_err();
        assert_eq!(
            refusal(e),
            vec![("interpreter_language".into(), "HW-COURT-0004")]
        );
        d.interpreter_language.clear();
        let e = app.record_hearing(&judge(), case, &d).await.unwrap_err();
        assert_eq!(
            refusal(e),
            vec![("interpreter_language".into(), "HW-COURT-0002")]
        );
        assert_eq!(hearings(&app, case).await, 0, "{}", db.backend);
        // Without the person's languages on record the interpreter cannot be checked.
        app.set_languages(&worker(), p, &[]).await.unwrap();
        d.interpreter_language = "tr".into();
        let e = app.record_hearing(&judge(), case, &d).await.unwrap_err();
        assert_eq!(
            refusal(e),
            vec![("interpreter_language".into(), "HW-COURT-0003")]
        );
        // Languages are checked codes.
        let e = app
            .set_languages(&judge(), p, &["tr".into(), "Turkish!".into()])
            .await
            .unwrap_err();
        assert_eq!(refusal(e), vec![("languages[1]".into(), "HW-COURT-0010")]);
        app.set_languages(&judge(), p, &["TR".into(), "ar".into()])
            .await
            .unwrap();
        // Speaking the court's language, she needs no interpreter.
        d.interpreter_language.clear();
        app.record_hearing(&judge(), case, &d).await.unwrap();
        // A registrar may not record hearings.
        let e = app
            .record_hearing(&who("reg", Role::Registrar), case, &d)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden), "{e:?}");
    }
}

#[tokio::test]
async fn a_minors_hearing_needs_a_guardian_or_social_worker_by_age_on_the_hearing_date() {
    for db in backends().await {
        let app = app(&db).await;
        // Eighteen on 20 January 2018.
        let boy = person(&app, "male", "2000-01-20").await;
        app.set_languages(&judge(), boy, &["ru".into()])
            .await
            .unwrap();
        let mut draft = case_draft("2018/200");
        draft.interpreter_language = "ru".into();
        let case = app
            .open_legal_case(&judge(), boy, &draft)
            .await
            .unwrap()
            .case
            .id;
        let mut d = good_hearing("2018-01-15");
        d.interpreter_language = "ru".into();
        d.next_date.clear();
        let e = app.record_hearing(&judge(), case, &d).await.unwrap_err();
        assert_eq!(
            refusal(e),
            vec![("guardian_present".into(), "HW-COURT-0005")],
            "{}",
            db.backend
        );
        assert_eq!(hearings(&app, case).await, 0);
        // Waivers of counsel and interpreter do not waive the minor's safeguard.
        d.counsel_waiver_reason = "x".into();
        d.interpreter_waiver_reason = "y".into();
        assert!(app.record_hearing(&judge(), case, &d).await.is_err());
        d.social_worker_present = true;
        assert!(
            app.record_hearing(&judge(), case, &d)
                .await
                .unwrap()
                .hearing
                .minor
        );
        // Five days after his birthday he is an adult: no companion needed.
        let mut adult = good_hearing("2018-01-25");
        adult.interpreter_language = "ru".into();
        let h = app.record_hearing(&judge(), case, &adult).await.unwrap();
        assert!(!h.hearing.minor);
        // Not on a day still to come.
        let mut future = good_hearing("2018-02-12");
        future.interpreter_language = "ru".into();
        future.next_date.clear();
        let e = app
            .record_hearing(&judge(), case, &future)
            .await
            .unwrap_err();
        assert_eq!(refusal(e), vec![("hearing_date".into(), "HW-COURT-0011")]);
    }
}

#[tokio::test]
async fn an_allegation_at_a_hearing_opens_a_protection_incident_in_the_same_transaction() {
    for db in backends().await {
        let app = app(&db).await;
        let (p, case) = turkish_mother(&app).await;
        let account = "she said she signed the confession after two nights without sleep";
        let mut d = good_hearing("2018-01-29");
        d.allegation = "coerced_confession".into();
        d.allegation_narrative = account.into();
        // Refused hearing: no incident either.
        d.counsel_present = false;
        assert!(app.record_hearing(&judge(), case, &d).await.is_err());
        assert_eq!(incidents(&app).await, 0, "{}", db.backend);
        // An allegation without its account is refused.
        d.counsel_present = true;
        d.allegation_narrative.clear();
        let e = app.record_hearing(&judge(), case, &d).await.unwrap_err();
        assert_eq!(
            refusal(e),
            vec![("allegation_narrative".into(), "HW-PROT-0003")]
        );
        d.allegation_narrative = account.into();
        let rec = app.record_hearing(&judge(), case, &d).await.unwrap();
        assert!(rec.incident_opened);
        assert_eq!(
            rec.hearing.allegation.as_deref(),
            Some("coerced_confession")
        );
        let all = app
            .store()
            .protection_incidents(&ProtectionFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
        let i = &all[0];
        assert_eq!(
            (
                i.person_id,
                i.source.as_str(),
                i.kind.as_str(),
                i.status.as_str()
            ),
            (p, "hearing", "coerced_confession", "open")
        );
        assert_eq!(i.hearing_id, Some(rec.hearing.id));
        assert_eq!(i.report_narrative, account);
        // The judicial liaison who recorded it cannot read it.
        let e = app.incident_for(&judge(), i.id).await.unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
        // The account never enters the audit trail; its digest does.
        let events = app
            .store()
            .audit_of("protection_incident", &i.id.to_string())
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        let after = events[0].after_json.clone().unwrap();
        assert!(!after.contains("two nights"), "{after}");
        assert!(after.contains("report_narrative_mac"));
        assert!(app.store().verify_audit().await.is_ok());
    }
}

#[tokio::test]
async fn incidents_are_seen_by_case_workers_and_monitors_only_and_every_view_is_logged() {
    for db in backends().await {
        let app = app(&db).await;
        let (p, _) = turkish_mother(&app).await;
        let reg = app
            .store()
            .person(homeward_domain::person::PersonId(p))
            .await
            .unwrap();
        let report = IncidentDraft {
            person: reg.registration_number.clone(),
            kind: "threats".into(),
            occurred_on: "2018-01-30".into(),
            narrative: "a guard threatened to take her children away".into(),
        };
        // Bad reports name every field.
        let e = app
            .report_incident(
                &monitor(),
                &IncidentDraft {
                    person: "HW-0000-NOPE".into(),
                    kind: "gossip".into(),
                    occurred_on: "2019-01-01".into(),
                    narrative: " ".into(),
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<String> = refusal(e).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["kind", "occurred_on", "narrative", "person"]);
        let v = app.report_incident(&monitor(), &report).await.unwrap();
        let id = v.incident.id;
        // Monitors see the registration number, not the names; case workers see both.
        assert!(v.names.is_empty());
        assert_eq!(v.registration_number, reg.registration_number);
        let seen = app.incident_for(&worker(), id).await.unwrap();
        assert!(!seen.names.is_empty());
        assert_eq!(
            app.incidents_for(&monitor(), &ProtectionFilter::default())
                .await
                .unwrap()
                .len(),
            1
        );
        for role in [
            Role::JudicialLiaison,
            Role::ConsularOfficer,
            Role::Registrar,
            Role::Administrator,
            Role::Auditor,
        ] {
            let other = who("other", role);
            let hidden = app.incident_for(&other, id).await.unwrap_err();
            let missing = app.incident_for(&other, id + 1000).await.unwrap_err();
            assert!(
                matches!(
                    (&hidden, &missing),
                    (AppError::NotFound(a), AppError::NotFound(b)) if a == b
                ),
                "{role:?}: {hidden:?} / {missing:?}"
            );
            let e = app
                .follow_up_incident(&other, id, 1, "note", "closed")
                .await
                .unwrap_err();
            assert!(matches!(e, AppError::NotFound(_)), "{role:?}: {e:?}");
            let e = app
                .incidents_for(&other, &ProtectionFilter::default())
                .await
                .unwrap_err();
            assert!(matches!(e, AppError::Forbidden), "{role:?}");
            let e = app.report_incident(&other, &report).await.unwrap_err();
            assert!(matches!(e, AppError::Forbidden), "{role:?}");
        }
        // Follow-up: a note and a status; a stale version is refused; never back to open.
        let after = app
            .follow_up_incident(
                &worker(),
                id,
                1,
                "referred to the prosecutor's office",
                "referred",
            )
            .await
            .unwrap();
        assert_eq!(after.incident.status, "referred");
        assert_eq!(after.actions.len(), 1);
        let e = app
            .follow_up_incident(&worker(), id, 1, "again", "closed")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Conflict(_)), "{e:?}");
        let e = app
            .follow_up_incident(&monitor(), id, 2, "reopen", "open")
            .await
            .unwrap_err();
        assert_eq!(refusal(e), vec![("status".into(), "HW-PROT-0007")]);
        let e = app
            .follow_up_incident(&monitor(), id, 2, "", "closed")
            .await
            .unwrap_err();
        assert_eq!(refusal(e), vec![("note".into(), "HW-PROT-0003")]);
        // Every view is in the access log: the monitor's report view, the case worker's view,
        // the list, and both follow-up views.
        let log = app
            .store()
            .access_of("protection_incident", &id.to_string())
            .await
            .unwrap();
        let who_saw: Vec<&str> = log.iter().map(|(_, u, _)| u.as_str()).collect();
        assert!(
            who_saw.contains(&"visitor") && who_saw.contains(&"amal"),
            "{who_saw:?}"
        );
        assert!(!who_saw.contains(&"other"), "{who_saw:?}");
        assert_eq!(log.len(), 4, "{log:?}");
    }
}

#[tokio::test]
async fn detention_limits_near_list_pending_cases_within_the_window() {
    for db in backends().await {
        let app = app(&db).await;
        // Detained 2017-09-01 with a 160-day limit: the last day is 2018-02-08, a week ahead.
        let (p, case) = turkish_mother(&app).await;
        let other = person(&app, "female", "1985-01-01").await;
        let mut far = case_draft("2018/300");
        far.detention_limit_days = Some(365);
        app.open_legal_case(&judge(), other, &far).await.unwrap();
        let near = app.detention_limits_near(&worker(), 7).await.unwrap();
        assert_eq!(near.len(), 1, "{}", db.backend);
        assert_eq!((near[0].limit.case_id, near[0].days_left), (case, 7));
        assert_eq!(near[0].limit.person_id, p);
        assert!(
            app.detention_limits_near(&judge(), 6)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            app.detention_limits_near(&judge(), 400)
                .await
                .unwrap()
                .len(),
            2
        );
        // A verdict ends pre-trial detention: the alert goes.
        let v = app.legal_case_for(&judge(), case).await.unwrap();
        let mut done = case_draft("2018/114");
        done.verdict = "acquitted".into();
        done.verdict_date = "2018-02-01".into();
        app.update_legal_case(&judge(), case, v.case.version, &done)
            .await
            .unwrap();
        assert!(
            app.detention_limits_near(&worker(), 7)
                .await
                .unwrap()
                .is_empty()
        );
        // Stale versions and roles without the right are refused.
        let e = app
            .update_legal_case(&judge(), case, v.case.version, &done)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Conflict(_)), "{e:?}");
        for role in [Role::Monitor, Role::ConsularOfficer, Role::Registrar] {
            let e = app
                .detention_limits_near(&who("x", role), 7)
                .await
                .unwrap_err();
            assert!(matches!(e, AppError::Forbidden), "{role:?}");
            let e = app.legal_case_for(&who("x", role), case).await.unwrap_err();
            assert!(matches!(e, AppError::Forbidden), "{role:?}");
        }
        // The same number at the same court twice for one person is refused.
        let e = app
            .open_legal_case(&judge(), p, &case_draft("2018/114"))
            .await
            .unwrap_err();
        assert_eq!(refusal(e), vec![("case_number".into(), "HW-COURT-0030")]);
    }
}
