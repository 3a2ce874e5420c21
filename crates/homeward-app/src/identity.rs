//! Identity resolution at work: the duplicate review queue, tracing requests and
//! countries' lists of nationals matched in bulk.
//!
//! - **Review queue.** A batch dedupe of the registry proposes every pair at or above a
//!   threshold once; a reviewer confirms or rejects it. Rejected (and confirmed) pairs are
//!   never proposed again, and every decision is a label that the next run's model learns
//!   from ([`homeward_linkage::Model::with_labels`]). A confirmed pair merges the later
//!   record into the earlier one (or the one the reviewer chose): the merged record is kept,
//!   hidden from every person read, its names still find the survivor, and its open custody
//!   stay is closed (and opened on the survivor if the survivor had none), so one person has
//!   one open stay. Undoing the merge restores both records and their custody exactly.
//! - **Tracing requests.** A relative's description of a sought person, matched against the
//!   registry, candidates ranked and explained field by field; the outcome is recorded.
//!   Registrars, case workers and administrators only; never consular officers.
//! - **Lists of nationals.** A CSV or XLSX list matched row by row; a consular officer's
//!   candidates come only from persons in their scope. Only the results are kept, and only
//!   the user who uploaded the list sees them.
//!
//! Every change writes its audit event in the same transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use chrono::Datelike;
use homeward_domain::access::{Action, Principal, Scope, authorize, person_scope};
use homeward_domain::country::CountryCode;
use homeward_domain::error::{FieldError, Invalid};
use homeward_domain::person::PersonId;
use homeward_linkage::batch::{BatchOptions, ColumnMapping};
use homeward_linkage::{
    BirthDate, Explanation, Field, LabelledPair, LinkageConfig, PersonName, Record,
};
use homeward_store::audit::NewEvent;
use homeward_store::identity::{
    ListMatchRow, MergeCustody, MergeRow, NewTracing, ReviewRow, TracingRow,
};
use homeward_store::registry::{NewEpisode, PersonFilter};
use homeward_store::rows::{DocumentRow, NameRow, PersonRow};
use serde::{Deserialize, Serialize};

use crate::views::{PersonSummary, birth, sex};
use crate::{App, AppError};

/// The largest list of nationals accepted in one upload.
pub const MAX_LIST_BYTES: usize = 8 * 1024 * 1024;
/// The most rows matched from one list.
pub const MAX_LIST_ROWS: usize = 20_000;
/// Candidates kept per list row or tracing request.
const CANDIDATES: usize = 3;
/// Below this probability a candidate is not worth showing.
const SHOW_FROM: f64 = 0.05;

/// The stable key of a compared field (also the message key of its name on pages).
pub fn field_key(f: Field) -> &'static str {
    match f {
        Field::GivenName => "given_name",
        Field::FamilyName => "family_name",
        Field::DateOfBirth => "date_of_birth",
        Field::Sex => "sex",
        Field::Nationality => "nationality",
        Field::PlaceOfBirth => "place_of_birth",
        Field::MotherName => "mother_name",
        Field::FatherName => "father_name",
        Field::DocumentNumber => "document_number",
        Field::HouseNumber => "house_number",
        Field::Street => "street",
        Field::Locality => "locality",
        Field::Postcode => "postcode",
    }
}

/// One field's part in a score.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldReason {
    /// Field key (`given_name`, `date_of_birth`, ...).
    pub field: String,
    /// Comparison level (1 = different ... highest = exact).
    pub level: u8,
    /// What the level means, in English.
    pub level_label: String,
    /// Evidence in bits: positive for, negative against.
    pub weight: f64,
    /// The readable reason, in English.
    pub reason: String,
}

/// The fields that were present on both sides, strongest evidence first.
pub fn reasons(e: &Explanation) -> Vec<FieldReason> {
    let mut out: Vec<FieldReason> = e
        .fields
        .iter()
        .filter(|f| f.level > 0)
        .map(|f| FieldReason {
            field: field_key(f.field).to_owned(),
            level: f.level,
            level_label: f.level_label.to_owned(),
            weight: (f.weight * 100.0).round() / 100.0,
            reason: f.reason.clone(),
        })
        .collect();
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    out
}

/// A pair in the review queue with both persons and why they look alike.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    /// The stored pair.
    pub review: ReviewRow,
    /// The earlier record (or the merged one, when merged away).
    pub left: PersonSummary,
    /// The later record.
    pub right: PersonSummary,
    /// Field-by-field explanation.
    pub reasons: Vec<FieldReason>,
    /// The active merge this pair led to, if any.
    pub merge: Option<MergeRow>,
}

