//! The registry through the API: register, read, list, update, link, move, claim.

use axum::http::StatusCode;
use homeward_testkit::backends;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_registered_person_reads_back_with_names_documents_and_claims() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        let id = register(&c, woman()).await;
        let (s, file) = c.get(&format!("/api/v1/persons/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(file["person"]["registration_number"], format!("HW-{id:06}"));
        assert_eq!(
            file["names"][0]["text"], "سفيتلانا ايفانوفا",
            "{}",
            db.backend
        );
        assert_eq!(file["names"][0]["script"], "arabic");
        assert_eq!(file["names"][1]["script"], "cyrillic");
        assert_eq!(file["documents"][0]["issuing_country"], "RU");
        assert_eq!(file["claims"][0]["state"], "claimed");
        let events = c
            .app
            .store()
            .audit_of("person", &id.to_string())
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "registration is audited once");
        assert_eq!(events[0].action, "person.register");
        assert_eq!(c.get("/healthz").await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn lists_filter_and_page() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        register(&c, woman()).await;
        register(&c, child("2015-01-01")).await;
        register(&c, child("2005-01-01")).await;
        let (_, all) = c.get("/api/v1/persons?per_page=2").await;
        assert_eq!(all["total"], 3);
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        let (_, p2) = c.get("/api/v1/persons?per_page=2&page=2").await;
        assert_eq!(p2["items"].as_array().unwrap().len(), 1);
        // Keyset paging walks the same persons in the same order as page numbers.
        let ids = |v: &serde_json::Value| -> Vec<i64> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["person"]["id"].as_i64().unwrap())
                .collect()
        };
        let next = all["next_after"]
            .as_i64()
            .expect("a full page has a cursor");
        assert_eq!(Some(&next), ids(&all).last());
        let (_, k2) = c
            .get(&format!("/api/v1/persons?per_page=2&after={next}"))
            .await;
        assert_eq!(ids(&k2), ids(&p2), "{}", db.backend);
        assert_eq!(
            k2["total"], 3,
            "the total counts every match, not what follows"
        );
        assert!(k2["next_after"].is_null(), "the last page has no cursor");
        let (s, both) = c.get("/api/v1/persons?page=2&after=1").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&both), ["after"]);
        let (_, band) = c.get("/api/v1/persons?age_band=0-3").await;
        assert_eq!(band["total"], 1, "on 2018-02-01 only the 2015 child is 0-3");
        let (_, teen) = c.get("/api/v1/persons?age_band=4-14&sex=male").await;
        assert_eq!(teen["total"], 1);
        let (_, ru) = c.get("/api/v1/persons?nationality=RU&sex=female").await;
        assert_eq!(ru["total"], 1);
        let (s, bad) = c.get("/api/v1/persons?age_band=old").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&bad), ["age_band"]);
    }
}

#[tokio::test]
async fn two_updates_of_one_version_are_detected_not_merged() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        let id = register(&c, woman()).await;
        let first = json!({ "version": 1, "sex": "female", "date_of_birth": "1990-04-02",
                            "place_of_birth": "Kazan" });
        let second = json!({ "version": 1, "sex": "female", "date_of_birth": "1989-01-01" });
        let (s1, v1) = c.put(&format!("/api/v1/persons/{id}"), first).await;
        assert_eq!(s1, StatusCode::OK, "{v1}");
        assert_eq!(v1["version"], 2);
        let (s2, v2) = c.put(&format!("/api/v1/persons/{id}"), second).await;
        assert_eq!(s2, StatusCode::CONFLICT, "{} {v2}", db.backend);
        let (_, file) = c.get(&format!("/api/v1/persons/{id}")).await;
        assert_eq!(
            file["person"]["dob_date"], "1990-04-02",
            "the stale update changed nothing"
        );
        assert_eq!(file["person"]["place_of_birth"], "Kazan");
    }
}

