//! Care and health through the router, on every backend: a case worker walks a child's
//! best-interests procedure from the pages (a panel of two refused beside the form, in
//! Arabic, nothing written); care notes and health details never reach judicial liaison or a
//! consular officer on any care route, page, export or person file, and a person outside an
//! officer's country answers exactly like one that does not exist.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_app::registry::{NameDraft, RegisterPerson};
use homeward_app::{Actor, App};
use homeward_domain::person::PersonDraft;
use homeward_testkit::backends;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";
const ORIGIN: &str = "http://localhost";
/// Every care note and health detail written in these tests carries this marker.
const SECRET: &str = "SECRET";

async fn account(app: &App, name: &str, role: &str, country: Option<&str>) -> String {
    let draft = homeward_app::auth::UserDraft {
        username: name.into(),
        role: role.into(),
        country: country.map(str::to_owned),
        site: None,
        password: PASSWORD.into(),
    };
    app.add_user(&Actor::named("test"), &draft, false)
        .await
        .unwrap();
    let token = app.sign_in(name, PASSWORD).await.unwrap().0;
    homeward_testkit::enrol_if_required(app, &token).await;
    token
}

async fn child(app: &App, name: &str, nat: &str) -> i64 {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: "male".into(),
            date_of_birth: Some("2009-05-07".into()),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: name.into(),
            ..NameDraft::default()
        }],
        nationalities: vec![nat.into()],
        ..RegisterPerson::default()
    };
    app.register_person(&Actor::named("test"), &cmd)
        .await
        .unwrap()
        .person
        .id
}

async fn send(router: &Router, req: Request<Body>) -> (StatusCode, String) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn get(uri: &str, token: &str, lang: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(header::HOST, "localhost")
        .header(
            header::COOKIE,
            format!("homeward_session={token}; lang={lang}"),
        )
        .body(Body::empty())
        .unwrap()
}

