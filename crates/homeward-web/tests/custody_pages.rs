//! The custody pages, in-process: the placement proposal with its rule and version, an
//! override refused without a reason (nothing recorded), and the consular officer kept out;
//! births in custody, transfers with the family affected and every custody refusal, roll calls
//! and their incidents, the task lists and the daily review, "where was this person" and "who
//! was at this site" on a date, and rule versions added by an administrator. The tests that
//! change something run on every backend under test.

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
    let token = app.sign_in(name, PASSWORD).await.unwrap().0;
    homeward_testkit::enrol_if_required(app, &token).await;
    token
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

// ---------------------------------------------------------------------------------------------
// Births, transfers, roll calls, tasks, whereabouts and rule versions.

use homeward_app::registry::{LinkDraft, MoveDraft};
use homeward_domain::person::PersonId;
use homeward_domain::site::{SeparationGroup, SiteKind};
use homeward_store::registry::{NewSite, PersonFilter};

async fn site(app: &App, code: &str, kind: SiteKind, capacity: u32) -> i64 {
    site_in(app, code, kind, capacity, SeparationGroup::ForeignFamilies).await
}

async fn site_in(
    app: &App,
    code: &str,
    kind: SiteKind,
    capacity: u32,
    group: SeparationGroup,
) -> i64 {
    let s = NewSite {
        code: code.into(),
        name_en: format!("Site {code}"),
        name_ar: format!("موقع {code}"),
        kind,
        parent: None,
        capacity,
        separation_group: Some(group),
        synthetic: false,
    };
    app.create_site(&Actor::named("admin"), &s)
        .await
        .unwrap()
        .id
}

/// A held person (placed at `place` on 1 September 2017); `due` records a pregnancy.
async fn held(
    app: &App,
    sex: &str,
    dob: &str,
    place: Option<i64>,
    due: Option<&str>,
) -> (i64, String) {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: sex.into(),
            date_of_birth: Some(dob.into()),
            pregnant_expected_delivery: due.map(str::to_owned),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: format!("شخص {dob}"),
            ..NameDraft::default()
        }],
        nationalities: vec!["TR".into()],
        placement: place.map(|site| MoveDraft {
            site,
            at: Some("2017-09-01".into()),
            authorised_by: "director".into(),
            reason: "intake".into(),
            ..MoveDraft::default()
        }),
        ..RegisterPerson::default()
    };
    let p = app
        .register_person(&Actor::named("test"), &cmd)
        .await
        .unwrap()
        .person;
    (p.id, p.registration_number)
}

async fn mother_of(app: &App, mother: i64, child: i64) {
    let l = LinkDraft {
        from: mother,
        to: child,
        relation: "mother".into(),
        ..LinkDraft::default()
    };
    app.add_link(&Actor::named("test"), &l).await.unwrap();
}

/// A young child registered, linked to the mother, then placed with her at `place`.
async fn baby_of(app: &App, mother: i64, dob: &str, place: i64) -> (i64, String) {
    let (baby, number) = held(app, "male", dob, None, None).await;
    mother_of(app, mother, baby).await;
    app.move_person(
        &Actor::named("test"),
        PersonId(baby),
        &MoveDraft {
            site: place,
            at: Some("2017-09-02".into()),
            authorised_by: "director".into(),
            reason: "with the mother".into(),
            ..MoveDraft::default()
        },
    )
    .await
    .unwrap();
    (baby, number)
}

async fn persons_count(app: &App) -> i64 {
    app.store()
        .list_persons(&PersonFilter::default(), 1, 0)
        .await
        .unwrap()
        .total
}

async fn site_of(app: &App, id: i64) -> Option<i64> {
    app.store()
        .person(PersonId(id))
        .await
        .unwrap()
        .current_site_id
}

fn from_elsewhere(mut req: Request<Body>) -> Request<Body> {
    req.headers_mut()
        .insert(header::ORIGIN, "http://evil.test".parse().unwrap());
    req
}

fn location(resp_body: &(StatusCode, String)) -> bool {
    resp_body.0 == StatusCode::SEE_OTHER
}