/// What a batch dedupe did.
#[derive(Debug, Clone, Serialize)]
pub struct DedupeRun {
    /// Persons compared.
    pub persons: usize,
    /// Candidate pairs at or above the threshold.
    pub pairs: usize,
    /// New pairs added to the queue.
    pub proposed: usize,
    /// Pairs left out because a reviewer already saw them.
    pub already_reviewed: usize,
    /// Reviewers' decisions the model learnt from.
    pub labels: usize,
    /// The threshold used.
    pub threshold: f64,
}

/// A record merged into a person: shown on the survivor.
#[derive(Debug, Clone, Serialize)]
pub struct MergedRecord {
    /// The merge.
    pub merge: MergeRow,
    /// The merged record as it was.
    pub person: PersonRow,
    /// Its names.
    pub names: Vec<NameRow>,
    /// Its documents.
    pub documents: Vec<DocumentRow>,
}

/// A tracing request as a form or the API sends it; every field is text, checked here.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TracingDraft {
    /// Every name of the sought person, one a line, in any script.
    pub names: String,
    /// `female` or `male`, if known.
    pub sex: String,
    /// Year of birth, if known.
    pub year_of_birth: String,
    /// Approximate age today, if the year is not known.
    pub age: String,
    /// Place of birth or last known place.
    pub place: String,
    /// Mother's name.
    pub mother_name: String,
    /// Father's name.
    pub father_name: String,
    /// Nationality, ISO alpha-2.
    pub nationality: String,
    /// Who asks.
    pub requester_name: String,
    /// How the requester is related to the sought person.
    pub relationship: String,
    /// `icrc`, `family`, `embassy`, `ngo` or `other`.
    pub channel: String,
    /// How to reach the requester (or the channel's reference).
    pub contact: String,
    /// Anything else.
    pub note: String,
}

/// The channels a tracing request comes through.
pub const CHANNELS: [&str; 5] = ["icrc", "family", "embassy", "ngo", "other"];
/// The outcomes of a tracing request.
pub const OUTCOMES: [&str; 3] = ["found", "not_found", "closed"];

/// A registry candidate for a tracing request or a list row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CandidateView {
    /// Internal person id.
    pub person_id: i64,
    /// Registration number.
    pub registration_number: String,
    /// Every name variant as written.
    pub names: Vec<String>,
    /// Sex key.
    pub sex: String,
    /// Approximate date of birth.
    pub birth: String,
    /// Claimed nationalities.
    pub nationalities: Vec<String>,
    /// Match probability.
    pub probability: f64,
    /// Field-by-field explanation.
    pub reasons: Vec<FieldReason>,
}

/// A tracing request with its ranked candidates.
#[derive(Debug, Clone, Serialize)]
pub struct TracingView {
    /// The request.
    pub request: TracingRow,
    /// Registry candidates, best first.
    pub candidates: Vec<CandidateView>,
}

/// One row of a matched list with its best candidates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListResult {
    /// Line in the uploaded file.
    pub line: u64,
    /// The row's own id (or its row number).
    pub list_id: String,
    /// The names given on the row.
    pub list_names: Vec<String>,
    /// The date of birth given on the row.
    pub list_birth: String,
    /// Best candidates in the caller's scope.
    pub candidates: Vec<CandidateView>,
}

fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> AppError {
    AppError::Invalid(Invalid::one(field, code, message))
}

fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn birth_text(b: &Option<BirthDate>) -> String {
    b.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn name_texts(r: &Record) -> Vec<String> {
    r.names
        .iter()
        .map(|n| {
            if let Some(f) = &n.full {
                f.clone()
            } else {
                [n.given.as_deref(), n.family.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        })
        .collect()
}

impl TracingDraft {
    /// Checks every field at once; the stored shape.
    pub fn parse(&self, this_year: i32) -> Result<NewTracing, Invalid> {
        let mut errors = Vec::new();
        let names: Vec<&str> = self
            .names
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if names.is_empty() {
            errors.push(FieldError::new(
                "names",
                "HW-IDE-0001",
                "names: give at least one name of the sought person, in any script",
            ));
        }
        let sex = match self.sex.trim() {
            "" => None,
            s @ ("female" | "male") => Some(s.to_owned()),
            _ => {
                errors.push(FieldError::new(
                    "sex",
                    "HW-IDE-0002",
                    "sex: female, male or left empty",
                ));
                None
            }
        };
        let year = match self.year_of_birth.trim() {
            "" => None,
            y => match y.parse::<i64>() {
                Ok(v) if (1900..=i64::from(this_year)).contains(&v) => Some(v),
                _ => {
                    errors.push(FieldError::new(
                        "year_of_birth",
                        "HW-IDE-0003",
                        format!("year_of_birth: a year between 1900 and {this_year}"),
                    ));
                    None
                }
            },
        };
        let age = match self.age.trim() {
            "" => None,
            a => match a.parse::<i64>() {
                Ok(v) if (0..=120).contains(&v) => Some(v),
                _ => {
                    errors.push(FieldError::new(
                        "age",
                        "HW-IDE-0004",
                        "age: an age in whole years, 0 to 120",
                    ));
                    None
                }
            },
        };
        let nationality = match self.nationality.trim() {
            "" => None,
            n => match CountryCode::parse("nationality", n) {
                Ok(c) => Some(c.to_string()),
                Err(_) => {
                    errors.push(FieldError::new(
                        "nationality",
                        "HW-IDE-0005",
                        "nationality: a two-letter country code (ISO 3166-1), e.g. RU",
                    ));
                    None
                }
            },
        };
        for (field, value) in [
            ("requester_name", &self.requester_name),
            ("relationship", &self.relationship),
            ("contact", &self.contact),
        ] {
            if value.trim().is_empty() {
                errors.push(FieldError::new(
                    field,
                    "HW-IDE-0006",
                    format!("{field}: required"),
                ));
            }
        }
        if !CHANNELS.contains(&self.channel.trim()) {
            errors.push(FieldError::new(
                "channel",
                "HW-IDE-0007",
                "channel: icrc, family, embassy, ngo or other",
            ));
        }
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        Ok(NewTracing {
            sought_names: names.join("\n"),
            sex,
            birth_year: year,
            age,
            place: text(&self.place),
            mother_name: text(&self.mother_name),
            father_name: text(&self.father_name),
            nationality,
            requester_name: self.requester_name.trim().to_owned(),
            relationship: self.relationship.trim().to_owned(),
            channel: self.channel.trim().to_owned(),
            contact: self.contact.trim().to_owned(),
            note: self.note.trim().to_owned(),
        })
    }
}

/// The record a tracing request describes, for the engine.
fn tracing_record(t: &TracingRow, this_year: i32) -> Record {
    let mut r = Record::new(format!("tracing-{}", t.id));
    r.names = t.sought_names.lines().map(PersonName::full).collect();
    r.sex = t.sex.as_deref().and_then(sex);
    r.date_of_birth = match (t.birth_year, t.age) {
        (Some(y), _) => Some(BirthDate::Year {
            year: i32::try_from(y).unwrap_or(this_year),
        }),
        (None, Some(a)) => Some(BirthDate::Estimated {
            year: this_year - i32::try_from(a).unwrap_or(0),
            tolerance: 2,
        }),
        _ => None,
    };
    r.place_of_birth = t.place.clone();
    r.mother_name = t.mother_name.clone();
    r.father_name = t.father_name.clone();
    r.nationality = t.nationality.clone();
    r
}

/// A spreadsheet date serial (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_day(serial: f64) -> String {
    chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(serial.floor() as i64)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The first sheet of an XLSX workbook as CSV text, so both formats read alike.
pub(crate) fn xlsx_to_csv(bytes: &[u8]) -> Result<String, AppError> {
    // The workbook reader can panic on a malformed file (fuzzing found a cell reference with
    // so many column letters that calamine's arithmetic overflows): that is a workbook it
    // cannot read, refused like any other, never a crash of the request.
    std::panic::catch_unwind(|| read_xlsx(bytes)).unwrap_or_else(|_| {
        Err(invalid(
            "file",
            "HW-IDE-0010",
            "file: not a readable XLSX workbook (malformed content)",
        ))
    })
}

fn read_xlsx(bytes: &[u8]) -> Result<String, AppError> {
    use calamine::{Data, Reader, Xlsx};
    let bad = |m: String| invalid("file", "HW-IDE-0010", format!("file: {m}"));
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable XLSX workbook ({e})")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| bad("the workbook has no sheet".into()))?
        .map_err(|e| bad(format!("the first sheet cannot be read ({e})")))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in range.rows() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty | Data::Error(_) => String::new(),
                Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
                Data::DateTime(d) => excel_day(d.as_f64()),
                Data::DateTimeIso(s) => s.chars().take(10).collect(),
                other => other.to_string(),
            })
            .collect();
        w.write_record(&cells)
            .map_err(|e| bad(format!("cannot be read ({e})")))?;
    }
    let out = w
        .into_inner()
        .map_err(|e| bad(format!("cannot be read ({e})")))?;
    String::from_utf8(out).map_err(|e| bad(format!("not valid text ({e})")))
}

