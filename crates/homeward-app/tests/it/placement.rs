//! The placement protocol replayed on dates either side of birthdays and of the amendment of
//! the 1980 orphanage law; births, transfers, roll calls and the daily review.

use chrono::{NaiveDate, NaiveDateTime};
use homeward_app::registry::{LinkDraft, MoveDraft, NameDraft, RegisterPerson};
use homeward_app::{Actor, App, AppError};
use homeward_domain::person::{PersonDraft, PersonId};
use homeward_domain::placement::orphanage_amendment_date;
use homeward_domain::site::{SeparationGroup, SiteKind};
use homeward_store::registry::NewSite;
use homeward_testkit::{app_at, backends};

fn at(d: &str) -> NaiveDateTime {
    NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

fn day(d: &str) -> NaiveDate {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
}

fn me() -> Actor {
    Actor::named("case worker")
}

async fn site(app: &App, code: &str, kind: SiteKind, capacity: u32) -> i64 {
    let s = NewSite {
        code: code.into(),
        name_en: code.into(),
        name_ar: "موقع".into(),
        kind,
        parent: None,
        capacity,
        separation_group: Some(SeparationGroup::ForeignFamilies),
        synthetic: false,
    };
    app.create_site(&Actor::named("admin"), &s)
        .await
        .unwrap()
        .id
}

async fn person(app: &App, sex: &str, dob: &str, nat: &str, place: Option<i64>) -> PersonId {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: sex.into(),
            date_of_birth: Some(dob.into()),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: format!("شخص {dob}"),
            ..NameDraft::default()
        }],
        nationalities: vec![nat.into()],
        placement: place.map(|site| MoveDraft {
            site,
            at: Some("2017-09-01".into()),
            authorised_by: "director".into(),
            reason: "intake".into(),
            ..MoveDraft::default()
        }),
        ..RegisterPerson::default()
    };
    app.register_person(&me(), &cmd)
        .await
        .unwrap()
        .person
        .person_id()
}

async fn mother_of(app: &App, mother: PersonId, child: PersonId) {
    let l = LinkDraft {
        from: mother.0,
        to: child.0,
        relation: "mother".into(),
        ..LinkDraft::default()
    };
    app.add_link(&me(), &l).await.unwrap();
}

#[tokio::test]
async fn the_protocol_replays_either_side_of_the_fourth_and_fifteenth_birthdays() {
    for db in backends().await {
        let app = app_at(&db, at("2018-06-01")).await;
        let centre = site(&app, "WDC", SiteKind::DetentionCentre, 100).await;
        let mother = person(&app, "female", "1985-01-01", "TR", Some(centre)).await;
        let small = person(&app, "male", "2014-03-10", "TR", None).await;
        mother_of(&app, mother, small).await;
        let before = app
            .propose_placement(small, day("2018-03-09"))
            .await
            .unwrap();
        assert_eq!(before.placement, "detention_centre", "{}", db.backend);
        assert_eq!(before.rule.id, "young-children-with-mother");
        assert!(
            before.explanation.contains("age 3"),
            "{}",
            before.explanation
        );
        let after = app
            .propose_placement(small, day("2018-03-10"))
            .await
            .unwrap();
        assert_eq!(after.placement, "orphanage");
        assert_eq!(
            (after.rule.id.as_str(), after.rule.version),
            ("orphanage-4-14", 2)
        );

        let boy = person(&app, "male", "2003-05-05", "RU", None).await;
        assert_eq!(
            app.propose_placement(boy, day("2018-05-04"))
                .await
                .unwrap()
                .placement,
            "orphanage"
        );
        let p = app.propose_placement(boy, day("2018-05-05")).await.unwrap();
        assert_eq!(
            (p.placement.as_str(), p.rule.id.as_str()),
            ("juvenile_facility", "boys-15-17-juvenile")
        );
    }
}