#[tokio::test]
async fn every_custody_page_renders_in_english_and_arabic() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let centre = site(&app, "WDC", SiteKind::DetentionCentre, 50).await;
        let other = site(&app, "WDC2", SiteKind::DetentionCentre, 50).await;
        let (mother, number) = held(
            &app,
            "female",
            "1990-01-01",
            Some(centre),
            Some("2018-02-20"),
        )
        .await;
        let (baby, _) = baby_of(&app, mother, "2016-05-01", centre).await;
        let (t, _) = app
            .request_transfer(&Actor::named("test"), other, &[mother], "closer to court")
            .await
            .unwrap();
        let cw = account(&app, "cw", "case_worker", None).await;
        let admin = account(&app, "admin1", "administrator", None).await;
        let router = homeward_web::router(app.clone());
        let pages = [
            (
                format!("/persons/{mother}/birth"),
                "تسجيل ولادة أثناء الاحتجاز",
            ),
            ("/transfers".to_owned(), "عمليات النقل"),
            (
                format!("/transfers/new?person={mother}"),
                "من يُنقل وإلى أين",
            ),
            (format!("/transfers/{}", t.id), "أفراد الأسرة المتأثرون"),
            (format!("/sites/{centre}/roll-call"), "تفقّد الحضور"),
            ("/tasks".to_owned(), "المهام"),
            (
                format!("/where?person={number}&date=2018-01-01"),
                "في ذلك التاريخ كان هذا الشخص في",
            ),
            (
                format!("/sites/{centre}/on?date=2018-01-01"),
                "من كان في هذا الموقع",
            ),
            ("/placement-rules".to_owned(), "قواعد الإيداع"),
            (
                format!("/persons/{baby}/placement?date=2018-02-01"),
                "تُبقي القاعدة الطفل الصغير مع أمه",
            ),
        ];
        for (uri, arabic) in &pages {
            let (s, en) = send(&router, get(uri, &cw, "en")).await;
            assert_eq!(s, StatusCode::OK, "{uri} {}: {en}", db.backend);
            assert!(en.contains("lang=\"en\" dir=\"ltr\""), "{uri}");
            assert!(!en.contains("cust-"), "{uri}: a message id was shown: {en}");
            let (s, ar) = send(&router, get(uri, &cw, "ar")).await;
            assert_eq!(s, StatusCode::OK, "{uri}");
            assert!(ar.contains("lang=\"ar\" dir=\"rtl\""), "{uri}");
            assert!(ar.contains(arabic), "{uri}: {ar}");
            assert!(!ar.contains("cust-"), "{uri}: a message id was shown");
        }
        // The navigation leads a case worker to the custody pages.
        let (_, home) = send(&router, get("/transfers", &cw, "en")).await;
        for href in [
            "href=\"/transfers\"",
            "href=\"/tasks\"",
            "href=\"/placement-rules\"",
            "href=\"/where\"",
        ] {
            assert!(home.contains(href), "{href}");
        }
        // The placement page links only to pages that exist.
        let (_, placement) = send(
            &router,
            get(&format!("/persons/{mother}/placement"), &cw, "en"),
        )
        .await;
        for link in [
            format!("/persons/{mother}/birth"),
            format!("/transfers/new?person={mother}"),
            format!("/where?person={number}"),
        ] {
            assert!(placement.contains(&link), "{link}");
            let (s, _) = send(&router, get(&link, &cw, "en")).await;
            assert_eq!(s, StatusCode::OK, "{link}");
        }
        // An administrator has the rule form and the daily review, not the transfers.
        let (s, rules) = send(&router, get("/placement-rules", &admin, "ar")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(rules.contains("action=\"/placement-rules\""));
        let (s, tasks) = send(&router, get("/tasks", &admin, "ar")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(tasks.contains("action=\"/tasks/daily-review\""));
        let (s, _) = send(&router, get("/transfers", &admin, "en")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, rules) = send(&router, get("/placement-rules", &cw, "en")).await;
        assert!(!rules.contains("action=\"/placement-rules\""));
    }
}

