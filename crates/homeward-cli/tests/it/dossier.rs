//! `homeward dossier`: a demo mother's dossier in Arabic and French, refused without consent,
//! family members without consent left out, every release in the disclosure register.

use std::process::Command;
use std::sync::Arc;

use homeward_app::repatriation::ConsentDraft;
use homeward_app::{App, FixedClock};
use homeward_domain::access::{Principal, Role};
use homeward_store::Store;
use homeward_store::registry::PersonFilter;
use homeward_testkit::backends;

use crate::{homeward, stderr, stdout};

fn case_worker() -> Principal {
    Principal {
        user_id: 0,
        username: "cw-test".into(),
        role: Role::CaseWorker,
        country: None,
        site: None,
    }
}

fn pdftotext(path: &std::path::Path) -> Option<String> {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

/// A mother with one claimed nationality and at least one child in the registry.
async fn a_mother(app: &App) -> (String, String, Vec<String>) {
    let page = app
        .store()
        .list_persons(
            &PersonFilter {
                sex: Some("female".into()),
                ..PersonFilter::default()
            },
            500,
            0,
        )
        .await
        .expect("list");
    for p in page.items {
        let file = app.store().person_file(p.person_id()).await.expect("file");
        let children: Vec<i64> = file
            .links
            .iter()
            .filter(|l| l.from_person == p.id && l.relation == "mother")
            .map(|l| l.to_person)
            .collect();
        if file.claims.len() == 1 && !children.is_empty() {
            let mut numbers = Vec::new();
            for c in children {
                let f = app
                    .store()
                    .person_file(homeward_domain::person::PersonId(c))
                    .await
                    .expect("child");
                numbers.push(f.person.registration_number);
            }
            return (
                p.registration_number,
                file.claims[0].country_code.clone(),
                numbers,
            );
        }
    }
    panic!("no mother with one claim in the demo");
}

#[tokio::test]
async fn a_demo_mother_gets_a_dossier_in_arabic_and_french_once_consent_is_recorded() {
    for db in backends().await {
        let out = homeward(
            &db.url,
            &["demo", "--as-of", "2018-02-01", "--persons", "300"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let store = Store::connect(&db.url).await.expect("connect");
        let clock = FixedClock(
            chrono::NaiveDate::from_ymd_opt(2018, 2, 1)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
        );
        let app = App::new(store, Arc::new(clock));
        let (number, country, children) = a_mother(&app).await;
        let mother = app.store().person_by_number(&number).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ar = dir.path().join("ar.pdf");
        let fr = dir.path().join("fr.pdf");

        // No consent, no legal basis: refused, nothing written, nothing registered.
        let refused = homeward(
            &db.url,
            &[
                "dossier",
                "--person",
                &number,
                "--lang",
                "ar",
                "--out",
                ar.to_str().unwrap(),
            ],
        );
        assert!(!refused.status.success(), "released without consent");
        assert!(stderr(&refused).contains("consent"), "{}", stderr(&refused));
        assert!(!ar.exists(), "a refused dossier left a file");
        let none = app
            .disclosures_for(&case_worker(), mother.person_id())
            .await
            .unwrap();
        assert!(none.is_empty(), "{none:?}");

        // A language the dossier does not speak is refused, naming the field.
        let bad = homeward(
            &db.url,
            &[
                "dossier",
                "--person",
                &number,
                "--lang",
                "de",
                "--out",
                ar.to_str().unwrap(),
            ],
        );
        assert!(!bad.status.success());
        assert!(stderr(&bad).contains("lang"), "{}", stderr(&bad));

        app.record_consent(
            &case_worker(),
            mother.person_id(),
            &ConsentDraft {
                country: country.clone(),
                kind: "consent".into(),
                given_by: "person".into(),
                given_by_name: "the person herself".into(),
                agreed: true,
                ..ConsentDraft::default()
            },
        )
        .await
        .expect("consent");

        let made = homeward(
            &db.url,
            &[
                "dossier",
                "--person",
                &number,
                "--lang",
                "ar",
                "--out",
                ar.to_str().unwrap(),
            ],
        );
        assert!(made.status.success(), "{}", stderr(&made));
        let pdf = std::fs::read(&ar).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        if let Some(text) = pdftotext(&ar) {
            assert!(text.contains("ملف الإعادة إلى الوطن"), "{text}");
            assert!(text.contains(&number), "{text}");
            assert!(text.contains("صيغ الاسم"), "{text}");
            assert!(text.contains("لم تسجل اللياقة للسفر بعد"), "{text}");
        } else {
            eprintln!("pdftotext not installed (poppler-utils): text check skipped");
        }

        // French with the family: the children have no consent of their own yet, so they are
        // left out and named.
        let made = homeward(
            &db.url,
            &[
                "dossier",
                "--person",
                &number,
                "--lang",
                "fr",
                "--family",
                "--out",
                fr.to_str().unwrap(),
            ],
        );
        assert!(made.status.success(), "{}", stderr(&made));
        let said = stdout(&made);
        assert!(said.contains("left out"), "{said}");
        for c in &children {
            assert!(said.contains(c.as_str()), "{c} not named in: {said}");
        }
        if let Some(text) = pdftotext(&fr) {
            assert!(text.contains("Dossier de rapatriement"), "{text}");
            assert!(text.contains("ملف الإعادة إلى الوطن"), "{text}");
            assert!(text.contains("CONFIDENTIEL"), "{text}");
            for c in &children {
                assert!(
                    !text.contains(&format!("Personne / الشخص: {c}")),
                    "{c} printed"
                );
            }
        }

        let register = app
            .disclosures_for(&case_worker(), mother.person_id())
            .await
            .unwrap();
        assert_eq!(register.len(), 2, "{register:?}");
        assert!(
            register
                .iter()
                .all(|d| d.to_country == country && d.channel == "dossier")
        );
        assert!(register.iter().any(|d| d.what.contains("fr")));
        assert!(register.iter().all(|d| d.basis == "consent"));
        let verified = homeward(&db.url, &["audit", "verify"]);
        assert!(verified.status.success(), "{}", stdout(&verified));
    }
}
