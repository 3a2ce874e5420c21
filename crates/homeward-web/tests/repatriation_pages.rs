//! The repatriation pages through the router, on the demo data: a mother-and-children case
//! walks to handover through the pages and the API, a children-only country forcing a
//! best-interests determination first and an illegal step refused with the domain's reason;
//! a French consular officer sees only French claimants on every repatriation page and
//! download, and another country's case or person answers like one that does not exist.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_app::{Actor, App};
use homeward_domain::person::PersonId;
use homeward_store::registry::PersonFilter;
use homeward_testkit::{account, backends, test_now};
use http_body_util::BodyExt;
use tower::ServiceExt;

const ORIGIN: &str = "http://localhost";

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

async fn send(router: &Router, req: Request<Body>) -> Answer {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        bytes,
    }
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

fn post(uri: &str, token: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, format!("homeward_session={token}; lang=en"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn api_post(uri: &str, token: &str, json: &serde_json::Value) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json.to_string()))
        .unwrap()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn demo(app: &App) {
    app.load_demo(&Actor::named("demo"), 7, 400, test_now().date())
        .await
        .unwrap();
}

/// A demo mother with at least one child under 18, all claiming `country`.
async fn family_of(app: &App, country: &str) -> (i64, Vec<i64>) {
    let page = app
        .store()
        .list_persons(
            &PersonFilter {
                nationality: Some(country.into()),
                ..PersonFilter::default()
            },
            10_000,
            0,
        )
        .await
        .unwrap();
    let ids: Vec<i64> = page.items.iter().map(|p| p.id).collect();
    for p in &page.items {
        if p.sex != "female" {
            continue;
        }
        let file = app.store().person_file(p.person_id()).await.unwrap();
        let children: Vec<i64> = file
            .links
            .iter()
            .filter(|l| l.relation == "mother" && l.from_person == p.id)
            .map(|l| l.to_person)
            .filter(|c| ids.contains(c))
            .filter(|c| {
                page.items
                    .iter()
                    .find(|p| p.id == *c)
                    .is_some_and(|p| p.age_on(test_now().date()).unwrap() < 18)
            })
            .collect();
        if !children.is_empty() {
            return (p.id, children);
        }
    }
    panic!("no {country} family in the demo data");
}

async fn number(app: &App, id: i64) -> String {
    app.store()
        .person(PersonId(id))
        .await
        .unwrap()
        .registration_number
}

async fn version(app: &App, case: i64) -> String {
    app.store().case(case).await.unwrap().version.to_string()
}

/// Moves a case through the case page's step form.
async fn step(
    router: &Router,
    app: &App,
    token: &str,
    case: i64,
    to: &str,
    extra: &[(&str, &str)],
) -> Answer {
    let v = version(app, case).await;
    let mut pairs = vec![("to", to), ("version", v.as_str())];
    pairs.extend_from_slice(extra);
    send(
        router,
        post(&format!("/cases/{case}/steps"), token, &form(&pairs)),
    )
    .await
}

