//! The dossier's layout from plain data: labels in four languages, bilingual sections, the
//! "not recorded yet" note, photos, and what pdftotext reads back.

use std::process::Command;

use homeward_pdf::dossier::{
    self, ClaimEntry, Dossier, EvidenceEntry, Lang, NameEntry, PersonEntry, Photo, Relative,
};
use homeward_pdf::{Block, Direction};

fn photo() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 24, 32);
    enc.set_color(png::ColorType::Grayscale);
    let mut w = enc.write_header().expect("png header");
    w.write_image_data(&[128u8; 24 * 32]).expect("png data");
    w.finish().expect("png end");
    out
}

fn sample() -> Dossier {
    let mother = PersonEntry {
        registration_number: "H-000042".into(),
        relation: "self".into(),
        name: "مريم عبد الله".into(),
        sex: "female".into(),
        date_of_birth: "1994-03-02".into(),
        status: "in_custody".into(),
        names: vec![
            NameEntry {
                text: "مريم عبد الله".into(),
                script: "arabic".into(),
                kind: "as_registered".into(),
                source: "registrar".into(),
            },
            NameEntry {
                text: "Marie Dupont".into(),
                script: "latin".into(),
                kind: "passport".into(),
                source: "passport".into(),
            },
            NameEntry {
                text: "أم عبد الله".into(),
                script: "arabic".into(),
                kind: "kunya".into(),
                source: "interview".into(),
            },
        ],
        photos: vec![Photo {
            bytes: photo(),
            label: "2018-01-15".into(),
        }],
        claims: vec![ClaimEntry {
            country: "France (FR)".into(),
            state: "under_verification".into(),
            decided: None,
            evidence: vec![EvidenceEntry {
                kind: "interview_record".into(),
                reference: "INT-7".into(),
                note: "parle français".into(),
                recorded_on: "2018-01-20".into(),
            }],
        }],
        relatives: vec![Relative {
            relation: "child".into(),
            registration_number: "H-000043".into(),
            name: "آدم".into(),
        }],
        custody: Some(vec![]),
        fitness: None,
        ..PersonEntry::default()
    };
    let child = PersonEntry {
        registration_number: "H-000043".into(),
        relation: "child".into(),
        name: "آدم".into(),
        sex: "male".into(),
        date_of_birth: "2015".into(),
        status: "in_custody".into(),
        father_unknown: true,
        custody: None,
        ..PersonEntry::default()
    };
    Dossier {
        for_country: Some("France (FR)".into()),
        prepared_on: "2018-02-01".into(),
        reference: "H-000042".into(),
        persons: vec![mother, child],
        synthetic: true,
    }
}

/// Keeps a copy for looking at when `HOMEWARD_PDF_SAMPLES` names a directory.
fn keep(name: &str, pdf: &[u8]) {
    if let Some(dir) = std::env::var_os("HOMEWARD_PDF_SAMPLES") {
        std::fs::write(std::path::Path::new(&dir).join(name), pdf).expect("write sample");
    }
}

fn text_of(pdf: &[u8]) -> Option<String> {
    if Command::new("pdftotext").arg("-v").output().is_err() {
        eprintln!("pdftotext not installed (poppler-utils): extraction check skipped");
        return None;
    }
    let path = std::env::temp_dir().join(format!(
        "homeward-dossier-test-{}-{}.pdf",
        std::process::id(),
        pdf.len()
    ));
    std::fs::write(&path, pdf).expect("write");
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext");
    let _ = std::fs::remove_file(&path);
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

#[test]
fn every_label_has_four_languages() {
    for key in dossier::label_keys() {
        for lang in [Lang::Ar, Lang::En, Lang::Fr, Lang::Ru] {
            let l = dossier::label(key, lang);
            assert!(!l.trim().is_empty(), "{key} empty in {lang:?}");
            assert!(
                homeward_pdf::fonts_cover(&l),
                "{key} in {lang:?} has characters without glyphs"
            );
        }
        let ar = dossier::label(key, Lang::Ar);
        assert!(
            ar.chars().any(homeward_pdf_is_arabic),
            "{key}: Arabic label is not Arabic"
        );
        // No harakat in labels: extraction tools split letters at zero-width marks.
        assert!(
            !ar.chars().any(|c| ('\u{064B}'..='\u{0652}').contains(&c)),
            "{key}: harakat"
        );
    }
    assert_eq!(Lang::parse("FR"), Some(Lang::Fr));
    assert_eq!(Lang::parse("de"), None);
}

fn homeward_pdf_is_arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c)
}

#[test]
fn arabic_dossier_is_right_to_left_and_arabic_only() {
    let doc = dossier::build(&sample(), Lang::Ar);
    assert_eq!(doc.direction, Direction::Rtl);
    assert!(doc.blocks.iter().any(|b| matches!(b, Block::Image { .. })));
    let pdf = homeward_pdf::render(&doc).expect("render");
    keep("dossier-ar.pdf", &pdf);
    let Some(text) = text_of(&pdf) else { return };
    for want in [
        "ملف الإعادة إلى الوطن",
        "صيغ الاسم",
        "لم تسجل اللياقة للسفر بعد",
        "Marie Dupont",
        "H-000042",
        "الأب مجهول",
        "سري",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(
        !text.contains("Name variants"),
        "an Arabic dossier is Arabic only"
    );
}

#[test]
fn french_dossier_is_bilingual() {
    let doc = dossier::build(&sample(), Lang::Fr);
    assert_eq!(doc.direction, Direction::Ltr);
    let pdf = homeward_pdf::render(&doc).expect("render");
    keep("dossier-fr.pdf", &pdf);
    let Some(text) = text_of(&pdf) else { return };
    for want in [
        "Dossier de rapatriement",
        "Variantes du nom",
        "صيغ الاسم",
        "L'aptitude au voyage n'a pas encore été enregistrée.",
        "CONFIDENTIEL",
        "Père inconnu",
        "Page 1 sur",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn russian_labels_and_withheld_custody() {
    let doc = dossier::build(&sample(), Lang::Ru);
    let pdf = homeward_pdf::render(&doc).expect("render");
    let Some(text) = text_of(&pdf) else { return };
    for want in [
        "Досье на репатриацию",
        "Пригодность к поездке ещё не записана.",
        "История содержания этому читателю не показывается.",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}
