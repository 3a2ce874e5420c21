//! `homeward import`: a ministry spreadsheet with Arabic headers and bad rows is refused row by
//! row and leaves the database exactly as it was; the valid rows go in only when asked, all
//! in one transaction with their audit events; a mapping given once is used again.

use homeward_store::Store;
use homeward_testkit::backends;

use crate::{homeward, stderr, stdout};

/// A workbook as a ministry keeps it: Arabic headers, one column not in the vocabulary.
fn workbook(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "الاسم الكامل",
        "الجنس",
        "تاريخ الولادة",
        "الجنسية",
        "رقم الجواز",
        "ملاحظات",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn counts(url: &str) -> (i64, i64) {
    let store = Store::connect(url).await.unwrap();
    // The person count comes from the running tallies: they must equal a recount.
    assert_eq!(store.tally_drift().await.unwrap(), Vec::<String>::new());
    let n = (
        store.count_persons().await.unwrap(),
        store.audit_head().await.unwrap(),
    );
    store.close().await;
    n
}

#[tokio::test]
async fn a_spreadsheet_with_bad_rows_writes_nothing_and_names_row_and_field() {
    for db in backends().await {
        assert!(
            homeward(
                &db.url,
                &["demo", "--persons", "60", "--as-of", "2018-02-01"]
            )
            .status
            .success()
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("قائمة.xlsx");
        std::fs::write(
            &file,
            workbook(&[
                ["فاطمة أحمد", "أنثى", "1990-03-04", "TR", "U123", ""],
                ["Amina Karimova", "female", "2012", "Tajikistan", "", "x"],
                ["علي حسن", "unknown", "1988-01-01", "RU", "", ""],
                ["", "ذكر", "2031-01-01", "ZZ", "", ""],
            ]),
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let before = counts(&db.url).await;

        let out = homeward(&db.url, &["import", path]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
        let text = stdout(&out);
        assert!(text.contains("row 4, sex"), "{text}");
        assert!(text.contains("row 5, full_name"), "{text}");
        assert!(text.contains("row 5, nationality"), "{text}");
        assert!(text.contains("row 5, date_of_birth"), "{text}");
        assert!(
            !text.contains("row 2,") && !text.contains("row 3,"),
            "{text}"
        );
        assert!(text.contains("nothing written"), "{text}");
        assert!(text.contains("column 'ملاحظات' -> (ignored)"), "{text}");
        assert_eq!(
            counts(&db.url).await,
            before,
            "{}: nothing written",
            db.backend
        );

        let dry = homeward(&db.url, &["import", path, "--dry-run", "--skip-invalid"]);
        assert!(dry.status.success(), "{}", stderr(&dry));
        assert!(stdout(&dry).contains("dry run: nothing written"));
        assert_eq!(counts(&db.url).await, before);

        let ok = homeward(&db.url, &["import", path, "--skip-invalid"]);
        assert!(ok.status.success(), "{}{}", stdout(&ok), stderr(&ok));
        assert!(
            stdout(&ok).contains("registered 2 persons"),
            "{}",
            stdout(&ok)
        );
        let after = counts(&db.url).await;
        assert_eq!(after.0, before.0 + 2);
        assert_eq!(
            after.1,
            before.1 + 3,
            "one event per person and one for the import"
        );
        let verify = homeward(&db.url, &["audit", "verify"]);
        assert!(verify.status.success(), "{}", stdout(&verify));
    }
}

#[tokio::test]
async fn a_mapping_given_once_is_saved_and_used_again() {
    let db = &backends().await[0];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.csv");
    std::fs::write(
        &file,
        "\u{feff}Nom,Genre,Naissance,Pays\nOlga Petrova,f,1985-05-05,RU\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let refused = homeward(&db.url, &["import", path]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("no column holds a name"),
        "{}",
        stderr(&refused)
    );
    let out = homeward(
        &db.url,
        &[
            "import",
            path,
            "--map",
            "Nom=full_name,Genre=sex,Naissance=date_of_birth,Pays=nationality",
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("registered 1 persons"),
        "{}",
        stdout(&out)
    );
    std::fs::write(&file, "Nom,Genre,Naissance,Pays\nIvan Petrov,m,1980,RU\n").unwrap();
    let again = homeward(&db.url, &["import", path]);
    assert!(
        again.status.success(),
        "{}{}",
        stdout(&again),
        stderr(&again)
    );
    assert!(
        stdout(&again).contains("mapped from saved"),
        "{}",
        stdout(&again)
    );
    assert_eq!(counts(&db.url).await.0, 2);
}

fn pdftotext(path: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn a_situation_report_in_arabic_and_english_shows_figures_and_changes() {
    let db = &backends().await[0];
    assert!(
        homeward(
            &db.url,
            &["demo", "--persons", "120", "--as-of", "2018-02-01"]
        )
        .status
        .success()
    );
    let dir = tempfile::tempdir().unwrap();
    let ar = dir.path().join("ar.pdf");
    let out = homeward(
        &db.url,
        &[
            "report",
            "sitrep",
            "--date",
            "2018-02-01",
            "--lang",
            "ar",
            "--out",
            ar.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("first report"), "{}", stdout(&out));
    let csv = dir.path().join("more.csv");
    std::fs::write(
        &csv,
        "full_name,sex,age,nationality\nSara Demir,female,30,TR\n",
    )
    .unwrap();
    assert!(
        homeward(&db.url, &["import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let en = dir.path().join("en.pdf");
    let out = homeward(
        &db.url,
        &[
            "report",
            "sitrep",
            "--date",
            "2018-03-01",
            "--lang",
            "en",
            "--out",
            en.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("compared with the report of 2018-02-01"));
    let bad = homeward(
        &db.url,
        &[
            "report",
            "sitrep",
            "--date",
            "2018-03-01",
            "--lang",
            "xx",
            "--out",
            en.to_str().unwrap(),
        ],
    );
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("lang"), "{}", stderr(&bad));
    let (Some(ar_text), Some(en_text)) = (pdftotext(&ar), pdftotext(&en)) else {
        eprintln!("pdftotext is not installed: PDF text not checked");
        return;
    };
    assert!(
        ar_text.contains("الأشخاص المسّجلون") || ar_text.contains("الأرقام الرئيسية"),
        "{ar_text}"
    );
    assert!(en_text.contains("Situation report"), "{en_text}");
    assert!(en_text.contains("Compared with the report of"), "{en_text}");
    // 120 persons then one more: the change column says +1.
    let line = en_text
        .lines()
        .skip_while(|l| !l.contains("Persons registered"))
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(line.contains("+1"), "{line}");
}
