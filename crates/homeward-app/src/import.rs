//! Bulk import of a registration spreadsheet (CSV or XLSX, as ministries keep them).
//!
//! Headers in the identity engine's vocabulary (`given_name`, `sex`, `date_of_birth`, ...) and
//! their Arabic equivalents map without asking; other columns are mapped with `COLUMN=FIELD`
//! and the mapping is saved for the next file with the same headers. Every row is checked by
//! the same domain rules as a registration, and every problem is reported with its row and
//! field. A dry run writes nothing and shows the possible duplicates already in the registry
//! (the identity engine's ranking). A commit is all or nothing: one transaction, one audit
//! event per person and one for the import, and nothing at all when any row is invalid unless
//! the caller chose to skip invalid rows.

use std::collections::BTreeMap;
use std::io::Cursor;

use homeward_domain::access::{Action, Principal, authorize};
use homeward_domain::country::{self, CountryCode};
use homeward_domain::error::Invalid;
use homeward_domain::nationality::ClaimState;
use homeward_domain::person::{
    DocumentDraft, NameKind, NameVariant, PersonDraft, registration_number,
};
use homeward_linkage::batch::{ColumnMapping, InputField};
use homeward_linkage::{BirthDate, PersonName, Record, Sex as LSex};
use homeward_store::audit::NewEvent;
use homeward_store::bulk::BulkPerson;
use serde::Serialize;

use crate::{App, AppError};

/// The largest file accepted.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// The most an XLSX file may unpack to (a zip bomb is refused before it is opened).
pub const MAX_XLSX_UNPACKED: u64 = 256 * 1024 * 1024;
/// The most rows in one file.
pub const MAX_IMPORT_ROWS: usize = 200_000;
/// Rows of a dry run checked against the registry for duplicates.
pub const MAX_DUPLICATE_CHECK: usize = 20_000;
/// A candidate at or above this probability is shown as a possible duplicate.
const DUPLICATE_FROM: f64 = 0.5;
/// Persons written per batch of multi-row statements during a commit.
const WRITE_BATCH: usize = 2_000;

/// Arabic headers (and common English variants) for each field, compared after
/// normalisation (see [`normalise_header`]).
const SYNONYMS: &[(&str, InputField)] = &[
    ("الرقم", InputField::Id),
    ("الرقم التسلسلي", InputField::Id),
    ("ت", InputField::Id),
    ("المعرف", InputField::Id),
    ("الاسم", InputField::GivenName),
    ("الاسم الاول", InputField::GivenName),
    ("given name", InputField::GivenName),
    ("first name", InputField::GivenName),
    ("اللقب", InputField::FamilyName),
    ("اسم العائله", InputField::FamilyName),
    ("الكنيه العائليه", InputField::FamilyName),
    ("family name", InputField::FamilyName),
    ("surname", InputField::FamilyName),
    ("الاسم الكامل", InputField::FullName),
    ("الاسم الثلاثي", InputField::FullName),
    ("الاسم الرباعي", InputField::FullName),
    ("full name", InputField::FullName),
    ("name", InputField::FullName),
    ("الجنس", InputField::Sex),
    ("تاريخ الولاده", InputField::DateOfBirth),
    ("تاريخ الميلاد", InputField::DateOfBirth),
    ("date of birth", InputField::DateOfBirth),
    ("dob", InputField::DateOfBirth),
    ("العمر", InputField::Age),
    ("الجنسيه", InputField::Nationality),
    ("مكان الولاده", InputField::PlaceOfBirth),
    ("مكان الميلاد", InputField::PlaceOfBirth),
    ("place of birth", InputField::PlaceOfBirth),
    ("اسم الام", InputField::MotherName),
    ("mother name", InputField::MotherName),
    ("اسم الاب", InputField::FatherName),
    ("father name", InputField::FatherName),
    ("رقم الوثيقه", InputField::DocumentNumber),
    ("رقم الجواز", InputField::DocumentNumber),
    ("رقم جواز السفر", InputField::DocumentNumber),
    ("document number", InputField::DocumentNumber),
    ("passport number", InputField::DocumentNumber),
];