/// Confirms every claim of `persons` for `country` through the API, as the consular officer.
async fn confirm_claims(router: &Router, app: &App, token: &str, persons: &[i64], country: &str) {
    for id in persons {
        for c in app.store().claims_of(&[*id]).await.unwrap() {
            if c.country_code != country {
                continue;
            }
            let path: &[&str] = match c.state.as_str() {
                "claimed" | "rejected" => &["under_verification", "confirmed"],
                "under_verification" => &["confirmed"],
                _ => &[],
            };
            for s in path {
                let v = app.store().claim(c.id).await.unwrap().version;
                let r = send(
                    router,
                    api_post(
                        &format!("/api/v1/claims/{}/decision", c.id),
                        token,
                        &serde_json::json!({ "version": v, "state": s }),
                    ),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            }
        }
    }
}

#[tokio::test]
async fn a_mother_and_children_case_walks_to_handover_through_the_pages() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        demo(&app).await;
        let worker = account(&app, "amal", "case_worker", None).await;
        let consul = account(&app, "consul-fr", "consular_officer", Some("FR")).await;
        let router = homeward_web::router(app.clone());
        let (mother, children) = family_of(&app, "FR").await;
        let mut members = vec![number(&app, mother).await];
        for c in &children {
            members.push(number(&app, *c).await);
        }

        // The case is opened from the page by registration numbers.
        let r = send(
            &router,
            post(
                "/cases/new",
                &worker,
                &form(&[
                    ("country", "FR"),
                    ("members", &members.join(", ")),
                    ("label", "mother and children"),
                ]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let to = r.headers[header::LOCATION].to_str().unwrap().to_owned();
        let case: i64 = to.trim_start_matches("/cases/").parse().unwrap();
        let page = send(&router, get(&to, &worker, "en")).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = page.text();
        assert!(body.contains("data-state=\"identified\""), "{body}");
        assert!(body.contains("Accepts children only"), "{body}");
        assert!(body.contains("id=\"form-embassy_notified\""));

        // An illegal step is refused with the domain's reason and changes nothing.
        let head = app.store().audit_head().await.unwrap();
        let r = step(&router, &app, &worker, case, "handed_over", &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text();
        assert!(body.contains("HW-REPAT-0001"), "{body}");
        assert!(
            body.contains("from identified it can go to embassy_notified, closed"),
            "{body}"
        );
        assert_eq!(app.store().audit_head().await.unwrap(), head);

        let r = step(
            &router,
            &app,
            &worker,
            case,
            "embassy_notified",
            &[("note", "note verbale 12/2018 sent")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = step(
            &router,
            &app,
            &worker,
            case,
            "verification_in_progress",
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // The embassy confirms the claims through the API, then records its steps on the page.
        let page = send(&router, get(&format!("/cases/{case}"), &consul, "en")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("id=\"form-nationality_confirmed\""));
        let mut everyone = vec![mother];
        everyone.extend(&children);
        confirm_claims(&router, &app, &consul, &everyone, "FR").await;
        let r = step(&router, &app, &consul, case, "nationality_confirmed", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = step(&router, &app, &consul, case, "accepted", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        // The embassy has no form for the risk assessment and is refused it.
        let page = send(&router, get(&format!("/cases/{case}"), &consul, "en")).await;
        assert!(!page.text().contains("id=\"form-risk_cleared\""));
        let r = step(&router, &app, &consul, case, "risk_cleared", &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("HW-REPAT-0018"));

        // France takes only the children: none moves towards handover without a determination.
        let page = send(&router, get(&format!("/cases/{case}"), &worker, "en")).await;
        let body = page.text();
        assert_eq!(
            body.matches("class=\"apart-tag needs-bid\"").count(),
            children.len(),
            "{body}"
        );
        assert!(
            body.contains("id=\"mothers\""),
            "the mother's situation beside"
        );
        let clear = [
            ("note", "no risk found by the protection team"),
            ("risk_torture", ""),
        ];
        let r = step(&router, &app, &worker, case, "risk_cleared", &clear).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text();
        assert_eq!(
            body.matches("[HW-REPAT-0003]").count(),
            children.len() * 2,
            "summary and form: {body}"
        );
        // A panel of two is refused beside its field; nothing is recorded.
        let child = children[0].to_string();
        let two = form(&[
            ("child", &child),
            ("assessment", "Grandparents in Lyon can care for her."),
            ("panel_name_0", "Huda K."),
            ("panel_role_0", "case_worker"),
            ("panel_name_1", "Dr. Salim R."),
            ("panel_role_1", "psychologist"),
            ("decision", "return_without_mother"),
            ("decided_on", "2018-01-30"),
        ]);
        let r = send(
            &router,
            post(&format!("/cases/{case}/best-interests"), &worker, &two),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("HW-REPAT-0023"));
        assert!(app.store().case_bids(case).await.unwrap().is_empty());
        for c in &children {
            let c = c.to_string();
            let full = form(&[
                ("child", &c),
                ("assessment", "Grandparents in Lyon can care for the child."),
                ("panel_name_0", "Huda K."),
                ("panel_role_0", "case_worker"),
                ("panel_name_1", "Dr. Salim R."),
                ("panel_role_1", "psychologist"),
                ("panel_name_2", "Mona T."),
                ("panel_role_2", "child_protection_officer"),
                ("decision", "return_without_mother"),
                ("decided_on", "2018-01-30"),
            ]);
            let r = send(
                &router,
                post(&format!("/cases/{case}/best-interests"), &worker, &full),
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        }
        // The embassy sees the decisions, never the assessment nor the panel.
        let theirs = send(&router, get(&format!("/cases/{case}"), &consul, "en")).await;
        let ours = send(&router, get(&format!("/cases/{case}"), &worker, "en")).await;
        assert!(ours.text().contains("Grandparents in Lyon"));
        assert!(ours.text().contains("Dr. Salim R."));
        assert!(theirs.text().contains("Return without the mother"));
        assert!(!theirs.text().contains("Grandparents in Lyon"));
        assert!(!theirs.text().contains("Dr. Salim R."));
        // A risk found is refused as a clearance.
        let r = step(
            &router,
            &app,
            &worker,
            case,
            "risk_cleared",
            &[("risk_persecution", "on")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("HW-REPAT-0005"));
        let r = step(&router, &app, &worker, case, "risk_cleared", &clear).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = step(
            &router,
            &app,
            &consul,
            case,
            "travel_documents_issued",
            &[("travel_document", "laissez-passer 18/0042")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = step(
            &router,
            &app,
            &worker,
            case,
            "handover_scheduled",
            &[
                ("handover_date", "2018-01-31"),
                ("handover_place", "Baghdad airport"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        // The handover form names date, place and the receiving official.
        let page = send(&router, get(&format!("/cases/{case}"), &consul, "en")).await;
        assert!(
            page.text()
                .contains("id=\"handed_over-receiving_official\"")
        );
        let r = step(
            &router,
            &app,
            &consul,
            case,
            "handed_over",
            &[
                ("handover_date", "2018-01-31"),
                ("handover_place", "Baghdad airport"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("HW-REPAT-0010"));
        let r = step(
            &router,
            &app,
            &consul,
            case,
            "handed_over",
            &[
                ("handover_date", "2018-01-31"),
                ("handover_place", "Baghdad airport"),
                ("receiving_official", "Consul J. Martin"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        // Custody is closed for the children; the mother, not accepted, stays in custody.
        for c in &children {
            let file = app.store().person_file(PersonId(*c)).await.unwrap();
            assert_eq!(file.person.status, "handed_over");
            assert!(file.episodes.iter().all(|e| e.end_at.is_some()));
        }
        let m = app.store().person(PersonId(mother)).await.unwrap();
        assert!(m.current_site_id.is_some());
        let r = step(&router, &app, &worker, case, "closed", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // The timeline shows each step with who, when and why, in Arabic too.
        let page = send(&router, get(&format!("/cases/{case}"), &worker, "en")).await;
        let body = page.text();
        let steps: Vec<&str> = body
            .split("data-to=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
            .collect();
        assert_eq!(
            steps,
            [
                "identified",
                "embassy_notified",
                "verification_in_progress",
                "nationality_confirmed",
                "accepted",
                "risk_cleared",
                "travel_documents_issued",
                "handover_scheduled",
                "handed_over",
                "closed",
            ],
            "{body}"
        );
        assert!(body.contains("note verbale 12/2018 sent"));
        assert!(body.contains("<bdi class=\"actor\">consul-fr</bdi>"));
        assert!(body.contains("Consul J. Martin"));
        assert!(body.contains("1 February 2018"), "when: {body}");
        let page = send(&router, get(&format!("/cases/{case}"), &worker, "ar")).await;
        assert!(page.text().contains("تم التسليم"), "{}", page.text());
    }
}

fn api_get(uri: &str, token: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// The text of a PDF, when pdftotext (poppler-utils) is installed.
fn pdftotext(pdf: &[u8], name: &str) -> Option<String> {
    let path = std::env::temp_dir().join(format!("{name}-{}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .ok();
    let _ = std::fs::remove_file(&path);
    let out = out?;
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8(out.stdout).unwrap())
}

/// A claimant of `country` who claims no French nationality.
async fn claimant_of(app: &App, country: &str) -> i64 {
    let page = app
        .store()
        .list_persons(
            &PersonFilter {
                nationality: Some(country.into()),
                ..PersonFilter::default()
            },
            500,
            0,
        )
        .await
        .unwrap();
    for p in page.items {
        let claims = app.store().claims_of(&[p.id]).await.unwrap();
        if claims.iter().all(|c| c.country_code != "FR") {
            return p.id;
        }
    }
    panic!("no {country} claimant");
}

async fn consent(router: &Router, app: &App, worker: &str, person: i64, country: &str) {
    let child = app
        .store()
        .person(PersonId(person))
        .await
        .unwrap()
        .age_on(test_now().date())
        .unwrap()
        < 18;
    let r = send(
        router,
        post(
            &format!("/persons/{person}/disclosures"),
            worker,
            &form(&[
                ("kind", "consent"),
                ("country", country),
                ("given_by", if child { "guardian" } else { "person" }),
                ("given_by_name", "recorded at the interview"),
                ("agreed", "yes"),
            ]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

#[tokio::test]
async fn a_french_consular_officer_sees_only_french_claimants_on_every_page_and_download() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        demo(&app).await;
        let worker = account(&app, "amal", "case_worker", None).await;
        let consul = account(&app, "consul-fr", "consular_officer", Some("FR")).await;
        let router = homeward_web::router(app.clone());
        let (mother, children) = family_of(&app, "FR").await;
        let turk = claimant_of(&app, "TR").await;
        let open = |country: &'static str, members: Vec<String>| {
            let router = router.clone();
            let worker = worker.clone();
            async move {
                let r = send(
                    &router,
                    post(
                        "/cases/new",
                        &worker,
                        &form(&[("country", country), ("members", &members.join(" "))]),
                    ),
                )
                .await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
                r.headers[header::LOCATION]
                    .to_str()
                    .unwrap()
                    .trim_start_matches("/cases/")
                    .parse::<i64>()
                    .unwrap()
            }
        };
        let mut fr_members = vec![number(&app, mother).await];
        for c in &children {
            fr_members.push(number(&app, *c).await);
        }
        let fr_case = open("FR", fr_members).await;
        let tr_number = number(&app, turk).await;
        let tr_case = open("TR", vec![tr_number.clone()]).await;

        // Cases: the list holds only France's; another country's case answers like none.
        let r = send(&router, get("/cases", &consul, "en")).await;
        assert_eq!(r.status, StatusCode::OK);
        let body = r.text();
        assert!(body.contains(&format!("data-case=\"{fr_case}\"")), "{body}");
        assert!(
            !body.contains(&format!("data-case=\"{tr_case}\"")),
            "{body}"
        );
        let r = send(&router, get("/cases?country=TR", &consul, "en")).await;
        assert!(!r.text().contains(&format!("data-case=\"{tr_case}\"")));
        let hidden = send(&router, get(&format!("/cases/{tr_case}"), &consul, "en")).await;
        let missing = send(&router, get("/cases/999999", &consul, "en")).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(hidden.bytes, missing.bytes, "the same answer as no case");
        let v = version(&app, tr_case).await;
        let r = send(
            &router,
            post(
                &format!("/cases/{tr_case}/steps"),
                &consul,
                &form(&[("to", "nationality_confirmed"), ("version", &v)]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(
            &router,
            api_get(&format!("/api/v1/cases/{tr_case}"), &consul),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(&router, get(&format!("/cases/{fr_case}"), &consul, "en")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.text().contains(&tr_number));

        // The queue: their own country only.
        let r = send(&router, get("/embassy-queue", &consul, "en")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/embassy-queue/FR");
        let r = send(&router, get("/embassy-queue/FR", &consul, "en")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains(&format!("data-case=\"{fr_case}\"")));
        let r = send(&router, get("/embassy-queue/TR", &consul, "en")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(&router, get("/embassy-queue/TR", &worker, "en")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains(&format!("data-case=\"{tr_case}\"")));

        // The notification list: French claimants with consent, in CSV, XLSX and PDF; the
        // Turkish claimant's consent to Turkey does not put them on France's list.
        consent(&router, &app, &worker, mother, "FR").await;
        consent(&router, &app, &worker, children[0], "FR").await;
        consent(&router, &app, &worker, turk, "TR").await;
        let mother_number = number(&app, mother).await;
        for format in ["csv", "xlsx", "pdf"] {
            let r = send(
                &router,
                get(
                    &format!("/embassy-queue/FR/notification-list?format={format}"),
                    &consul,
                    "ar",
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.text());
            let withheld: usize = r.headers["x-withheld"].to_str().unwrap().parse().unwrap();
            assert!(withheld > 0, "persons without consent are left out");
            match format {
                "csv" => {
                    let text = r.text();
                    let numbers: Vec<&str> = text
                        .lines()
                        .skip(1)
                        .map(|l| l.split(',').next().unwrap())
                        .collect();
                    assert_eq!(numbers.len(), 2, "{text}");
                    assert!(numbers.contains(&mother_number.as_str()));
                    assert!(!text.contains(&tr_number));
                }
                "xlsx" => assert!(r.bytes.starts_with(b"PK")),
                _ => {
                    assert!(r.bytes.starts_with(b"%PDF-"));
                    if let Some(text) = pdftotext(&r.bytes, "notification") {
                        assert!(text.contains(&mother_number), "{text}");
                        assert!(!text.contains(&tr_number), "{text}");
                        assert!(text.contains("قائمة الإبلاغ"), "{text}");
                    }
                }
            }
            let r = send(
                &router,
                get(
                    &format!("/embassy-queue/TR/notification-list?format={format}"),
                    &consul,
                    "en",
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{format}");
        }
        let r = send(
            &router,
            api_get(
                "/api/v1/embassy-queue/TR/notification-list?format=pdf",
                &consul,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Dossiers: another country's person answers like none, on the page and the API.
        for uri in [
            format!("/persons/{turk}/dossier"),
            format!("/persons/{turk}/dossier?to=TR"),
        ] {
            let r = send(&router, get(&uri, &consul, "en")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        }
        for uri in [
            format!("/api/v1/persons/{turk}/dossier.pdf?lang=ar"),
            format!("/api/v1/persons/{turk}/dossier.pdf?lang=ar&to=TR"),
            format!("/api/v1/persons/{mother}/dossier.pdf?lang=ar&to=TR"),
        ] {
            let r = send(&router, get(&uri, &consul, "en")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}: {}", r.text());
        }
        let r = send(
            &router,
            get(&format!("/persons/{mother}/dossier"), &consul, "en"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        // The register is the ministry's: an embassy does not read it.
        let r = send(
            &router,
            get(&format!("/persons/{mother}/disclosures"), &consul, "en"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(
            &router,
            get(&format!("/persons/{mother}/disclosures"), &worker, "en"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let body = r.text();
        assert!(body.contains("notification list (pdf)"), "{body}");
        assert!(body.contains("France (FR)"), "{body}");
    }
}

#[tokio::test]
async fn the_dossier_download_records_its_disclosure_and_its_arabic_extracts() {
    let db = &backends().await[0];
    let clock = homeward_app::ManualClock::new(test_now());
    let app = homeward_testkit::app_with_clock(db, clock.clone()).await;
    demo(&app).await;
    let worker = account(&app, "amal", "case_worker", None).await;
    let router = homeward_web::router(app.clone());
    let (mother, _) = family_of(&app, "FR").await;
    let mother_number = number(&app, mother).await;
    let uri = format!("/api/v1/persons/{mother}/dossier.pdf?lang=ar&to=FR");

    // Without consent nothing is released, and nothing is written.
    let r = send(&router, get(&uri, &worker, "en")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("HW-REPAT-0036"));
    consent(&router, &app, &worker, mother, "FR").await;

    // The person file's button leads to the dossier page; it downloads from the API.
    let r = send(&router, get(&format!("/persons/{mother}"), &worker, "en")).await;
    assert!(
        r.text()
            .contains(&format!("href=\"/persons/{mother}/dossier\"")),
        "{}",
        r.text()
    );
    let r = send(
        &router,
        get(&format!("/persons/{mother}/dossier?to=FR"), &worker, "en"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text()
            .contains(&format!("action=\"/api/v1/persons/{mother}/dossier.pdf\""))
    );
    let r = send(&router, get(&uri, &worker, "en")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(r.bytes.starts_with(b"%PDF-"));
    if let Some(text) = pdftotext(&r.bytes, "dossier") {
        assert!(text.contains("ملف الإعادة إلى الوطن"), "{text}");
        assert!(text.contains("صيغ الاسم"), "{text}");
        assert!(text.contains(&mother_number), "{text}");
    } else {
        eprintln!("pdftotext not installed (poppler-utils): text check skipped");
    }
    let register = app
        .disclosures_for(
            &homeward_domain::access::Principal {
                user_id: 0,
                username: "t".into(),
                role: homeward_domain::access::Role::CaseWorker,
                country: None,
                site: None,
            },
            PersonId(mother),
        )
        .await
        .unwrap();
    assert_eq!(register.len(), 1, "{register:?}");
    assert_eq!(register[0].channel, "dossier");
    assert_eq!(register[0].to_country, "FR");

    // Later, the password must be given again before another release.
    clock.advance(chrono::Duration::minutes(11));
    let r = send(&router, get(&uri, &worker, "en")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = send(
        &router,
        get(&format!("/persons/{mother}/dossier?to=FR"), &worker, "en"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.headers[header::LOCATION].to_str().unwrap();
    assert!(
        to.starts_with(&format!("/account/confirm?next=/persons/{mother}/dossier")),
        "{to}"
    );
    assert_eq!(
        app.store().disclosures_of(mother).await.unwrap().len(),
        1,
        "a refused download writes nothing"
    );
}

#[tokio::test]
async fn evidence_and_decisions_per_claim_flag_statelessness_when_every_claim_is_rejected() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        demo(&app).await;
        let worker = account(&app, "amal", "case_worker", None).await;
        let consul = account(&app, "consul-fr", "consular_officer", Some("FR")).await;
        let router = homeward_web::router(app.clone());
        // A claimant of one country only, not France.
        let page = app
            .store()
            .list_persons(&PersonFilter::default(), 2000, 0)
            .await
            .unwrap();
        let mut subject = None;
        for p in &page.items {
            let claims = app.store().claims_of(&[p.id]).await.unwrap();
            if claims.len() == 1 && claims[0].country_code != "FR" {
                subject = Some((p.id, claims[0].clone()));
                break;
            }
        }
        let (id, claim) = subject.expect("a claimant of one country");

        // The embassy of another country does not see this person's verification at all.
        let r = send(
            &router,
            get(&format!("/persons/{id}/verification"), &consul, "en"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(
            &router,
            post(
                &format!("/claims/{}/evidence", claim.id),
                &consul,
                &form(&[("kind", "interview_record"), ("reference", "x")]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Evidence without its reference is refused beside the claim, nothing written.
        let r = send(
            &router,
            post(
                &format!("/claims/{}/evidence", claim.id),
                &worker,
                &form(&[("kind", "document_sighted"), ("reference", " ")]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("HW-EVIDENCE-0001"));
        let r = send(
            &router,
            post(
                &format!("/claims/{}/evidence", claim.id),
                &worker,
                &form(&[
                    ("kind", "interview_record"),
                    ("reference", "INT-2018-0042"),
                    ("note", "says she was born abroad"),
                ]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        // Decisions: claimed → under verification → rejected (a direct jump is refused).
        let decide = |state: &'static str| {
            let router = router.clone();
            let worker = worker.clone();
            let app = app.clone();
            let claim = claim.id;
            async move {
                let v = app.store().claim(claim).await.unwrap().version.to_string();
                send(
                    &router,
                    post(
                        &format!("/claims/{claim}/decision"),
                        &worker,
                        &form(&[("state", state), ("version", &v)]),
                    ),
                )
                .await
            }
        };
        if claim.state == "claimed" {
            let r = decide("rejected").await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("HW-CLAIM-0001"));
        }
        if claim.state != "under_verification" {
            let r = decide("under_verification").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        }
        let r = decide("rejected").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

        let r = send(
            &router,
            get(&format!("/persons/{id}/verification"), &worker, "en"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let body = r.text();
        assert!(body.contains("id=\"stateless\""), "{body}");
        assert!(body.contains("INT-2018-0042"), "{body}");
        assert!(
            body.contains("Decided by: <bdi>amal, 1 February 2018"),
            "{body}"
        );
        let r = send(&router, get(&format!("/persons/{id}"), &worker, "ar")).await;
        assert!(r.text().contains("خطر انعدام الجنسية"));
        let r = send(
            &router,
            api_get(&format!("/api/v1/persons/{id}/verification"), &worker),
        )
        .await;
        let v: serde_json::Value = serde_json::from_slice(&r.bytes).unwrap();
        assert_eq!(v["statelessness_risk"], true, "{v}");
        assert_eq!(v["claims"][0]["decided_by"], "amal");
        assert_eq!(v["evidence"][0]["reference"], "INT-2018-0042");

        // New evidence reopens the verification: the flag goes.
        let r = decide("under_verification").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = send(
            &router,
            get(&format!("/persons/{id}/verification"), &worker, "en"),
        )
        .await;
        assert!(!r.text().contains("id=\"stateless\""));

        // An embassy records claims for its own country only.
        let (mother, _) = family_of(&app, "FR").await;
        let r = send(
            &router,
            post(
                &format!("/persons/{mother}/verification"),
                &consul,
                &form(&[("country", "DE")]),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("HW-REPAT-0041"));
        let r = send(
            &router,
            get(&format!("/persons/{mother}/verification"), &consul, "en"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let body = r.text();
        assert_eq!(body.matches("class=\"card claim\"").count(), 1, "{body}");
        assert!(!body.contains("id=\"stateless\""));
    }
}

#[tokio::test]
async fn the_country_page_shows_stance_requirements_and_dated_agreements() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    demo(&app).await;
    let consul = account(&app, "consul-fr", "consular_officer", Some("FR")).await;
    let admin = account(&app, "root", "administrator", None).await;
    let registrar = account(&app, "reg", "registrar", None).await;
    let router = homeward_web::router(app.clone());

    let r = send(&router, get("/repatriation/countries", &consul, "en")).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.text();
    assert!(
        body.contains("<tr data-country=\"FR\">") && body.contains("data-stance=\"children_only\""),
        "{body}"
    );
    let r = send(&router, get("/repatriation/countries/FR", &consul, "ar")).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.text();
    assert!(body.contains("فحص الحمض النووي"), "{body}");
    assert!(body.contains("Statement: children only"), "{body}");
    assert!(
        !body.contains("id=\"form-agreement\""),
        "embassies add nothing"
    );
    let r = send(
        &router,
        post(
            "/repatriation/countries/FR",
            &consul,
            &form(&[("what", "agreement"), ("concluded_on", "2018-01-15")]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&router, get("/repatriation/countries", &registrar, "en")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // An administrator adds a dated agreement; one without a title is refused.
    let r = send(
        &router,
        post(
            "/repatriation/countries/FR",
            &admin,
            &form(&[("what", "agreement"), ("concluded_on", "2018-01-15")]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("HW-REPAT-0040"));
    let r = send(
        &router,
        post(
            "/repatriation/countries/FR",
            &admin,
            &form(&[
                ("what", "agreement"),
                ("concluded_on", "2018-01-15"),
                ("title", "Exchange of letters on twelve orphans"),
            ]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = send(&router, get("/repatriation/countries/FR", &admin, "en")).await;
    let body = r.text();
    let newest = body.find("Exchange of letters on twelve orphans").unwrap();
    let older = body.find("Statement: children only").unwrap();
    assert!(newest < older, "newest first: {body}");
    assert!(body.contains("15 January 2018"));
}
