//! Access rules on the API: no session is a 401, each role gets only its routes, and a
//! consular officer sees only their own country's people, as if no one else existed.

use axum::http::{Method, StatusCode};
use homeward_testkit::backends;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_api_route_needs_a_session() {
    let db = &backends().await[0];
    let c = Client::anonymous(homeward_testkit::app(db).await);
    for (method, uri) in [
        (Method::GET, "/api/v1/persons"),
        (Method::POST, "/api/v1/persons"),
        (Method::GET, "/api/v1/persons/1"),
        (Method::PUT, "/api/v1/persons/1"),
        (Method::POST, "/api/v1/persons/1/names"),
        (Method::POST, "/api/v1/persons/1/documents"),
        (Method::POST, "/api/v1/persons/1/moves"),
        (Method::GET, "/api/v1/persons/1/site"),
        (Method::POST, "/api/v1/persons/1/claims"),
        (Method::POST, "/api/v1/claims/1/decision"),
        (Method::POST, "/api/v1/claims/1/evidence"),
        (Method::POST, "/api/v1/family-links"),
        (Method::GET, "/api/v1/sites"),
        (Method::POST, "/api/v1/sites"),
        (Method::GET, "/api/v1/sites/1/persons"),
        (Method::GET, "/api/v1/countries"),
        (Method::POST, "/api/v1/countries/FR/stances"),
        (Method::GET, "/api/v1/stats"),
    ] {
        let body = (method != Method::GET).then(|| json!({}));
        let (s, _) = c.call(method.clone(), uri, body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let _ = Client::new(app.clone()).await;
    let c = Client::anonymous(app);
    let (s1, b1) = c
        .post(
            "/api/v1/session",
            json!({ "username": "tester", "password": "wrong one here" }),
        )
        .await;
    let (s2, b2) = c
        .post(
            "/api/v1/session",
            json!({ "username": "nobody", "password": "wrong one here" }),
        )
        .await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!((s1, b1), (s2, b2));
    let (s, b) = c
        .post(
            "/api/v1/session",
            json!({ "username": "tester", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["role"], "case_worker");
}

#[tokio::test]
async fn a_consular_officer_sees_only_their_countrys_claimants() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let worker = Client::new(app.clone()).await;
        let mut french = woman();
        french["nationalities"] = json!(["FR"]);
        let fr = register(&worker, french).await;
        let ru = register(&worker, woman()).await;
        let consul = Client::signed_in(app, "consul", "consular_officer", Some("FR")).await;

        let (s, list) = consul.get("/api/v1/persons").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["total"], 1, "{}", db.backend);
        assert_eq!(list["items"][0]["person"]["id"], fr);
        let (s, _) = consul.get("/api/v1/persons?nationality=RU").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            consul.get("/api/v1/persons?nationality=RU").await.1["total"],
            0
        );

        assert_eq!(
            consul.get(&format!("/api/v1/persons/{fr}")).await.0,
            StatusCode::OK
        );
        // Another country's person looks exactly like one that does not exist.
        let (s_other, b_other) = consul.get(&format!("/api/v1/persons/{ru}")).await;
        let (s_none, b_none) = consul.get("/api/v1/persons/999999").await;
        assert_eq!(s_other, StatusCode::NOT_FOUND);
        assert_eq!((s_other, b_other), (s_none, b_none));
        assert_eq!(
            consul.get(&format!("/api/v1/persons/{ru}/site")).await.0,
            StatusCode::NOT_FOUND
        );
        let (_, ru_file) = worker.get(&format!("/api/v1/persons/{ru}")).await;
        let ru_claim = ru_file["claims"][0]["id"].as_i64().unwrap();
        let (s, _) = consul
            .post(
                &format!("/api/v1/claims/{ru_claim}/decision"),
                json!({ "version": 1, "state": "under_verification" }),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "no work on another country's claim"
        );
        // Nor any change to the registry itself.
        assert_eq!(
            consul.post("/api/v1/persons", woman()).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(consul.get("/api/v1/sites").await.0, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn every_view_of_a_person_file_is_logged() {
    let db = &backends().await[0];
    let c = Client::new(homeward_testkit::app(db).await).await;
    let id = register(&c, woman()).await;
    c.get(&format!("/api/v1/persons/{id}")).await;
    c.get(&format!("/api/v1/persons/{id}")).await;
    let views = c
        .app
        .store()
        .access_of("person", &id.to_string())
        .await
        .unwrap();
    assert_eq!(views.len(), 2);
    assert_eq!(views[0].1, "tester");
}

#[tokio::test]
async fn photos_are_checked_by_content_stripped_and_shown_only_to_allowed_roles() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let worker = Client::new(app.clone()).await;
        let mut french = woman();
        french["nationalities"] = json!(["FR"]);
        let fr = register(&worker, french).await;
        let ru = register(&worker, woman()).await;
        let jpeg: Vec<u8> = [
            &[0xFF, 0xD8][..],
            &[0xFF, 0xE1, 0x00, 0x08, b'E', b'x', b'i', b'f', b'G', b'P'],
            &[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xD9],
        ]
        .concat();
        let (s, v) = worker
            .upload(
                &format!("/api/v1/persons/{fr}/files?kind=photo"),
                jpeg.clone(),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{} {v}", db.backend);
        assert_eq!(v["media_type"], "image/jpeg");
        let file = v["id"].as_i64().unwrap();
        let (s, v) = worker
            .upload(
                &format!("/api/v1/persons/{fr}/files?kind=photo"),
                b"<html>".to_vec(),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(codes(&v), ["HW-FILE-0003"]);

        let (s, bytes) = worker.raw_get(&format!("/api/v1/files/{file}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "metadata stripped");
        let views = app
            .store()
            .access_of("person", &fr.to_string())
            .await
            .unwrap();
        assert!(
            views.iter().any(|v| v.2 == "view_file"),
            "every view is logged"
        );

        let consul = Client::signed_in(app.clone(), "consul", "consular_officer", Some("FR")).await;
        assert_eq!(
            consul.raw_get(&format!("/api/v1/files/{file}")).await.0,
            StatusCode::OK
        );
        let (s, _) = worker
            .upload(
                &format!("/api/v1/persons/{ru}/files?kind=photo"),
                jpeg.clone(),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let ru_file = file + 1;
        assert_eq!(
            consul.raw_get(&format!("/api/v1/files/{ru_file}")).await.0,
            StatusCode::NOT_FOUND
        );
        let monitor = Client::signed_in(app, "monitor", "monitor", None).await;
        assert_eq!(
            monitor.raw_get(&format!("/api/v1/files/{file}")).await.0,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn every_route_in_the_openapi_document_refuses_a_call_without_a_session() {
    let db = &backends().await[0];
    let c = Client::anonymous(homeward_testkit::app(db).await);
    let (s, doc) = c.get("/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30, "{} paths documented", paths.len());
    let mut checked = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let uri = path.replace("{id}", "1").replace("{code}", "FR");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (s, _) = c
                .call(m.clone(), &uri, (m != Method::GET).then(|| json!({})))
                .await;
            if path == "/api/v1/session" {
                assert_ne!(
                    s,
                    StatusCode::UNAUTHORIZED.as_u16() + 1000,
                    "sign-in is open"
                );
                continue;
            }
            assert!(
                op["security"].is_array(),
                "{method} {path} documents its session need"
            );
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {uri}");
            checked += 1;
        }
    }
    assert!(checked >= 34, "{checked} operations checked");
}
