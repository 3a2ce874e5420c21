//! The server-rendered pages, in-process: sign-in redirects, language and direction, scope,
//! the forms' same-origin check, registration and the CSV download.

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

async fn add_account(app: &App, name: &str, role: &str, country: Option<&str>) -> String {
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

async fn person(app: &App, name: &str, nationality: &str) -> i64 {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: "female".into(),
            year_of_birth: Some(1990),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: name.into(),
            ..NameDraft::default()
        }],
        nationalities: vec![nationality.into()],
        ..RegisterPerson::default()
    };
    app.register_person(&Actor::named("test"), &cmd)
        .await
        .unwrap()
        .person
        .id
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(router: &Router, req: Request<Body>) -> Reply {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(uri: &str, token: Option<&str>) -> axum::http::request::Builder {
    let mut b = Request::builder()
        .uri(uri)
        .header(header::HOST, "homeward.test");
    if let Some(t) = token {
        b = b.header(header::COOKIE, format!("homeward_session={t}"));
    }
    b
}

fn post_form(uri: &str, token: Option<&str>, body: &str, origin: Option<&str>) -> Request<Body> {
    let mut b = get(uri, token)
        .method("POST")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, o);
    }
    b.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn a_page_without_a_session_sends_you_to_sign_in() {
    let db = &backends().await[0];
    let router = homeward_web::router(homeward_testkit::app(db).await);
    for uri in [
        "/",
        "/persons",
        "/search?q=x",
        "/persons/new",
        "/persons/1",
        "/sites",
    ] {
        let r = send(&router, get(uri, None).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(r.headers[header::LOCATION], "/sign-in", "{uri}");
    }
    let r = send(&router, get("/sign-in", None).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"<html lang="en" dir="ltr">"#));
}

#[tokio::test]
async fn arabic_is_chosen_from_accept_language_and_written_right_to_left() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let token = add_account(&app, "reg", "registrar", None).await;
    let router = homeward_web::router(app);
    let req = get("/sign-in", None)
        .header(header::ACCEPT_LANGUAGE, "ar-IQ,ar;q=0.9,en;q=0.5")
        .body(Body::empty())
        .unwrap();
    let r = send(&router, req).await;
    assert!(
        r.body.contains(r#"<html lang="ar" dir="rtl">"#),
        "{}",
        r.body
    );
    assert!(r.body.contains("تسجيل الدخول"));
    // The cookie beats the header.
    let req = get("/persons", Some(&token))
        .header(header::ACCEPT_LANGUAGE, "ar")
        .header(header::COOKIE, "lang=en")
        .body(Body::empty())
        .unwrap();
    let r = send(&router, req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"<html lang="en" dir="ltr">"#));
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    assert!(
        r.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
}

#[tokio::test]
async fn a_consular_officer_cannot_open_another_countrys_person() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let turkish = person(&app, "Ayşe Yılmaz", "TR").await;
    let french = person(&app, "Claire Martin", "FR").await;
    let token = add_account(&app, "consul", "consular_officer", Some("FR")).await;
    let router = homeward_web::router(app);
    let r = send(
        &router,
        get(&format!("/persons/{turkish}"), Some(&token))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("Ayşe"));
    let r = send(
        &router,
        get(&format!("/persons/{turkish}/family"), Some(&token))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &router,
        get(&format!("/persons/{french}"), Some(&token))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<bdi class=\"name\">Claire Martin</bdi>"));
    let r = send(
        &router,
        get("/persons", Some(&token)).body(Body::empty()).unwrap(),
    )
    .await;
    assert!(r.body.contains("Claire Martin") && !r.body.contains("Ayşe"));
    // Consular officers see no site pages and may not register anyone.
    let r = send(
        &router,
        get("/sites", Some(&token)).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &router,
        get("/persons/new", Some(&token))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn signing_in_needs_a_same_origin_form_and_sets_a_strict_cookie() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    add_account(&app, "reg", "registrar", None).await;
    let router = homeward_web::router(app);
    let body = format!("username=reg&password={}", PASSWORD.replace(' ', "+"));
    let r = send(&router, post_form("/sign-in", None, &body, None)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &router,
        post_form("/sign-in", None, &body, Some("http://evil.test")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &router,
        post_form(
            "/sign-in",
            None,
            "username=reg&password=wrong",
            Some("http://homeward.test"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = send(
        &router,
        post_form("/sign-in", None, &body, Some("http://homeward.test")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("homeward_session="));
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
}

#[tokio::test]
async fn the_registration_form_saves_or_shows_each_error_beside_its_field() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    let token = add_account(&app, "reg", "registrar", None).await;
    let router = homeward_web::router(app.clone());
    let origin = Some("http://homeward.test");
    // A man recorded as pregnant, first without a date of birth: each error in Arabic.
    let bad = "names%5B0%5D.text=%D8%B9%D9%84%D9%8A&names%5B0%5D.kind=as_registered&sex=male&pregnant_expected_delivery=2018-05-01&action=force";
    let mut req = post_form("/persons/new", Some(&token), bad, origin);
    req.headers_mut()
        .append(header::COOKIE, "lang=ar".parse().unwrap());
    let r = send(&router, req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("err-date_of_birth"));
    assert!(r.body.contains("HW-DATE-0007"));
    assert!(
        r.body
            .contains("أدخل تاريخ الميلاد أو سنة الميلاد أو عمراً مقدَّراً"),
        "{}",
        r.body
    );
    let bad = format!("{bad}&year_of_birth=1990");
    let mut req = post_form("/persons/new", Some(&token), &bad, origin);
    req.headers_mut()
        .append(header::COOKIE, "lang=ar".parse().unwrap());
    let r = send(&router, req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("err-pregnant_expected_delivery"));
    assert!(
        r.body.contains("لا يمكن تسجيل الحمل إلا لامرأة أو فتاة"),
        "{}",
        r.body
    );
    // A complete registration with an Arabic-script name.
    let good = "names%5B0%5D.text=%D8%B3%D9%81%D9%8A%D8%AA%D9%84%D8%A7%D9%86%D8%A7+%D8%A7%D9%8A%D9%81%D8%A7%D9%86%D9%88%D9%81%D8%A7&names%5B0%5D.kind=as_registered&sex=female&estimated_age=30&age_basis=appearance&nationalities%5B0%5D=RU&action=force";
    let r = send(
        &router,
        post_form("/persons/new", Some(&token), good, origin),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.headers[header::LOCATION].to_str().unwrap().to_owned();
    let r = send(
        &router,
        get(&location, Some(&token)).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("<bdi class=\"name\">سفيتلانا ايفانوفا</bdi>")
    );
    // Without the page's origin, nothing is saved.
    let r = send(&router, post_form("/persons/new", Some(&token), good, None)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_csv_download_is_for_export_roles_and_neutralises_formulas() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    person(&app, "=HYPERLINK(\"x\")", "TR").await;
    let registrar = add_account(&app, "reg", "registrar", None).await;
    let worker = add_account(&app, "cw", "case_worker", None).await;
    let router = homeward_web::router(app);
    let r = send(
        &router,
        get("/persons.csv", Some(&registrar))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(
        &router,
        get("/persons.csv?nationality=TR", Some(&worker))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with('\u{feff}'));
    assert!(r.body.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{}", r.body);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
}

fn multipart(uri: &str, token: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Request<Body> {
    let boundary = "homeward-test-boundary";
    let mut body = Vec::new();
    for (name, filename, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    get(uri, Some(token))
        .method("POST")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::ORIGIN, "http://homeward.test")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn photos_are_added_and_shown_on_the_person_file_and_each_view_is_logged_once() {
    for db in &backends().await {
        let app = homeward_testkit::app(db).await;
        let reg = add_account(&app, "reg", "registrar", None).await;
        let consul = add_account(&app, "consul-ru", "consular_officer", Some("RU")).await;
        let id = person(&app, "Amina Yusupova", "FR").await;
        let router = homeward_web::router(app.clone());

        // Opening the file once writes exactly one entry in the access log.
        let before = app
            .store()
            .access_of("person", &id.to_string())
            .await
            .unwrap();
        let r = send(
            &router,
            get(&format!("/persons/{id}"), Some(&reg))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", db.backend);
        assert!(r.body.contains("no-photos") || r.body.contains("No photo or scan yet."));
        let after = app
            .store()
            .access_of("person", &id.to_string())
            .await
            .unwrap();
        assert_eq!(after.len(), before.len() + 1, "one view, one log entry");

        // A JPEG with an Exif segment (stripped on the way in) and an image scan.
        let jpeg: Vec<u8> = [
            &[0xFF, 0xD8][..],
            &[0xFF, 0xE1, 0x00, 0x08, b'E', b'x', b'i', b'f', b'G', b'P'],
            &[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xD9],
        ]
        .concat();
        let uri = format!("/persons/{id}/files");
        let r = send(
            &router,
            multipart(
                &uri,
                &reg,
                &[
                    ("kind", None, b"photo"),
                    ("label", None, "صورة الاستقبال".as_bytes()),
                    ("file", Some("a.jpg"), &jpeg),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = send(
            &router,
            get(&format!("/persons/{id}"), Some(&reg))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(r.body.contains("<img src=\"/api/v1/files/"), "{}", r.body);
        assert!(r.body.contains("صورة الاستقبال"));

        // Not an image: refused beside the form, nothing kept.
        let r = send(
            &router,
            multipart(
                &uri,
                &reg,
                &[("kind", None, b"photo"), ("file", Some("a.jpg"), b"<html>")],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("HW-FILE-0003"), "{}", r.body);
        assert_eq!(app.store().files_of(id).await.unwrap().len(), 1);

        // Another country's consular officer: the person does not exist for them.
        let r = send(
            &router,
            multipart(
                &uri,
                &consul,
                &[("kind", None, b"photo"), ("file", Some("a.jpg"), &jpeg)],
            ),
        )
        .await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{}",
            r.status
        );
        assert_eq!(app.store().files_of(id).await.unwrap().len(), 1);

        // A form from another site is refused.
        let mut req = multipart(
            &uri,
            &reg,
            &[("kind", None, b"photo"), ("file", Some("a.jpg"), &jpeg)],
        );
        req.headers_mut()
            .insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert_eq!(send(&router, req).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.store().files_of(id).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let db = &backends().await[0];
    let router = homeward_web::router(homeward_testkit::app(db).await);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = send(
            &router,
            post_form(
                "/sign-in",
                None,
                "username=nobody&password=wrong+password+here",
                Some("http://homeward.test"),
            ),
        )
        .await;
        statuses.push(r.status);
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers.contains_key(header::RETRY_AFTER));
        }
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn an_administrator_sets_up_the_second_factor_before_any_other_page_opens() {
    for db in &backends().await {
        let clock = homeward_app::ManualClock::new(homeward_testkit::test_now());
        let app = homeward_testkit::app_with_clock(db, clock.clone()).await;
        let draft = homeward_app::auth::UserDraft {
            username: "chief".into(),
            role: "administrator".into(),
            password: PASSWORD.into(),
            ..Default::default()
        };
        app.add_user(&Actor::named("test"), &draft, false)
            .await
            .unwrap();
        let router = homeward_web::router(app.clone());
        let r = send(
            &router,
            post_form(
                "/sign-in",
                None,
                "username=chief&password=correct+horse+battery",
                Some("http://homeward.test"),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", db.backend);
        let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
        let token = cookie
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("homeward_session=")
            .to_owned();
        let r = send(
            &router,
            get("/persons", Some(&token)).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/account/second-factor");
        let r = send(
            &router,
            post_form(
                "/account/second-factor/start",
                Some(&token),
                "",
                Some("http://homeward.test"),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<svg"), "a QR code");
        let start = r.body.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
        let secret: String = r.body[start..].chars().take_while(|c| *c != '<').collect();
        let now = u64::try_from(app.now().and_utc().timestamp()).unwrap();
        let code = homeward_app::auth::totp_for(&secret, "chief")
            .unwrap()
            .generate(now)
            .to_string();
        let r = send(
            &router,
            post_form(
                "/account/second-factor/confirm",
                Some(&token),
                &format!("code={code}"),
                Some("http://homeward.test"),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            r.body.matches("<li><code>").count(),
            10,
            "ten recovery codes"
        );
        let r = send(
            &router,
            get("/persons", Some(&token)).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);

        // The CSV export needs the password again once the sign-in is older than ten minutes.
        let cw = homeward_testkit::account(&app, "cw", "case_worker", None).await;
        let r = send(
            &router,
            get("/persons.csv", Some(&cw)).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "just signed in");
        clock.advance(chrono::Duration::minutes(11));
        let r = send(
            &router,
            get("/persons", Some(&cw)).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "still signed in");
        let r = send(
            &router,
            get("/persons.csv?sex=female", Some(&cw))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let to = r.headers[header::LOCATION].to_str().unwrap().to_owned();
        assert!(to.starts_with("/account/confirm?next=/persons.csv"), "{to}");
        let r = send(
            &router,
            post_form(
                "/account/confirm",
                Some(&cw),
                "password=correct+horse+battery&next=%2Fpersons.csv%3Fsex%3Dfemale",
                Some("http://homeward.test"),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/persons.csv?sex=female");
        let r = send(
            &router,
            get("/persons.csv?sex=female", Some(&cw))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    }
}