/// A header folded for comparison: trimmed, byte-order mark dropped, lower case, `_` and
/// runs of spaces as one space, Arabic diacritics and tatweel dropped, alef forms as bare
/// alef, teh marbuta as heh, alef maqsura as yeh.
pub fn normalise_header(h: &str) -> String {
    let mut out = String::new();
    for c in h.trim().trim_start_matches('\u{feff}').chars() {
        let c = match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => continue,
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            '_' | '-' | '\t' => ' ',
            c => c,
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out.trim_end().to_owned()
}

/// The field a header names without a mapping, if any.
pub fn header_field(h: &str) -> Option<InputField> {
    let n = normalise_header(h);
    InputField::from_name(&n.replace(' ', "_"))
        .or_else(|| SYNONYMS.iter().find(|(s, _)| *s == n).map(|(_, f)| *f))
        .filter(|f| {
            !matches!(
                f,
                InputField::Address | InputField::Locality | InputField::Postcode
            )
        })
}

/// One problem with one row.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowIssue {
    /// The row in the file (the header is row 1).
    pub row: u64,
    /// The field (and the column it came from).
    pub field: String,
    /// A stable code.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// A row that may be someone already registered.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateHint {
    /// The row in the file.
    pub row: u64,
    /// The registered person it resembles.
    pub registration_number: String,
    /// Their names.
    pub names: Vec<String>,
    /// Match probability from the identity engine.
    pub probability: f64,
}

/// What an import found and did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportReport {
    /// The file's name.
    pub file_name: String,
    /// Data rows read.
    pub rows: usize,
    /// Rows without any problem.
    pub valid: usize,
    /// Rows with at least one problem.
    pub invalid_rows: usize,
    /// Every problem, row by row.
    pub issues: Vec<RowIssue>,
    /// Each column and the field it was read as (`None`: ignored).
    pub mapping: Vec<(String, Option<String>)>,
    /// Where the mapping came from: `headers`, `saved` or `given`.
    pub mapping_source: String,
    /// Possible duplicates already in the registry (dry run).
    pub duplicates: Vec<DuplicateHint>,
    /// Rows checked for duplicates.
    pub duplicates_checked: usize,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Persons written (0 on a dry run or a refusal).
    pub committed: usize,
    /// First and last registration numbers written.
    pub registered: Option<(String, String)>,
    /// Columns whose values are read but not kept (e.g. the mother's name).
    pub not_stored: Vec<String>,
}

impl ImportReport {
    /// Whether the import is refused: invalid rows and not told to skip them.
    pub fn refused(&self, skip_invalid: bool) -> bool {
        self.invalid_rows > 0 && !skip_invalid
    }
}

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// The file's name (for the report and the audit trail).
    pub file_name: String,
    /// Its bytes (CSV in UTF-8, or XLSX).
    pub bytes: Vec<u8>,
    /// `COLUMN=FIELD` mappings, comma- or line-separated.
    pub mappings: Vec<String>,
    /// Check only; write nothing.
    pub dry_run: bool,
    /// Import the valid rows even when some are invalid.
    pub skip_invalid: bool,
}

/// Progress of an import: (stage, done, total).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Send + Sync);

fn bad_file(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::Invalid(Invalid::one("file", code, message))
}

