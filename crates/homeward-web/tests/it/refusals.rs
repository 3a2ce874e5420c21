//! Bad input is refused with a message naming each bad field, and changes nothing.

use axum::http::StatusCode;
use homeward_testkit::backends;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_bad_date_is_refused_and_nothing_changes() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        register(&c, woman()).await;
        let before = c.fingerprint().await;
        let mut body = woman();
        body["date_of_birth"] = json!("1990-02-30");
        let (s, v) = c.post("/api/v1/persons", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), ["date_of_birth"]);
        assert!(
            v["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("1990-02-30")
        );
        assert_eq!(c.fingerprint().await, before, "{}", db.backend);
    }
}

#[tokio::test]
async fn an_unknown_country_code_is_refused_and_nothing_changes() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        let before = c.fingerprint().await;
        let mut body = woman();
        body["nationalities"] = json!(["XX"]);
        body["documents"][0]["issuing_country"] = json!("QQ");
        let (s, v) = c.post("/api/v1/persons", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&v),
            ["documents[0].issuing_country", "nationalities[0]"]
        );
        assert_eq!(c.fingerprint().await, before, "{}", db.backend);
        let id = register(&c, woman()).await;
        let before = c.fingerprint().await;
        let (s, v) = c
            .post(
                &format!("/api/v1/persons/{id}/claims"),
                json!({ "country": "ZZ" }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(fields(&v), ["country"]);
        assert_eq!(c.fingerprint().await, before);
    }
}

#[tokio::test]
async fn a_mother_younger_than_her_child_is_refused_and_nothing_changes() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        let mut young = woman();
        young["date_of_birth"] = json!("2004-01-01");
        let mother = register(&c, young).await;
        let older_child = register(&c, child("2003-05-01")).await;
        let before = c.fingerprint().await;
        let (s, v) = c
            .post(
                "/api/v1/family-links",
                json!({ "from_person": mother, "to_person": older_child,
                   "relation": "mother" }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&v), ["HW-FAMILY-0003"]);
        assert!(
            v["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("too young")
        );
        assert_eq!(c.fingerprint().await, before, "{}", db.backend);
        let (_, file) = c.get(&format!("/api/v1/persons/{older_child}")).await;
        assert!(file["links"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_child_placed_alone_in_an_adults_facility_is_refused_and_nothing_changes() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        let centre = site(&c, "WDC", "detention_centre", 100).await;
        let kid = register(&c, child("2010-03-03")).await;
        let before = c.fingerprint().await;
        let (s, v) = c
            .post(
                &format!("/api/v1/persons/{kid}/moves"),
                json!({ "site_id": centre,
                   "authorised_by": "officer", "reason": "no room elsewhere" }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&v), ["HW-CUSTODY-0005"]);
        assert!(
            v["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("adults' facility")
        );
        assert_eq!(c.fingerprint().await, before, "{}", db.backend);
        let (_, file) = c.get(&format!("/api/v1/persons/{kid}")).await;
        assert!(file["episodes"].as_array().unwrap().is_empty());
        // The same refusal at registration, with the field named under `placement`.
        let mut body = child("2011-01-01");
        body["placement"] =
            json!({ "site_id": centre, "authorised_by": "officer", "reason": "intake" });
        let before = c.fingerprint().await;
        let (s, v) = c.post("/api/v1/persons", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), ["placement.site"]);
        assert_eq!(c.fingerprint().await, before);
    }
}

#[tokio::test]
async fn malformed_bodies_name_the_field_and_every_bad_field_is_listed() {
    for db in backends().await {
        let c = Client::new(homeward_testkit::app(&db).await).await;
        let (s, v) = c
            .post(
                "/api/v1/persons",
                json!({ "sex": "female", "year_of_birth": "abc", "names": [] }),
            )
            .await;
        assert!(
            s == StatusCode::BAD_REQUEST || s == StatusCode::UNPROCESSABLE_ENTITY,
            "{s}"
        );
        assert!(
            v["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("year_of_birth"),
            "{v}"
        );
        let (s, v) = c
            .post("/api/v1/persons", json!({ "sex": "x", "names": [] }))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&v), ["sex", "date_of_birth", "names"]);
        let (s, _) = c.get("/api/v1/persons/999999").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{}", db.backend);
    }
}
