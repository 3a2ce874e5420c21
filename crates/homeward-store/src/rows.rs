//! Stored records as the database returns them, and their conversion into domain types.
//!
//! Rows serialise to JSON for the audit trail's before and after snapshots.

use chrono::NaiveDate;
use homeward_domain::country::CountryCode;
use homeward_domain::date::DateOfBirth;
use homeward_domain::person::{PersonFacts, PersonId, Sex, Status, Vulnerability};
use homeward_domain::site::{SeparationGroup, Site, SiteId, SiteKind};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, StoreError};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn date(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| corrupt(field, e))
}

fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(col)? != 0)
}

/// A person as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PersonRow {
    pub id: i64,
    pub registration_number: String,
    pub sex: String,
    pub dob_kind: String,
    pub dob_date: Option<String>,
    pub dob_year: Option<i64>,
    pub est_age: Option<i64>,
    pub est_basis: Option<String>,
    pub est_made_on: Option<String>,
    pub birth_approx: String,
    pub place_of_birth: Option<String>,
    pub status: String,
    pub pregnant_due: Option<String>,
    pub disability: bool,
    pub serious_medical: bool,
    pub unaccompanied: bool,
    pub separated: bool,
    pub father_unknown: bool,
    pub father_name: Option<String>,
    pub separation_group: String,
    pub current_site_id: Option<i64>,
    pub synthetic: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// The person columns, in the order `PersonRow::from_row` reads them.
pub const PERSON_COLUMNS: &str = "id, registration_number, sex, dob_kind, dob_date, dob_year, \
    est_age, est_basis, est_made_on, birth_approx, place_of_birth, status, pregnant_due, \
    disability, serious_medical, unaccompanied, separated, father_unknown, father_name, \
    separation_group, current_site_id, synthetic, version, created_at, updated_at";

impl PersonRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            registration_number: r.try_get("registration_number")?,
            sex: r.try_get("sex")?,
            dob_kind: r.try_get("dob_kind")?,
            dob_date: r.try_get("dob_date")?,
            dob_year: r.try_get("dob_year")?,
            est_age: r.try_get("est_age")?,
            est_basis: r.try_get("est_basis")?,
            est_made_on: r.try_get("est_made_on")?,
            birth_approx: r.try_get("birth_approx")?,
            place_of_birth: r.try_get("place_of_birth")?,
            status: r.try_get("status")?,
            pregnant_due: r.try_get("pregnant_due")?,
            disability: flag(r, "disability")?,
            serious_medical: flag(r, "serious_medical")?,
            unaccompanied: flag(r, "unaccompanied")?,
            separated: flag(r, "separated")?,
            father_unknown: flag(r, "father_unknown")?,
            father_name: r.try_get("father_name")?,
            separation_group: r.try_get("separation_group")?,
            current_site_id: r.try_get("current_site_id")?,
            synthetic: flag(r, "synthetic")?,
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    /// The typed id.
    pub fn person_id(&self) -> PersonId {
        PersonId(self.id)
    }

    /// The date of birth as known.
    pub fn date_of_birth(&self) -> Result<DateOfBirth> {
        match self.dob_kind.as_str() {
            "exact" => Ok(DateOfBirth::Exact(date(
                "dob_date",
                self.dob_date.as_deref().unwrap_or_default(),
            )?)),
            "year" => Ok(DateOfBirth::Year(
                i32::try_from(self.dob_year.unwrap_or_default()).map_err(|e| corrupt("year", e))?,
            )),
            "estimated" => Ok(DateOfBirth::Estimated {
                age_years: u8::try_from(self.est_age.unwrap_or_default())
                    .map_err(|e| corrupt("est_age", e))?,
                basis: self.est_basis.clone().unwrap_or_default(),
                made_on: date(
                    "est_made_on",
                    self.est_made_on.as_deref().unwrap_or_default(),
                )?,
            }),
            other => Err(corrupt("dob_kind", other)),
        }
    }

    /// The identity facts, as the domain rules read them.
    pub fn facts(&self) -> Result<PersonFacts> {
        Ok(PersonFacts {
            sex: Sex::parse("sex", &self.sex).map_err(|e| corrupt("sex", e))?,
            date_of_birth: self.date_of_birth()?,
            place_of_birth: self.place_of_birth.clone(),
            status: Status::parse("status", &self.status).map_err(|e| corrupt("status", e))?,
            vulnerability: Vulnerability {
                pregnant_expected_delivery: self
                    .pregnant_due
                    .as_deref()
                    .map(|d| date("pregnant_due", d))
                    .transpose()?,
                disability: self.disability,
                serious_medical_condition: self.serious_medical,
                unaccompanied: self.unaccompanied,
                separated: self.separated,
            },
            father_unknown: self.father_unknown,
            father_name: self.father_name.clone(),
            separation_group: SeparationGroup::parse("separation_group", &self.separation_group)
                .map_err(|e| corrupt("separation_group", e))?,
        })
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> Result<u32> {
        Ok(self.date_of_birth()?.age_on(on))
    }
}

