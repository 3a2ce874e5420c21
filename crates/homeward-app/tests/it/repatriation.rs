//! Repatriation on the demo data: a consular officer sees only their country's claimants, a
//! mother-and-children case walks to handover (a children-only country forcing a
//! best-interests determination first), illegal steps are refused with the reason and leave
//! nothing behind, consent governs every release to an embassy.

use homeward_app::repatriation::{ConsentDraft, DisclosureDraft, OpenCase, StepDraft};
use homeward_app::{Actor, App, AppError};
use homeward_domain::access::{Principal, Role};
use homeward_domain::country::CountryCode;
use homeward_domain::person::PersonId;
use homeward_domain::repatriation::{BidDraft, PanelMember};
use homeward_store::registry::PersonFilter;
use homeward_testkit::{app, backends, test_now};

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

async fn demo(app: &App) {
    app.load_demo(&Actor::named("demo"), 7, 400, test_now().date())
        .await
        .unwrap();
}

fn codes(e: AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(inv) => inv.0.iter().map(|f| f.code).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Walks a claim to confirmed from whatever state it is in.
async fn confirm(app: &App, claim: i64) {
    let c = app.store().claim(claim).await.unwrap();
    let mut version = c.version;
    let path: &[&str] = match c.state.as_str() {
        "claimed" | "rejected" => &["under_verification", "confirmed"],
        "under_verification" => &["confirmed"],
        _ => &[],
    };
    for s in path {
        version = app
            .decide_claim(&Actor::named("consul"), claim, version, s)
            .await
            .unwrap()
            .version;
    }
}

/// A demo mother with at least one child, all claiming `country`.
async fn family_of(app: &App, country: &str) -> (i64, Vec<i64>) {
    let page = app
        .store()
        .list_persons(
            &PersonFilter {
                nationality: Some(country.into()),
                ..PersonFilter::default()
            },
            10_000,
            0,
        )
        .await
        .unwrap();
    let ids: Vec<i64> = page.items.iter().map(|p| p.id).collect();
    for p in &page.items {
        if p.sex != "female" {
            continue;
        }
        let file = app.store().person_file(p.person_id()).await.unwrap();
        let children: Vec<i64> = file
            .links
            .iter()
            .filter(|l| l.relation == "mother" && l.from_person == p.id)
            .map(|l| l.to_person)
            .filter(|c| ids.contains(c))
            .filter(|c| {
                page.items
                    .iter()
                    .find(|p| p.id == *c)
                    .is_some_and(|p| p.age_on(test_now().date()).unwrap() < 18)
            })
            .collect();
        if !children.is_empty() {
            return (p.id, children);
        }
    }
    panic!("no {country} family in the demo data");
}

async fn step(app: &App, p: &Principal, case: i64, to: &str) -> Result<i64, AppError> {
    let version = app.store().case(case).await.unwrap().version;
    app.move_case(
        p,
        case,
        &StepDraft {
            to: to.into(),
            version,
            ..StepDraft::default()
        },
    )
    .await
    .map(|c| c.version)
}

#[tokio::test]
async fn a_french_consular_officer_sees_only_french_claimants_and_each_read_is_registered() {
    for db in backends().await {
        let app = app(&db).await;
        demo(&app).await;
        let fr = who("consul-fr", Role::ConsularOfficer, Some("FR"));
        let page = app
            .list_persons_for(&fr, PersonFilter::default(), 500, 0)
            .await
            .unwrap();
        let all_fr = app
            .store()
            .list_persons(
                &PersonFilter {
                    nationality: Some("FR".into()),
                    ..PersonFilter::default()
                },
                10_000,
                0,
            )
            .await
            .unwrap();
        assert!(page.total > 0, "{}", db.backend);
        assert_eq!(page.total, all_fr.total, "{}", db.backend);
        assert!(
            page.items
                .iter()
                .all(|s| s.nationalities.contains(&"FR".to_owned())),
            "only French claimants"
        );
        // Someone else's national answers like no one.
        let other = app
            .store()
            .list_persons(
                &PersonFilter {
                    nationality: Some("TR".into()),
                    ..PersonFilter::default()
                },
                1,
                0,
            )
            .await
            .unwrap()
            .items
            .remove(0);
        let is_french = app
            .store()
            .claims_of(&[other.id])
            .await
            .unwrap()
            .iter()
            .any(|c| c.country_code == "FR");
        if !is_french {
            assert!(matches!(
                app.person_file_for(&fr, other.person_id(), "api").await,
                Err(AppError::NotFound(_))
            ));
        }
        // The list read and a file read are in the register, to France, without consent yet.
        let first = page.items[0].person.person_id();
        app.person_file_for(&fr, first, "api").await.unwrap();
        let register = app.disclosures_for(&worker(), first).await.unwrap();
        assert_eq!(register.len(), 2, "{register:?}");
        assert!(register.iter().all(|d| d.to_country == "FR"));
        assert!(register.iter().all(|d| d.basis == "none"));
        assert_eq!(register[0].what, "person file");
        assert_eq!(register[1].what, "person list entry");
        // A worker's read is no disclosure.
        app.person_file_for(&worker(), first, "api").await.unwrap();
        assert_eq!(
            app.disclosures_for(&worker(), first).await.unwrap().len(),
            2
        );
        // Consular officers and registrars do not read the register.
        assert!(matches!(
            app.disclosures_for(&fr, first).await,
            Err(AppError::Forbidden)
        ));
    }
}

fn panel() -> Vec<PanelMember> {
    [
        ("Huda K.", "case_worker"),
        ("Dr. Salim R.", "psychologist"),
        ("Mona T.", "child_protection_officer"),
    ]
    .iter()
    .map(|(n, r)| PanelMember {
        name: (*n).into(),
        role: (*r).into(),
    })
    .collect()
}

#[tokio::test]
async fn a_mother_and_children_case_walks_to_handover_after_best_interests_determinations() {
    for db in backends().await {
        let app = app(&db).await;
        demo(&app).await;
        let w = worker();
        let consul = who("consul-fr", Role::ConsularOfficer, Some("FR"));
        let (mother, children) = family_of(&app, "FR").await;
        let mut members = vec![mother];
        members.extend(&children);
        let view = app
            .open_case(
                &w,
                &OpenCase {
                    country: "FR".into(),
                    members: members.clone(),
                    label: "family".into(),
                },
            )
            .await
            .unwrap();
        let case = view.case.id;
        assert_eq!(view.case.state, "identified");
        assert_eq!(view.stance, "children_only");

        // An illegal move is refused with the reason, and changes nothing.
        let head = app.store().audit_head().await.unwrap();
        let e = step(&app, &w, case, "handed_over").await.unwrap_err();
        assert_eq!(codes(e)[0], "HW-REPAT-0001");
        assert_eq!(app.store().audit_head().await.unwrap(), head);

        step(&app, &w, case, "embassy_notified").await.unwrap();
        step(&app, &w, case, "verification_in_progress")
            .await
            .unwrap();
        // Confirmation needs every member's claim confirmed first.
        let e = step(&app, &consul, case, "nationality_confirmed")
            .await
            .unwrap_err();
        assert!(codes(e).contains(&"HW-REPAT-0002"));
        for id in &members {
            for c in app.store().claims_of(&[*id]).await.unwrap() {
                if c.country_code == "FR" {
                    confirm(&app, c.id).await;
                }
            }
        }
        step(&app, &consul, case, "nationality_confirmed")
            .await
            .unwrap();
        // The embassy may not clear the return risk itself.
        step(&app, &consul, case, "accepted").await.unwrap();
        let e = step(&app, &consul, case, "risk_cleared").await.unwrap_err();
        assert_eq!(codes(e), ["HW-REPAT-0018"]);
        // France takes only the children: the mother is not accepted.
        let members_now = app.store().case_members(case).await.unwrap();
        let mine = members_now.iter().find(|m| m.person_id == mother).unwrap();
        assert_eq!(mine.accepted, Some(false));
        assert!(
            members_now
                .iter()
                .filter(|m| m.person_id != mother)
                .all(|m| m.accepted == Some(true))
        );

        // Towards handover: no child moves without a best-interests determination.
        let cleared = |version| StepDraft {
            to: "risk_cleared".into(),
            version,
            risk_torture: Some(false),
            risk_death_penalty: Some(false),
            risk_persecution: Some(false),
            ..StepDraft::default()
        };
        let version = app.store().case(case).await.unwrap().version;
        let e = app
            .move_case(&w, case, &cleared(version))
            .await
            .unwrap_err();
        let c = codes(e);
        assert_eq!(c.len(), children.len(), "{c:?}");
        assert!(c.iter().all(|c| *c == "HW-REPAT-0003"));
        let view = app.case_for(&w, case).await.unwrap();
        assert!(
            view.members
                .iter()
                .filter(|m| children.contains(&m.person.id))
                .all(|m| m.needs_determination)
        );
        // The mother's own situation is shown beside the determination.
        assert_eq!(view.mothers.len(), 1);
        assert_eq!(view.mothers[0].person.id, mother);
        assert_eq!(view.mothers[0].cases[0].1, Some(false));

        // A panel of fewer than three people is refused.
        let mut bid = BidDraft {
            assessment: "Attached to her mother; the grandparents in France can care for her."
                .into(),
            panel: panel()[..2].to_vec(),
            decision: "return_without_mother".into(),
            decided_on: "2018-01-30".into(),
        };
        let e = app
            .record_best_interests(&w, case, children[0], &bid)
            .await
            .unwrap_err();
        assert_eq!(codes(e), ["HW-REPAT-0023"]);
        bid.panel = panel();
        for child in &children {
            app.record_best_interests(&w, case, *child, &bid)
                .await
                .unwrap();
        }
        // The assessment is sealed at rest, read back plain, and not in the audit trail.
        let bare = homeward_store::Store::connect(&db.url).await.unwrap();
        let e = bare.case_bids(case).await.unwrap_err();
        assert!(e.to_string().contains("sealed"), "{e}");
        let stored = app.store().case_bids(case).await.unwrap();
        assert_eq!(stored.len(), children.len());
        assert!(stored.iter().all(|b| b.assessment == bid.assessment));
        let trail = app
            .store()
            .audit_of("case", &case.to_string())
            .await
            .unwrap();
        assert!(trail.iter().any(|e| e.action == "case.best_interests"));
        assert!(
            trail.iter().all(|e| !e
                .after_json
                .as_deref()
                .unwrap_or("")
                .contains("grandparents")),
            "the assessment is in the audit trail"
        );
        // A risk found blocks the return.
        let version = app.store().case(case).await.unwrap().version;
        let mut risky = cleared(version);
        risky.risk_persecution = Some(true);
        let e = app.move_case(&w, case, &risky).await.unwrap_err();
        assert_eq!(codes(e), ["HW-REPAT-0005"]);
        app.move_case(&w, case, &cleared(version)).await.unwrap();

        let version = app.store().case(case).await.unwrap().version;
        let e = app
            .move_case(
                &consul,
                case,
                &StepDraft {
                    to: "travel_documents_issued".into(),
                    version,
                    ..StepDraft::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(codes(e), ["HW-REPAT-0007"]);
        app.move_case(
            &consul,
            case,
            &StepDraft {
                to: "travel_documents_issued".into(),
                version,
                travel_document: Some("laissez-passer 18/0042".into()),
                ..StepDraft::default()
            },
        )
        .await
        .unwrap();
        let version = app.store().case(case).await.unwrap().version;
        app.move_case(
            &w,
            case,
            &StepDraft {
                to: "handover_scheduled".into(),
                version,
                handover_date: Some("2018-01-31".into()),
                handover_place: Some("Baghdad airport".into()),
                ..StepDraft::default()
            },
        )
        .await
        .unwrap();
        let version = app.store().case(case).await.unwrap().version;
        let e = app
            .move_case(
                &consul,
                case,
                &StepDraft {
                    to: "handed_over".into(),
                    version,
                    handover_date: Some("2018-01-31".into()),
                    handover_place: Some("Baghdad airport".into()),
                    ..StepDraft::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(codes(e), ["HW-REPAT-0010"]);
        app.move_case(
            &consul,
            case,
            &StepDraft {
                to: "handed_over".into(),
                version,
                handover_date: Some("2018-01-31".into()),
                handover_place: Some("Baghdad airport".into()),
                receiving_official: Some("Consul J. Martin".into()),
                ..StepDraft::default()
            },
        )
        .await
        .unwrap();
        // Handover closes the children's custody; the mother stays in custody.
        for child in &children {
            let file = app.store().person_file(PersonId(*child)).await.unwrap();
            assert_eq!(file.person.status, "handed_over");
            assert_eq!(file.person.current_site_id, None);
            assert!(file.episodes.iter().all(|e| e.end_at.is_some()));
        }
        let m = app.store().person(PersonId(mother)).await.unwrap();
        assert_ne!(m.status, "handed_over");
        assert!(m.current_site_id.is_some());
        step(&app, &w, case, "closed").await.unwrap();

        let view = app.case_for(&w, case).await.unwrap();
        let states: Vec<&str> = view.timeline.iter().map(|t| t.to_state.as_str()).collect();
        assert_eq!(
            states,
            [
                "identified",
                "embassy_notified",
                "verification_in_progress",
                "nationality_confirmed",
                "accepted",
                "risk_cleared",
                "travel_documents_issued",
                "handover_scheduled",
                "handed_over",
                "closed"
            ]
        );
        assert_eq!(view.timeline[8].actor, "consul-fr");
        let events = app.store().audit_recent(1000).await.unwrap();
        assert_eq!(
            events
                .iter()
                .filter(|e| e.action == "case.move" && e.entity_id == case.to_string())
                .count(),
            9
        );
    }
}

#[tokio::test]
async fn cases_of_another_country_are_out_of_reach_of_a_consular_officer() {
    for db in backends().await {
        let app = app(&db).await;
        demo(&app).await;
        let (mother, _) = family_of(&app, "TR").await;
        let case = app
            .open_case(
                &worker(),
                &OpenCase {
                    country: "TR".into(),
                    members: vec![mother],
                    label: String::new(),
                },
            )
            .await
            .unwrap()
            .case
            .id;
        let fr = who("consul-fr", Role::ConsularOfficer, Some("FR"));
        assert!(matches!(
            app.case_for(&fr, case).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            step(&app, &fr, case, "embassy_notified").await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            app.embassy_queue(&fr, "TR").await,
            Err(AppError::NotFound(_))
        ));
        let tr = who("consul-tr", Role::ConsularOfficer, Some("TR"));
        let queue = app.embassy_queue(&tr, "TR").await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].waiting_for, "notification");
        // A person in an open case cannot be put in a second one; a claim is needed.
        let e = app
            .open_case(
                &worker(),
                &OpenCase {
                    country: "FR".into(),
                    members: vec![mother],
                    label: String::new(),
                },
            )
            .await
            .unwrap_err();
        let c = codes(e);
        assert!(c.contains(&"HW-REPAT-0015"), "{c:?}");
    }
}

#[tokio::test]
async fn releases_need_consent_or_a_legal_basis_approved_by_a_second_user() {
    for db in backends().await {
        let app = app(&db).await;
        demo(&app).await;
        let (mother, children) = family_of(&app, "FR").await;
        let w = worker();
        let draft = |p: i64| DisclosureDraft {
            person: PersonId(p),
            to_country: "FR".into(),
            what: "dossier (pdf, fr)".into(),
            case_id: None,
            channel: "dossier".into(),
        };
        let e = app
            .record_disclosure(&Actor::named("amal"), &draft(mother))
            .await
            .unwrap_err();
        assert_eq!(codes(e), ["HW-REPAT-0036"]);
        // A child does not consent for themself.
        let e = app
            .record_consent(
                &w,
                PersonId(children[0]),
                &ConsentDraft {
                    country: "FR".into(),
                    kind: "consent".into(),
                    given_by: "person".into(),
                    given_by_name: "the child".into(),
                    agreed: true,
                    ..ConsentDraft::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(codes(e), ["HW-REPAT-0030"]);
        app.record_consent(
            &w,
            PersonId(mother),
            &ConsentDraft {
                country: "FR".into(),
                kind: "consent".into(),
                given_by: "person".into(),
                given_by_name: "herself".into(),
                agreed: true,
                ..ConsentDraft::default()
            },
        )
        .await
        .unwrap();
        let row = app
            .record_disclosure(&Actor::named("amal"), &draft(mother))
            .await
            .unwrap();
        assert_eq!(row.basis, "consent");

        // Without consent: a legal basis, approved by someone else.
        let basis = app
            .record_consent(
                &w,
                PersonId(children[0]),
                &ConsentDraft {
                    country: "FR".into(),
                    kind: "legal_basis".into(),
                    legal_basis: "court order 12/2018 on the child's return".into(),
                    ..ConsentDraft::default()
                },
            )
            .await
            .unwrap();
        assert!(
            app.record_disclosure(&Actor::named("amal"), &draft(children[0]))
                .await
                .is_err(),
            "not approved yet"
        );
        let e = app.approve_legal_basis(&w, basis.id).await.unwrap_err();
        assert_eq!(codes(e), ["HW-REPAT-0034"]);
        app.approve_legal_basis(&who("sami", Role::CaseWorker, None), basis.id)
            .await
            .unwrap();
        let row = app
            .record_disclosure(&Actor::named("amal"), &draft(children[0]))
            .await
            .unwrap();
        assert_eq!(row.basis, "legal_basis");

        // The notification list releases only those with a basis, and registers each.
        let list = app.notification_list(&w, "FR", "csv").await.unwrap();
        let released: Vec<&str> = list
            .rows
            .iter()
            .map(|r| r.registration_number.as_str())
            .collect();
        assert_eq!(released.len(), 2, "{released:?}");
        assert!(list.withheld > 0);
        let register = app.disclosures_for(&w, PersonId(mother)).await.unwrap();
        assert_eq!(register[0].what, "notification list (csv)");
        assert_eq!(register.len(), 2);
    }
}
