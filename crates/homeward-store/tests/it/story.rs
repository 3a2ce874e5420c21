//! What every backend must do alike: migrate, store and read back the registry, keep one
//! current site per person, refuse stale updates, and keep the audit chain tamper-evident.

use chrono::{NaiveDate, NaiveDateTime};
use homeward_domain::date::DateOfBirth;
use homeward_domain::family::{Basis, Confidence, NewLink, Relation};
use homeward_domain::nationality::ClaimState;
use homeward_domain::person::{
    DocType, Document, NameKind, NameVariant, PersonFacts, PersonId, Sex, Status, Vulnerability,
};
use homeward_domain::site::{SeparationGroup, SiteKind};
use homeward_store::audit::{NewEvent, Verdict};
use homeward_store::registry::{NewEpisode, NewSite, PersonFilter};
use homeward_store::{Store, StoreError};
use homeward_testkit::{TestDb, backends};

fn at(d: &str) -> NaiveDateTime {
    NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
}

fn facts(sex: Sex, dob: &str) -> PersonFacts {
    PersonFacts {
        sex,
        date_of_birth: DateOfBirth::Exact(NaiveDate::parse_from_str(dob, "%Y-%m-%d").unwrap()),
        place_of_birth: Some("Kazan".into()),
        status: Status::InCustody,
        vulnerability: Vulnerability::default(),
        father_unknown: true,
        father_name: None,
        separation_group: SeparationGroup::ForeignFamilies,
    }
}

fn event(action: &str, id: i64) -> NewEvent<'static> {
    NewEvent {
        actor: "tester",
        at: at("2018-01-01"),
        action: "test",
        entity_type: "person",
        entity_id: format!("{action}-{id}"),
        before: None,
        after: Some(serde_json::json!({ "id": id })),
    }
}

pub(crate) async fn store(db: &TestDb) -> Store {
    let s = Store::connect(&db.url).await.unwrap();
    assert_eq!(
        s.migrate().await.unwrap(),
        Store::shipped_migrations(),
        "first migrations on {}",
        db.backend
    );
    assert_eq!(
        s.migrate().await.unwrap(),
        0,
        "migrating twice is a no-op on {}",
        db.backend
    );
    let countries: Vec<_> = homeward_domain::country::all().collect();
    let mut tx = s.begin().await.unwrap();
    tx.seed_countries(&countries).await.unwrap();
    tx.commit().await.unwrap();
    s
}

/// Writes a mother, her child and a site; returns (mother, child, site id).
pub(crate) async fn family(s: &Store) -> (PersonId, PersonId, i64) {
    let mut tx = s.begin().await.unwrap();
    let site = tx
        .insert_site(
            &NewSite {
                code: "RUSAFA-A".into(),
                name_en: "Rusafa camp, section A".into(),
                name_ar: "مخيم الرصافة، القسم أ".into(),
                kind: SiteKind::CampSection,
                parent: None,
                capacity: 100,
                separation_group: Some(SeparationGroup::ForeignFamilies),
                synthetic: false,
            },
            at("2017-09-01"),
        )
        .await
        .unwrap();
    let mother = tx
        .insert_person(&facts(Sex::Female, "1990-04-02"), false, at("2017-09-01"))
        .await
        .unwrap();
    let child = tx
        .insert_person(&facts(Sex::Male, "2015-06-01"), false, at("2017-09-01"))
        .await
        .unwrap();
    let name = NameVariant::new(
        "Светлана Иванова",
        NameKind::SelfDeclared,
        "registrar",
        "interview",
    )
    .unwrap();
    tx.add_name(mother.person_id(), &name, at("2017-09-01"))
        .await
        .unwrap();
    let ar = NameVariant::new(
        "سفيتلانا ايفانوفا",
        NameKind::AsRegistered,
        "registrar",
        "interview",
    )
    .unwrap();
    tx.add_name(mother.person_id(), &ar, at("2017-09-01"))
        .await
        .unwrap();
    let doc = Document {
        doc_type: DocType::Passport,
        number: "75 1234567".into(),
        issuing_country: homeward_domain::country::CountryCode::parse("c", "RU").unwrap(),
        expiry: None,
        sighted: true,
    };
    tx.add_document(mother.person_id(), &doc, at("2017-09-01"))
        .await
        .unwrap();
    tx.add_link(
        &NewLink {
            from: mother.person_id(),
            to: child.person_id(),
            relation: Relation::Mother,
            basis: Basis::Observed,
            confidence: Confidence::Probable,
            evidence_ref: None,
        },
        "registrar",
        at("2017-09-01"),
    )
    .await
    .unwrap();
    tx.add_claim(
        mother.person_id(),
        "RU",
        ClaimState::Claimed,
        at("2017-09-01"),
    )
    .await
    .unwrap();
    tx.audit(event("family", mother.id)).await.unwrap();
    tx.commit().await.unwrap();
    (mother.person_id(), child.person_id(), site.id)
}