/// A name variant as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NameRow {
    pub id: i64,
    pub person_id: i64,
    pub text: String,
    pub script: String,
    pub kind: String,
    pub recorded_by: String,
    pub source: String,
    pub created_at: String,
}

impl NameRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            text: r.try_get("text")?,
            script: r.try_get("script")?,
            kind: r.try_get("kind")?,
            recorded_by: r.try_get("recorded_by")?,
            source: r.try_get("source")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

/// A document as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocumentRow {
    pub id: i64,
    pub person_id: i64,
    pub doc_type: String,
    pub number: String,
    pub issuing_country: String,
    pub expiry: Option<String>,
    pub sighted: bool,
    pub created_at: String,
}

impl DocumentRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            doc_type: r.try_get("doc_type")?,
            number: r.try_get("number")?,
            issuing_country: r.try_get("issuing_country")?,
            expiry: r.try_get("expiry")?,
            sighted: flag(r, "sighted")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

/// A family link as stored: `from_person` is the `relation` of `to_person`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkRow {
    pub id: i64,
    pub from_person: i64,
    pub to_person: i64,
    pub relation: String,
    pub basis: String,
    pub confidence: String,
    pub evidence_ref: Option<String>,
    pub recorded_by: String,
    pub created_at: String,
}

impl LinkRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            from_person: r.try_get("from_person")?,
            to_person: r.try_get("to_person")?,
            relation: r.try_get("relation")?,
            basis: r.try_get("basis")?,
            confidence: r.try_get("confidence")?,
            evidence_ref: r.try_get("evidence_ref")?,
            recorded_by: r.try_get("recorded_by")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

/// A custody episode as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpisodeRow {
    pub id: i64,
    pub person_id: i64,
    pub site_id: i64,
    pub start_at: String,
    pub end_at: Option<String>,
    pub authorised_by: String,
    pub reason: String,
    pub best_interests_ref: Option<String>,
    pub recorded_by: String,
}

impl EpisodeRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            site_id: r.try_get("site_id")?,
            start_at: r.try_get("start_at")?,
            end_at: r.try_get("end_at")?,
            authorised_by: r.try_get("authorised_by")?,
            reason: r.try_get("reason")?,
            best_interests_ref: r.try_get("best_interests_ref")?,
            recorded_by: r.try_get("recorded_by")?,
        })
    }
}

/// A nationality claim as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClaimRow {
    pub id: i64,
    pub person_id: i64,
    pub country_code: String,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
    pub version: i64,
}

impl ClaimRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            country_code: r.try_get("country_code")?,
            state: r.try_get("state")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: r.try_get("decided_at")?,
            created_at: r.try_get("created_at")?,
            version: r.try_get("version")?,
        })
    }
}

/// A piece of evidence for a claim.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvidenceRow {
    pub id: i64,
    pub claim_id: i64,
    pub kind: String,
    pub reference: String,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl EvidenceRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            claim_id: r.try_get("claim_id")?,
            kind: r.try_get("kind")?,
            reference: r.try_get("reference")?,
            note: r.try_get("note")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A site as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SiteRow {
    pub id: i64,
    pub code: String,
    pub name_en: String,
    pub name_ar: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub capacity: i64,
    pub separation_group: Option<String>,
    pub synthetic: bool,
    pub version: i64,
    pub created_at: String,
}

impl SiteRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            code: r.try_get("code")?,
            name_en: r.try_get("name_en")?,
            name_ar: r.try_get("name_ar")?,
            kind: r.try_get("kind")?,
            parent_id: r.try_get("parent_id")?,
            capacity: r.try_get("capacity")?,
            separation_group: r.try_get("separation_group")?,
            synthetic: flag(r, "synthetic")?,
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
        })
    }

    /// The site as the domain rules read it.
    pub fn site(&self) -> Result<Site> {
        Ok(Site {
            id: SiteId(self.id),
            code: self.code.clone(),
            name_en: self.name_en.clone(),
            name_ar: self.name_ar.clone(),
            kind: SiteKind::parse("kind", &self.kind).map_err(|e| corrupt("kind", e))?,
            parent: self.parent_id.map(SiteId),
            capacity: u32::try_from(self.capacity).map_err(|e| corrupt("capacity", e))?,
            separation_group: self
                .separation_group
                .as_deref()
                .map(|g| SeparationGroup::parse("separation_group", g))
                .transpose()
                .map_err(|e| corrupt("separation_group", e))?,
        })
    }
}

/// A country's stance from a date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StanceRow {
    pub id: i64,
    pub country_code: String,
    pub stance: String,
    pub effective_from: String,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl StanceRow {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            country_code: r.try_get("country_code")?,
            stance: r.try_get("stance")?,
            effective_from: r.try_get("effective_from")?,
            note: r.try_get("note")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// Checks that a stored country code is still a known one.
pub fn country(code: &str) -> Result<CountryCode> {
    CountryCode::parse("country", code).map_err(|e| corrupt("country", e))
}