/// Sums the unpacked sizes the ZIP central directory declares (the reader never unpacks more
/// than declared), refusing a file that would unpack beyond [`MAX_XLSX_UNPACKED`].
pub fn check_zip(bytes: &[u8]) -> Result<u64, AppError> {
    let broken = || bad_file("HW-IMP-0003", "file: not a readable XLSX workbook");
    let min = 22;
    if bytes.len() < min {
        return Err(broken());
    }
    let from = bytes.len().saturating_sub(min + 65_535);
    let eocd = (from..=bytes.len() - min)
        .rev()
        .find(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .ok_or_else(broken)?;
    let u16_at = |i: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            bytes.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    let u32_at = |i: usize| -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            bytes.get(i..i + 4)?.try_into().ok()?,
        )))
    };
    let entries = u16_at(eocd + 10).ok_or_else(broken)?;
    let mut at = usize::try_from(u32_at(eocd + 16).ok_or_else(broken)?).map_err(|_| broken())?;
    let mut total: u64 = 0;
    for _ in 0..entries {
        if bytes.get(at..at + 4) != Some(&[0x50, 0x4b, 0x01, 0x02]) {
            return Err(broken());
        }
        let unpacked = u32_at(at + 24).ok_or_else(broken)?;
        if unpacked == u64::from(u32::MAX) {
            return Err(bad_file(
                "HW-IMP-0004",
                "file: the workbook declares a 64-bit size; save it again as an ordinary XLSX",
            ));
        }
        total = total.saturating_add(unpacked);
        if total > MAX_XLSX_UNPACKED {
            return Err(bad_file(
                "HW-IMP-0004",
                format!(
                    "file: the workbook unpacks to more than {} MB; split it",
                    MAX_XLSX_UNPACKED / (1024 * 1024)
                ),
            ));
        }
        let name = u16_at(at + 28).ok_or_else(broken)?;
        let extra = u16_at(at + 30).ok_or_else(broken)?;
        let comment = u16_at(at + 32).ok_or_else(broken)?;
        at += 46 + usize::try_from(name + extra + comment).map_err(|_| broken())?;
    }
    Ok(total)
}

/// A row of the file: its number and its cells.
pub type Row = (u64, Vec<String>);

/// The file as a header and rows of text, each with its row number (header = row 1).
pub fn read_table(bytes: &[u8]) -> Result<(Vec<String>, Vec<Row>), AppError> {
    if bytes.is_empty() {
        return Err(bad_file("HW-IMP-0001", "file: choose a CSV or XLSX file"));
    }
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(bad_file(
            "HW-IMP-0002",
            format!(
                "file: larger than {} MB; split it",
                MAX_IMPORT_BYTES / (1024 * 1024)
            ),
        ));
    }
    let text;
    let data: &[u8] = if bytes.starts_with(b"PK\x03\x04") {
        check_zip(bytes)?;
        text = crate::identity::xlsx_to_csv(bytes)?;
        text.as_bytes()
    } else {
        bytes
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(Cursor::new(data));
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').trim().to_owned())
            .collect::<Vec<_>>(),
        Some(Err(e)) => {
            return Err(bad_file(
                "HW-IMP-0005",
                format!("file: the header row cannot be read ({e})"),
            ));
        }
        None => return Err(bad_file("HW-IMP-0006", "file: the file is empty")),
    };
    let mut rows = Vec::new();
    for (i, r) in records.enumerate() {
        let row = i as u64 + 2;
        let r = r.map_err(|e| {
            bad_file(
                "HW-IMP-0005",
                format!("file: row {row} cannot be read ({e}); is the file UTF-8 CSV or XLSX?"),
            )
        })?;
        if r.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        if rows.len() >= MAX_IMPORT_ROWS {
            return Err(bad_file(
                "HW-IMP-0007",
                format!("file: more than {MAX_IMPORT_ROWS} rows; split the file"),
            ));
        }
        rows.push((row, r.iter().map(|v| v.trim().to_owned()).collect()));
    }
    Ok((header, rows))
}