#[tokio::test]
async fn a_birth_is_registered_from_the_mothers_file_and_bad_input_changes_nothing() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let centre = site(&app, "WDC", SiteKind::DetentionCentre, 50).await;
        let (mother, _) = held(
            &app,
            "female",
            "1990-01-01",
            Some(centre),
            Some("2018-02-20"),
        )
        .await;
        let (free, _) = held(&app, "female", "1991-01-01", None, None).await;
        let cw = account(&app, "cw", "case_worker", None).await;
        let router = homeward_web::router(app.clone());
        let before = persons_count(&app).await;
        // No name, a date in the future: both named beside their fields, in Arabic.
        let (s, body) = send(
            &router,
            post(
                &format!("/persons/{mother}/birth"),
                &cw,
                "ar",
                "name=&sex=female&date_of_birth=2018-03-01",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("id=\"err-name\""), "{body}");
        assert!(body.contains("id=\"err-date_of_birth\""));
        assert!(body.contains("اكتب اسم الطفل"));
        assert!(body.contains("لا يمكن أن يكون تاريخ الولادة في المستقبل"));
        assert_eq!(persons_count(&app).await, before);
        // A mother who is not held: the child is registered as a new person instead.
        let (s, body) = send(
            &router,
            post(
                &format!("/persons/{free}/birth"),
                &cw,
                "en",
                "name=Baby&sex=female&date_of_birth=2018-01-30",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("HW-BIRTH-0001"), "{body}");
        assert_eq!(persons_count(&app).await, before);
        // From another site: refused, nothing written.
        let (s, _) = send(
            &router,
            from_elsewhere(post(
                &format!("/persons/{mother}/birth"),
                &cw,
                "en",
                "name=Baby&sex=female&date_of_birth=2018-01-30",
            )),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(persons_count(&app).await, before);
        // The happy path: linked to the mother, placed with her, pregnancy closed.
        let resp = router
            .clone()
            .oneshot(post(
                &format!("/persons/{mother}/birth"),
                &cw,
                "en",
                "name=Baby+Amal&sex=female&date_of_birth=2018-01-30&father_unknown=on",
            ))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let to = resp.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        let child: i64 = to
            .trim_start_matches("/persons/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(persons_count(&app).await, before + 1);
        assert_eq!(site_of(&app, child).await, Some(centre));
        let file = app.store().person_file(PersonId(child)).await.unwrap();
        assert!(
            file.links
                .iter()
                .any(|l| l.relation == "mother" && l.from_person == mother)
        );
        assert!(file.claims.iter().any(|c| c.country_code == "TR"));
        let m = app
            .store()
            .person(PersonId(mother))
            .await
            .unwrap()
            .facts()
            .unwrap();
        assert!(m.vulnerability.pregnant_expected_delivery.is_none());
        // Roles that may not register: refused, and a consul may not even know the mother.
        for (name, role, country) in [
            ("judge", "judicial_liaison", None),
            ("consul", "consular_officer", Some("FR")),
        ] {
            let token = account(&app, name, role, country).await;
            let (s, _) = send(
                &router,
                get(&format!("/persons/{mother}/birth"), &token, "en"),
            )
            .await;
            assert!(
                matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{role}: {s}"
            );
            let (s, _) = send(
                &router,
                post(
                    &format!("/persons/{mother}/birth"),
                    &token,
                    "en",
                    "name=X&sex=male&date_of_birth=2018-01-30",
                ),
            )
            .await;
            assert!(
                matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{role}: {s}"
            );
        }
        assert_eq!(persons_count(&app).await, before + 1);
    }
}

/// The id of the newest transfer.
async fn newest_transfer(app: &App) -> homeward_store::custody::TransferRow {
    app.store().transfers(None).await.unwrap().remove(0)
}

#[tokio::test]
async fn a_transfer_lists_the_family_moves_it_whole_and_goes_through_its_steps() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let a = site(&app, "A", SiteKind::DetentionCentre, 50).await;
        let b = site(&app, "B", SiteKind::DetentionCentre, 50).await;
        let (mother, m_number) = held(&app, "female", "1990-01-01", Some(a), None).await;
        let (baby, b_number) = baby_of(&app, mother, "2016-05-01", a).await;
        let cw = account(&app, "cw", "case_worker", None).await;
        let router = homeward_web::router(app.clone());
        // Bad input: every field named, in Arabic, and no transfer requested.
        let (s, body) = send(
            &router,
            post(
                "/transfers/new",
                &cw,
                "ar",
                "step=confirm&persons=HW-NOPE&to_site=&date=2017-01-01&reason=",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        for field in ["err-persons", "err-to_site", "err-date", "err-reason"] {
            assert!(body.contains(&format!("id=\"{field}\"")), "{field}: {body}");
        }
        assert!(body.contains("لا يحمل أي شخص رقم التسجيل هذا"));
        assert!(app.store().transfers(None).await.unwrap().is_empty());
        // The preview lists the young child who would stay behind.
        let form = format!("persons={m_number}&to_site={b}&date=2018-02-05&reason=closer+to+court");
        let (s, body) = send(
            &router,
            post("/transfers/new", &cw, "en", &format!("step=preview&{form}")),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body.contains("id=\"family\""), "{body}");
        assert!(body.contains(&b_number));
        assert!(
            app.store().transfers(None).await.unwrap().is_empty(),
            "a preview requests nothing"
        );
        // From another site: nothing.
        let (s, _) = send(
            &router,
            from_elsewhere(post(
                "/transfers/new",
                &cw,
                "en",
                &format!("step=confirm&whole_family=1&{form}"),
            )),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(app.store().transfers(None).await.unwrap().is_empty());
        // The whole family at once.
        let (s, body) = send(
            &router,
            post(
                "/transfers/new",
                &cw,
                "en",
                &format!("step=confirm&whole_family=1&{form}"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let t = newest_transfer(&app).await;
        assert_eq!(t.persons, {
            let mut v = vec![mother, baby];
            v.sort();
            v
        });
        assert_eq!(t.state, "requested");
        // The page shows the steps and the next one.
        let (s, body) = send(&router, get(&format!("/transfers/{}", t.id), &cw, "ar")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains(&format!("action=\"/transfers/{}/authorise\"", t.id)));
        assert!(body.contains("ليس بعد"));
        // The list filters by state.
        let (_, list) = send(&router, get("/transfers?state=requested", &cw, "en")).await;
        assert!(list.contains(&format!("href=\"/transfers/{}\"", t.id)));
        let (_, list) = send(&router, get("/transfers?state=carried_out", &cw, "en")).await;
        assert!(!list.contains(&format!("href=\"/transfers/{}\"", t.id)));
        // Authorise, then carry out: each step with who and when.
        let (s, _) = send(
            &router,
            post(
                &format!("/transfers/{}/authorise", t.id),
                &cw,
                "en",
                &format!("version={}", t.version),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let t = app.store().transfer(t.id).await.unwrap();
        assert_eq!(
            (t.state.as_str(), t.authorised_by.as_deref()),
            ("authorised", Some("cw"))
        );
        // A stale version changes nothing.
        let (s, _) = send(
            &router,
            post(
                &format!("/transfers/{}/carry-out", t.id),
                &cw,
                "en",
                &format!("version={}", t.version - 1),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(site_of(&app, mother).await, Some(a));
        let (s, _) = send(
            &router,
            post(
                &format!("/transfers/{}/carry-out", t.id),
                &cw,
                "en",
                &format!("version={}", t.version),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(site_of(&app, mother).await, Some(b));
        assert_eq!(site_of(&app, baby).await, Some(b));
        let (_, body) = send(&router, get(&format!("/transfers/{}", t.id), &cw, "en")).await;
        assert!(body.contains("data-state=\"carried_out\""));
        assert_eq!(body.matches("class=\"done\"").count(), 3, "{body}");
        // Roles that do not move persons are kept out.
        for (name, role, country) in [
            ("judge", "judicial_liaison", None),
            ("consul", "consular_officer", Some("TR")),
        ] {
            let token = account(&app, name, role, country).await;
            for uri in [
                "/transfers".to_owned(),
                "/transfers/new".to_owned(),
                format!("/transfers/{}", t.id),
            ] {
                let (s, _) = send(&router, get(&uri, &token, "en")).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{role} {uri}");
            }
            let (s, _) = send(
                &router,
                post(
                    "/transfers/new",
                    &token,
                    "en",
                    &format!("step=confirm&{form}"),
                ),
            )
            .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{role}");
        }
        assert_eq!(app.store().transfers(None).await.unwrap().len(), 1);
    }
}

/// Requests and authorises a transfer through the app; returns its id and version.
async fn authorised(app: &App, to: i64, persons: &[i64]) -> (i64, i64) {
    let (t, _) = app
        .request_transfer(&Actor::named("test"), to, persons, "test")
        .await
        .unwrap();
    let t = app
        .authorise_transfer(&Actor::named("boss"), t.id, t.version)
        .await
        .unwrap();
    (t.id, t.version)
}

#[tokio::test]
async fn every_custody_refusal_is_shown_in_the_readers_language_and_moves_no_one() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let a = site(&app, "A", SiteKind::DetentionCentre, 50).await;
        let full = site(&app, "FULL", SiteKind::CampSection, 1).await;
        let iraqi = site_in(
            &app,
            "IQ",
            SiteKind::CampSection,
            50,
            SeparationGroup::DisplacedIraqiFamilies,
        )
        .await;
        let orphanage = site(&app, "ORPH", SiteKind::Orphanage, 50).await;
        let (_, _) = held(&app, "female", "1980-01-01", Some(full), None).await;
        let (mother, _) = held(&app, "female", "1990-01-01", Some(a), None).await;
        let (baby, _) = baby_of(&app, mother, "2016-05-01", a).await;
        let (girl, _) = held(&app, "female", "2008-01-01", Some(orphanage), None).await;
        let (woman, _) = held(&app, "female", "1985-01-01", Some(a), None).await;
        let cw = account(&app, "cw", "case_worker", None).await;
        let router = homeward_web::router(app.clone());
        let cases: [(i64, i64, &str, &str, &str); 4] = [
            (
                baby,
                full,
                "HW-CUSTODY-0007",
                "err-best_interests_ref",
                "فصلهما يحتاج إلى مرجع قرار المصلحة الفضلى",
            ),
            (
                girl,
                a,
                "HW-CUSTODY-0005",
                "refusals",
                "لا يجوز إيداع قاصر في مرفق للبالغين فقط",
            ),
            (
                woman,
                iraqi,
                "HW-CUSTODY-0004",
                "refusals",
                "لا تتشارك المجموعات قسماً واحداً أبداً",
            ),
            (
                woman,
                full,
                "HW-CUSTODY-0008",
                "err-confirm_over_capacity",
                "سيتجاوز الموقع سعته",
            ),
        ];
        for (who, to, code, marker, arabic) in cases {
            let was = site_of(&app, who).await;
            let (id, version) = authorised(&app, to, &[who]).await;
            let (s, body) = send(
                &router,
                post(
                    &format!("/transfers/{id}/carry-out"),
                    &cw,
                    "ar",
                    &format!("version={version}"),
                ),
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {body}");
            assert!(body.contains(code), "{code}: {body}");
            assert!(
                body.contains(&format!("id=\"{marker}\"")),
                "{code}: {marker}"
            );
            assert!(body.contains(arabic), "{code}: {body}");
            assert_eq!(site_of(&app, who).await, was, "{code}: moved anyway");
            assert_eq!(app.store().transfer(id).await.unwrap().state, "authorised");
        }
        // The same refusal is foreseen on the request's preview.
        let number = app
            .store()
            .person(PersonId(girl))
            .await
            .unwrap()
            .registration_number;
        let (s, body) = send(
            &router,
            post(
                "/transfers/new",
                &cw,
                "en",
                &format!("step=preview&persons={number}&to_site={a}&date=2018-02-05&reason=x"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("id=\"refusals\"") && body.contains("HW-CUSTODY-0005"),
            "{body}"
        );
        // With a best-interests decision reference the child may go; with the confirmation the
        // full site takes one more, and its transfer then shows the warning.
        let (id, version) = authorised(&app, full, &[baby]).await;
        let (s, body) = send(
            &router,
            post(
                &format!("/transfers/{id}/carry-out"),
                &cw,
                "en",
                &format!(
                    "version={version}&best_interests_ref=BID-2018-7&confirm_over_capacity=on"
                ),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(site_of(&app, baby).await, Some(full));
        let (_, body) = send(&router, get(&format!("/transfers/{id}"), &cw, "en")).await;
        assert!(body.contains("id=\"over-capacity\""), "{body}");
    }
}

#[tokio::test]
async fn a_roll_call_raises_an_incident_that_is_resolved_with_a_note() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let s1 = site(&app, "S1", SiteKind::CampSection, 50).await;
        let (one, _) = held(&app, "female", "1990-01-01", Some(s1), None).await;
        let (two, two_number) = held(&app, "female", "1991-01-01", Some(s1), None).await;
        let cw = account(&app, "cw", "case_worker", None).await;
        let router = homeward_web::router(app.clone());
        let (s, body) = send(&router, get(&format!("/sites/{s1}/roll-call"), &cw, "en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains(&format!("id=\"present-{one}\""))
                && body.contains(&format!("id=\"present-{two}\""))
        );
        // A head count that is not a number: named, nothing recorded.
        let (s, body) = send(
            &router,
            post(
                &format!("/sites/{s1}/roll-call"),
                &cw,
                "ar",
                "method=count&counted=abc",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("id=\"err-counted\"") && body.contains("اكتب العدد رقماً صحيحاً"),
            "{body}"
        );
        assert!(app.store().roll_calls(s1).await.unwrap().is_empty());
        // From another site: nothing.
        let (s, _) = send(
            &router,
            from_elsewhere(post(
                &format!("/sites/{s1}/roll-call"),
                &cw,
                "en",
                &format!("method=tick_list&present={one}"),
            )),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(app.store().roll_calls(s1).await.unwrap().is_empty());
        // One ticked of two: recorded, and an incident opened naming the absent.
        let r = send(
            &router,
            post(
                &format!("/sites/{s1}/roll-call"),
                &cw,
                "en",
                &format!("method=tick_list&present={one}"),
            ),
        )
        .await;
        assert!(location(&r), "{}", r.1);
        let incidents = app.store().incidents(s1).await.unwrap();
        assert_eq!(incidents.len(), 1);
        assert_eq!(incidents[0].status, "open");
        let (_, body) = send(
            &router,
            get(
                &format!("/sites/{s1}/roll-call?recorded=1&incident=1"),
                &cw,
                "ar",
            ),
        )
        .await;
        assert!(body.contains("id=\"incident-opened\""));
        assert!(body.contains(&two_number));
        let inc = incidents[0].id;
        // Resolving without a note is refused beside the note, in Arabic; still open.
        let (s, body) = send(
            &router,
            post(
                &format!("/roll-call-incidents/{inc}/resolve"),
                &cw,
                "ar",
                "resolution=",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains(&format!("id=\"err-resolution-{inc}\""))
                && body.contains("اذكر كيف فُسِّر الفرق"),
            "{body}"
        );
        assert_eq!(app.store().incident(inc).await.unwrap().status, "open");
        let (s, _) = send(
            &router,
            from_elsewhere(post(
                &format!("/roll-call-incidents/{inc}/resolve"),
                &cw,
                "en",
                "resolution=at+the+clinic",
            )),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(app.store().incident(inc).await.unwrap().status, "open");
        let r = send(
            &router,
            post(
                &format!("/roll-call-incidents/{inc}/resolve"),
                &cw,
                "en",
                "resolution=at+the+clinic",
            ),
        )
        .await;
        assert!(location(&r));
        let i = app.store().incident(inc).await.unwrap();
        assert_eq!(
            (
                i.status.as_str(),
                i.resolution.as_deref(),
                i.resolved_by.as_deref()
            ),
            ("resolved", Some("at the clinic"), Some("cw"))
        );
        // A full count: no incident.
        let r = send(
            &router,
            post(
                &format!("/sites/{s1}/roll-call"),
                &cw,
                "en",
                "method=count&counted=2",
            ),
        )
        .await;
        assert!(location(&r));
        assert_eq!(app.store().incidents(s1).await.unwrap().len(), 1);
        assert_eq!(app.store().roll_calls(s1).await.unwrap().len(), 2);
        for (name, role, country) in [
            ("judge", "judicial_liaison", None),
            ("consul", "consular_officer", Some("TR")),
        ] {
            let token = account(&app, name, role, country).await;
            let (s, _) = send(
                &router,
                get(&format!("/sites/{s1}/roll-call"), &token, "en"),
            )
            .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{role}");
            let (s, _) = send(
                &router,
                post(
                    &format!("/sites/{s1}/roll-call"),
                    &token,
                    "en",
                    "method=count&counted=0",
                ),
            )
            .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{role}");
        }
        assert_eq!(app.store().roll_calls(s1).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn the_daily_review_fills_the_task_lists_of_the_teams() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let s1 = site(&app, "S1", SiteKind::CampSection, 50).await;
        // Turns 4 on 15 February 2018, two weeks after the fixed clock.
        let (_, number) = held(&app, "male", "2014-02-15", Some(s1), None).await;
        let admin = account(&app, "admin1", "administrator", None).await;
        let cw = account(&app, "cw", "case_worker", None).await;
        let reg = account(&app, "reg", "registrar", None).await;
        let router = homeward_web::router(app.clone());
        // Only an administrator runs it, and only from a page of this site.
        let (s, _) = send(&router, post("/tasks/daily-review", &cw, "en", "")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = send(
            &router,
            from_elsewhere(post("/tasks/daily-review", &admin, "en", "")),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(app.store().tasks(None).await.unwrap().is_empty());
        let resp = router
            .clone()
            .oneshot(post("/tasks/daily-review", &admin, "en", ""))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let to = resp.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        let tasks = app.store().tasks(None).await.unwrap();
        assert!(!tasks.is_empty());
        assert_eq!(to, format!("/tasks?added={}", tasks.len()));
        let (_, body) = send(&router, get(&to, &admin, "ar")).await;
        assert!(body.contains("id=\"review-done\""));
        // The case workers' list shows it with its due date, in Arabic.
        let (s, body) = send(&router, get("/tasks", &cw, "ar")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains(&number), "{body}");
        assert!(body.contains("يبلغ 4 سنوات"));
        let (_, body) = send(&router, get("/tasks", &cw, "en")).await;
        assert!(body.contains("3 March 2018"), "due 30 days ahead: {body}");
        // The registrars' list does not.
        let (s, body) = send(&router, get("/tasks", &reg, "en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!body.contains(&number));
        // Judicial liaison has a list of its own (hearings, detention limits), without the
        // children's birthdays; a consular officer has none.
        let judge = account(&app, "judge", "judicial_liaison", None).await;
        let (s, body) = send(&router, get("/tasks", &judge, "en")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!body.contains(&number), "{body}");
        let consul = account(&app, "consul", "consular_officer", Some("TR")).await;
        let (s, _) = send(&router, get("/tasks", &consul, "en")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn where_a_person_was_and_who_was_at_a_site_on_a_date() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let a = site(&app, "A", SiteKind::CampSection, 50).await;
        let b = site(&app, "B", SiteKind::CampSection, 50).await;
        let (id, number) = held(&app, "female", "1990-01-01", Some(a), None).await;
        app.move_person(
            &Actor::named("test"),
            PersonId(id),
            &MoveDraft {
                site: b,
                at: Some("2018-01-15".into()),
                authorised_by: "director".into(),
                reason: "space".into(),
                ..MoveDraft::default()
            },
        )
        .await
        .unwrap();
        let cw = account(&app, "cw", "case_worker", None).await;
        let judge = account(&app, "judge", "judicial_liaison", None).await;
        let router = homeward_web::router(app.clone());
        for (date, at) in [("2017-12-01", a), ("2018-01-20", b)] {
            let (s, body) = send(
                &router,
                get(&format!("/where?person={number}&date={date}"), &judge, "en"),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{body}");
            assert!(
                body.contains(&format!("data-site=\"{at}\"")),
                "{date}: {body}"
            );
        }
        let (_, body) = send(
            &router,
            get(
                &format!("/where?person={number}&date=2017-01-01"),
                &cw,
                "ar",
            ),
        )
        .await;
        assert!(body.contains("id=\"answer-none\""));
        let (_, body) = send(
            &router,
            get(&format!("/sites/{a}/on?date=2017-12-01"), &cw, "en"),
        )
        .await;
        assert!(
            body.contains(&number) && body.contains("<span id=\"count\">1</span>"),
            "{body}"
        );
        let (_, body) = send(
            &router,
            get(&format!("/sites/{a}/on?date=2018-01-20"), &cw, "en"),
        )
        .await;
        assert!(!body.contains(&number) && body.contains("<span id=\"count\">0</span>"));
        // Bad input is named.
        let (s, body) = send(
            &router,
            get(&format!("/where?person={number}&date=yesterday"), &cw, "ar"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-date\"") && body.contains("هذا ليس تاريخاً"));
        let (s, body) = send(
            &router,
            get("/where?person=HW-NOPE&date=2018-01-01", &cw, "en"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"err-person\""));
        let (s, _) = send(
            &router,
            get(&format!("/sites/{a}/on?date=31-12-2017"), &cw, "en"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = send(&router, get("/sites/999999/on", &cw, "en")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // A consular officer does not get the whereabouts of anyone.
        let consul = account(&app, "consul", "consular_officer", Some("TR")).await;
        let (s, _) = send(
            &router,
            get(&format!("/where?person={number}"), &consul, "en"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = send(&router, get(&format!("/sites/{a}/on"), &consul, "en")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_administrator_adds_a_rule_version_and_bad_input_adds_nothing() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let admin = account(&app, "admin1", "administrator", None).await;
        let cw = account(&app, "cw", "case_worker", None).await;
        let router = homeward_web::router(app.clone());
        let count = app.rules().await.unwrap().len();
        let ok = "id=orphanage-4-14&effective_from=2019-01-01&priority=20&min_age=4&max_age=14&sex=&nationality=any&outcome=orphanage&description_en=Ministry+circular+2019&description_ar=";
        // A number that is not one, ages the wrong way round, no description: each named.
        let (s, body) = send(&router, post("/placement-rules", &admin, "ar", "id=orphanage-4-14&effective_from=2019-01-01&priority=x&min_age=4&max_age=14&nationality=any&outcome=orphanage&description_en=d")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("id=\"err-priority\"") && body.contains("اكتب رقماً صحيحاً"),
            "{body}"
        );
        let (s, body) = send(&router, post("/placement-rules", &admin, "en", "id=&effective_from=2019-13-01&priority=1&min_age=9&max_age=4&nationality=any&outcome=&description_en=")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        for field in [
            "err-id",
            "err-effective_from",
            "err-min_age",
            "err-outcome",
            "err-description_en",
        ] {
            assert!(body.contains(&format!("id=\"{field}\"")), "{field}: {body}");
        }
        assert_eq!(app.rules().await.unwrap().len(), count);
        // Not an administrator, or from another site: nothing.
        let (s, _) = send(&router, post("/placement-rules", &cw, "en", ok)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = send(
            &router,
            from_elsewhere(post("/placement-rules", &admin, "en", ok)),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(app.rules().await.unwrap().len(), count);
        // The happy path: the next version of the rule, listed with its date.
        let last = app
            .rules()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.id == "orphanage-4-14")
            .map(|r| r.version)
            .max()
            .unwrap();
        let r = send(&router, post("/placement-rules", &admin, "en", ok)).await;
        assert!(location(&r), "{}", r.1);
        let rules = app.rules().await.unwrap();
        assert_eq!(rules.len(), count + 1);
        assert!(
            rules
                .iter()
                .any(|r| r.id == "orphanage-4-14" && r.version == last + 1)
        );
        let (_, body) = send(&router, get("/placement-rules?added=1", &cw, "en")).await;
        assert!(body.contains("1 January 2019"), "{body}");
        // The form can start from a rule's latest version.
        let (_, body) = send(
            &router,
            get("/placement-rules?edit=orphanage-4-14", &admin, "en"),
        )
        .await;
        assert!(body.contains("value=\"orphanage-4-14\""));
    }
}
