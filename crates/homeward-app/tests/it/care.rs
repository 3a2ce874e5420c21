//! Care and health on the demo data, on every backend: a best-interests panel of fewer than
//! three people is refused and changes nothing; a decided procedure is what a `BIP-` reference
//! must name for a placement override; an overdue care plan review becomes a task that the
//! review closes; a consular officer sees fitness to travel and essential needs, nothing more,
//! and judicial liaison sees no care or health at all.

use chrono::{Days, NaiveDate};
use homeward_app::care::{ConditionDraft, ProcedureDraft};
use homeward_app::{Actor, App, AppError};
use homeward_domain::access::{Principal, Role};
use homeward_domain::care::{
    AssessmentDraft, CarePlanDraft, DecisionDraft, FitnessDraft, ImplementationDraft, ReviewDraft,
};
use homeward_domain::country::CountryCode;
use homeward_domain::person::PersonId;
use homeward_domain::repatriation::PanelMember;
use homeward_store::registry::PersonFilter;
use homeward_testkit::{app, app_at, backends, test_now};

fn who(name: &str, role: Role, country: Option<&str>) -> Principal {
    Principal {
        user_id: 1,
        username: name.into(),
        role,
        country: country.map(|c| CountryCode::parse("c", c).unwrap()),
        site: None,
    }
}

fn worker() -> Principal {
    who("amal", Role::CaseWorker, None)
}

