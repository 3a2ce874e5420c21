//! Reports, exports and the import page, in-process: the dashboard per role (a consular
//! officer sees their own country's rows and no site table), every download listed in the
//! register of exports after it happens, the role's columns only in the workbooks (read back
//! with calamine), and the web import: a file with a bad row writes nothing, the same file
//! with the bad row left out commits, a good file commits and its mapping is saved.

use std::io::Cursor;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use homeward_app::registry::{NameDraft, RegisterPerson};
use homeward_app::{Actor, App};
use homeward_domain::person::PersonDraft;
use homeward_store::audit::Verdict;
use homeward_testkit::{account, backends};
use http_body_util::BodyExt;
use tower::ServiceExt;

const HOST: &str = "homeward.test";

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

async fn send(router: &Router, req: Request<Body>) -> Reply {
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
    Reply {
        status,
        headers,
        bytes,
    }
}

fn get(uri: &str, token: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(header::HOST, HOST)
        .header(header::COOKIE, format!("homeward_session={token}; lang=en"))
        .body(Body::empty())
        .unwrap()
}

fn post(uri: &str, token: &str, pairs: &[(&str, &str)]) -> Request<Body> {
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header(header::COOKIE, format!("homeward_session={token}; lang=en"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn upload(token: &str, name: &str, content: &[u8], origin: bool) -> Request<Body> {
    let boundary = "homeward-import-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut b = Request::builder()
        .method("POST")
        .uri("/import")
        .header(header::HOST, HOST)
        .header(header::COOKIE, format!("homeward_session={token}; lang=en"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
    if origin {
        b = b.header(header::ORIGIN, format!("http://{HOST}"));
    }
    b.body(Body::from(body)).unwrap()
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

/// Every sheet of a workbook: (name, rows of cells as text).
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names().clone();
    names
        .into_iter()
        .map(|n| {
            let range = book.worksheet_range(&n).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::String(s) => s.clone(),
                            Data::Float(f) => format!("{f}"),
                            Data::Int(i) => i.to_string(),
                            Data::Empty => String::new(),
                            other => format!("{other:?}"),
                        })
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}

async fn audit_events(app: &App) -> i64 {
    match app.store().verify_audit().await.unwrap() {
        Verdict::Intact { events, .. } => events,
        other => panic!("audit chain broken: {other:?}"),
    }
}

/// The value of the hidden `token` field of the import page.
fn token_of(page: &str) -> String {
    let at = page.find("name=\"token\" value=\"").expect("a staged file") + 20;
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_dashboard_is_for_every_role_with_figures_and_an_embassy_sees_its_own_country() {
    let db = &backends().await[0];
    let app = homeward_testkit::app(db).await;
    person(&app, "Camille Martin", "FR").await;
    person(&app, "Ayse Yilmaz", "TR").await;
    let monitor = account(&app, "mon", "monitor", None).await;
    let registrar = account(&app, "reg", "registrar", None).await;
    let consul = account(&app, "consul", "consular_officer", Some("FR")).await;
    let router = homeward_web::router(app.clone());

    for t in [&monitor, &registrar] {
        let r = send(&router, get("/dashboard", t)).await;
        assert_eq!(r.status, StatusCode::OK);
        let page = r.text();
        assert!(page.contains("id=\"rpt-sites\""), "the site table");
        assert!(
            page.contains("France") && page.contains("rkiye"),
            "both countries"
        );
        assert!(page.contains("href=\"/dashboard.xlsx?date=2018-02-01\""));
    }
    let r = send(&router, get("/dashboard", &consul)).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    assert!(page.contains("France"));
    assert!(
        !page.contains("rkiye"),
        "another country's rows are not shown"
    );
    assert!(
        !page.contains("id=\"rpt-sites\""),
        "no site table for an embassy"
    );

    // Signed out: to the sign-in page.
    let r = send(
        &router,
        Request::builder()
            .uri("/dashboard")
            .header(header::HOST, HOST)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The same share in the workbook: no site sheet, France only.
    let r = send(&router, get("/dashboard.xlsx", &consul)).await;
    assert_eq!(r.status, StatusCode::OK);
    let book = sheets(&r.bytes);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert!(!names.contains(&"sites"), "{names:?}");
    assert!(names.contains(&"headline") && names.contains(&"nationality"));
    let nationality = &book.iter().find(|(n, _)| n == "nationality").unwrap().1;
    assert_eq!(nationality.len(), 2, "heads and France: {nationality:?}");
    assert_eq!(nationality[1], vec!["France".to_owned(), "1".to_owned()]);
    let r = send(&router, get("/dashboard.xlsx", &monitor)).await;
    let book = sheets(&r.bytes);
    assert!(book.iter().any(|(n, _)| n == "sites"));
    let nationality = &book.iter().find(|(n, _)| n == "nationality").unwrap().1;
    assert_eq!(nationality.len(), 3, "{nationality:?}");
    let headline = &book.iter().find(|(n, _)| n == "headline").unwrap().1;
    assert!(
        headline
            .iter()
            .any(|r| r[0] == "Persons registered" && r[1] == "2"),
        "{headline:?}"
    );
}

#[tokio::test]
async fn every_download_is_listed_in_the_register_of_exports() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let fr = person(&app, "=HYPERLINK(\"http://x\")", "FR").await;
        person(&app, "فاطمة الزهراء", "FR").await;
        let worker = account(&app, "cw", "case_worker", None).await;
        let registrar = account(&app, "reg", "registrar", None).await;
        let monitor = account(&app, "mon", "monitor", None).await;
        let auditor = account(&app, "aud", "auditor", None).await;
        let consul = account(&app, "consul", "consular_officer", Some("FR")).await;
        let router = homeward_web::router(app.clone());

        // Persons: case workers only, CSV and XLSX with every column; others refused.
        for uri in ["/persons.csv", "/persons.xlsx"] {
            for t in [&registrar, &monitor, &consul] {
                let r = send(&router, get(uri, t)).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
            }
        }
        let r = send(&router, get("/persons.xlsx", &worker)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            r.headers[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        let book = sheets(&r.bytes);
        assert_eq!(book.len(), 1);
        let rows = &book[0].1;
        assert_eq!(
            rows[0],
            [
                "Registration number",
                "Names",
                "Sex",
                "Age",
                "Nationalities",
                "Site",
                "Status",
                "Needs"
            ]
            .map(str::to_owned)
            .to_vec(),
            "{rows:?}"
        );
        assert_eq!(rows.len(), 3);
        let names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
        assert!(names.contains(&"فاطمة الزهراء"), "Arabic kept: {names:?}");
        assert!(
            names.contains(&"'=HYPERLINK(\"http://x\")"),
            "a formula stays text: {names:?}"
        );
        let r = send(&router, get("/persons.csv", &worker)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().starts_with('\u{feff}'));

        // Dashboard tables, situation report.
        for uri in ["/dashboard.csv", "/dashboard.xlsx", "/dashboard/sitrep.pdf"] {
            let r = send(&router, get(uri, &monitor)).await;
            assert_eq!(r.status, StatusCode::OK, "{uri}");
        }
        let r = send(&router, get("/dashboard.csv", &monitor)).await;
        let csv = r.text();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"Headline figures\""), "{csv}");

        // The embassy's notification list in every format, a list match, a dossier.
        for format in ["csv", "xlsx", "pdf"] {
            let r = send(
                &router,
                get(
                    &format!("/embassy-queue/FR/notification-list?format={format}"),
                    &consul,
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.text());
        }
        let cw = app.session(&worker).await.unwrap();
        let m = app
            .match_list(
                &cw,
                "fr.csv",
                "full_name,date_of_birth\nفاطمة الزهراء,1990\n".as_bytes(),
                &[],
            )
            .await
            .unwrap();
        let r = send(
            &router,
            get(&format!("/identity/lists/{}/results.csv", m.id), &worker),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        app.record_consent(
            &cw,
            homeward_domain::person::PersonId(fr),
            &homeward_app::repatriation::ConsentDraft {
                country: "FR".into(),
                kind: "consent".into(),
                given_by: "person".into(),
                given_by_name: "at the interview".into(),
                agreed: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        app.dossier(
            &cw,
            &Actor::named("cw"),
            &homeward_app::dossier::DossierRequest {
                person: homeward_domain::person::PersonId(fr),
                lang: "en".into(),
                to_country: Some("FR".into()),
                family: false,
            },
        )
        .await
        .unwrap();

        // The register shows each of them, to auditors; not to a case worker.
        let r = send(&router, get("/exports", &worker)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&router, get("/exports", &auditor)).await;
        assert_eq!(r.status, StatusCode::OK);
        let page = r.text();
        for what in [
            "persons.csv",
            "persons.xlsx",
            "dashboard.csv",
            "dashboard.xlsx",
            "sitrep.pdf",
            "notification-list.csv",
            "notification-list.xlsx",
            "notification-list.pdf",
            "list-match.csv",
            "dossier.pdf",
        ] {
            assert!(
                page.contains(&format!("<bdi>{what}</bdi>")),
                "{}: {what} is not in the register",
                db.backend
            );
        }
        assert!(
            page.contains("col-registration,col-names"),
            "columns listed"
        );
        let events = app.store().audit_recent(200).await.unwrap();
        let downloads = events
            .iter()
            .filter(|e| e.action == "export.download")
            .count();
        assert!(downloads >= 11, "{downloads} export events");
    }
}

#[tokio::test]
async fn the_web_import_writes_nothing_for_a_bad_row_and_commits_a_good_file() {
    for db in backends().await {
        let app = homeward_testkit::app(&db).await;
        let registrar = account(&app, "reg", "registrar", None).await;
        let other = account(&app, "reg2", "registrar", None).await;
        let monitor = account(&app, "mon", "monitor", None).await;
        let router = homeward_web::router(app.clone());

        // Only roles that register persons; same-origin forms only.
        let file = "الاسم الكامل,الجنس,تاريخ الولادة,Camp\n\
                    فاطمة علي,أنثى,1990-05-01,A\n\
                    مريم حسن,unknown,1988,B\n"
            .as_bytes();
        let r = send(&router, upload(&monitor, "list.csv", file, true)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&router, get("/import", &monitor)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&router, upload(&registrar, "list.csv", file, false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "cross-site");
        let r = send(&router, get("/import", &registrar)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains("enctype=\"multipart/form-data\""));

        // Upload: the dry run shows the mapping, the bad row and its field; nothing written.
        let persons = app.store().count_persons().await.unwrap();
        let r = send(
            &router,
            upload(&registrar, "../../etc/list.csv", file, true),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.text();
        let token = token_of(&page);
        assert!(
            page.contains("<bdi>list.csv</bdi>"),
            "the name, without a path"
        );
        assert!(page.contains("id=\"imp-invalid\">1<"), "{page}");
        assert!(
            page.contains("<td class=\"num\">3</td><td><bdi>sex"),
            "{page}"
        );
        assert!(
            page.contains("<option value=\"full_name\" selected>"),
            "Arabic header mapped"
        );
        assert_eq!(app.store().count_persons().await.unwrap(), persons);

        // Another user cannot reach the staged file.
        let r = send(
            &router,
            post("/import/check", &other, &[("token", token.as_str())]),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Commit without leaving the bad row out: refused, nothing written at all.
        let events = audit_events(&app).await;
        let mapping = [
            ("token", token.as_str()),
            ("h0", "الاسم الكامل"),
            ("c0", "full_name"),
            ("h1", "الجنس"),
            ("c1", "sex"),
            ("h2", "تاريخ الولادة"),
            ("c2", "date_of_birth"),
            ("h3", "Camp"),
            ("c3", ""),
        ];
        let r = send(&router, post("/import/commit", &registrar, &mapping)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("id=\"imp-refused\""));
        assert_eq!(app.store().count_persons().await.unwrap(), persons);
        assert_eq!(audit_events(&app).await, events, "no audit event either");

        // The same staged file with the bad row left out: one person, audited as the CLI does.
        let mut skip = mapping.to_vec();
        skip.push(("skip_invalid", "yes"));
        let r = send(&router, post("/import/commit", &registrar, &skip)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.text().contains("id=\"imp-committed\">1<"));
        assert_eq!(app.store().count_persons().await.unwrap(), persons + 1);
        let recent = app.store().audit_recent(10).await.unwrap();
        assert!(recent.iter().any(|e| e.action == "person.import"));
        assert!(recent.iter().any(|e| e.action == "import.commit"));
        // Committed once: the staged file is gone.
        let r = send(&router, post("/import/commit", &registrar, &skip)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(app.store().count_persons().await.unwrap(), persons + 1);

        // A file with a header the import does not know: mapped on the page, committed whole,
        // and the mapping is found again for the next file with the same headers.
        let good =
            "Nom complet,sexe,année\nAmina Diallo,female,1990\nSara Ben,female,1985\n".as_bytes();
        let r = send(&router, upload(&registrar, "good.csv", good, true)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no name column");
        let token = token_of(&r.text());
        let r = send(
            &router,
            post(
                "/import/check",
                &registrar,
                &[
                    ("token", token.as_str()),
                    ("h0", "Nom complet"),
                    ("c0", "full_name"),
                    ("h1", "sexe"),
                    ("c1", "sex"),
                    ("h2", "année"),
                    ("c2", "date_of_birth"),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.text().contains("id=\"imp-invalid\">0<"), "{}", r.text());
        let r = send(
            &router,
            post(
                "/import/commit",
                &registrar,
                &[
                    ("token", token.as_str()),
                    ("h0", "Nom complet"),
                    ("c0", "full_name"),
                    ("h1", "sexe"),
                    ("c1", "sex"),
                    ("h2", "année"),
                    ("c2", "date_of_birth"),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(app.store().count_persons().await.unwrap(), persons + 3);
        let r = send(&router, upload(&registrar, "again.csv", good, true)).await;
        assert_eq!(r.status, StatusCode::OK, "the saved mapping: {}", r.text());
        assert!(r.text().contains("the mapping saved for these headers"));
        // The duplicates of the registry are shown on the dry run.
        assert!(r.text().contains("id=\"imp-duplicates\""));
        assert!(!r.text().contains("No row resembles a registered person."));
        let token = token_of(&r.text());
        let r = send(
            &router,
            post("/import/discard", &registrar, &[("token", token.as_str())]),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = send(
            &router,
            post("/import/check", &registrar, &[("token", token.as_str())]),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "discarded");
    }
}
