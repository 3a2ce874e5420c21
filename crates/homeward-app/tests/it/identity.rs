//! Identity resolution at work, on every backend: the review queue with reversible merges,
//! tracing requests across scripts, and lists of nationals matched within the caller's scope.

use homeward_app::identity::TracingDraft;
use homeward_app::registry::{MoveDraft, NameDraft, RegisterPerson};
use homeward_app::{Actor, App, AppError};
use homeward_domain::access::{Principal, Role};
use homeward_domain::country::CountryCode;
use homeward_domain::person::{DocumentDraft, PersonDraft, PersonId};
use homeward_domain::site::{SeparationGroup, SiteKind};
use homeward_store::StoreError;
use homeward_store::registry::{NewSite, PersonFilter};
use homeward_testkit::backends;

fn who(role: Role, country: Option<&str>) -> Principal {
    Principal {
        user_id: 1,
        username: format!("{}-user", role.key()),
        role,
        country: country.map(|c| CountryCode::parse("country", c).unwrap()),
        site: None,
    }
}

async fn site(app: &App, code: &str) -> i64 {
    let s = NewSite {
        code: code.into(),
        name_en: code.into(),
        name_ar: "موقع".into(),
        kind: SiteKind::CampSection,
        parent: None,
        capacity: 100,
        separation_group: Some(SeparationGroup::ForeignFamilies),
        synthetic: false,
    };
    app.create_site(&Actor::named("admin"), &s)
        .await
        .unwrap()
        .id
}

async fn person(
    app: &App,
    names: &[&str],
    dob: &str,
    nat: &str,
    doc: Option<&str>,
    place: Option<i64>,
) -> i64 {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: "female".into(),
            date_of_birth: Some(dob.into()),
            place_of_birth: Some("Makhachkala".into()),
            ..PersonDraft::default()
        },
        names: names
            .iter()
            .map(|n| NameDraft {
                text: (*n).into(),
                ..NameDraft::default()
            })
            .collect(),
        documents: doc
            .map(|d| {
                vec![DocumentDraft {
                    doc_type: "passport".into(),
                    number: d.into(),
                    issuing_country: nat.into(),
                    sighted: true,
                    ..DocumentDraft::default()
                }]
            })
            .unwrap_or_default(),
        nationalities: vec![nat.into()],
        placement: place.map(|site| MoveDraft {
            site,
            at: Some("2017-09-01".into()),
            authorised_by: "director".into(),
            reason: "intake".into(),
            ..MoveDraft::default()
        }),
    };
    app.register_person(&Actor::named("registrar"), &cmd)
        .await
        .unwrap()
        .person
        .id
}

/// A small registry: one woman registered twice (Latin and Arabic script), and others.
async fn registry(app: &App) -> (i64, i64, i64) {
    let s = site(app, "A-1").await;
    let first = person(
        app,
        &["Svetlana Ivanova"],
        "1990-03-07",
        "RU",
        Some("RU1234567"),
        None,
    )
    .await;
    let second = person(
        app,
        &["سفيتلانا إيفانوفا"],
        "1990-03-07",
        "RU",
        Some("RU1234567"),
        Some(s),
    )
    .await;
    let other = person(app, &["Amina Saleh"], "1985-06-01", "FR", None, Some(s)).await;
    person(app, &["Layla Haddad"], "1979-01-20", "DE", None, Some(s)).await;
    person(
        app,
        &["Fatima Zahra Benali"],
        "1992-11-11",
        "BE",
        None,
        Some(s),
    )
    .await;
    (first, second, other)
}

fn open_episodes(file: &homeward_store::registry::PersonFile) -> usize {
    file.episodes.iter().filter(|e| e.end_at.is_none()).count()
}