/// Reads an uploaded list (CSV or XLSX) into records; every problem names the field or line.
pub fn read_list(
    file_name: &str,
    bytes: &[u8],
    mappings: &[String],
    this_year: i32,
) -> Result<Vec<Record>, AppError> {
    if bytes.is_empty() {
        return Err(invalid(
            "file",
            "HW-IDE-0011",
            "file: choose a CSV or XLSX file",
        ));
    }
    if bytes.len() > MAX_LIST_BYTES {
        return Err(invalid(
            "file",
            "HW-IDE-0012",
            format!("file: larger than {} MB", MAX_LIST_BYTES / (1024 * 1024)),
        ));
    }
    let mut options = BatchOptions::standard();
    options.reference_year = Some(this_year);
    for m in mappings.iter().flat_map(|m| m.split([',', '\n'])) {
        if m.trim().is_empty() {
            continue;
        }
        let mapping = ColumnMapping::parse(m.trim())
            .map_err(|e| invalid("map", "HW-IDE-0013", format!("map: {e}")))?;
        options.mappings.push(mapping);
    }
    let name = if file_name.trim().is_empty() {
        "list"
    } else {
        file_name.trim()
    };
    let is_xlsx = bytes.starts_with(b"PK\x03\x04");
    let records = if is_xlsx {
        let text = xlsx_to_csv(bytes)?;
        homeward_linkage::batch::read_records_from(&options, name, text.as_bytes())
    } else {
        homeward_linkage::batch::read_records_from(&options, name, bytes)
    }
    .map_err(|e| invalid("file", "HW-IDE-0014", format!("file: {e}")))?;
    if records.len() > MAX_LIST_ROWS {
        return Err(invalid(
            "file",
            "HW-IDE-0015",
            format!("file: more than {MAX_LIST_ROWS} rows; split the list"),
        ));
    }
    if records.iter().all(|r| r.names.is_empty()) {
        return Err(invalid(
            "file",
            "HW-IDE-0016",
            "file: no names found; the header needs given_name, family_name or full_name \
             (map other headers with COLUMN=FIELD)",
        ));
    }
    Ok(records)
}

impl App {
    /// The engine's record of a stored person (merged away or not): names, sex, birth,
    /// first claim and document.
    async fn record_of(&self, id: i64) -> Result<Record, AppError> {
        let store = self.store();
        let p = store.person_any(id).await?;
        let mut r = Record::new(id.to_string());
        r.names = store
            .names_of(&[id])
            .await?
            .into_iter()
            .map(|n| PersonName::full(n.text))
            .collect();
        r.sex = sex(&p.sex);
        r.date_of_birth = Some(birth(&p.date_of_birth()?));
        r.nationality = store
            .claims_of(&[id])
            .await?
            .into_iter()
            .next()
            .map(|c| c.country_code);
        r.place_of_birth = p.place_of_birth.clone();
        r.father_name = p.father_name.clone();
        r.document_number = store
            .documents_of(&[id])
            .await?
            .into_iter()
            .next()
            .map(|d| d.number);
        Ok(r)
    }

