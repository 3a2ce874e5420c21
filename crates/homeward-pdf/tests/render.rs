//! Renders documents and reads them back with poppler's `pdftotext` and `pdffonts` (Debian
//! package poppler-utils) when they are installed; without them the extraction checks are
//! skipped with a note, the structural checks still run.

use std::process::Command;

use homeward_pdf::{Block, Column, Direction, Document, TextDir, render};

fn tool(name: &str) -> bool {
    let ok = Command::new(name).arg("-v").output().is_ok();
    if !ok {
        eprintln!("{name} not installed (Debian package poppler-utils): extraction check skipped");
    }
    ok
}

fn write_tmp(bytes: &[u8]) -> tempfile_path::TmpFile {
    tempfile_path::TmpFile::new(bytes)
}

/// A tiny temporary file helper (no extra dependency).
mod tempfile_path {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static N: AtomicUsize = AtomicUsize::new(0);

    pub struct TmpFile(pub PathBuf);

    impl TmpFile {
        pub fn new(bytes: &[u8]) -> TmpFile {
            let n = N.fetch_add(1, Ordering::SeqCst);
            let path = std::env::temp_dir()
                .join(format!("homeward-pdf-test-{}-{n}.pdf", std::process::id()));
            std::fs::write(&path, bytes).expect("write temp pdf");
            TmpFile(path)
        }
    }

