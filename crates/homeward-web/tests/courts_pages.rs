//! Courts and protection through the router, on every backend: a case walked through a hearing
//! over the JSON API (each safeguard refused with its field and code), the record-hearing form
//! showing the safeguard in Arabic beside its field, and protection incidents invisible to
//! judicial, consular and every other role without the right, on every route and export, with
//! a hidden incident answering exactly like a missing one.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_app::courts::IncidentDraft;
use homeward_app::registry::{NameDraft, RegisterPerson};
use homeward_app::{Actor, App};
use homeward_domain::access::{Principal, Role};
use homeward_domain::person::PersonDraft;
use homeward_testkit::{account, backends};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const ORIGIN: &str = "http://localhost";
const ACCOUNT: &str = "a guard made her sign a paper she could not read, at night, by the well";

async fn send(router: &Router, req: Request<Body>) -> (StatusCode, String) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    (status, location.unwrap_or(body))
}

fn api(method: &str, uri: &str, token: &str, body: Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn page(method: &str, uri: &str, token: &str, lang: &str, form: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, ORIGIN)
        .header(
            header::COOKIE,
            format!("homeward_session={token}; lang={lang}"),
        )
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

async fn person(app: &App, dob: &str, nat: &str) -> (i64, String) {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: "female".into(),
            date_of_birth: Some(dob.into()),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: "Zeynep Kaya".into(),
            ..NameDraft::default()
        }],
        nationalities: vec![nat.into()],
        ..RegisterPerson::default()
    };
    let r = app
        .register_person(&Actor::named("registrar"), &cmd)
        .await
        .unwrap();
    (r.person.id, r.person.registration_number)
}

fn hearing(extra: Value) -> Value {
    let mut h = json!({
        "hearing_date": "2018-01-29",
        "held": true,
        "summary": "charges read; the defence asked for the file",
        "next_date": "2018-03-05",
        "counsel_present": true,
        "interpreter_language": "tr",
        "interpreter_name": "Selin"
    });
    for (k, v) in extra.as_object().unwrap() {
        h[k] = v.clone();
    }
    h
}