    /// Runs a batch dedupe of the registry and adds every new pair at or above `threshold`
    /// to the review queue. Reviewers' earlier decisions train the model and are never
    /// proposed again. Audited.
    pub async fn run_dedupe(&self, p: &Principal, threshold: f64) -> Result<DedupeRun, AppError> {
        authorize(p, Action::ReviewDuplicates)?;
        if !(0.05..=1.0).contains(&threshold) || threshold.is_nan() {
            return Err(invalid(
                "threshold",
                "HW-IDE-0020",
                "threshold: a probability between 0.05 and 1",
            ));
        }
        let (ids, records) = self.all_records().await?;
        let mut labels = Vec::new();
        for r in self.store().decided_reviews().await? {
            labels.push(LabelledPair {
                left: self.record_of(r.left_id).await?,
                right: self.record_of(r.right_id).await?,
                is_match: r.state == "confirmed",
            });
        }
        let n_labels = labels.len();
        let persons = records.len();
        let scored = tokio::task::spawn_blocking(move || {
            let mut config = LinkageConfig::standard();
            // Look a little below the threshold: the reviewers' labels may raise a pair.
            config.threshold = (threshold * 0.5).max(0.01);
            let linkage = homeward_linkage::dedupe(&config, &records);
            let model = if labels.is_empty() {
                linkage.model.clone()
            } else {
                linkage.model.with_labels(&config, &labels)
            };
            linkage
                .pairs
                .iter()
                .filter_map(|pair| {
                    let e = model.score(&records[pair.left], &records[pair.right]);
                    (e.probability >= threshold).then(|| (ids[pair.left], ids[pair.right], e))
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| AppError::Internal(format!("dedupe: {e}")))?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut proposed = Vec::new();
        for (a, b, e) in &scored {
            let json = serde_json::to_string(&reasons(e)).unwrap_or_default();
            let prob = (e.probability * 1e6).round() / 1e6;
            if let Some(row) = tx
                .propose_pair(*a, *b, prob, &json, &p.username, now)
                .await?
            {
                proposed.push(row);
            }
        }
        let run = DedupeRun {
            persons,
            pairs: scored.len(),
            proposed: proposed.len(),
            already_reviewed: scored.len() - proposed.len(),
            labels: n_labels,
            threshold,
        };
        let pairs: Vec<_> = proposed
            .iter()
            .map(|r| serde_json::json!([r.id, r.left_id, r.right_id, r.probability]))
            .collect();
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "identity.dedupe",
            entity_type: "duplicate_review",
            entity_id: "*".into(),
            before: None,
            after: Some(serde_json::json!({ "run": run, "proposed": pairs })),
        })
        .await?;
        tx.commit().await?;
        Ok(run)
    }

    async fn summary_any(&self, id: i64) -> Result<PersonSummary, AppError> {
        let row = self.store().person_any(id).await?;
        Ok(self.summaries(vec![row]).await?.remove(0))
    }

    async fn review_view(&self, review: ReviewRow) -> Result<ReviewView, AppError> {
        let merge = self
            .store()
            .merges_of_review(review.id)
            .await?
            .into_iter()
            .find(|m| m.undone_at.is_none());
        Ok(ReviewView {
            left: self.summary_any(review.left_id).await?,
            right: self.summary_any(review.right_id).await?,
            reasons: serde_json::from_str(&review.explanation_json).unwrap_or_default(),
            review,
            merge,
        })
    }

    /// The review queue: pairs in a state (`pending` by default), most likely first.
    pub async fn reviews_for(
        &self,
        p: &Principal,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ReviewView>, AppError> {
        authorize(p, Action::ReviewDuplicates)?;
        let state = match state {
            None | Some("") => Some("pending"),
            Some("all") => None,
            Some(s @ ("pending" | "confirmed" | "rejected")) => Some(s),
            Some(_) => {
                return Err(invalid(
                    "state",
                    "HW-IDE-0021",
                    "state: pending, confirmed, rejected or all",
                ));
            }
        };
        let mut out = Vec::new();
        for r in self.store().reviews(state, limit).await? {
            out.push(self.review_view(r).await?);
        }
        Ok(out)
    }

    /// One pair of the queue.
    pub async fn review_for(&self, p: &Principal, id: i64) -> Result<ReviewView, AppError> {
        authorize(p, Action::ReviewDuplicates)?;
        let r = self.store().review(id).await?;
        self.review_view(r).await
    }

    /// Confirms (and merges) or rejects a pending pair. `survivor` chooses the record that
    /// stays (the earlier one by default). Audited; a stale `version` is a conflict.
    pub async fn decide_review(
        &self,
        p: &Principal,
        id: i64,
        decision: &str,
        survivor: Option<i64>,
        version: i64,
    ) -> Result<ReviewView, AppError> {
        authorize(p, Action::ReviewDuplicates)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.review(id).await?;
        if before.state != "pending" {
            return Err(invalid(
                "decision",
                "HW-IDE-0022",
                format!("decision: this pair is already {}", before.state),
            ));
        }
        match decision {
            "reject" => {
                let after = tx
                    .set_review_state(id, "rejected", Some(&p.username), Some(now), version)
                    .await?;
                tx.audit(NewEvent {
                    actor: &p.username,
                    at: now,
                    action: "identity.review.reject",
                    entity_type: "duplicate_review",
                    entity_id: id.to_string(),
                    before: Some(serde_json::to_value(&before).unwrap_or_default()),
                    after: Some(serde_json::to_value(&after).unwrap_or_default()),
                })
                .await?;
            }
            "confirm" => {
                let survivor = survivor.unwrap_or(before.left_id);
                let merged = if survivor == before.left_id {
                    before.right_id
                } else if survivor == before.right_id {
                    before.left_id
                } else {
                    return Err(invalid(
                        "survivor",
                        "HW-IDE-0023",
                        "survivor: one of the two persons of the pair",
                    ));
                };
                // Both must still be visible records (neither merged away since).
                tx.person(PersonId(survivor)).await?;
                let merged_row = tx.person(PersonId(merged)).await?;
                let mut custody = MergeCustody::default();
                if let Some(open) = tx.open_episode(merged).await? {
                    custody.closed_episode_id = Some(open.id);
                    custody.merged_site_id = merged_row.current_site_id;
                    tx.close_episode_for_merge(&open, now).await?;
                    if tx.open_episode(survivor).await?.is_none() {
                        let reason = format!("merged record {}", merged_row.registration_number);
                        let opened = tx
                            .move_person(&NewEpisode {
                                person: PersonId(survivor),
                                site: homeward_domain::site::SiteId(open.site_id),
                                at: now.max(
                                    chrono::NaiveDateTime::parse_from_str(
                                        &open.start_at,
                                        "%Y-%m-%dT%H:%M:%S%.f",
                                    )
                                    .unwrap_or(now),
                                ),
                                authorised_by: &p.username,
                                reason: &reason,
                                best_interests_ref: open.best_interests_ref.as_deref(),
                                recorded_by: &p.username,
                            })
                            .await?;
                        custody.opened_episode_id = Some(opened.id);
                    }
                }
                let merge = tx
                    .insert_merge(Some(id), survivor, merged, custody, &p.username, now)
                    .await?;
                let after = tx
                    .set_review_state(id, "confirmed", Some(&p.username), Some(now), version)
                    .await?;
                tx.audit(NewEvent {
                    actor: &p.username,
                    at: now,
                    action: "identity.review.confirm",
                    entity_type: "duplicate_review",
                    entity_id: id.to_string(),
                    before: Some(serde_json::to_value(&before).unwrap_or_default()),
                    after: Some(serde_json::to_value(&after).unwrap_or_default()),
                })
                .await?;
                tx.audit(NewEvent {
                    actor: &p.username,
                    at: now,
                    action: "person.merge",
                    entity_type: "person",
                    entity_id: merged.to_string(),
                    before: Some(serde_json::to_value(&merged_row).unwrap_or_default()),
                    after: Some(serde_json::to_value(&merge).unwrap_or_default()),
                })
                .await?;
            }
            _ => {
                return Err(invalid(
                    "decision",
                    "HW-IDE-0024",
                    "decision: confirm or reject",
                ));
            }
        }
        tx.commit().await?;
        self.review_for(p, id).await
    }

    /// Undoes a merge: both records and their custody are restored exactly as they were,
    /// and the pair goes back to the queue. Audited.
    pub async fn undo_merge(&self, p: &Principal, merge_id: i64) -> Result<MergeRow, AppError> {
        authorize(p, Action::ReviewDuplicates)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.merge(merge_id).await?;
        if before.undone_at.is_some() {
            return Err(invalid(
                "merge",
                "HW-IDE-0025",
                "merge: this merge is already undone",
            ));
        }
        let after = match tx.undo_merge(&before, &p.username, now).await {
            Err(homeward_store::StoreError::Constraint(m)) => {
                return Err(invalid("merge", "HW-IDE-0026", format!("merge: {m}")));
            }
            r => r?,
        };
        if let Some(rid) = before.review_id {
            let r = tx.review(rid).await?;
            tx.set_review_state(rid, "pending", None, None, r.version)
                .await?;
        }
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "person.unmerge",
            entity_type: "person",
            entity_id: before.merged_id.to_string(),
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The records merged into a person the principal may see: their names and documents.
    pub async fn merged_into(
        &self,
        p: &Principal,
        survivor: PersonId,
    ) -> Result<Vec<MergedRecord>, AppError> {
        authorize(p, Action::ReadPersons)?;
        if !self.can_see(p, survivor).await? {
            return Err(AppError::NotFound("person".into()));
        }
        self.store().person(survivor).await?;
        let mut out = Vec::new();
        for m in self.store().merges_into(survivor.0).await? {
            let store = self.store();
            out.push(MergedRecord {
                person: store.person_any(m.merged_id).await?,
                names: store.names_of(&[m.merged_id]).await?,
                documents: store.documents_of(&[m.merged_id]).await?,
                merge: m,
            });
        }
        Ok(out)
    }

    /// Records a tracing request. Audited.
    pub async fn add_tracing(
        &self,
        p: &Principal,
        draft: &TracingDraft,
    ) -> Result<TracingRow, AppError> {
        authorize(p, Action::TraceRequests)?;
        let t = draft.parse(self.today().year())?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let row = tx.insert_tracing(&t, &p.username, now).await?;
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "tracing.add",
            entity_type: "tracing_request",
            entity_id: row.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Tracing requests in a state (every state when `None`), newest first.
    pub async fn tracing_list(
        &self,
        p: &Principal,
        state: Option<&str>,
    ) -> Result<Vec<TracingRow>, AppError> {
        authorize(p, Action::TraceRequests)?;
        Ok(self.store().tracing_requests(state).await?)
    }

    /// Ranks registry candidates for an engine record, in the principal's scope.
    pub(crate) async fn candidates(
        &self,
        p: &Principal,
        queries: Vec<Record>,
        visible: Option<&BTreeSet<i64>>,
    ) -> Result<Vec<Vec<CandidateView>>, AppError> {
        let found = self
            .with_index(|ids, index| {
                queries
                    .iter()
                    .map(|q| {
                        index
                            .query(q, 40)
                            .into_iter()
                            .filter_map(|c| {
                                let id = c.id.parse::<i64>().ok()?;
                                let _ = ids;
                                let ok = visible.is_none_or(|v| v.contains(&id))
                                    && c.probability >= SHOW_FROM;
                                ok.then_some((id, c.probability, reasons(&c.explanation)))
                            })
                            .take(CANDIDATES)
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
        let wanted: Vec<i64> = found.iter().flatten().map(|(id, _, _)| *id).collect();
        let mut people: BTreeMap<i64, PersonSummary> = BTreeMap::new();
        for id in wanted {
            if people.contains_key(&id) || !self.can_see(p, PersonId(id)).await? {
                continue;
            }
            if let Ok(row) = self.store().person(PersonId(id)).await {
                let s = self.summaries(vec![row]).await?.remove(0);
                people.insert(id, s);
            }
        }
        Ok(found
            .into_iter()
            .map(|cands| {
                cands
                    .into_iter()
                    .filter_map(|(id, probability, reasons)| {
                        let s = people.get(&id)?;
                        Some(CandidateView {
                            person_id: id,
                            registration_number: s.person.registration_number.clone(),
                            names: s.names.clone(),
                            sex: s.person.sex.clone(),
                            birth: s.person.birth_approx.clone(),
                            nationalities: s.nationalities.clone(),
                            probability: (probability * 1e4).round() / 1e4,
                            reasons,
                        })
                    })
                    .collect()
            })
            .collect())
    }

    /// A tracing request with its candidates from the registry, best first.
    pub async fn tracing_for(&self, p: &Principal, id: i64) -> Result<TracingView, AppError> {
        authorize(p, Action::TraceRequests)?;
        let request = self.store().tracing(id).await?;
        let q = tracing_record(&request, self.today().year());
        let candidates = self
            .candidates(p, vec![q], None)
            .await?
            .pop()
            .unwrap_or_default();
        Ok(TracingView {
            request,
            candidates,
        })
    }

    /// Records the outcome of a tracing request: `found` (with the person), `not_found` or
    /// `closed`. Audited; a stale `version` is a conflict.
    pub async fn tracing_outcome(
        &self,
        p: &Principal,
        id: i64,
        outcome: &str,
        person: Option<&str>,
        note: &str,
        version: i64,
    ) -> Result<TracingRow, AppError> {
        authorize(p, Action::TraceRequests)?;
        if !OUTCOMES.contains(&outcome) {
            return Err(invalid(
                "outcome",
                "HW-IDE-0030",
                "outcome: found, not_found or closed",
            ));
        }
        let person = match (outcome, person.map(str::trim).filter(|s| !s.is_empty())) {
            ("found", None) => {
                return Err(invalid(
                    "person",
                    "HW-IDE-0031",
                    "person: the registration number of the person found",
                ));
            }
            ("found", Some(n)) => {
                let row = match n.parse::<i64>() {
                    Ok(i) => self.store().person(PersonId(i)).await,
                    Err(_) => self.store().person_by_number(n).await,
                };
                match row {
                    Ok(r) => Some(r.id),
                    Err(_) => {
                        return Err(invalid(
                            "person",
                            "HW-IDE-0032",
                            format!("person: no registered person {n}"),
                        ));
                    }
                }
            }
            _ => None,
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.tracing(id).await?;
        let after = tx
            .set_tracing_outcome(id, outcome, person, note.trim(), &p.username, now, version)
            .await?;
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "tracing.outcome",
            entity_type: "tracing_request",
            entity_id: id.to_string(),
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The persons a principal may see, when their scope is narrower than everyone.
    async fn visible_set(&self, p: &Principal) -> Result<Option<BTreeSet<i64>>, AppError> {
        match person_scope(p) {
            Scope::All => Ok(None),
            Scope::None => Err(AppError::Forbidden),
            Scope::Country(c) => {
                let filter = PersonFilter {
                    scope_country: Some(c.to_string()),
                    ..PersonFilter::default()
                };
                let found = self.store().persons_matching(&filter).await?;
                Ok(Some(found.iter().map(|p| p.id).collect()))
            }
        }
    }

    /// Matches a country's list of nationals (CSV or XLSX) against the persons the
    /// principal may see; keeps the results for the uploader only. Audited (counts only).
    pub async fn match_list(
        &self,
        p: &Principal,
        file_name: &str,
        bytes: &[u8],
        mappings: &[String],
    ) -> Result<ListMatchRow, AppError> {
        authorize(p, Action::MatchLists)?;
        let records = read_list(file_name, bytes, mappings, self.today().year())?;
        let visible = self.visible_set(p).await?;
        let lines: Vec<(String, Vec<String>, String)> = records
            .iter()
            .map(|r| (r.id.clone(), name_texts(r), birth_text(&r.date_of_birth)))
            .collect();
        let found = self.candidates(p, records, visible.as_ref()).await?;
        let results: Vec<ListResult> = lines
            .into_iter()
            .zip(found)
            .enumerate()
            .map(
                |(i, ((list_id, list_names, list_birth), candidates))| ListResult {
                    line: i as u64 + 2,
                    list_id,
                    list_names,
                    list_birth,
                    candidates,
                },
            )
            .collect();
        let matched = results
            .iter()
            .filter(|r| r.candidates.first().is_some_and(|c| c.probability >= 0.5))
            .count();
        let scope = match person_scope(p) {
            Scope::Country(c) => Some(c.to_string()),
            _ => None,
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let row = tx
            .insert_list_match(
                &p.username,
                scope.as_deref(),
                file_name.trim(),
                i64::try_from(results.len()).unwrap_or(i64::MAX),
                i64::try_from(matched).unwrap_or(i64::MAX),
                &serde_json::to_string(&results).unwrap_or_default(),
                now,
            )
            .await?;
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "list.match",
            entity_type: "list_match",
            entity_id: row.id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "file_name": row.file_name,
                "rows": row.row_count,
                "matched": row.matched_count,
                "scope_country": row.scope_country,
            })),
        })
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The list matches the principal uploaded, newest first.
    pub async fn list_matches_for(&self, p: &Principal) -> Result<Vec<ListMatchRow>, AppError> {
        authorize(p, Action::MatchLists)?;
        Ok(self.store().list_matches_of(&p.username).await?)
    }

    /// One of the principal's own list matches with its rows; anyone else's is "not found".
    pub async fn list_match_for(
        &self,
        p: &Principal,
        id: i64,
    ) -> Result<(ListMatchRow, Vec<ListResult>), AppError> {
        authorize(p, Action::MatchLists)?;
        let row = self.store().list_match(id).await?;
        if row.uploaded_by != p.username {
            return Err(AppError::NotFound("list match".into()));
        }
        let results = serde_json::from_str(&row.results_json)
            .map_err(|e| AppError::Internal(format!("list match {id}: {e}")))?;
        Ok((row, results))
    }

    /// The results of one of the principal's list matches as CSV: one line per candidate
    /// (or one line for a row without any).
    /// The download is registered in the register of exports.
    pub async fn list_match_csv(&self, p: &Principal, id: i64) -> Result<String, AppError> {
        let (_, results) = self.list_match_for(p, id).await?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
        const HEAD: [&str; 9] = [
            "line",
            "list_id",
            "list_name",
            "list_date_of_birth",
            "rank",
            "registration_number",
            "names",
            "probability",
            "reasons",
        ];
        w.write_record(HEAD).map_err(fail)?;
        let mut lines: i64 = 0;
        for r in &results {
            let base = [
                r.line.to_string(),
                r.list_id.clone(),
                r.list_names.join(" / "),
                r.list_birth.clone(),
            ];
            if r.candidates.is_empty() {
                let mut rec = base.to_vec();
                rec.extend(["".into(), "".into(), "".into(), "".into(), "".into()]);
                w.write_record(&rec).map_err(fail)?;
                lines += 1;
            }
            for (k, c) in r.candidates.iter().enumerate() {
                let mut rec = base.to_vec();
                rec.push((k + 1).to_string());
                rec.push(c.registration_number.clone());
                rec.push(c.names.join(" / "));
                rec.push(format!("{:.4}", c.probability));
                rec.push(
                    c.reasons
                        .iter()
                        .map(|x| x.reason.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                w.write_record(&rec).map_err(fail)?;
                lines += 1;
            }
        }
        let bytes = w
            .into_inner()
            .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
        self.record_export(
            p,
            &homeward_store::reports::NewExport {
                username: &p.username,
                role: p.role.key(),
                what: "list-match",
                format: "csv",
                row_count: lines,
                fields: &HEAD.join(","),
                scope: &crate::reports::export_scope(p),
            },
        )
        .await?;
        String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("csv: {e}")))
    }
}