#[tokio::test]
async fn a_mother_and_baby_move_together_and_history_answers_where_they_were() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        let camp = site(&c, "RUSAFA-A", "camp_section", 100).await;
        let centre = site(&c, "WDC", "detention_centre", 100).await;
        let mother = register(&c, woman()).await;
        let baby = register(&c, child("2016-06-01")).await;
        let (s, link) = c
            .post(
                "/api/v1/family-links",
                json!({ "from_person": mother, "to_person": baby,
                   "relation": "mother", "basis": "observed" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{link}");
        let mv = |site: i64, at: &str| {
            json!({ "site_id": site, "at": at, "authorised_by": "camp director",
                    "reason": "placement under the age protocol" })
        };
        for (who, site, at) in [
            (mother, camp, "2017-09-01"),
            (baby, camp, "2017-09-01"),
            (mother, centre, "2017-12-01"),
            (baby, centre, "2017-12-01"),
        ] {
            let (s, v) = c
                .post(&format!("/api/v1/persons/{who}/moves"), mv(site, at))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{} {v}", db.backend);
        }
        let (_, then) = c
            .get(&format!("/api/v1/persons/{baby}/site?date=2017-10-15"))
            .await;
        assert_eq!(then["site"]["code"], "RUSAFA-A");
        let (_, now) = c
            .get(&format!("/api/v1/persons/{baby}/site?date=2018-01-15"))
            .await;
        assert_eq!(now["site"]["code"], "WDC");
        let (_, before) = c
            .get(&format!("/api/v1/persons/{baby}/site?date=2017-01-01"))
            .await;
        assert!(before["site"].is_null());
        let (_, who) = c
            .get(&format!("/api/v1/sites/{camp}/persons?date=2017-10-15"))
            .await;
        assert_eq!(who["count"], 2);
    }
}

#[tokio::test]
async fn a_claim_is_verified_before_it_is_decided() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        let id = register(&c, woman()).await;
        let (_, file) = c.get(&format!("/api/v1/persons/{id}")).await;
        let claim = file["claims"][0]["id"].as_i64().unwrap();
        let (s, v) = c
            .post(
                &format!("/api/v1/claims/{claim}/decision"),
                json!({ "version": 1, "state": "confirmed" }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(codes(&v), ["HW-CLAIM-0001"]);
        let (s, _) = c
            .post(
                &format!("/api/v1/claims/{claim}/evidence"),
                json!({ "kind": "document_sighted", "reference": "passport 75 1234567" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, v) = c
            .post(
                &format!("/api/v1/claims/{claim}/decision"),
                json!({ "version": 1, "state": "under_verification" }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = c
            .post(
                &format!("/api/v1/claims/{claim}/decision"),
                json!({ "version": 2, "state": "confirmed" }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["decided_by"], "tester");
    }
}

#[tokio::test]
async fn search_finds_a_name_across_scripts_and_spellings() {
    let db = &backends().await[0];
    let c = Client::new(homeward_testkit::app(db).await).await;
    let mut cyrillic = woman();
    cyrillic["names"] = json!([{ "text": "Светлана Иванова", "kind": "self_declared" }]);
    let svetlana_cy = register(&c, cyrillic).await;
    let mut arabic = woman();
    arabic["names"] = json!([{ "text": "سفيتلانا ايفانوفا" }]);
    let svetlana_ar = register(&c, arabic).await;
    let mut muhammad = child("2012-01-01");
    muhammad["names"] = json!([{ "text": "Muhammad Aliyev", "kind": "passport" }]);
    let m_latin = register(&c, muhammad).await;
    let mut mhmd = child("2013-01-01");
    mhmd["names"] = json!([{ "text": "محمد" }]);
    let m_arabic = register(&c, mhmd).await;
    let mut other = woman();
    other["names"] = json!([{ "text": "Ayşe Yılmaz" }]);
    register(&c, other).await;

    let found = |v: &serde_json::Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["summary"]["person"]["id"].as_i64().unwrap())
            .collect()
    };
    let (s, v) = c.get("/api/v1/search?q=Svetlana%20Ivanova").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids = found(&v);
    assert!(
        ids.contains(&svetlana_cy) && ids.contains(&svetlana_ar),
        "{v}"
    );
    assert_eq!(
        &ids[..2]
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        &[svetlana_cy, svetlana_ar].into_iter().collect(),
        "both ranked first: {v}"
    );
    let (_, v) = c.get("/api/v1/search?q=Mohammed").await;
    let ids = found(&v);
    assert!(ids.contains(&m_latin) && ids.contains(&m_arabic), "{v}");
    assert!(
        !v["items"][0]["reasons"].as_array().unwrap().is_empty(),
        "hits say why"
    );
    let (_, v) = c
        .get(&format!("/api/v1/search?q=HW-{svetlana_ar:06}"))
        .await;
    assert_eq!(found(&v)[0], svetlana_ar);
    let (_, v) = c.get("/api/v1/search?q=751234567").await;
    assert!(found(&v).len() >= 2, "document number, spaces ignored: {v}");
}

#[tokio::test]
async fn the_family_view_lists_mother_children_and_siblings_with_their_sites() {
    let db = &backends().await[0];
    let c = Client::new(homeward_testkit::app(db).await).await;
    let camp = site(&c, "RUSAFA-A", "camp_section", 100).await;
    let orphanage = site(&c, "ORPH-1", "orphanage", 100).await;
    let mother = register(&c, woman()).await;
    let baby = register(&c, child("2016-06-01")).await;
    let boy = register(&c, child("2009-06-01")).await;
    for kid in [baby, boy] {
        let (s, v) = c
            .post(
                "/api/v1/family-links",
                json!({ "from_person": kid, "to_person": mother, "relation": "child" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(
            v["relation"], "mother",
            "'child of' a woman is stored as her motherhood"
        );
    }
    let mv =
        |site: i64| json!({ "site_id": site, "authorised_by": "director", "reason": "protocol" });
    c.post(&format!("/api/v1/persons/{mother}/moves"), mv(camp))
        .await;
    c.post(&format!("/api/v1/persons/{baby}/moves"), mv(camp))
        .await;
    c.post(&format!("/api/v1/persons/{boy}/moves"), mv(orphanage))
        .await;
    let (s, v) = c.get(&format!("/api/v1/persons/{baby}/family")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rel = |r: &str| -> Vec<(i64, String)> {
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["relation"] == r)
            .map(|m| {
                (
                    m["summary"]["person"]["id"].as_i64().unwrap(),
                    m["summary"]["site"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(rel("mother"), [(mother, "RUSAFA-A".to_owned())]);
    assert_eq!(rel("sibling"), [(boy, "ORPH-1".to_owned())]);
    assert_eq!(v["father_unknown"], true);
}