fn post(uri: &str, token: &str, lang: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, ORIGIN)
        .header(
            header::COOKIE,
            format!("homeward_session={token}; lang={lang}"),
        )
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn api(method: &str, uri: &str, token: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn api_ok(router: &Router, method: &str, uri: &str, token: &str, body: &str) -> Value {
    let (s, b) = send(router, api(method, uri, token, body)).await;
    assert!(s.is_success(), "{method} {uri}: {s} {b}");
    serde_json::from_str(&b).unwrap()
}

/// Records a full care and health file for `id` through the API; returns the procedure id.
async fn fill(router: &Router, cw: &str, id: i64) -> i64 {
    api_ok(
        router,
        "POST",
        &format!("/api/v1/persons/{id}/care-plans"),
        cw,
        r#"{"goals":["SECRET goal: school every day"],"next_review_due":"2018-03-01"}"#,
    )
    .await;
    let v = api_ok(
        router,
        "POST",
        &format!("/api/v1/persons/{id}/best-interests"),
        cw,
        r#"{"question":"placement","question_detail":"SECRET question: with the aunt?"}"#,
    )
    .await;
    let pid = v["procedure"]["id"].as_i64().unwrap();
    api_ok(
        router,
        "POST",
        &format!("/api/v1/best-interests/{pid}/assessment"),
        cw,
        r#"{"version":1,"assessment_note":"SECRET assessment: wants the aunt","assessed_on":"2018-01-31"}"#,
    )
    .await;
    let e = api_ok(
        router,
        "POST",
        &format!("/api/v1/persons/{id}/programmes"),
        cw,
        r#"{"programme":"psychosocial","enrolled_on":"2018-01-10"}"#,
    )
    .await;
    api_ok(
        router,
        "POST",
        &format!("/api/v1/enrolments/{}/sessions", e["id"]),
        cw,
        r#"{"session_on":"2018-01-20","present":true,"progress_note":"SECRET progress: talks more"}"#,
    )
    .await;
    api_ok(
        router,
        "POST",
        &format!("/api/v1/persons/{id}/schooling"),
        cw,
        r#"{"school":"Camp school","started_on":"2018-01-02","schooling_note":"SECRET schooling"}"#,
    )
    .await;
    api_ok(
        router,
        "POST",
        &format!("/api/v1/persons/{id}/health/conditions"),
        cw,
        r#"{"kind":"chronic","condition_detail":"SECRET condition: diabetes","essential_need_detail":"insulin daily"}"#,
    )
    .await;
    api_ok(
        router,
        "POST",
        &format!("/api/v1/persons/{id}/health/fitness"),
        cw,
        r#"{"fit":true,"assessed_on":"2018-01-31","assessed_by":"Dr Salma","fitness_note":"with an escort"}"#,
    )
    .await;
    pid
}

#[tokio::test]
async fn care_notes_and_health_never_reach_judicial_or_consular_roles() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let id = child(&app, "Yusuf Demir", "TR").await;
        let router = homeward_web::router(app.clone());
        let cw = account(&app, "cw", "case_worker", None).await;
        let judge = account(&app, "judge", "judicial_liaison", None).await;
        let consul = account(&app, "consul", "consular_officer", Some("TR")).await;
        let other = account(&app, "fr", "consular_officer", Some("FR")).await;
        let pid = fill(&router, &cw, id).await;

        // The case worker sees it all, and each view is logged.
        let (s, body) = send(&router, get(&format!("/persons/{id}/care"), &cw, "en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("SECRET assessment"), "{}", db.backend);
        let (_, body) = send(&router, get(&format!("/persons/{id}"), &cw, "en")).await;
        assert!(body.contains(&format!("/persons/{id}/care")));
        assert!(
            !app.store()
                .access_of("care", &id.to_string())
                .await
                .unwrap()
                .is_empty()
        );

        // Every GET route of the care API, every care page, the person file, lists and
        // exports: nothing marked secret reaches judicial liaison or an embassy.
        let doc = api_ok(&router, "GET", "/api/v1/openapi.json", &cw, "").await;
        let mut uris: Vec<String> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, ops)| ops["get"]["tags"][0] == "care")
            .map(|(path, _)| {
                path.replace(
                    "/api/v1/best-interests/{id}",
                    &format!("/api/v1/best-interests/{pid}"),
                )
                .replace("{id}", &id.to_string())
            })
            .collect();
        assert!(uris.len() >= 5, "{uris:?}");
        for page in [
            "/persons/{id}/care",
            "/persons/{id}/health",
            "/persons/{id}/fitness",
            "/persons/{id}",
            "/persons/{id}/family",
            "/monitor",
            "/persons",
            "/persons.csv",
            "/tasks",
            "/api/v1/persons/{id}",
            "/api/v1/persons?limit=50",
            "/api/v1/tasks",
        ] {
            uris.push(page.replace("{id}", &id.to_string()));
        }
        for (who, token) in [("judge", &judge), ("consul", &consul), ("other", &other)] {
            for uri in &uris {
                let (s, body) = if uri.starts_with("/api/") {
                    send(&router, api("GET", uri, token, "")).await
                } else {
                    send(&router, get(uri, token, "en")).await
                };
                assert!(
                    !body.contains(SECRET),
                    "{who} saw a care note at {uri} ({s}) on {}",
                    db.backend
                );
            }
        }

        // Judicial liaison: refused outright, the same for a child that exists or not.
        for what in ["care", "health", "fitness-to-travel"] {
            let uri = format!("/api/v1/persons/{id}/{what}");
            let (s, b) = send(&router, api("GET", &uri, &judge, "")).await;
            let missing = format!("/api/v1/persons/987654/{what}");
            let (s2, b2) = send(&router, api("GET", &missing, &judge, "")).await;
            assert_eq!((s, &b), (StatusCode::FORBIDDEN, &b2), "{uri}");
            assert_eq!(s2, StatusCode::FORBIDDEN);
        }
        let (_, body) = send(&router, get(&format!("/persons/{id}"), &judge, "en")).await;
        assert!(!body.contains(&format!("/persons/{id}/care")));

        // The child's own embassy: fitness to travel and the essential need, nothing more.
        let v = api_ok(
            &router,
            "GET",
            &format!("/api/v1/persons/{id}/fitness-to-travel"),
            &consul,
            "",
        )
        .await;
        assert_eq!(v["essential_needs"][0], "insulin daily");
        assert_eq!(v["fitness"]["fit"], true);
        let (s, body) = send(
            &router,
            get(&format!("/persons/{id}/fitness"), &consul, "ar"),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("insulin daily") && !body.contains("diabetes"));
        for uri in [
            format!("/api/v1/persons/{id}/care"),
            format!("/api/v1/persons/{id}/health"),
            format!("/api/v1/best-interests/{pid}"),
        ] {
            let (s, _) = send(&router, api("GET", &uri, &consul, "")).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{uri}");
        }
        // Another embassy: the child does not exist for them, exactly like a missing one.
        let (s, b) = send(
            &router,
            api(
                "GET",
                &format!("/api/v1/persons/{id}/fitness-to-travel"),
                &other,
                "",
            ),
        )
        .await;
        let (s2, b2) = send(
            &router,
            api(
                "GET",
                "/api/v1/persons/987654/fitness-to-travel",
                &other,
                "",
            ),
        )
        .await;
        assert_eq!((s, b), (StatusCode::NOT_FOUND, b2));
        assert_eq!(s2, StatusCode::NOT_FOUND);
        let (s, _) = send(
            &router,
            get(&format!("/persons/{id}/fitness"), &other, "en"),
        )
        .await;
        let (s2, _) = send(&router, get("/persons/987654/fitness", &other, "en")).await;
        assert_eq!((s, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        // Writing is refused to both roles and writes nothing.
        for token in [&judge, &consul] {
            let (s, _) = send(
                &router,
                api(
                    "POST",
                    &format!("/api/v1/persons/{id}/health/fitness"),
                    token,
                    r#"{"fit":false,"assessed_on":"2018-01-31","assessed_by":"x","fitness_note":"y"}"#,
                ),
            )
            .await;
            assert_eq!(s, StatusCode::FORBIDDEN);
        }
        let v = api_ok(
            &router,
            "GET",
            &format!("/api/v1/persons/{id}/fitness-to-travel"),
            &cw,
            "",
        )
        .await;
        assert_eq!(v["fitness"]["fit"], true);
    }
}

#[tokio::test]
async fn a_best_interests_decision_is_walked_from_the_care_page() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let id = child(&app, "Yusuf Demir", "TR").await;
        let router = homeward_web::router(app.clone());
        let cw = account(&app, "cw", "case_worker", None).await;
        let monitor = account(&app, "mon", "monitor", None).await;
        let pid = fill(&router, &cw, id).await;
        // Two people named are refused beside the decision form, in Arabic; nothing written.
        let two = format!(
            "person={id}&version=2&panel_name_0=Huda&panel_role_0=case_worker\
             &panel_name_1=Sami&panel_role_1=psychologist&panel_name_2=&panel_role_2=guardian\
             &decision=approve&decision_note=SECRET+reasons&decided_on=2018-02-01"
        );
        let (s, body) = send(
            &router,
            post(&format!("/care/procedures/{pid}/decide"), &cw, "ar", &two),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", db.backend);
        assert!(body.contains("ثلاثة أشخاص مختلفين"), "{body}");
        assert!(body.contains("HW-CARE-0010"));
        let v = api_ok(
            &router,
            "GET",
            &format!("/api/v1/best-interests/{pid}"),
            &cw,
            "",
        )
        .await;
        assert_eq!(v["procedure"]["state"], "assessed");
        // Three people: decided, then carried out.
        let three = two.replace("panel_name_2=&", "panel_name_2=Noor&");
        let (s, _) = send(
            &router,
            post(&format!("/care/procedures/{pid}/decide"), &cw, "en", &three),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _) = send(
            &router,
            post(
                &format!("/care/procedures/{pid}/implement"),
                &cw,
                "en",
                &format!(
                    "person={id}&version=3&implemented_on=2018-02-01&implementation_note=moved"
                ),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, body) = send(&router, get(&format!("/persons/{id}/care"), &cw, "en")).await;
        assert!(body.contains(&format!("BIP-{pid}")) && body.contains("Carried out"));
        // A cross-site post is refused.
        let mut req = post(&format!("/persons/{id}/care/plans"), &cw, "en", "goals=x");
        req.headers_mut()
            .insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert_eq!(send(&router, req).await.0, StatusCode::FORBIDDEN);
        // The monitor sees figures, no names.
        let (s, body) = send(&router, get("/monitor", &monitor, "en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("Best-interests decisions carried out"));
        assert!(!body.contains("Yusuf") && !body.contains(SECRET));
        let (s, _) = send(&router, get(&format!("/persons/{id}/care"), &monitor, "en")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
