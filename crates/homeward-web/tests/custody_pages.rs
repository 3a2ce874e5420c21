//! The custody pages, in-process: the placement proposal with its rule and version, an
//! override refused without a reason (nothing recorded), and the consular officer kept out.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_app::registry::{NameDraft, RegisterPerson};
use homeward_app::{Actor, App};
use homeward_domain::person::PersonDraft;
use homeward_testkit::backends;
use http_body_util::BodyExt;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";
const ORIGIN: &str = "http://localhost";

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
    app.sign_in(name, PASSWORD).await.unwrap().0
}

async fn child(app: &App) -> i64 {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: "female".into(),
            year_of_birth: Some(2010),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: "Amina".into(),
            ..NameDraft::default()
        }],
        nationalities: vec!["FR".into()],
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

#[tokio::test]
async fn the_proposal_shows_its_rule_and_version() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let id = child(&app).await;
    let proposal = app
        .propose_placement(homeward_domain::person::PersonId(id), app.today())
        .await
        .unwrap();
    let token = account(&app, "cw", "case_worker", None).await;
    let router = homeward_web::router(app);
    let (s, body) = send(
        &router,
        get(
            &format!("/persons/{id}/placement?date=2018-02-01"),
            &token,
            "en",
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(
        body.contains(&format!(
            "<bdi class=\"num\" id=\"rule-id\">{}</bdi>",
            proposal.rule.id
        )),
        "{body}"
    );
    assert!(body.contains(&format!(
        "<span id=\"rule-version\">{}</span>",
        proposal.rule.version
    )));
    // The messages of the custody file load beside the shared ones, in Arabic too.
    let (s, body) = send(
        &router,
        get(&format!("/persons/{id}/placement"), &token, "ar"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("الإيداع المقترح"), "{body}");
}

#[tokio::test]
async fn an_override_without_a_reason_is_shown_again_and_records_nothing() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let id = child(&app).await;
    let token = account(&app, "cw", "case_worker", None).await;
    let router = homeward_web::router(app.clone());
    let proposed = app
        .propose_placement(homeward_domain::person::PersonId(id), app.today())
        .await
        .unwrap()
        .placement;
    let other = if proposed == "hospital" {
        "camp"
    } else {
        "hospital"
    };
    let (s, body) = send(
        &router,
        post(
            &format!("/persons/{id}/placement"),
            &token,
            "ar",
            &format!("date=2018-02-01&chosen={other}&reason=&best_interests_ref="),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("err-reason"));
    assert!(
        body.contains("تجاوز الإيداع المقترح يحتاج إلى سبب مكتوب"),
        "{body}"
    );
    assert!(body.contains("HW-RULE-0006"));
    assert!(app.store().decisions_of(id).await.unwrap().is_empty());
    // Confirming the proposal records a decision under its rule version.
    let (s, _) = send(
        &router,
        post(
            &format!("/persons/{id}/placement"),
            &token,
            "en",
            &format!("date=2018-02-01&chosen={proposed}&reason=&best_interests_ref="),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(app.store().decisions_of(id).await.unwrap().len(), 1);
    // From another site, nothing.
    let mut req = post(
        &format!("/persons/{id}/placement"),
        &token,
        "en",
        &format!("date=2018-02-01&chosen={proposed}"),
    );
    req.headers_mut()
        .insert(header::ORIGIN, "http://evil.test".parse().unwrap());
    let (s, _) = send(&router, req).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.store().decisions_of(id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_consular_officer_cannot_open_the_placement_pages() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let id = child(&app).await;
    let token = account(&app, "consul", "consular_officer", Some("FR")).await;
    let router = homeward_web::router(app.clone());
    let (s, _) = send(
        &router,
        get(&format!("/persons/{id}/placement"), &token, "en"),
    )
    .await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );
    let (s, _) = send(
        &router,
        post(
            &format!("/persons/{id}/placement"),
            &token,
            "en",
            "date=2018-02-01&chosen=hospital&reason=x&best_interests_ref=y",
        ),
    )
    .await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );
    assert!(app.store().decisions_of(id).await.unwrap().is_empty());
    let (s, _) = send(&router, get("/placement-rules", &token, "en")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_rule_versions_are_listed_with_their_dates() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let rules = app.rules().await.unwrap();
    let token = account(&app, "cw", "case_worker", None).await;
    let router = homeward_web::router(app);
    let (s, body) = send(&router, get("/placement-rules", &token, "ar")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("قواعد الإيداع"));
    for r in rules {
        assert!(
            body.contains(&format!("<bdi class=\"num\">{}</bdi>", r.id)),
            "{}",
            r.id
        );
    }
}