#[tokio::test]
async fn a_confirmed_pair_merges_reversibly_with_audit_and_one_open_stay() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let (first, second, _) = registry(&app).await;
        let reviewer = who(Role::CaseWorker, None);
        let before_second = app.store().person_file(PersonId(second)).await.unwrap();
        let run = app.run_dedupe(&reviewer, 0.5).await.unwrap();
        assert!(run.proposed >= 1, "{}: {run:?}", db.backend);
        let queue = app.reviews_for(&reviewer, None, 100).await.unwrap();
        let pair = queue
            .iter()
            .find(|v| v.review.left_id == first && v.review.right_id == second)
            .unwrap_or_else(|| panic!("{}: the pair is queued", db.backend));
        assert!(!pair.reasons.is_empty());
        assert!(pair.reasons.iter().any(|r| r.field == "document_number"));

        // Confirm: the later record (with the stay) is merged into the earlier one.
        let decided = app
            .decide_review(
                &reviewer,
                pair.review.id,
                "confirm",
                None,
                pair.review.version,
            )
            .await
            .unwrap();
        assert_eq!(decided.review.state, "confirmed");
        let merge = decided.merge.clone().expect("a merge");
        assert_eq!((merge.survivor_id, merge.merged_id), (first, second));
        // The merged record answers "not found" everywhere and leaves lists and search.
        assert!(matches!(
            app.store().person(PersonId(second)).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            app.person_file_for(&reviewer, PersonId(second), "test")
                .await,
            Err(AppError::NotFound(_))
        ));
        let all = app
            .store()
            .list_persons(&PersonFilter::default(), 100, 0)
            .await
            .unwrap();
        assert!(all.items.iter().all(|p| p.id != second));
        // Its Arabic-script name now finds the survivor.
        let hits = app.search(&reviewer, "سفيتلانا إيفانوفا", 5).await.unwrap();
        assert_eq!(hits[0].summary.person.id, first, "{}", db.backend);
        // One open stay: the survivor took the merged record's site, the merged one has none.
        let survivor = app.store().person_file(PersonId(first)).await.unwrap();
        assert_eq!(open_episodes(&survivor), 1);
        assert_eq!(
            survivor.person.current_site_id,
            before_second.person.current_site_id
        );
        let merged = app.store().person_any(second).await.unwrap();
        assert_eq!(merged.current_site_id, None);
        // Names and documents of the merged record are shown on the survivor.
        let shown = app.merged_into(&reviewer, PersonId(first)).await.unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].names[0].text, "سفيتلانا إيفانوفا");
        // Audited with who and when.
        let events = app
            .store()
            .audit_of("person", &second.to_string())
            .await
            .unwrap();
        let merge_event = events.iter().find(|e| e.action == "person.merge").unwrap();
        assert_eq!(merge_event.actor, reviewer.username);
        let review_events = app
            .store()
            .audit_of("duplicate_review", &pair.review.id.to_string())
            .await
            .unwrap();
        assert!(
            review_events
                .iter()
                .any(|e| e.action == "identity.review.confirm")
        );

        // Undo restores both exactly, and the pair goes back to the queue.
        app.undo_merge(&reviewer, merge.id).await.unwrap();
        let after_second = app.store().person_file(PersonId(second)).await.unwrap();
        assert_eq!(after_second.person, before_second.person, "{}", db.backend);
        assert_eq!(after_second.episodes, before_second.episodes);
        let survivor = app.store().person_file(PersonId(first)).await.unwrap();
        assert_eq!(open_episodes(&survivor), 0);
        assert_eq!(survivor.person.current_site_id, None);
        assert_eq!(
            app.review_for(&reviewer, pair.review.id)
                .await
                .unwrap()
                .review
                .state,
            "pending"
        );
        let events = app
            .store()
            .audit_of("person", &second.to_string())
            .await
            .unwrap();
        assert!(events.iter().any(|e| e.action == "person.unmerge"));
        // A second undo is refused and changes nothing.
        assert!(matches!(
            app.undo_merge(&reviewer, merge.id).await,
            Err(AppError::Invalid(_))
        ));
        assert!(matches!(
            app.store().verify_audit().await.unwrap(),
            homeward_store::audit::Verdict::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn a_rejected_pair_is_never_proposed_again_and_others_may_not_review() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let (first, second, _) = registry(&app).await;
        let reviewer = who(Role::Registrar, None);
        app.run_dedupe(&reviewer, 0.5).await.unwrap();
        let pair = app
            .reviews_for(&reviewer, None, 100)
            .await
            .unwrap()
            .into_iter()
            .find(|v| v.review.left_id == first && v.review.right_id == second)
            .unwrap();
        app.decide_review(
            &reviewer,
            pair.review.id,
            "reject",
            None,
            pair.review.version,
        )
        .await
        .unwrap();
        let again = app.run_dedupe(&reviewer, 0.5).await.unwrap();
        assert_eq!(again.labels, 1, "the decision is a label for the model");
        let all = app.reviews_for(&reviewer, Some("all"), 100).await.unwrap();
        let same: Vec<_> = all
            .iter()
            .filter(|v| v.review.left_id == first && v.review.right_id == second)
            .collect();
        assert_eq!(same.len(), 1, "{}", db.backend);
        assert_eq!(same[0].review.state, "rejected");
        // A decided pair cannot be decided again; a stale version is a conflict.
        assert!(matches!(
            app.decide_review(
                &reviewer,
                pair.review.id,
                "confirm",
                None,
                pair.review.version
            )
            .await,
            Err(AppError::Invalid(_))
        ));
        for role in [Role::ConsularOfficer, Role::Monitor, Role::JudicialLiaison] {
            let p = who(role, Some("RU"));
            assert!(matches!(
                app.run_dedupe(&p, 0.5).await,
                Err(AppError::Forbidden)
            ));
            assert!(matches!(
                app.reviews_for(&p, None, 10).await,
                Err(AppError::Forbidden)
            ));
        }
    }
}