#[tokio::test]
async fn the_registry_reads_back_what_was_written_on_every_backend() {
    for db in backends().await {
        let s = store(&db).await;
        let (mother, child, _) = family(&s).await;
        let file = s.person_file(mother).await.unwrap();
        assert_eq!(
            file.person.registration_number,
            format!("HW-{:06}", mother.0)
        );
        assert_eq!(file.names.len(), 2, "{}", db.backend);
        assert_eq!(file.names[0].script, "cyrillic");
        assert_eq!(
            file.names[1].text, "سفيتلانا ايفانوفا",
            "Arabic kept exactly on {}",
            db.backend
        );
        assert_eq!(file.documents[0].issuing_country, "RU");
        assert!(file.documents[0].sighted);
        assert_eq!(file.links[0].to_person, child.0);
        assert_eq!(file.claims[0].state, "claimed");
        assert!(file.person.father_unknown);
        let by_number = s
            .person_by_number(&file.person.registration_number)
            .await
            .unwrap();
        assert_eq!(by_number.id, mother.0);
        let facts = file.person.facts().unwrap();
        assert_eq!(facts.sex, Sex::Female);
    }
}

#[tokio::test]
async fn a_person_has_one_current_site_and_every_past_one_is_answerable() {
    for db in backends().await {
        let s = store(&db).await;
        let (mother, _, site_a) = family(&s).await;
        let mut tx = s.begin().await.unwrap();
        let site_b = tx
            .insert_site(
                &NewSite {
                    code: "DC-1".into(),
                    name_en: "Women's detention centre".into(),
                    name_ar: "مركز احتجاز النساء".into(),
                    kind: SiteKind::DetentionCentre,
                    parent: None,
                    capacity: 50,
                    separation_group: None,
                    synthetic: false,
                },
                at("2017-09-01"),
            )
            .await
            .unwrap();
        let mv = |site: i64, day: &'static str| NewEpisode {
            person: mother,
            site: homeward_domain::site::SiteId(site),
            at: at(day),
            authorised_by: "camp director",
            reason: "test",
            best_interests_ref: None,
            recorded_by: "tester",
        };
        tx.move_person(&mv(site_a, "2017-09-01")).await.unwrap();
        tx.move_person(&mv(site_b.id, "2017-12-01")).await.unwrap();
        tx.commit().await.unwrap();

        let on = |d: &str| s.site_of_person_at(mother, at(d));
        assert_eq!(
            on("2017-08-01").await.unwrap(),
            None,
            "not yet held on {}",
            db.backend
        );
        assert_eq!(on("2017-10-01").await.unwrap().unwrap().code, "RUSAFA-A");
        assert_eq!(on("2018-01-01").await.unwrap().unwrap().code, "DC-1");
        let there = s
            .persons_at_site(homeward_domain::site::SiteId(site_a), at("2017-10-01"))
            .await
            .unwrap();
        assert_eq!(there.len(), 1);
        assert_eq!(
            s.person(mother).await.unwrap().current_site_id,
            Some(site_b.id)
        );

        // A move dated before the current stay began is refused, and the transaction with it.
        let mut tx = s.begin().await.unwrap();
        let e = tx.move_person(&mv(site_a, "2017-11-01")).await.unwrap_err();
        assert!(matches!(e, StoreError::Constraint(_)), "{e}");
        tx.rollback().await.unwrap();
        assert_eq!(s.person_file(mother).await.unwrap().episodes.len(), 2);
    }
}