/// The key under which a mapping is saved: the normalised headers.
pub fn header_key(headers: &[String]) -> String {
    headers
        .iter()
        .map(|h| normalise_header(h))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// A row checked: what will be registered, or why not.
#[derive(Debug, Clone)]
struct ValidRow {
    row: u64,
    source_id: Option<String>,
    person: homeward_domain::person::PersonFacts,
    names: Vec<NameVariant>,
    nationality: Option<CountryCode>,
    document: Option<homeward_domain::person::Document>,
    record: Record,
}

fn parse_sex(v: &str) -> String {
    match normalise_header(v).as_str() {
        "ذكر" | "م" | "ذ" => "male".into(),
        "انثي" | "ا" | "ان" | "ث" => "female".into(),
        _ => v.to_owned(),
    }
}

fn country_of(v: &str) -> Option<CountryCode> {
    if let Ok(c) = CountryCode::parse("nationality", v) {
        return Some(c);
    }
    let n = normalise_header(v);
    country::all()
        .find(|c| normalise_header(c.name_en) == n || normalise_header(c.name_ar) == n)
        .and_then(|c| CountryCode::parse("nationality", c.code).ok())
}

/// Checks one row with the registration rules; every problem names its field and column.
fn check_row(
    row: u64,
    values: &[String],
    columns: &[Option<InputField>],
    headers: &[String],
    today: chrono::NaiveDate,
    actor: &str,
    file_name: &str,
) -> Result<ValidRow, Vec<RowIssue>> {
    let mut got: BTreeMap<InputField, (String, String)> = BTreeMap::new();
    for (i, f) in columns.iter().enumerate() {
        let Some(f) = f else { continue };
        let v = values.get(i).map(String::as_str).unwrap_or_default().trim();
        if v.is_empty() {
            continue;
        }
        let header = headers.get(i).cloned().unwrap_or_default();
        got.entry(*f)
            .and_modify(|(s, _)| {
                s.push(' ');
                s.push_str(v);
            })
            .or_insert((v.to_owned(), header));
    }
    let val = |f: InputField| got.get(&f).map(|(v, _)| v.clone());
    let mut issues = Vec::new();
    let mut issue = |field: InputField, code: &str, message: String| {
        let column = got
            .get(&field)
            .map(|(_, h)| h.clone())
            .filter(|h| normalise_header(h).replace(' ', "_") != field.name());
        issues.push(RowIssue {
            row,
            field: match column {
                Some(c) => format!("{} (column '{c}')", field.name()),
                None => field.name().to_owned(),
            },
            code: code.to_owned(),
            message,
        });
    };
    let field_of = |api: &str| match api {
        "sex" => InputField::Sex,
        "place_of_birth" => InputField::PlaceOfBirth,
        "father_name" => InputField::FatherName,
        "age_estimated_on" | "estimated_age" => InputField::Age,
        _ => InputField::DateOfBirth,
    };
    // names
    let given = val(InputField::GivenName);
    let family = val(InputField::FamilyName);
    let full = val(InputField::FullName);
    let mut texts = Vec::new();
    if let Some(f) = &full {
        texts.push((InputField::FullName, f.clone()));
    }
    let parts: Vec<&str> = [given.as_deref(), family.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !parts.is_empty() {
        texts.push((InputField::GivenName, parts.join(" ")));
    }
    if texts.is_empty() {
        issue(
            InputField::FullName,
            "HW-IMP-0010",
            "no name: give full_name, or given_name and family_name".into(),
        );
    }
    let mut names = Vec::new();
    for (f, t) in &texts {
        match NameVariant::new(
            t,
            NameKind::AsRegistered,
            actor,
            &format!("import of {file_name}"),
        ) {
            Ok(n) => names.push(n),
            Err(e) => issue(*f, e.code, e.message),
        }
    }
    // birth
    let mut draft = PersonDraft {
        sex: val(InputField::Sex)
            .map(|s| parse_sex(&s))
            .unwrap_or_default(),
        place_of_birth: val(InputField::PlaceOfBirth),
        father_name: val(InputField::FatherName),
        ..PersonDraft::default()
    };
    match (val(InputField::DateOfBirth), val(InputField::Age)) {
        (Some(d), _) if d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()) => {
            draft.year_of_birth = d.parse().ok();
        }
        (Some(d), _) => draft.date_of_birth = Some(d),
        (None, Some(a)) => match a.parse::<f64>() {
            Ok(x) if (0.0..=120.0).contains(&x) => {
                draft.estimated_age = Some(x.round() as u8);
                draft.age_basis = Some(format!("age in the imported list {file_name}"));
            }
            _ => issue(
                InputField::Age,
                "HW-IMP-0011",
                format!("'{a}' is not an age in whole years between 0 and 120"),
            ),
        },
        (None, None) => {}
    }
    if draft.sex.is_empty() {
        issue(
            InputField::Sex,
            "HW-IMP-0012",
            "sex is missing: write female or male (أنثى or ذكر)".into(),
        );
    }
    let facts = match draft.parse(today) {
        Ok(f) => Some(f),
        Err(Invalid(es)) => {
            for e in es {
                if e.field == "sex" && draft.sex.is_empty() {
                    continue;
                }
                if e.field == "date_of_birth"
                    && val(InputField::Age).is_some()
                    && draft.estimated_age.is_none()
                {
                    continue;
                }
                issue(field_of(&e.field), e.code, e.message);
            }
            None
        }
    };
    // nationality and document
    let nationality = match val(InputField::Nationality) {
        Some(v) => match country_of(&v) {
            Some(c) => Some(c),
            None => {
                issue(
                    InputField::Nationality,
                    "HW-COUNTRY-0001",
                    format!(
                        "'{v}' is not a country: write its ISO code (TR, RU, FR) or its name in \
                         English or Arabic"
                    ),
                );
                None
            }
        },
        None => None,
    };
    let document = match val(InputField::DocumentNumber) {
        Some(number) => match &nationality {
            Some(c) => match (DocumentDraft {
                doc_type: "other".into(),
                number: number.clone(),
                issuing_country: c.as_str().to_owned(),
                expiry: None,
                sighted: false,
            })
            .parse()
            {
                Ok(d) => Some(d),
                Err(Invalid(es)) => {
                    for e in es {
                        issue(InputField::DocumentNumber, e.code, e.message);
                    }
                    None
                }
            },
            None => {
                if val(InputField::Nationality).is_none() {
                    issue(
                        InputField::DocumentNumber,
                        "HW-IMP-0013",
                        "a document number needs the nationality column: its country issued \
                         the document"
                            .into(),
                    );
                }
                None
            }
        },
        None => None,
    };
    if !issues.is_empty() {
        return Err(issues);
    }
    let (Some(person), false) = (facts, names.is_empty()) else {
        return Err(vec![RowIssue {
            row,
            field: "row".into(),
            code: "HW-IMP-0014".into(),
            message: "incomplete row".into(),
        }]);
    };
    let mut record = Record::new(row.to_string());
    record.names = texts
        .iter()
        .map(|(_, t)| PersonName::full(t.clone()))
        .collect();
    record.sex = LSex::parse(&draft.sex);
    record.date_of_birth = Some(match &person.date_of_birth {
        homeward_domain::date::DateOfBirth::Exact(d) => {
            BirthDate::parse(&d.format("%Y-%m-%d").to_string()).unwrap_or(BirthDate::Year {
                year: chrono::Datelike::year(d),
            })
        }
        homeward_domain::date::DateOfBirth::Year(y) => BirthDate::Year { year: *y },
        other => BirthDate::Estimated {
            year: chrono::Datelike::year(&other.approximate()),
            tolerance: 2,
        },
    });
    record.nationality = nationality.as_ref().map(|c| c.as_str().to_owned());
    record.place_of_birth = person.place_of_birth.clone();
    record.father_name = person.father_name.clone();
    record.mother_name = val(InputField::MotherName);
    record.document_number = document.as_ref().map(|d| d.number.clone());
    Ok(ValidRow {
        row,
        source_id: val(InputField::Id),
        person,
        names,
        nationality,
        document,
        record,
    })
}

impl App {
    /// Imports (or, on a dry run, checks) a registration spreadsheet. Returns the report; when
    /// rows are invalid and `skip_invalid` is not set, nothing is written and the report says
    /// why (see [`ImportReport::refused`]).
    pub async fn import_persons(
        &self,
        p: &Principal,
        req: &ImportRequest,
        progress: Progress<'_>,
    ) -> Result<ImportReport, AppError> {
        authorize(p, Action::WriteRegistry)?;
        let (headers, rows) = read_table(&req.bytes)?;
        let key = header_key(&headers);
        let mut columns: Vec<Option<InputField>> =
            headers.iter().map(|h| header_field(h)).collect();
        let mut given: Vec<(String, InputField)> = Vec::new();
        for m in req.mappings.iter().flat_map(|m| m.split([',', '\n'])) {
            if m.trim().is_empty() {
                continue;
            }
            let mapping = ColumnMapping::parse(m.trim()).map_err(|e| {
                AppError::Invalid(Invalid::one("map", "HW-IMP-0020", format!("map: {e}")))
            })?;
            if !headers.iter().any(|h| h.trim() == mapping.column) {
                return Err(AppError::Invalid(Invalid::one(
                    "map",
                    "HW-IMP-0021",
                    format!(
                        "map: the file has no column '{}'; its columns: {}",
                        mapping.column,
                        headers.join(", ")
                    ),
                )));
            }
            given.push((mapping.column, mapping.field));
        }
        let mut source = "headers";
        if given.is_empty() {
            if let Some(saved) = self.store().import_mapping(&key).await? {
                let pairs: Vec<(String, String)> =
                    serde_json::from_str(&saved.mapping_json).unwrap_or_default();
                for (c, f) in pairs {
                    if let Some(field) = InputField::from_name(&f) {
                        given.push((c, field));
                    }
                }
                source = "saved";
            }
        } else {
            source = "given";
        }
        for (c, f) in &given {
            if let Some(i) = headers.iter().position(|h| h.trim() == c) {
                columns[i] = Some(*f);
            }
        }
        if !columns.iter().any(|c| {
            matches!(
                c,
                Some(InputField::FullName | InputField::GivenName | InputField::FamilyName)
            )
        }) {
            return Err(AppError::Invalid(Invalid::one(
                "map",
                "HW-IMP-0022",
                format!(
                    "map: no column holds a name; map one with COLUMN=full_name (columns: {})",
                    headers.join(", ")
                ),
            )));
        }
        let mut report = ImportReport {
            file_name: req.file_name.clone(),
            rows: rows.len(),
            dry_run: req.dry_run,
            mapping_source: source.into(),
            mapping: headers
                .iter()
                .zip(&columns)
                .map(|(h, c)| (h.clone(), c.map(|f| f.name().to_owned())))
                .collect(),
            not_stored: headers
                .iter()
                .zip(&columns)
                .filter(|(_, c)| matches!(c, Some(InputField::MotherName)))
                .map(|(h, _)| h.clone())
                .collect(),
            ..ImportReport::default()
        };
        let today = self.today();
        let total = rows.len() as u64;
        let mut valid = Vec::with_capacity(rows.len());
        for (i, (row, values)) in rows.iter().enumerate() {
            match check_row(
                *row,
                values,
                &columns,
                &headers,
                today,
                &p.username,
                &req.file_name,
            ) {
                Ok(v) => valid.push(v),
                Err(mut es) => {
                    report.invalid_rows += 1;
                    report.issues.append(&mut es);
                }
            }
            if i % 1000 == 0 {
                progress("check", i as u64, total);
            }
        }
        progress("check", total, total);
        report.valid = valid.len();
        if req.dry_run {
            let sample: Vec<Record> = valid
                .iter()
                .take(MAX_DUPLICATE_CHECK)
                .map(|v| v.record.clone())
                .collect();
            report.duplicates_checked = sample.len();
            if !sample.is_empty() {
                progress("duplicates", 0, sample.len() as u64);
                let found = self.candidates(p, sample, None).await?;
                for (v, cands) in valid.iter().zip(found) {
                    if let Some(c) = cands.into_iter().find(|c| c.probability >= DUPLICATE_FROM) {
                        report.duplicates.push(DuplicateHint {
                            row: v.row,
                            registration_number: c.registration_number,
                            names: c.names,
                            probability: c.probability,
                        });
                    }
                }
                progress("duplicates", total, total);
            }
            return Ok(report);
        }
        if report.refused(req.skip_invalid) || valid.is_empty() {
            return Ok(report);
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let n = valid.len() as u64;
        // Written in batches of many rows per statement (persons under reserved ids, then
        // their names, claims, documents and audit events): the same rows and events as one
        // by one, in a fraction of the round trips.
        let ids = tx.reserve_person_ids(valid.len()).await?;
        let mut done = 0u64;
        for (batch, batch_ids) in valid.chunks(WRITE_BATCH).zip(ids.chunks(WRITE_BATCH)) {
            let people: Vec<BulkPerson<'_>> = batch
                .iter()
                .zip(batch_ids)
                .map(|(v, id)| BulkPerson {
                    id: *id,
                    facts: &v.person,
                    synthetic: false,
                    current_site: None,
                })
                .collect();
            tx.insert_persons(&people, now).await?;
            let names: Vec<_> = batch
                .iter()
                .zip(batch_ids)
                .flat_map(|(v, id)| v.names.iter().map(move |name| (*id, name)))
                .collect();
            tx.add_names(&names, now).await?;
            let claims: Vec<_> = batch
                .iter()
                .zip(batch_ids)
                .filter_map(|(v, id)| {
                    v.nationality
                        .as_ref()
                        .map(|c| (*id, c.as_str(), ClaimState::Claimed))
                })
                .collect();
            tx.add_claims(&claims, now).await?;
            let docs: Vec<_> = batch
                .iter()
                .zip(batch_ids)
                .filter_map(|(v, id)| v.document.as_ref().map(|d| (*id, d)))
                .collect();
            tx.add_documents(&docs, now).await?;
            let events: Vec<NewEvent<'_>> = batch
                .iter()
                .zip(batch_ids)
                .map(|(v, id)| NewEvent {
                    actor: &p.username,
                    at: now,
                    action: "person.import",
                    entity_type: "person",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({
                        "registration_number": registration_number(*id),
                        "file": req.file_name,
                        "row": v.row,
                        "source_id": v.source_id,
                    })),
                })
                .collect();
            tx.audit_many(events).await?;
            done += batch.len() as u64;
            progress("write", done, n);
        }
        if source == "given" {
            let pairs: Vec<(String, &str)> =
                given.iter().map(|(c, f)| (c.clone(), f.name())).collect();
            tx.save_import_mapping(
                &key,
                &serde_json::to_string(&headers).unwrap_or_default(),
                &serde_json::to_string(&pairs).unwrap_or_default(),
                &p.username,
                now,
            )
            .await?;
        }
        report.committed = valid.len();
        report.registered = ids
            .first()
            .zip(ids.last())
            .map(|(f, l)| (registration_number(*f), registration_number(*l)));
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "import.commit",
            entity_type: "import",
            entity_id: req.file_name.clone(),
            before: None,
            after: Some(serde_json::json!({
                "file": req.file_name,
                "rows": report.rows,
                "registered": report.committed,
                "skipped_invalid": report.invalid_rows,
                "mapping": report.mapping,
                "mapping_source": report.mapping_source,
            })),
        })
        .await?;
        tx.commit().await?;
        progress("write", n, n);
        Ok(report)
    }
}