#[tokio::test]
async fn a_foreign_child_is_judged_by_the_orphanage_law_in_force_on_the_date() {
    for db in backends().await {
        let app = app_at(&db, at("2018-06-01")).await;
        let camp = site(&app, "RUSAFA-A", SiteKind::CampSection, 100).await;
        let mother = person(&app, "female", "1985-01-01", "FR", Some(camp)).await;
        let girl = person(&app, "female", "2008-01-01", "FR", None).await;
        mother_of(&app, mother, girl).await;
        let amendment = orphanage_amendment_date();
        let eve = amendment.pred_opt().unwrap();
        let p = app.propose_placement(girl, eve).await.unwrap();
        assert_eq!(
            (p.placement.as_str(), p.rule.id.as_str()),
            ("camp_section", "foreign-4-14-before-amendment")
        );
        let p = app.propose_placement(girl, amendment).await.unwrap();
        assert_eq!(
            (p.placement.as_str(), p.rule.version),
            ("orphanage", 2),
            "{}",
            db.backend
        );

        // A decision keeps the version it was made under, whatever comes later.
        let d = app
            .decide_placement(&me(), girl, eve, None, "", None)
            .await
            .unwrap();
        assert_eq!(
            (d.rule_id.as_str(), d.rule_version, d.decision.as_str()),
            ("foreign-4-14-before-amendment", 1, "confirmed")
        );
        let draft = homeward_app::placement::RuleDraft {
            id: "orphanage-4-14".into(),
            effective_from: "2018-05-01".into(),
            priority: 20,
            min_age: 4,
            max_age: 12,
            nationality: "any".into(),
            outcome: "orphanage".into(),
            description_en: "test: a narrower age range".into(),
            ..Default::default()
        };
        assert_eq!(
            app.add_rule_version(&Actor::named("admin"), &draft)
                .await
                .unwrap()
                .version,
            3
        );
        let kept = app.store().decisions_of(girl.0).await.unwrap();
        assert_eq!(
            (kept[0].rule_id.as_str(), kept[0].rule_version),
            ("foreign-4-14-before-amendment", 1)
        );
        assert_eq!(
            app.propose_placement(girl, amendment)
                .await
                .unwrap()
                .rule
                .version,
            2
        );
    }
}

#[tokio::test]
async fn an_override_needs_a_reason_and_for_a_child_a_best_interests_decision() {
    let db = &backends().await[0];
    let app = app_at(db, at("2018-06-01")).await;
    let boy = person(&app, "male", "2002-01-01", "TJ", None).await;
    let e = app
        .decide_placement(
            &me(),
            boy,
            day("2018-06-01"),
            Some("camp_section"),
            "",
            None,
        )
        .await;
    let Err(AppError::Invalid(inv)) = e else {
        panic!("override without reason must be refused: {e:?}")
    };
    let fields: Vec<_> = inv.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["reason", "best_interests_ref"]);
    assert!(app.store().decisions_of(boy.0).await.unwrap().is_empty());
    let d = app
        .decide_placement(
            &me(),
            boy,
            day("2018-06-01"),
            Some("camp_section"),
            "with his mother, ill",
            Some("BID-2018-07"),
        )
        .await
        .unwrap();
    assert_eq!(
        (d.decision.as_str(), d.proposed.as_str(), d.chosen.as_str()),
        ("overridden", "juvenile_facility", "camp_section")
    );
}

#[tokio::test]
async fn a_birth_in_custody_is_linked_placed_with_the_mother_and_claims_her_nationality() {
    for db in backends().await {
        let app = app_at(&db, at("2018-06-01")).await;
        let camp = site(&app, "RUSAFA-A", SiteKind::CampSection, 100).await;
        let mother = person(&app, "female", "1992-01-01", "AZ", Some(camp)).await;
        let draft = homeward_app::placement::BirthDraft {
            sex: "female".into(),
            date_of_birth: "2018-05-30".into(),
            names: vec![NameDraft {
                text: "مريم".into(),
                ..NameDraft::default()
            }],
            father_unknown: true,
            father_name: None,
        };
        let baby = app.register_birth(&me(), mother, &draft).await.unwrap();
        assert_eq!(baby.person.current_site_id, Some(camp), "{}", db.backend);
        assert_eq!(baby.links[0].from_person, mother.0);
        assert_eq!(baby.links[0].confidence, "confirmed");
        assert_eq!(baby.claims[0].country_code, "AZ");
        assert!(
            baby.person
                .place_of_birth
                .as_deref()
                .unwrap()
                .contains("born in custody")
        );
    }
}