#[tokio::test]
async fn a_latin_script_tracing_request_finds_an_arabic_script_registration_first() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let s = site(&app, "A-1").await;
        let wanted = person(
            &app,
            &["سفيتلانا إيفانوفا"],
            "1990-03-07",
            "RU",
            None,
            Some(s),
        )
        .await;
        person(&app, &["Amina Saleh"], "1990-05-01", "FR", None, Some(s)).await;
        person(&app, &["سلمى إبراهيم"], "1991-02-02", "RU", None, Some(s)).await;
        person(&app, &["Svetla Petrova"], "1975-02-02", "BG", None, Some(s)).await;
        let cw = who(Role::CaseWorker, None);
        let draft = TracingDraft {
            names: "Svetlana Ivanova".into(),
            sex: "female".into(),
            age: "28".into(),
            place: "Makhachkala".into(),
            nationality: "ru".into(),
            requester_name: "Olga Ivanova".into(),
            relationship: "mother".into(),
            channel: "icrc".into(),
            contact: "ICRC ref 2018/0042".into(),
            ..TracingDraft::default()
        };
        let row = app.add_tracing(&cw, &draft).await.unwrap();
        assert_eq!(row.nationality.as_deref(), Some("RU"));
        let view = app.tracing_for(&cw, row.id).await.unwrap();
        assert_eq!(view.candidates[0].person_id, wanted, "{}", db.backend);
        assert!(
            view.candidates[0]
                .reasons
                .iter()
                .any(|r| r.field == "given_name" && r.level > 1)
        );
        // The outcome is recorded and audited; a stale version is a conflict.
        let done = app
            .tracing_outcome(
                &cw,
                row.id,
                "found",
                Some(&view.candidates[0].registration_number),
                "",
                row.version,
            )
            .await
            .unwrap();
        assert_eq!(
            (done.state.as_str(), done.found_person_id),
            ("found", Some(wanted))
        );
        assert!(matches!(
            app.tracing_outcome(&cw, row.id, "closed", None, "", row.version)
                .await,
            Err(AppError::Conflict(_))
        ));
        let events = app
            .store()
            .audit_of("tracing_request", &row.id.to_string())
            .await
            .unwrap();
        assert_eq!(events.len(), 2);
        // Bad input names every field and records nothing.
        let bad = TracingDraft {
            year_of_birth: "199".into(),
            channel: "pigeon".into(),
            ..TracingDraft::default()
        };
        match app.add_tracing(&cw, &bad).await {
            Err(AppError::Invalid(inv)) => {
                let fields: Vec<&str> = inv.0.iter().map(|e| e.field.as_str()).collect();
                for f in ["names", "year_of_birth", "requester_name", "channel"] {
                    assert!(fields.contains(&f), "{f} in {fields:?}");
                }
            }
            other => panic!("refused expected, got {other:?}"),
        }
        assert_eq!(app.tracing_list(&cw, None).await.unwrap().len(), 1);
        // Consular officers never see tracing requests.
        let consul = who(Role::ConsularOfficer, Some("RU"));
        assert!(matches!(
            app.tracing_for(&consul, row.id).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            app.tracing_list(&consul, None).await,
            Err(AppError::Forbidden)
        ));
    }
}