fn codes(e: AppError) -> Vec<(String, &'static str)> {
    match e {
        AppError::Invalid(inv) => inv.0.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn today() -> NaiveDate {
    test_now().date()
}

/// Two demo children aged 4 to 14 who claim a nationality: (id, country) each.
async fn children(app: &App) -> Vec<(i64, String)> {
    app.load_demo(&Actor::named("demo"), 11, 150, today())
        .await
        .unwrap();
    let page = app
        .store()
        .list_persons(&PersonFilter::default(), 10_000, 0)
        .await
        .unwrap();
    let mut out = Vec::new();
    for p in page.items {
        let age = p.age_on(today()).unwrap();
        if !(4..=14).contains(&age) {
            continue;
        }
        let claims = app.store().claims_of(&[p.id]).await.unwrap();
        if let Some(c) = claims.first() {
            out.push((p.id, c.country_code.clone()));
        }
        if out.len() == 2 {
            break;
        }
    }
    assert_eq!(out.len(), 2, "the demo has claiming children");
    out
}

fn member(name: &str, role: &str) -> PanelMember {
    PanelMember {
        name: name.into(),
        role: role.into(),
    }
}

fn decision(names: &[&str]) -> DecisionDraft {
    let roles = ["case_worker", "psychologist", "guardian", "legal_officer"];
    DecisionDraft {
        panel: names.iter().zip(roles).map(|(n, r)| member(n, r)).collect(),
        decision: "approve".into(),
        decision_note: "the aunt's family can care for the child".into(),
        decided_on: "2018-02-01".into(),
    }
}

#[tokio::test]
async fn a_panel_of_fewer_than_three_people_is_refused_and_a_reference_must_name_a_decision() {
    for db in backends().await {
        let app = app(&db).await;
        let kids = children(&app).await;
        let (child, other) = (kids[0].0, kids[1].0);
        let p = worker();
        let proc = app
            .open_procedure(
                &p,
                PersonId(child),
                &ProcedureDraft {
                    question: "placement".into(),
                    question_detail: "placement with the aunt instead of the orphanage".into(),
                    ..ProcedureDraft::default()
                },
            )
            .await
            .unwrap();
        // Deciding before the assessment is refused.
        let e = app
            .decide_procedure(&p, proc.id, proc.version, &decision(&["A", "B", "C"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), [("state".to_owned(), "HW-CARE-0035")]);
        let proc = app
            .assess_procedure(
                &p,
                proc.id,
                proc.version,
                &AssessmentDraft {
                    assessment_note: "attached to the aunt, wishes to live with her".into(),
                    assessed_on: "2018-01-31".into(),
                },
            )
            .await
            .unwrap();
        // Two distinct people (one named twice) are not a panel.
        let e = app
            .decide_procedure(
                &p,
                proc.id,
                proc.version,
                &decision(&["Huda Karim", "huda karim ", "Sami Aziz"]),
            )
            .await
            .unwrap_err();
        assert!(
            codes(e).contains(&("panel".to_owned(), "HW-CARE-0010")),
            "{}",
            db.backend
        );
        let unchanged = app.store().procedure(proc.id).await.unwrap();
        assert_eq!(unchanged.state, "assessed");
        assert_eq!(unchanged.version, proc.version);
        assert!(unchanged.panel.is_empty());

        // An undecided procedure is no reference for an override.
        let reference = format!("BIP-{}", proc.id);
        let proposal = app
            .propose_placement(PersonId(child), today())
            .await
            .unwrap();
        let other_kind = if proposal.placement == "orphanage" {
            "juvenile_facility"
        } else {
            "orphanage"
        };
        let override_with = |r: &str| {
            let r = r.to_owned();
            let app = app.clone();
            async move {
                app.decide_placement(
                    &Actor::named("amal"),
                    PersonId(child),
                    today(),
                    Some(other_kind),
                    "kept near the aunt",
                    Some(&r),
                )
                .await
            }
        };
        let e = override_with(&reference).await.unwrap_err();
        assert_eq!(
            codes(e),
            [("best_interests_ref".to_owned(), "HW-CARE-0022")]
        );

        let decided = app
            .decide_procedure(
                &p,
                proc.id,
                proc.version,
                &decision(&["Huda Karim", "Sami Aziz", "Noor Ali"]),
            )
            .await
            .unwrap();
        assert_eq!(decided.state, "decided");
        assert_eq!(decided.panel.len(), 3);
        // The reference now carries the override; for another child it does not.
        let row = override_with(&reference).await.unwrap();
        assert_eq!(row.best_interests_ref.as_deref(), Some(reference.as_str()));
        let e = app
            .decide_placement(
                &Actor::named("amal"),
                PersonId(other),
                today(),
                Some(other_kind),
                "moved",
                Some(&reference),
            )
            .await;
        if let Err(e) = e {
            assert!(
                codes(e).contains(&("best_interests_ref".to_owned(), "HW-CARE-0021")),
                "{}",
                db.backend
            );
        }
        // Free references recorded elsewhere keep working.
        override_with("BID-2018-004").await.unwrap();

        let done = app
            .implement_procedure(
                &p,
                decided.id,
                decided.version,
                &ImplementationDraft {
                    implemented_on: "2018-02-01".into(),
                    implementation_note: "moved to the aunt's section".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(done.state, "implemented");
        // The audit trail keeps no care note.
        let trail = app.store().audit_recent(50).await.unwrap();
        let text = format!("{trail:?}");
        assert!(!text.contains("wishes to live with her"), "{}", db.backend);
        assert!(text.contains("care.bip_decide"));
    }
}

#[tokio::test]
async fn an_overdue_care_plan_review_and_a_pending_decision_become_tasks() {
    for db in backends().await {
        let app = app(&db).await;
        let (child, _) = children(&app).await[0].clone();
        let p = worker();
        let view = app
            .open_care_plan(
                &p,
                PersonId(child),
                &CarePlanDraft {
                    goals: vec!["attend school every day".into(), " ".into()],
                    next_review_due: "2018-02-15".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(view.goals.len(), 1);
        app.open_procedure(
            &p,
            PersonId(child),
            &ProcedureDraft {
                question: "separation".into(),
                question_detail: "whether to move with the mother".into(),
                due_on: Some("2018-02-20".into()),
                ..ProcedureDraft::default()
            },
        )
        .await
        .unwrap();
        // A month later the review is overdue.
        let later = app_at(&db, test_now() + Days::new(30)).await;
        later.run_due_jobs().await.unwrap();
        let tasks = later.store().tasks(Some("case_workers")).await.unwrap();
        let mine: Vec<_> = tasks
            .iter()
            .filter(|t| t.person_id == Some(child))
            .map(|t| t.kind.as_str())
            .collect();
        assert!(mine.contains(&"care_review_overdue"), "{mine:?}");
        assert!(mine.contains(&"bip_pending"), "{mine:?}");
        let overdue = tasks
            .iter()
            .find(|t| t.kind == "care_review_overdue" && t.person_id == Some(child))
            .unwrap();
        assert_eq!(overdue.due, "2018-02-15");
        assert!(!overdue.detail.contains("school"), "no care note in a task");
        // Running again adds nothing; the review closes the task.
        assert_eq!(later.run_due_jobs().await.unwrap(), 0);
        let e = later
            .review_care_plan(
                &p,
                view.plan.id,
                view.plan.version,
                &ReviewDraft {
                    reviewed_on: "2018-03-09".into(),
                    review_note: "".into(),
                    next_review_due: "2018-03-01".into(),
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<String> = codes(e).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["reviewed_on", "review_note", "next_review_due"]);
        later
            .review_care_plan(
                &p,
                view.plan.id,
                view.plan.version,
                &ReviewDraft {
                    reviewed_on: "2018-03-02".into(),
                    review_note: "goes to school most days".into(),
                    next_review_due: "2018-04-02".into(),
                },
            )
            .await
            .unwrap();
        let open: Vec<_> = later
            .store()
            .tasks(Some("case_workers"))
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.person_id == Some(child) && t.kind == "care_review_overdue")
            .collect();
        assert!(open.is_empty(), "{open:?}");
        let figures = later
            .care_figures(&who("m", Role::Monitor, None))
            .await
            .unwrap();
        assert_eq!(figures.active_plans, 1);
        assert_eq!(figures.reviews_overdue, 0);
        assert_eq!(figures.procedures_pending, 1);
    }
}

#[tokio::test]
async fn consular_officers_see_fitness_to_travel_and_essential_needs_only() {
    for db in backends().await {
        let app = app(&db).await;
        let (child, country) = children(&app).await[0].clone();
        let p = worker();
        app.record_condition(
            &p,
            PersonId(child),
            &ConditionDraft {
                kind: "chronic".into(),
                condition_detail: "type 1 diabetes, diagnosed in the camp".into(),
                essential_need_detail: "insulin twice a day, kept cool".into(),
                since_on: Some("2017-11-01".into()),
            },
        )
        .await
        .unwrap();
        let e = app
            .record_fitness(
                &p,
                PersonId(child),
                &FitnessDraft {
                    fit: false,
                    assessed_on: "2018-01-30".into(),
                    assessed_by: "".into(),
                    fitness_note: "".into(),
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<String> = codes(e).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["assessed_by", "fitness_note"]);
        app.record_fitness(
            &p,
            PersonId(child),
            &FitnessDraft {
                fit: true,
                assessed_on: "2018-01-31".into(),
                assessed_by: "Dr Salma".into(),
                fitness_note: "with an adult escort".into(),
            },
        )
        .await
        .unwrap();

        let consul = who("consul", Role::ConsularOfficer, Some(&country));
        let seen = app
            .travel_health(&consul, PersonId(child), "test")
            .await
            .unwrap();
        assert_eq!(seen.essential_needs, ["insulin twice a day, kept cool"]);
        let f = seen.fitness.unwrap();
        assert!(f.fit);
        assert_eq!(f.fitness_note, "with an adult escort");
        let shown = serde_json::to_string(
            &app.travel_health(&consul, PersonId(child), "t")
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(!shown.contains("diabetes"), "{shown}");
        for e in [
            app.health_file(&consul, PersonId(child), "t").await.err(),
            app.care_file(&consul, PersonId(child), "t").await.err(),
        ] {
            assert!(matches!(e, Some(AppError::Forbidden)), "{e:?}");
        }
        // Another country's officer: the child does not exist for them.
        let stranger = who("other", Role::ConsularOfficer, Some("AQ"));
        let e = app
            .travel_health(&stranger, PersonId(child), "t")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
        // Judicial liaison: nothing of care or health.
        let judge = who("judge", Role::JudicialLiaison, None);
        for e in [
            app.travel_health(&judge, PersonId(child), "t").await.err(),
            app.health_file(&judge, PersonId(child), "t").await.err(),
            app.care_file(&judge, PersonId(child), "t").await.err(),
        ] {
            assert!(matches!(e, Some(AppError::Forbidden)), "{e:?}");
        }
        // The case worker sees it all; every view is in the access log.
        let file = app.health_file(&p, PersonId(child), "t").await.unwrap();
        assert!(file.conditions[0].condition_detail.contains("diabetes"));
        let log = app
            .store()
            .access_of("fitness", &child.to_string())
            .await
            .unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(
            app.store()
                .access_of("health", &child.to_string())
                .await
                .unwrap()
                .len(),
            1
        );
        // The consular read is a disclosure to the embassy.
        let disclosures = app.store().disclosures_of(child).await.unwrap();
        assert!(disclosures.iter().any(|d| d.what == "fitness to travel"));
    }
}

#[tokio::test]
async fn pregnancy_is_the_registry_field_the_daily_review_reads() {
    for db in backends().await {
        let app = app(&db).await;
        app.load_demo(&Actor::named("demo"), 11, 150, today())
            .await
            .unwrap();
        let women = app
            .store()
            .list_persons(
                &PersonFilter {
                    sex: Some("female".into()),
                    pregnant: Some(false),
                    ..PersonFilter::default()
                },
                10_000,
                0,
            )
            .await
            .unwrap();
        let w = women
            .items
            .iter()
            .find(|p| p.age_on(today()).unwrap() >= 18)
            .unwrap();
        let p = worker();
        let e = app
            .set_pregnancy(&p, w.person_id(), w.version, Some("2019-06-01"))
            .await
            .unwrap_err();
        assert_eq!(
            codes(e),
            [("expected_delivery".to_owned(), "HW-HEALTH-0005")]
        );
        app.set_pregnancy(&p, w.person_id(), w.version, Some("2018-02-20"))
            .await
            .unwrap();
        app.run_due_jobs().await.unwrap();
        let tasks = app.store().tasks(Some("health")).await.unwrap();
        assert!(
            tasks
                .iter()
                .any(|t| t.kind == "delivery_near" && t.person_id == Some(w.id))
        );
        let file = app.health_file(&p, w.person_id(), "t").await.unwrap();
        assert_eq!(file.pregnant_due.as_deref(), Some("2018-02-20"));
    }
}

#[tokio::test]
async fn a_decided_repatriation_procedure_is_the_case_determination() {
    for db in backends().await {
        let app = app(&db).await;
        let (child, country) = children(&app).await[0].clone();
        let p = worker();
        let case = app
            .open_case(
                &p,
                &homeward_app::repatriation::OpenCase {
                    country: country.clone(),
                    members: vec![child],
                    label: "test".into(),
                },
            )
            .await
            .unwrap();
        // A placement question cannot decide for a case.
        let e = app
            .open_procedure(
                &p,
                PersonId(child),
                &ProcedureDraft {
                    question: "placement".into(),
                    question_detail: "x".into(),
                    case_id: Some(case.case.id),
                    ..ProcedureDraft::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(codes(e), [("question".to_owned(), "HW-CARE-0033")]);
        let proc = app
            .open_procedure(
                &p,
                PersonId(child),
                &ProcedureDraft {
                    question: "repatriation".into(),
                    question_detail: "return with the grandparents' consent".into(),
                    case_id: Some(case.case.id),
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
                    assessment_note: "grandparents ready to receive".into(),
                    assessed_on: "2018-02-01".into(),
                },
            )
            .await
            .unwrap();
        let mut d = decision(&["Huda Karim", "Sami Aziz", "Noor Ali"]);
        d.decision = "return_without_mother".into();
        let decided = app
            .decide_procedure(&p, proc.id, proc.version, &d)
            .await
            .unwrap();
        let bids = app.store().case_bids(case.case.id).await.unwrap();
        assert_eq!(bids.len(), 1, "{}", db.backend);
        assert_eq!(bids[0].decision, "return_without_mother");
        assert_eq!(bids[0].child_id, child);
        assert_eq!(decided.repat_bid_id, Some(bids[0].id));
        assert!(!bids[0].assessment.contains("grandparents"));
        // Cited again (e.g. for a case opened later): a second determination, same decision.
        app.cite_procedure_in_case(&p, proc.id, case.case.id)
            .await
            .unwrap();
        assert_eq!(app.store().case_bids(case.case.id).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn a_detention_limit_near_becomes_a_judicial_task() {
    for db in backends().await {
        let app = app(&db).await;
        app.load_demo(&Actor::named("demo"), 11, 150, today())
            .await
            .unwrap();
        let women = app
            .store()
            .list_persons(
                &PersonFilter {
                    sex: Some("female".into()),
                    ..PersonFilter::default()
                },
                1,
                0,
            )
            .await
            .unwrap();
        let w = women.items[0].id;
        let judge = who("judge", Role::JudicialLiaison, None);
        app.open_legal_case(
            &judge,
            w,
            &homeward_domain::courts::LegalCaseDraft {
                charges: "membership".into(),
                court: "Central Criminal Court".into(),
                case_number: "CCC-2018-17".into(),
                counsel: "assigned".into(),
                counsel_name: "Ms Rana".into(),
                detained_since: "2017-11-01".into(),
                detention_limit_days: Some(100),
                verdict: "pending".into(),
                appeal: "none".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        app.run_due_jobs().await.unwrap();
        let tasks = app.store().tasks(Some("judicial")).await.unwrap();
        let t = tasks
            .iter()
            .find(|t| t.kind == "detention_limit_near" && t.person_id == Some(w))
            .unwrap_or_else(|| panic!("{tasks:?} on {}", db.backend));
        assert_eq!(t.due, "2018-02-09");
        assert!(t.detail.contains("CCC-2018-17"));
    }
}