#[tokio::test]
async fn a_family_transfer_moves_mother_and_baby_together_or_not_at_all() {
    for db in backends().await {
        let app = app_at(&db, at("2018-06-01")).await;
        let camp = site(&app, "RUSAFA-A", SiteKind::CampSection, 100).await;
        let centre = site(&app, "WDC", SiteKind::DetentionCentre, 100).await;
        let mother = person(&app, "female", "1990-01-01", "DE", Some(camp)).await;
        let baby = person(&app, "male", "2017-01-01", "DE", Some(camp)).await;
        let big = person(&app, "male", "2010-01-01", "DE", None).await;
        for c in [baby, big] {
            mother_of(&app, mother, c).await;
        }
        // A transfer of the baby alone is refused when carried out, and nothing moves.
        let (t, left) = app
            .request_transfer(&me(), centre, &[baby.0], "court hearing")
            .await
            .unwrap();
        assert!(
            left.contains(&mother.0),
            "the mother left behind is shown: {left:?}"
        );
        let t = app
            .authorise_transfer(&Actor::named("director"), t.id, t.version)
            .await
            .unwrap();
        let e = app.carry_out_transfer(&me(), t.id, t.version, false).await;
        assert!(
            matches!(e, Err(AppError::Invalid(_))),
            "{} {e:?}",
            db.backend
        );
        assert_eq!(
            app.store().person(baby).await.unwrap().current_site_id,
            Some(camp)
        );
        // The whole family at once goes through, mother first.
        let (t, _) = app
            .request_transfer(&me(), centre, &[baby.0, mother.0], "court hearing")
            .await
            .unwrap();
        let e = app.carry_out_transfer(&me(), t.id, t.version, false).await;
        assert!(matches!(e, Err(AppError::Invalid(_))), "not authorised yet");
        let t = app
            .authorise_transfer(&Actor::named("director"), t.id, t.version)
            .await
            .unwrap();
        let done = app
            .carry_out_transfer(&me(), t.id, t.version, false)
            .await
            .unwrap();
        assert_eq!(done.state, "carried_out");
        assert_eq!(done.authorised_by.as_deref(), Some("director"));
        for p in [mother, baby] {
            assert_eq!(
                app.store().person(p).await.unwrap().current_site_id,
                Some(centre)
            );
        }
    }
}