#[tokio::test]
async fn a_consular_officer_matches_a_list_only_within_their_scope() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let s = site(&app, "A-1").await;
        let russian = person(
            &app,
            &["سفيتلانا إيفانوفا"],
            "1990-03-07",
            "RU",
            None,
            Some(s),
        )
        .await;
        let french = person(
            &app,
            &["Svetlana Ivanova"],
            "1990-03-07",
            "FR",
            None,
            Some(s),
        )
        .await;
        person(&app, &["Amina Saleh"], "1985-06-01", "FR", None, Some(s)).await;
        let list = "nr,surname,given_name,date_of_birth\n17,Ivanova,Svetlana,1990-03-07\n18,Petrova,Anna,1970-01-01\n";
        let maps = vec!["nr=id, surname=family_name".to_owned()];
        let consul = who(Role::ConsularOfficer, Some("RU"));
        let row = app
            .match_list(&consul, "ru.csv", list.as_bytes(), &maps)
            .await
            .unwrap();
        assert_eq!(row.row_count, 2);
        assert_eq!(row.scope_country.as_deref(), Some("RU"));
        let (_, results) = app.list_match_for(&consul, row.id).await.unwrap();
        assert_eq!(results[0].list_id, "17");
        let ids: Vec<i64> = results
            .iter()
            .flat_map(|r| r.candidates.iter().map(|c| c.person_id))
            .collect();
        assert!(ids.contains(&russian), "{}: {ids:?}", db.backend);
        assert!(!ids.contains(&french), "never a person outside the scope");
        let csv = app.list_match_csv(&consul, row.id).await.unwrap();
        assert!(csv.starts_with("line,list_id,list_name"));
        assert!(csv.contains("17,Svetlana Ivanova"), "{csv}");
        // A case worker sees both; nobody else sees the consul's results.
        let cw = who(Role::CaseWorker, None);
        let mine = app
            .match_list(&cw, "ru.csv", list.as_bytes(), &maps)
            .await
            .unwrap();
        let (_, results) = app.list_match_for(&cw, mine.id).await.unwrap();
        let ids: Vec<i64> = results[0].candidates.iter().map(|c| c.person_id).collect();
        assert!(ids.contains(&russian) && ids.contains(&french), "{ids:?}");
        assert!(matches!(
            app.list_match_for(&cw, row.id).await,
            Err(AppError::NotFound(_))
        ));
        // Registrars do not match lists.
        assert!(matches!(
            app.match_list(&who(Role::Registrar, None), "x.csv", list.as_bytes(), &[])
                .await,
            Err(AppError::Forbidden)
        ));
        let events = app
            .store()
            .audit_of("list_match", &row.id.to_string())
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
    }
}

#[tokio::test]
async fn a_bad_upload_is_refused_naming_the_field_and_line() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let cw = who(Role::CaseWorker, None);
    let refused = |r: Result<homeward_store::identity::ListMatchRow, AppError>| match r {
        Err(AppError::Invalid(inv)) => (inv.0[0].field.clone(), inv.0[0].message.clone()),
        other => panic!("refused expected, got {other:?}"),
    };
    let unclosed = "id,full_name\n1,Amina Saleh\n2,\"Layla Haddad\n3,Svetlana Ivanova\n";
    let (field, message) = refused(
        app.match_list(&cw, "bad.csv", unclosed.as_bytes(), &[])
            .await,
    );
    assert_eq!(field, "file");
    assert!(message.contains("line 3"), "{message}");
    let (field, _) = refused(
        app.match_list(
            &cw,
            "x.csv",
            b"id,full_name\n1,A\n",
            &["nonsense".to_owned()],
        )
        .await,
    );
    assert_eq!(field, "map");
    let (field, message) = refused(
        app.match_list(&cw, "x.csv", b"id,city\n1,Paris\n", &[])
            .await,
    );
    assert_eq!(field, "file");
    assert!(message.contains("full_name"), "{message}");
    let (field, message) = refused(
        app.match_list(
            &cw,
            "x.csv",
            b"id,full_name,date_of_birth\n1,A,someday\n",
            &[],
        )
        .await,
    );
    assert_eq!(field, "file");
    assert!(
        message.contains("line 2") && message.contains("date_of_birth"),
        "{message}"
    );
    assert!(
        app.list_matches_for(&cw).await.unwrap().is_empty(),
        "nothing kept"
    );
}