#[tokio::test]
async fn a_stale_update_is_refused_and_changes_nothing() {
    for db in backends().await {
        let s = store(&db).await;
        let (mother, _, _) = family(&s).await;
        let mut newer = facts(Sex::Female, "1991-04-02");
        newer.place_of_birth = Some("Makhachkala".into());
        let mut tx = s.begin().await.unwrap();
        let row = tx
            .update_person(mother, 1, &newer, at("2018-01-02"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(row.version, 2);

        let mut tx = s.begin().await.unwrap();
        let e = tx
            .update_person(
                mother,
                1,
                &facts(Sex::Female, "1980-01-01"),
                at("2018-01-03"),
            )
            .await;
        assert!(
            matches!(
                e,
                Err(StoreError::Conflict {
                    expected: 1,
                    found: 2,
                    ..
                })
            ),
            "{e:?}"
        );
        tx.rollback().await.unwrap();
        let now = s.person(mother).await.unwrap();
        assert_eq!(
            now.place_of_birth.as_deref(),
            Some("Makhachkala"),
            "{}",
            db.backend
        );
        assert_eq!(now.dob_date.as_deref(), Some("1991-04-02"));
    }
}

#[tokio::test]
async fn unknown_countries_and_duplicate_numbers_are_refused_by_the_schema() {
    for db in backends().await {
        let s = store(&db).await;
        let (mother, _, _) = family(&s).await;
        let mut tx = s.begin().await.unwrap();
        let e = tx
            .add_claim(mother, "XX", ClaimState::Claimed, at("2018-01-01"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Constraint(_)),
            "{} gave {e}",
            db.backend
        );
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn lists_filter_and_page_on_every_backend() {
    for db in backends().await {
        let s = store(&db).await;
        family(&s).await;
        family_again(&s).await;
        let all = s
            .list_persons(&PersonFilter::default(), 10, 0)
            .await
            .unwrap();
        assert_eq!(all.total, 4);
        let women = PersonFilter {
            sex: Some("female".into()),
            ..PersonFilter::default()
        };
        assert_eq!(s.list_persons(&women, 10, 0).await.unwrap().total, 2);
        let russians = PersonFilter {
            nationality: Some("ru".into()),
            ..PersonFilter::default()
        };
        assert_eq!(
            s.list_persons(&russians, 10, 0).await.unwrap().total,
            2,
            "{}",
            db.backend
        );
        let page2 = s
            .list_persons(&PersonFilter::default(), 3, 3)
            .await
            .unwrap();
        assert_eq!(page2.items.len(), 1);
        assert_eq!(s.count_without_documents().await.unwrap(), 3);
        assert_eq!(
            s.count_by_nationality().await.unwrap(),
            vec![("RU".to_owned(), 2)]
        );
    }
}

async fn family_again(s: &Store) {
    let mut tx = s.begin().await.unwrap();
    let m = tx
        .insert_person(&facts(Sex::Female, "1988-01-01"), false, at("2017-09-01"))
        .await
        .unwrap();
    tx.insert_person(&facts(Sex::Male, "2012-01-01"), false, at("2017-09-01"))
        .await
        .unwrap();
    tx.add_claim(m.person_id(), "RU", ClaimState::Claimed, at("2017-09-01"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_audit_chain_verifies_and_refuses_changes() {
    for db in backends().await {
        let s = store(&db).await;
        family(&s).await;
        for i in 0..5 {
            let mut tx = s.begin().await.unwrap();
            tx.audit(event("more", i)).await.unwrap();
            tx.commit().await.unwrap();
        }
        let Verdict::Intact { events, .. } = s.verify_audit().await.unwrap() else {
            panic!("a fresh chain must verify on {}", db.backend);
        };
        assert_eq!(events, 6);
        // The database itself refuses to change or remove an event.
        let mut tx = s.begin().await.unwrap();
        assert!(
            tx.raw_execute("UPDATE audit_events SET actor = 'someone' WHERE seq = 2")
                .await
                .is_err(),
            "UPDATE must be refused on {}",
            db.backend
        );
        tx.rollback().await.unwrap();
        let mut tx = s.begin().await.unwrap();
        assert!(
            tx.raw_execute("DELETE FROM audit_events WHERE seq = 6")
                .await
                .is_err()
        );
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn tampering_after_dropping_the_triggers_is_found_and_named() {
    for db in backends().await {
        let s = store(&db).await;
        for i in 0..4 {
            let mut tx = s.begin().await.unwrap();
            tx.audit(event("t", i)).await.unwrap();
            tx.commit().await.unwrap();
        }
        let drop_triggers = match s.backend() {
            homeward_store::Backend::Sqlite => {
                "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
            }
            homeward_store::Backend::Postgres => {
                "DROP TRIGGER audit_events_no_update ON audit_events; \
                 DROP TRIGGER audit_events_no_truncate ON audit_events;"
            }
        };
        let mut tx = s.begin().await.unwrap();
        tx.raw_execute(drop_triggers).await.unwrap();
        tx.raw_execute("UPDATE audit_events SET after_json = '{\"id\":99}' WHERE seq = 3")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        match s.verify_audit().await.unwrap() {
            Verdict::Broken { seq, reason } => {
                assert_eq!(seq, 3, "{}", db.backend);
                assert!(reason.contains("altered"), "{reason}");
            }
            v => panic!("tampering not found on {}: {v:?}", db.backend),
        }
        let mut tx = s.begin().await.unwrap();
        tx.raw_execute("DELETE FROM audit_events WHERE seq = 3")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let Verdict::Broken { seq, .. } = s.verify_audit().await.unwrap() else {
            panic!("a removed event must be found on {}", db.backend);
        };
        assert_eq!(seq, 3);
    }
}

#[tokio::test]
async fn a_list_entry_reads_names_countries_and_site_codes_in_one_go() {
    for db in backends().await {
        let s = store(&db).await;
        let (mother, child, site) = family(&s).await;

        let texts = s
            .summary_texts_of(&[child.0, mother.0, 999_999], &[site])
            .await
            .unwrap();
        let only_sites = s.summary_texts_of(&[], &[site]).await.unwrap();
        let nothing = s.summary_texts_of(&[], &[]).await.unwrap();

        let b = db.backend;
        assert_eq!(
            texts.names,
            vec![
                (mother.0, "Светлана Иванова".to_owned()),
                (mother.0, "سفيتلانا ايفانوفا".to_owned())
            ],
            "{b}"
        );
        assert_eq!(texts.countries, vec![(mother.0, "RU".to_owned())], "{b}");
        assert_eq!(texts.site_codes, vec![(site, "RUSAFA-A".to_owned())], "{b}");
        assert_eq!(only_sites.site_codes, texts.site_codes, "{b}");
        assert_eq!(nothing, Default::default(), "{b}");
    }
}