#[tokio::test]
async fn a_roll_call_that_differs_from_the_register_opens_an_incident_until_resolved() {
    for db in backends().await {
        let app = app_at(&db, at("2018-06-01")).await;
        let camp = site(&app, "RUSAFA-A", SiteKind::CampSection, 100).await;
        let a = person(&app, "female", "1990-01-01", "TR", Some(camp)).await;
        let b = person(&app, "female", "1991-01-01", "TR", Some(camp)).await;
        let (call, incident) = app.roll_call(&me(), camp, Some(2), None).await.unwrap();
        assert_eq!((call.expected, call.counted), (2, 2));
        assert!(incident.is_none());
        let (call, incident) = app
            .roll_call(&me(), camp, None, Some(&[a.0]))
            .await
            .unwrap();
        assert_eq!(call.absent, b.0.to_string(), "{}", db.backend);
        let incident = incident.expect("a missing person opens an incident");
        assert_eq!(
            (incident.difference, incident.status.as_str()),
            (-1, "open")
        );
        let e = app
            .resolve_roll_call_incident(&me(), incident.id, " ")
            .await;
        assert!(matches!(e, Err(AppError::Invalid(_))));
        let r = app
            .resolve_roll_call_incident(&me(), incident.id, "at the clinic")
            .await
            .unwrap();
        assert_eq!(r.status, "resolved");
        assert_eq!(app.store().incidents(camp).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn the_daily_review_lists_birthdays_deliveries_and_is_idempotent() {
    for db in backends().await {
        let app = app_at(&db, at("2018-06-01")).await;
        let camp = site(&app, "RUSAFA-A", SiteKind::CampSection, 100).await;
        let turning_four = person(&app, "male", "2014-06-20", "TR", Some(camp)).await;
        let _older = person(&app, "male", "2012-01-01", "TR", Some(camp)).await;
        let cmd = RegisterPerson {
            person: PersonDraft {
                sex: "female".into(),
                date_of_birth: Some("1995-01-01".into()),
                pregnant_expected_delivery: Some("2018-06-15".into()),
                ..PersonDraft::default()
            },
            names: vec![NameDraft {
                text: "Ayşe".into(),
                ..NameDraft::default()
            }],
            ..RegisterPerson::default()
        };
        let pregnant = app
            .register_person(&me(), &cmd)
            .await
            .unwrap()
            .person
            .person_id();
        let added = app.run_due_jobs().await.unwrap();
        let tasks = app.store().tasks(None).await.unwrap();
        let kinds: Vec<(String, Option<i64>)> = tasks
            .iter()
            .map(|t| (t.kind.clone(), t.person_id))
            .collect();
        assert!(
            kinds.contains(&("turns_4".into(), Some(turning_four.0))),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&("delivery_near".into(), Some(pregnant.0))),
            "{kinds:?}"
        );
        assert_eq!(added, tasks.len());
        assert_eq!(
            app.run_due_jobs().await.unwrap(),
            0,
            "a second run adds nothing on {}",
            db.backend
        );
    }
}

#[tokio::test]
async fn a_transfer_preview_foresees_refusals_and_keeps_nothing() {
    for db in backends().await {
        let app = app_at(&db, at("2018-06-01")).await;
        let camp = site(&app, "RUSAFA-A", SiteKind::CampSection, 100).await;
        let centre = site(&app, "WDC", SiteKind::DetentionCentre, 100).await;
        let mother = person(&app, "female", "1990-01-01", "DE", Some(camp)).await;
        let baby = person(&app, "male", "2017-01-01", "DE", Some(camp)).await;
        mother_of(&app, mother, baby).await;
        let events = app.store().audit_recent(1000).await.unwrap().len();
        let p = app
            .preview_transfer(&me(), centre, &[baby.0], false, None)
            .await
            .unwrap();
        assert_eq!(p.left_behind, vec![mother.0], "{}", db.backend);
        let fields: Vec<&str> = p.refusals.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&format!("persons[{}].best_interests_ref", baby.0).as_str()),
            "{fields:?}"
        );
        assert_eq!(
            app.store().person(baby).await.unwrap().current_site_id,
            Some(camp),
            "a preview moves no one"
        );
        assert_eq!(app.store().audit_recent(1000).await.unwrap().len(), events);
        // The whole family: nothing left behind, nothing refused.
        let p = app
            .preview_transfer(&me(), centre, &[baby.0, mother.0], false, None)
            .await
            .unwrap();
        assert!(p.left_behind.is_empty() && p.refusals.is_empty(), "{p:?}");
        // With a best-interests decision reference the child alone may go (to a section).
        let other = site(&app, "RUSAFA-B", SiteKind::CampSection, 100).await;
        let (t, _) = app
            .request_transfer(&me(), other, &[baby.0], "medical care")
            .await
            .unwrap();
        let t = app
            .authorise_transfer(&Actor::named("director"), t.id, t.version)
            .await
            .unwrap();
        let done = app
            .carry_out_transfer_with(&me(), t.id, t.version, false, Some("BID-2018-12"))
            .await
            .unwrap();
        assert_eq!(done.state, "carried_out");
        assert_eq!(
            app.store().person(baby).await.unwrap().current_site_id,
            Some(other)
        );
    }
}

#[tokio::test]
async fn the_daily_review_on_demand_is_recorded_as_the_users() {
    for db in backends().await {
        let app = app_at(&db, at("2018-02-01")).await;
        let camp = site(&app, "RUSAFA-A", SiteKind::CampSection, 100).await;
        person(&app, "male", "2014-02-15", "DE", Some(camp)).await;
        let added = app.run_daily_review(&Actor::named("admin")).await.unwrap();
        assert!(added >= 1, "{}", db.backend);
        let last = app.store().audit_recent(1).await.unwrap().remove(0);
        assert_eq!(last.action, "jobs.daily_review");
        assert_eq!(last.actor, "admin");
        // Run again: the same tasks are not added twice.
        assert_eq!(
            app.run_daily_review(&Actor::named("admin")).await.unwrap(),
            0
        );
    }
}