    impl Drop for TmpFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// Text of the PDF as pdftotext gives it (`-raw`: content-stream order, no column guessing).
fn extract(pdf: &[u8], raw: bool) -> Option<String> {
    if !tool("pdftotext") {
        return None;
    }
    let f = write_tmp(pdf);
    let mut cmd = Command::new("pdftotext");
    if raw {
        cmd.arg("-raw");
    }
    let out = cmd
        .args(["-enc", "UTF-8"])
        .arg(&f.0)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(out.status.success(), "pdftotext failed: {:?}", out);
    Some(String::from_utf8(out.stdout).expect("utf-8 text"))
}

/// Whitespace collapsed and the bidi embedding marks poppler adds (RLE/LRE/PDF, isolates,
/// LRM/RLM) turned into spaces.
fn squash(s: &str) -> String {
    // A mark stands where poppler saw a direction change: a word boundary.
    let s: String = s
        .chars()
        .map(|c| {
            if matches!(c as u32, 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069) {
                ' '
            } else {
                c
            }
        })
        .collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of a text, punctuation and bidi marks removed.
fn words(s: &str) -> Vec<String> {
    squash(s)
        .split(' ')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The extracted line containing `needle` (embedding marks kept).
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| squash(l).contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in {text:?}"))
}

fn doc(direction: Direction, blocks: Vec<Block>) -> Document {
    Document {
        title: "test".into(),
        lang: if direction == Direction::Rtl {
            "ar"
        } else {
            "en"
        }
        .into(),
        direction,
        header: "homeward".into(),
        mark: "CONFIDENTIAL".into(),
        footer: String::new(),
        page_label: String::new(),
        blocks,
    }
}

const ARABIC: &str = "قررت الوزارة أن الأطفال الذين تبلغ أعمارهم ثلاث سنوات أو أقل يبقون مع أمهاتهم، ولا يجوز فصلهم إلا بقرار.";

#[test]
fn arabic_paragraph_extracts_as_logical_text() {
    let pdf = render(&doc(Direction::Rtl, vec![Block::para(ARABIC)])).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(text) = extract(&pdf, false) else {
        return;
    };
    // Lam-alef forms (لا, الأ) and joining forms must map back to their letters, words in
    // reading order. (pdftotext may move a neutral comma across the following space, so the
    // comparison is word by word, punctuation aside.)
    let got = words(&text);
    let want = words(ARABIC);
    assert!(
        got.windows(want.len()).any(|w| w == want.as_slice()),
        "pdftotext gave:\n{text}\nexpected:\n{ARABIC}"
    );
}

#[test]
fn lam_alef_ligature_extracts_as_two_letters() {
    // "لا" is drawn as one lam-alef glyph (see the shaping unit tests); it must still extract
    // as lam followed by alef.
    let pdf = render(&doc(Direction::Rtl, vec![Block::para("لا")])).expect("render");
    let Some(text) = extract(&pdf, false) else {
        return;
    };
    assert!(squash(&text).contains("لا"), "got {text:?}");
}

#[test]
fn mixed_direction_line_keeps_latin_names_and_digits_in_order() {
    let line = "وصلت Marie Dupont إلى المخيم في 12 آذار 2017 مع طفلين";
    let pdf = render(&doc(Direction::Rtl, vec![Block::para(line)])).expect("render");
    let Some(text) = extract(&pdf, false) else {
        return;
    };
    let got = line_with(&text, "Marie Dupont");
    let flat = squash(got);
    assert!(flat.contains("2017"), "digits reversed: {flat}");
    assert!(flat.contains("12"), "digits reversed: {flat}");
    // pdftotext writes a mixed line as its direction segments from left to right as they
    // appear on the page, each segment in logical order (right-to-left ones wrapped in
    // embedding marks). Displayed right to left, the line reads: وصلت | Marie Dupont |
    // إلى المخيم في | 12 | آذار | 2017 | مع طفلين; so from the left:
    let want = [
        "مع",
        "طفلين",
        "2017",
        "آذار",
        "12",
        "إلى",
        "المخيم",
        "في",
        "Marie",
        "Dupont",
        "وصلت",
    ];
    assert_eq!(words(got), want, "extracted {got:?}");
}

#[test]
fn arabic_inside_a_french_line() {
    let line = "Nom en arabe : مريم عبد الله, née en 1995.";
    let pdf = render(&doc(Direction::Ltr, vec![Block::para(line)])).expect("render");
    let Some(text) = extract(&pdf, false) else {
        return;
    };
    let got = line_with(&text, "Nom en arabe");
    assert!(squash(got).contains("مريم عبد الله"), "{got}");
    let want = [
        "Nom", "en", "arabe", "مريم", "عبد", "الله", "née", "en", "1995",
    ];
    assert_eq!(words(got), want, "extracted {got:?}");
}

#[test]
fn cyrillic_and_french_text() {
    let ru = "Гражданство подтверждено посольством; Фатима Исмаилова, 2009 г. р.";
    let fr = "Élève accompagnée de sa mère, l'aînée — «dossier» n° 12.";
    let pdf = render(&doc(Direction::Ltr, vec![Block::para(ru), Block::para(fr)])).expect("render");
    assert!(homeward_pdf::fonts_cover(ru) && homeward_pdf::fonts_cover(fr));
    let Some(text) = extract(&pdf, false) else {
        return;
    };
    let text = squash(&text);
    assert!(text.contains(&squash(ru)), "{text}");
    assert!(text.contains(&squash(fr)), "{text}");
}

#[test]
fn fonts_are_embedded_and_subset() {
    let pdf = render(&doc(
        Direction::Rtl,
        vec![Block::para(ARABIC), Block::para("Latin and Кириллица")],
    ))
    .expect("render");
    // Four full fonts are about 1.4 MB; subsets of the glyphs used are a small fraction.
    assert!(
        pdf.len() < 120_000,
        "PDF is {} bytes: fonts not subset?",
        pdf.len()
    );
    if !tool("pdffonts") {
        return;
    }
    let f = write_tmp(&pdf);
    let out = Command::new("pdffonts")
        .arg(&f.0)
        .output()
        .expect("run pdffonts");
    let listing = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(rows.len() >= 2, "{listing}");
    for row in rows {
        // name subset-tagged (ABCDEF+Name), embedded "yes", subset "yes", ToUnicode "yes"
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert!(cols[0].contains('+'), "font not subset: {row}");
        let yes = cols.iter().filter(|c| **c == "yes").count();
        assert!(yes >= 3, "font not embedded/subset/with ToUnicode: {row}");
    }
}

/// A small RGB gradient as PNG bytes.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().expect("png header");
    let mut data = Vec::new();
    for y in 0..height {
        for x in 0..width {
            data.extend_from_slice(&[(x * 255 / width) as u8, (y * 255 / height) as u8, 128]);
        }
    }
    w.write_image_data(&data).expect("png data");
    w.finish().expect("png end");
    out
}

#[test]
fn an_image_is_embedded_and_a_bad_one_is_refused() {
    let img = png(40, 30);
    assert!(homeward_pdf::image_readable(&img));
    let pdf = render(&doc(
        Direction::Rtl,
        vec![Block::Image {
            bytes: img,
            max_width: 120.0,
            max_height: 120.0,
            caption: "صورة شخصية".into(),
        }],
    ))
    .expect("render");
    let body = String::from_utf8_lossy(&pdf);
    assert!(
        body.contains("/Subtype /Image") || body.contains("/Subtype/Image"),
        "no image XObject"
    );
    assert!(body.contains("/Width 40"), "image size not kept");

    let bad = render(&doc(
        Direction::Ltr,
        vec![
            Block::para("before"),
            Block::Image {
                bytes: b"GIF89a not an image we take".to_vec(),
                max_width: 100.0,
                max_height: 100.0,
                caption: String::new(),
            },
        ],
    ));
    let err = bad.expect_err("a non-image is refused").to_string();
    assert!(err.contains("block 1"), "{err}");
}

#[test]
fn tables_break_across_pages_with_numbered_pages() {
    let rows: Vec<Vec<String>> = (0..120)
        .map(|i| vec![format!("H-{i:05}"), format!("مريم {i}"), "FR".into()])
        .collect();
    let mut d = doc(
        Direction::Rtl,
        vec![
            Block::Title("قائمة".into()),
            Block::Heading("الأشخاص".into()),
            Block::KeyValue(vec![("الاسم".into(), "Marie".into())]),
            Block::Table {
                columns: vec![
                    Column {
                        title: "الرقم".into(),
                        weight: 1.0,
                    },
                    Column {
                        title: "الاسم".into(),
                        weight: 2.0,
                    },
                    Column {
                        title: "البلد".into(),
                        weight: 1.0,
                    },
                ],
                rows,
            },
            Block::Paragraph {
                text: "end".into(),
                dir: TextDir::Ltr,
            },
        ],
    );
    d.page_label = "صفحة {page} من {pages}".into();
    let pages = homeward_pdf::page_count(&d).expect("layout");
    assert!(pages >= 3, "120 rows fit on {pages} pages?");
    let pdf = render(&d).expect("render");
    let Some(text) = extract(&pdf, false) else {
        return;
    };
    assert!(
        text.contains("H-00000") && text.contains("H-00119"),
        "rows lost"
    );
    assert!(text.contains(&format!("{pages}")), "page label missing");
    assert!(text.contains("CONFIDENTIAL"));
    // The header row repeats on every page.
    assert!(
        text.matches("البلد").count() >= pages,
        "header not repeated"
    );
}