fn fields(body: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(body).unwrap();
    v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_case_goes_through_a_hearing_over_the_api_and_each_safeguard_refuses() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let router = homeward_web::router(app.clone());
        let (p, _) = person(&app, "1991-05-01", "TR").await;
        let judge = account(&app, "liaison", "judicial_liaison", None).await;
        let (s, body) = send(
            &router,
            api(
                "PUT",
                &format!("/api/v1/persons/{p}/languages"),
                &judge,
                json!({ "languages": ["tr"] }),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{}: {body}", db.backend);
        let (s, body) = send(
            &router,
            api(
                "POST",
                &format!("/api/v1/persons/{p}/legal-cases"),
                &judge,
                json!({
                    "charges": "membership",
                    "court": "Central Criminal Court, Rusafa",
                    "case_number": "2018/77",
                    "counsel": "assigned",
                    "counsel_name": "Hadi",
                    "interpreter_language": "tr",
                    "detained_since": "2017-09-01",
                    "detention_limit_days": 160
                }),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let case: Value = serde_json::from_str(&body).unwrap();
        let id = case["case"]["id"].as_i64().unwrap();
        assert_eq!(case["detention_days_left"], 7);
        let uri = format!("/api/v1/legal-cases/{id}/hearings");
        for (extra, field, code) in [
            (
                json!({ "counsel_present": false }),
                "counsel_present",
                "HW-COURT-0001",
            ),
            (
                json!({ "interpreter_language": "" }),
                "interpreter_language",
                "HW-COURT-0002",
            ),
            (
                json!({ "interpreter_language": "ru" }),
                "interpreter_language",
                "HW-COURT-0004",
            ),
            (
                json!({ "allegation": "coerced_confession" }),
                "allegation_narrative",
                "HW-PROT-0003",
            ),
        ] {
            let (s, body) = send(&router, api("POST", &uri, &judge, hearing(extra))).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(fields(&body), vec![(field.to_owned(), code.to_owned())]);
        }
        let (_, body) = send(
            &router,
            api(
                "GET",
                &format!("/api/v1/legal-cases/{id}"),
                &judge,
                json!({}),
            ),
        )
        .await;
        assert!(body.contains("\"hearings\":[]"), "{body}");
        // With counsel and a Turkish interpreter, and an allegation: recorded, incident opened.
        let (s, body) = send(
            &router,
            api(
                "POST",
                &uri,
                &judge,
                hearing(json!({
                    "allegation": "coerced_confession",
                    "allegation_narrative": ACCOUNT
                })),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        assert!(body.contains("\"incident_opened\":true"), "{body}");
        assert!(!body.contains("by the well"), "{body}");
        let (s, body) = send(
            &router,
            api("GET", "/api/v1/detention-limits?days=10", &judge, json!({})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("\"days_left\":7"), "{body}");
        // Documented.
        let (_, doc) = send(
            &router,
            api("GET", "/api/v1/openapi.json", &judge, json!({})),
        )
        .await;
        for path in [
            "/api/v1/legal-cases/{id}/hearings",
            "/api/v1/incidents/{id}/actions",
            "/api/v1/detention-limits",
        ] {
            assert!(doc.contains(path), "{path}");
        }
    }
}

#[tokio::test]
async fn the_record_hearing_form_names_the_safeguard_in_arabic_and_a_minor_needs_a_companion() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let router = homeward_web::router(app.clone());
        // Sixteen years old.
        let (p, _) = person(&app, "2001-06-01", "RU").await;
        let worker = account(&app, "amal", "case_worker", None).await;
        let (s, to) = send(
            &router,
            page(
                "POST",
                &format!("/persons/{p}/languages"),
                &worker,
                "en",
                "languages=ru%2C+tg",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
        let (s, to) = send(
            &router,
            page(
                "POST",
                &format!("/persons/{p}/legal-cases"),
                &worker,
                "en",
                "charges=membership&court=Juvenile+Court&case_number=J-9&counsel=private&counsel_name=Rana",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}: {to}", db.backend);
        let case = to.trim_start_matches("/legal-cases/").to_owned();
        let form = "hearing_date=2018-01-29&held=true&summary=heard&counsel_present=true&interpreter_language=ru";
        let (s, body) = send(
            &router,
            page(
                "POST",
                &format!("/legal-cases/{case}/hearings"),
                &worker,
                "ar",
                form,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("id=\"err-hearing-guardian_present\""),
            "{body}"
        );
        assert!(body.contains("يجب حضور وليّ أو باحث اجتماعي"), "{body}");
        assert!(body.contains("HW-COURT-0005"));
        // The values typed are kept.
        assert!(body.contains("value=\"ru\""));
        let (s, to) = send(
            &router,
            page(
                "POST",
                &format!("/legal-cases/{case}/hearings"),
                &worker,
                "ar",
                &format!("{form}&social_worker_present=true"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
        let to = to.split('#').next().unwrap().to_owned();
        let (s, body) = send(&router, page("GET", &to, &worker, "en", "")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("The hearing is recorded."), "{body}");
        assert!(body.contains("Social worker present") && body.contains("Minor on the day"));
        // The person file links to the cases for the roles that may see them.
        let (_, file) = send(
            &router,
            page("GET", &format!("/persons/{p}"), &worker, "en", ""),
        )
        .await;
        assert!(file.contains(&format!("/persons/{p}/legal-cases")));
        let registrar = account(&app, "reg", "registrar", None).await;
        let (_, file) = send(
            &router,
            page("GET", &format!("/persons/{p}"), &registrar, "en", ""),
        )
        .await;
        assert!(!file.contains("legal-cases"));
        let (s, _) = send(&router, page("GET", &to, &registrar, "en", "")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn incident_reports_are_invisible_to_judicial_consular_and_other_roles_on_every_route() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let router = homeward_web::router(app.clone());
        let (p, number) = person(&app, "1990-04-02", "TR").await;
        let monitor_p = Principal {
            user_id: 0,
            username: "icrc".into(),
            role: Role::Monitor,
            country: None,
            site: None,
        };
        let id = app
            .report_incident(
                &monitor_p,
                &IncidentDraft {
                    person: number.clone(),
                    kind: "abuse_in_custody".into(),
                    occurred_on: "2018-01-20".into(),
                    narrative: ACCOUNT.into(),
                },
            )
            .await
            .unwrap()
            .incident
            .id;
        let missing = id + 500;
        let judge = account(&app, "liaison", "judicial_liaison", None).await;
        // The judge has a case for the same person: the case says nothing of the incident.
        app.set_languages(
            &Principal {
                user_id: 0,
                username: "liaison".into(),
                role: Role::JudicialLiaison,
                country: None,
                site: None,
            },
            p,
            &["tr".into()],
        )
        .await
        .unwrap();
        let tokens = vec![
            ("judicial", judge.clone()),
            (
                "consular TR",
                account(&app, "consul-tr", "consular_officer", Some("TR")).await,
            ),
            (
                "consular FR",
                account(&app, "consul-fr", "consular_officer", Some("FR")).await,
            ),
            ("registrar", account(&app, "reg", "registrar", None).await),
            ("admin", account(&app, "root", "administrator", None).await),
            ("auditor", account(&app, "aud", "auditor", None).await),
        ];
        for (who, t) in &tokens {
            let hidden = format!("/api/v1/incidents/{id}");
            let gone = format!("/api/v1/incidents/{missing}");
            // Single records: hidden answers exactly like missing.
            for (method, a, b, body) in [
                ("GET", hidden.clone(), gone.clone(), json!({})),
                (
                    "POST",
                    format!("{hidden}/actions"),
                    format!("{gone}/actions"),
                    json!({ "version": 1, "note": "x", "status": "closed" }),
                ),
            ] {
                let one = send(&router, api(method, &a, t, body.clone())).await;
                let two = send(&router, api(method, &b, t, body)).await;
                assert_eq!(
                    one.0,
                    StatusCode::NOT_FOUND,
                    "{who} {method} {a}: {}",
                    one.1
                );
                assert_eq!(one, two, "{who} {method} {a}");
            }
            for (method, a, b) in [
                (
                    "GET",
                    format!("/incidents/{id}"),
                    format!("/incidents/{missing}"),
                ),
                (
                    "POST",
                    format!("/incidents/{id}/actions"),
                    format!("/incidents/{missing}/actions"),
                ),
            ] {
                let form = "version=1&note=x&status=closed";
                let one = send(&router, page(method, &a, t, "en", form)).await;
                let two = send(&router, page(method, &b, t, "en", form)).await;
                assert_eq!(one.0, StatusCode::NOT_FOUND, "{who} {method} {a}");
                assert_eq!(one, two, "{who} {method} {a}");
            }
            // Lists and the report form: refused, and nothing of the incident in the answer.
            for req in [
                api("GET", "/api/v1/incidents", t, json!({})),
                api(
                    "GET",
                    &format!("/api/v1/incidents?person={p}"),
                    t,
                    json!({}),
                ),
                api(
                    "POST",
                    "/api/v1/incidents",
                    t,
                    json!({ "person": number, "kind": "threats", "narrative": "x" }),
                ),
                page("GET", "/incidents", t, "en", ""),
                page("GET", "/incidents/new", t, "en", ""),
                page(
                    "POST",
                    "/incidents",
                    t,
                    "en",
                    "person=x&kind=threats&narrative=x",
                ),
            ] {
                let uri = req.uri().to_string();
                let (s, body) = send(&router, req).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{who} {uri}");
                assert!(!body.contains("by the well"), "{who} {uri}");
            }
            // Every other answer about the person (file, family, cases, exports, the home
            // page) carries nothing of it, and no navigation leads to it.
            for uri in [
                format!("/api/v1/persons/{p}"),
                format!("/api/v1/persons/{p}/family"),
                format!("/api/v1/persons/{p}/legal-cases"),
                "/api/v1/persons?limit=100".to_owned(),
                "/api/v1/embassy-queue/TR".to_owned(),
                "/api/v1/embassy-queue/TR/notification-list".to_owned(),
                "/api/v1/stats".to_owned(),
            ] {
                let (_, body) = send(&router, api("GET", &uri, t, json!({}))).await;
                assert!(!body.contains("by the well"), "{who} {uri}");
                assert!(!body.contains("abuse_in_custody"), "{who} {uri}");
            }
            for uri in [
                format!("/persons/{p}"),
                format!("/persons/{p}/legal-cases"),
                "/persons.csv".to_owned(),
                "/".to_owned(),
            ] {
                let (_, body) = send(&router, page("GET", &uri, t, "en", "")).await;
                assert!(!body.contains("by the well"), "{who} {uri}");
                assert!(!body.contains("href=\"/incidents\""), "{who} {uri}");
            }
        }
        // Nobody among them was logged as having seen it.
        let log = app
            .store()
            .access_of("protection_incident", &id.to_string())
            .await
            .unwrap();
        assert_eq!(
            log.len(),
            1,
            "only the monitor's own view on reporting: {log:?}"
        );
        // Case workers and monitors see it, the view is logged, and monitors get no names.
        let worker = account(&app, "amal", "case_worker", None).await;
        let monitor = account(&app, "icrc", "monitor", None).await;
        let (s, body) = send(
            &router,
            page("GET", &format!("/incidents/{id}"), &worker, "en", ""),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("by the well") && body.contains("Zeynep Kaya"),
            "{body}"
        );
        let (s, body) = send(
            &router,
            page("GET", &format!("/incidents/{id}"), &monitor, "ar", ""),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("by the well") && !body.contains("Zeynep Kaya"));
        assert!(body.contains("إساءة أثناء الاحتجاز"));
        let (_, home) = send(&router, page("GET", "/", &monitor, "en", "")).await;
        assert!(home.contains("href=\"/incidents\""));
        let (s, list) = send(
            &router,
            api(
                "GET",
                "/api/v1/incidents?open_only=true",
                &monitor,
                json!({}),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            list.contains(&number) && !list.contains("by the well"),
            "{list}"
        );
        // Follow-up from the page: a stale version is shown as such, a good one recorded.
        let (s, body) = send(
            &router,
            page(
                "POST",
                &format!("/incidents/{id}/actions"),
                &monitor,
                "en",
                "version=9&note=visited+the+section&status=under_review",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("HW-WEB-0110"));
        let (s, _) = send(
            &router,
            page(
                "POST",
                &format!("/incidents/{id}/actions"),
                &monitor,
                "en",
                "version=1&note=visited+the+section&status=under_review",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let log = app
            .store()
            .access_of("protection_incident", &id.to_string())
            .await
            .unwrap();
        assert!(log.len() >= 5, "{log:?}");
        assert!(
            log.iter().all(|(_, u, _)| u == "amal" || u == "icrc"),
            "{log:?}"
        );
    }
}
