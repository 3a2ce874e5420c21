//! Identity pages and JSON routes, in-process on every backend: the review queue (run,
//! confirm, undo), tracing requests with field errors in Arabic, list uploads (bad file
//! refused naming the line, CSV download), and who is kept out.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_app::registry::{MoveDraft, NameDraft, RegisterPerson};
use homeward_app::{Actor, App};
use homeward_domain::person::PersonDraft;
use homeward_domain::site::{SeparationGroup, SiteKind};
use homeward_store::registry::NewSite;
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
    let token = app.sign_in(name, PASSWORD).await.unwrap().0;
    homeward_testkit::enrol_if_required(app, &token).await;
    token
}

async fn person(app: &App, name: &str, nat: &str, site: i64) -> i64 {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: "female".into(),
            date_of_birth: Some("1990-03-07".into()),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: name.into(),
            ..NameDraft::default()
        }],
        nationalities: vec![nat.into()],
        placement: Some(MoveDraft {
            site,
            at: Some("2017-09-01".into()),
            authorised_by: "director".into(),
            reason: "intake".into(),
            ..MoveDraft::default()
        }),
        ..RegisterPerson::default()
    };
    app.register_person(&Actor::named("test"), &cmd)
        .await
        .unwrap()
        .person
        .id
}

async fn setup(app: &App) -> (i64, i64) {
    let s = NewSite {
        code: "A-1".into(),
        name_en: "A-1".into(),
        name_ar: "موقع".into(),
        kind: SiteKind::CampSection,
        parent: None,
        capacity: 100,
        separation_group: Some(SeparationGroup::ForeignFamilies),
        synthetic: false,
    };
    let site = app
        .create_site(&Actor::named("admin"), &s)
        .await
        .unwrap()
        .id;
    let a = person(app, "Svetlana Ivanova", "RU", site).await;
    let b = person(app, "سفيتلانا إيفانوفا", "RU", site).await;
    person(app, "Amina Saleh", "FR", site).await;
    person(app, "Layla Haddad", "DE", site).await;
    (a, b)
}

async fn send(router: &Router, req: Request<Body>) -> (StatusCode, String, Option<String>) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let ctype = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    (status, body, location.or(ctype))
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

fn post_as(
    uri: &str,
    token: &str,
    lang: &str,
    ctype: &str,
    body: Vec<u8>,
    origin: &str,
) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, origin)
        .header(
            header::COOKIE,
            format!("homeward_session={token}; lang={lang}"),
        )
        .header(header::CONTENT_TYPE, ctype)
        .body(Body::from(body))
        .unwrap()
}

fn post(uri: &str, token: &str, lang: &str, body: &str) -> Request<Body> {
    post_as(
        uri,
        token,
        lang,
        "application/x-www-form-urlencoded",
        body.as_bytes().to_vec(),
        ORIGIN,
    )
}

fn upload(token: &str, lang: &str, name: &str, content: &str, map: &str) -> Request<Body> {
    let b = "XyZbOuNdArY";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{map}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{content}\r\n--{b}--\r\n"
    );
    post_as(
        "/identity/lists",
        token,
        lang,
        &format!("multipart/form-data; boundary={b}"),
        body.into_bytes(),
        ORIGIN,
    )
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

#[tokio::test]
async fn the_review_queue_runs_confirms_and_undoes_from_the_pages() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let (a, b) = setup(&app).await;
        let token = account(&app, "cw", "case_worker", None).await;
        let router = homeward_web::router(app.clone());
        // A run from another site is refused and queues nothing.
        let (s, _, _) = send(
            &router,
            post_as(
                "/identity/reviews/run",
                &token,
                "en",
                "application/x-www-form-urlencoded",
                b"threshold=0.5".to_vec(),
                "http://evil.example",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // A bad threshold is shown again beside its field, in Arabic.
        let (s, body, _) = send(
            &router,
            post("/identity/reviews/run", &token, "ar", "threshold=7"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("اكتبوا احتمالًا بين 0.05 و1"), "{body}");
        let (s, _, loc) = send(
            &router,
            post("/identity/reviews/run", &token, "en", "threshold=0.5"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, body, _) = send(&router, get(loc.as_deref().unwrap(), &token, "en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("new pairs were added"), "{body}");
        let queue = app
            .reviews_for(&app.session(&token).await.unwrap(), None, 10)
            .await
            .unwrap();
        let pair = queue
            .iter()
            .find(|v| v.review.left_id == a && v.review.right_id == b)
            .unwrap();
        let id = pair.review.id;
        let (s, body, _) = send(
            &router,
            get(&format!("/identity/reviews/{id}"), &token, "ar"),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("هل هما الشخص نفسه؟"), "{body}");
        assert!(body.contains("الاسم الأول"), "field names in Arabic: {body}");
        let (s, _, _) = send(
            &router,
            post(
                &format!("/identity/reviews/{id}"),
                &token,
                "en",
                &format!(
                    "decision=confirm&survivor={a}&version={}",
                    pair.review.version
                ),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        // The merged person answers exactly like a missing one, on pages and in the API.
        let (s, _, _) = send(&router, get(&format!("/persons/{b}"), &token, "en")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{}", db.backend);
        let (s, _, _) = send(
            &router,
            api("GET", &format!("/api/v1/persons/{b}"), &token, ""),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, body, _) = send(
            &router,
            api(
                "GET",
                &format!("/api/v1/identity/persons/{a}/merged"),
                &token,
                "",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("سفيتلانا إيفانوفا"), "{body}");
        let merge = app.store().merges_into(a).await.unwrap()[0].id;
        let (s, _, _) = send(
            &router,
            post(
                &format!("/identity/merges/{merge}/undo"),
                &token,
                "en",
                &format!("review={id}"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _, _) = send(&router, get(&format!("/persons/{b}"), &token, "en")).await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn tracing_requests_are_kept_from_consular_officers_and_refused_input_records_nothing() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let (a, b) = setup(&app).await;
        let token = account(&app, "reg", "registrar", None).await;
        let consul = account(&app, "ru", "consular_officer", Some("RU")).await;
        let router = homeward_web::router(app.clone());
        let (s, body, _) = send(
            &router,
            post(
                "/identity/tracing/new",
                &token,
                "ar",
                "names=&channel=pigeon&year_of_birth=12",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("اكتبوا اسمًا واحدًا على الأقل"), "{body}");
        assert!(body.contains("id=\"err-channel\""), "{body}");
        assert!(body.contains("dir=\"rtl\""));
        let (s, _, loc) = send(
            &router,
            post(
                "/identity/tracing/new",
                &token,
                "en",
                "names=Svetlana+Ivanova&sex=female&year_of_birth=1990&nationality=RU\
                 &requester_name=Olga&relationship=mother&channel=icrc&contact=ICRC+42",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let page = loc.unwrap();
        let (s, body, _) = send(&router, get(&page, &token, "en")).await;
        assert_eq!(s, StatusCode::OK);
        let first = body.find("class=\"card candidate\" data-person=").unwrap();
        let tail = &body[first..first + 60];
        assert!(
            tail.contains(&format!("\"{a}\"")) || tail.contains(&format!("\"{b}\"")),
            "{tail}"
        );
        let (s, _, _) = send(&router, get(&page, &consul, "en")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = send(&router, get("/identity/tracing", &consul, "en")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = send(
            &router,
            api("GET", "/api/v1/identity/tracing-requests", &consul, ""),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, body, _) = send(
            &router,
            api("GET", "/api/v1/identity/tracing-requests", &token, ""),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("Svetlana Ivanova"));
    }
}

#[tokio::test]
async fn a_list_upload_is_matched_in_scope_and_a_broken_file_is_refused_naming_the_line() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        setup(&app).await;
        let consul = account(&app, "ru", "consular_officer", Some("RU")).await;
        let router = homeward_web::router(app.clone());
        let (s, body, _) = send(&router, get("/identity/lists", &consul, "ar")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("قوائم الرعايا"), "{body}");
        let broken = "id,full_name\n1,Amina\n2,\"Svetlana Ivanova\n3,Layla\n";
        let (s, body, _) = send(&router, upload(&consul, "ar", "ru.csv", broken, "")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("تعذّرت قراءة الملف"), "{body}");
        assert!(body.contains("line 3"), "{body}");
        assert!(app.store().list_matches_of("ru").await.unwrap().is_empty());
        let list = "nr,surname,first\n17,Ivanova,Svetlana\n";
        let (s, _, loc) = send(
            &router,
            upload(
                &consul,
                "en",
                "ru.csv",
                list,
                "nr=id, surname=family_name, first=given_name",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", db.backend);
        let page = loc.unwrap();
        let (s, body, _) = send(&router, get(&page, &consul, "en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("Candidates come only from persons who claim"),
            "{body}"
        );
        assert!(!body.contains("Amina Saleh"));
        let (s, csv, ctype) =
            send(&router, get(&format!("{page}/results.csv"), &consul, "en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(ctype.unwrap().starts_with("text/csv"));
        assert!(csv.contains("17,Svetlana Ivanova"), "{csv}");
        // Through the API too; a registrar may not match lists.
        let (s, body, _) = send(
            &router,
            api("POST", "/api/v1/identity/lists?file_name=x.csv&map=nr%3Did%2Csurname%3Dfamily_name%2Cfirst%3Dgiven_name", &consul, list),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let reg = account(&app, "reg", "registrar", None).await;
        let (s, _, _) = send(&router, api("POST", "/api/v1/identity/lists", &reg, list)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = send(&router, get(&page, &reg, "en")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
