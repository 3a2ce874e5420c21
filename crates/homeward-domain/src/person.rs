//! A person in the registry: identity facts, name variants, documents and vulnerabilities.

use std::fmt;

use chrono::NaiveDate;

use crate::country::{CountryCode, parse_key};
use crate::date::{DateOfBirth, parse_date};
use crate::error::{Errors, FieldError, Invalid};
use crate::script::{self, Script};
use crate::site::SeparationGroup;

/// The internal id of a stored person. Never shown to users: they see the registration number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonId(pub i64);

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The human-readable registration number, such as `HW-000123`, derived from the id.
pub fn registration_number(id: PersonId) -> String {
    format!("HW-{:06}", id.0)
}

/// Sex as registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// Both values.
    pub const ALL: [Sex; 2] = [Sex::Female, Sex::Male];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }

    /// Parses `female`/`male` (also `f`/`m`).
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "f" => Ok(Sex::Female),
            "m" => Ok(Sex::Male),
            _ => parse_key(field, text, &Self::ALL, Self::key),
        }
    }
}

/// Where a person stands in the life of their case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Held, not yet placed by the protocol.
    InCustody,
    /// Held and placed under the protocol.
    Placed,
    /// Held, moving between sites.
    Transferred,
    /// Custody passed to the home country's officials.
    HandedOver,
    /// Set free.
    Released,
    /// Died in custody.
    Deceased,
    /// Whereabouts unknown: must be found.
    Missing,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 7] = [
        Status::InCustody,
        Status::Placed,
        Status::Transferred,
        Status::HandedOver,
        Status::Released,
        Status::Deceased,
        Status::Missing,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Status::InCustody => "in_custody",
            Status::Placed => "placed",
            Status::Transferred => "transferred",
            Status::HandedOver => "handed_over",
            Status::Released => "released",
            Status::Deceased => "deceased",
            Status::Missing => "missing",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }

    /// Whether the person is held, and so must be in exactly one current site.
    pub fn is_held(self) -> bool {
        matches!(
            self,
            Status::InCustody | Status::Placed | Status::Transferred
        )
    }
}

/// Markers that call for protection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vulnerability {
    /// Pregnant, with the expected date of delivery.
    pub pregnant_expected_delivery: Option<NaiveDate>,
    /// Lives with a disability.
    pub disability: bool,
    /// Has a serious medical condition.
    pub serious_medical_condition: bool,
    /// A child with neither parent nor customary caregiver in custody.
    pub unaccompanied: bool,
    /// A child apart from the parents but with another relative.
    pub separated: bool,
}

/// The facts that identify a person, checked together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    /// Sex.
    pub sex: Sex,
    /// Date of birth as known.
    pub date_of_birth: DateOfBirth,
    /// Place of birth as declared, free text.
    pub place_of_birth: Option<String>,
    /// Case status.
    pub status: Status,
    /// Protection markers.
    pub vulnerability: Vulnerability,
    /// `true` when the father is explicitly unknown; `false` means only "not recorded" unless a
    /// father link exists.
    pub father_unknown: bool,
    /// The father's name as declared, when he is not himself in the registry.
    pub father_name: Option<String>,
    /// The population this person belongs to, which decides the sections they may live in.
    pub separation_group: SeparationGroup,
}

impl PersonFacts {
    /// Cross-field rules: pregnancy only for a woman of plausible age, unaccompanied and
    /// separated only for children, a named father is not an unknown one.
    pub fn check(self, today: NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Errors::new();
        let age = self.date_of_birth.age_on(today);
        if let Some(due) = self.vulnerability.pregnant_expected_delivery {
            if self.sex != Sex::Female {
                errors.push(FieldError::new(
                    "pregnant_expected_delivery",
                    "HW-PERSON-0001",
                    "only a woman or girl can be recorded as pregnant",
                ));
            } else if age < 12 {
                errors.push(FieldError::new(
                    "pregnant_expected_delivery",
                    "HW-PERSON-0002",
                    format!("a girl aged {age} cannot be recorded as pregnant: check the age"),
                ));
            }
            if due < today - chrono::Days::new(60) {
                errors.push(FieldError::new(
                    "pregnant_expected_delivery",
                    "HW-PERSON-0003",
                    "the expected delivery date is long past: record the birth instead",
                ));
            }
        }
        if age >= 18 && (self.vulnerability.unaccompanied || self.vulnerability.separated) {
            errors.push(FieldError::new(
                "unaccompanied",
                "HW-PERSON-0004",
                "only a child (under 18) can be unaccompanied or separated",
            ));
        }
        if self.father_unknown && self.father_name.as_deref().is_some_and(|n| !n.is_empty()) {
            errors.push(FieldError::new(
                "father_unknown",
                "HW-PERSON-0005",
                "a father cannot be both named and unknown",
            ));
        }
        errors.finish().map(|()| self)
    }
}

/// How a name variant came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// As the registering officer wrote it, usually in Arabic script.
    AsRegistered,
    /// As printed in a passport.
    Passport,
    /// As the person writes it themselves.
    SelfDeclared,
    /// A kunya such as "Umm Abdullah".
    Kunya,
    /// A woman's name before marriage.
    MaidenName,
    /// Any other name the person is known by.
    Alias,
}

impl NameKind {
    /// Every kind.
    pub const ALL: [NameKind; 6] = [
        NameKind::AsRegistered,
        NameKind::Passport,
        NameKind::SelfDeclared,
        NameKind::Kunya,
        NameKind::MaidenName,
        NameKind::Alias,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            NameKind::AsRegistered => "as_registered",
            NameKind::Passport => "passport",
            NameKind::SelfDeclared => "self_declared",
            NameKind::Kunya => "kunya",
            NameKind::MaidenName => "maiden_name",
            NameKind::Alias => "alias",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// One way a person's name is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameVariant {
    text: String,
    script: Script,
    /// How this variant came to be.
    pub kind: NameKind,
    /// Who recorded it (a user name or role).
    pub recorded_by: String,
    /// Where it comes from (interview, passport, embassy list, ...).
    pub source: String,
}

impl NameVariant {
    /// A variant of `text`, normalised to NFC-like trimmed form; its script is detected.
    /// Names are free text: no length or character rules beyond "not empty".
    pub fn new(
        text: &str,
        kind: NameKind,
        recorded_by: &str,
        source: &str,
    ) -> Result<Self, FieldError> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return Err(FieldError::new(
                "text",
                "HW-NAME-0001",
                "a name cannot be empty",
            ));
        }
        Ok(Self {
            script: script::detect(&text),
            text,
            kind,
            recorded_by: recorded_by.trim().to_owned(),
            source: source.trim().to_owned(),
        })
    }

    /// The name exactly as written (whitespace folded).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The detected script.
    pub fn script(&self) -> Script {
        self.script
    }
}

/// Kinds of identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocType {
    /// A passport.
    Passport,
    /// A national identity card.
    NationalId,
    /// A birth certificate.
    BirthCertificate,
    /// An emergency travel document or laissez-passer.
    TravelDocument,
    /// Anything else (family book, driving licence, ...).
    Other,
}

impl DocType {
    /// Every kind.
    pub const ALL: [DocType; 5] = [
        DocType::Passport,
        DocType::NationalId,
        DocType::BirthCertificate,
        DocType::TravelDocument,
        DocType::Other,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            DocType::Passport => "passport",
            DocType::NationalId => "national_id",
            DocType::BirthCertificate => "birth_certificate",
            DocType::TravelDocument => "travel_document",
            DocType::Other => "other",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// An identity document, seen by staff or only declared by the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// What kind of document.
    pub doc_type: DocType,
    /// Its number, as printed.
    pub number: String,
    /// The country that issued it.
    pub issuing_country: CountryCode,
    /// Expiry date, if it has one.
    pub expiry: Option<NaiveDate>,
    /// `true` when staff saw the document; `false` when it is only declared.
    pub sighted: bool,
}

/// The raw fields of a document as a form or API sends them.
#[derive(Debug, Clone, Default)]
pub struct DocumentDraft {
    /// Document type key.
    pub doc_type: String,
    /// Number.
    pub number: String,
    /// Issuing country code.
    pub issuing_country: String,
    /// Expiry date, `YYYY-MM-DD`.
    pub expiry: Option<String>,
    /// Seen by staff.
    pub sighted: bool,
}

impl DocumentDraft {
    /// Parses every field, reporting all bad ones.
    pub fn parse(&self) -> Result<Document, Invalid> {
        let mut errors = Errors::new();
        let doc_type = errors.take(DocType::parse("doc_type", &self.doc_type));
        let number = self.number.trim().to_owned();
        if number.is_empty() {
            errors.push(FieldError::new(
                "number",
                "HW-DOC-0001",
                "the document number is empty",
            ));
        }
        let issuing_country =
            errors.take(CountryCode::parse("issuing_country", &self.issuing_country));
        let expiry = match self
            .expiry
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => errors.take(parse_date("expiry", s)),
            None => None,
        };
        errors.finish()?;
        match (doc_type, issuing_country) {
            (Some(doc_type), Some(issuing_country)) => Ok(Document {
                doc_type,
                number,
                issuing_country,
                expiry,
                sighted: self.sighted,
            }),
            _ => Err(Invalid::one(
                "doc_type",
                "HW-DOC-0002",
                "document is incomplete",
            )),
        }
    }
}

/// The raw identity fields of a person as a form or the API sends them.
#[derive(Debug, Clone, Default)]
pub struct PersonDraft {
    /// `female` or `male`.
    pub sex: String,
    /// An exact date `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// A year of birth.
    pub year_of_birth: Option<i32>,
    /// An estimated age in whole years.
    pub estimated_age: Option<u8>,
    /// How the age was estimated.
    pub age_basis: Option<String>,
    /// When the age was estimated, `YYYY-MM-DD` (default: today).
    pub age_estimated_on: Option<String>,
    /// Place of birth.
    pub place_of_birth: Option<String>,
    /// Status key (default `in_custody`).
    pub status: Option<String>,
    /// Expected delivery date for a pregnancy.
    pub pregnant_expected_delivery: Option<String>,
    /// Disability.
    pub disability: bool,
    /// Serious medical condition.
    pub serious_medical_condition: bool,
    /// Unaccompanied child.
    pub unaccompanied: bool,
    /// Separated child.
    pub separated: bool,
    /// Father explicitly unknown.
    pub father_unknown: bool,
    /// Declared father's name.
    pub father_name: Option<String>,
    /// Separation group key (default `foreign_families`).
    pub separation_group: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl PersonDraft {
    /// Parses and checks every field against `today`, reporting all bad fields at once.
    pub fn parse(&self, today: NaiveDate) -> Result<PersonFacts, Invalid> {
        let mut errors = Errors::new();
        let sex = errors.take(Sex::parse("sex", &self.sex));
        let dob = match (
            non_empty(&self.date_of_birth),
            self.year_of_birth,
            self.estimated_age,
        ) {
            (Some(d), None, None) => {
                errors.take(parse_date("date_of_birth", d).map(DateOfBirth::Exact))
            }
            (None, Some(y), None) => Some(DateOfBirth::Year(y)),
            (None, None, Some(age)) => {
                let made_on = match non_empty(&self.age_estimated_on) {
                    Some(d) => errors.take(parse_date("age_estimated_on", d)),
                    None => Some(today),
                };
                made_on.map(|made_on| DateOfBirth::Estimated {
                    age_years: age,
                    basis: non_empty(&self.age_basis).unwrap_or_default().to_owned(),
                    made_on,
                })
            }
            (None, None, None) => {
                errors.push(FieldError::new(
                    "date_of_birth",
                    "HW-DATE-0007",
                    "give a date of birth, a year of birth, or an estimated age",
                ));
                None
            }
            _ => {
                errors.push(FieldError::new(
                    "date_of_birth",
                    "HW-DATE-0008",
                    "give only one of: date of birth, year of birth, estimated age",
                ));
                None
            }
        };
        let dob = dob.and_then(|d| errors.take(d.validated(today)));
        let status = match non_empty(&self.status) {
            Some(s) => errors.take(Status::parse("status", s)),
            None => Some(Status::InCustody),
        };
        let due = match non_empty(&self.pregnant_expected_delivery) {
            Some(s) => errors
                .take(parse_date("pregnant_expected_delivery", s))
                .map(Some),
            None => Some(None),
        };
        let group = match non_empty(&self.separation_group) {
            Some(s) => errors.take(SeparationGroup::parse("separation_group", s)),
            None => Some(SeparationGroup::ForeignFamilies),
        };
        errors.finish()?;
        let (Some(sex), Some(date_of_birth), Some(status), Some(due), Some(separation_group)) =
            (sex, dob, status, due, group)
        else {
            return Err(Invalid::one("sex", "HW-PERSON-0000", "incomplete person"));
        };
        PersonFacts {
            sex,
            date_of_birth,
            place_of_birth: non_empty(&self.place_of_birth).map(str::to_owned),
            status,
            vulnerability: Vulnerability {
                pregnant_expected_delivery: due,
                disability: self.disability,
                serious_medical_condition: self.serious_medical_condition,
                unaccompanied: self.unaccompanied,
                separated: self.separated,
            },
            father_unknown: self.father_unknown,
            father_name: non_empty(&self.father_name).map(str::to_owned),
            separation_group,
        }
        .check(today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        parse_date("d", "2018-02-01").unwrap()
    }

    fn draft() -> PersonDraft {
        PersonDraft {
            sex: "female".into(),
            date_of_birth: Some("1990-05-04".into()),
            ..PersonDraft::default()
        }
    }

    #[test]
    fn a_complete_draft_parses() {
        let facts = draft().parse(today()).unwrap();
        assert_eq!(facts.sex, Sex::Female);
        assert_eq!(facts.status, Status::InCustody);
        assert_eq!(facts.separation_group, SeparationGroup::ForeignFamilies);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = PersonDraft {
            sex: "x".into(),
            date_of_birth: Some("1990-13-01".into()),
            status: Some("gone".into()),
            ..PersonDraft::default()
        };
        let Invalid(errors) = bad.parse(today()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sex", "date_of_birth", "status"]);
    }

    #[test]
    fn a_man_cannot_be_pregnant_and_an_adult_cannot_be_unaccompanied() {
        let bad = PersonDraft {
            sex: "male".into(),
            pregnant_expected_delivery: Some("2018-05-01".into()),
            unaccompanied: true,
            ..draft()
        };
        let Invalid(errors) = bad.parse(today()).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["HW-PERSON-0001", "HW-PERSON-0004"]);
    }

    #[test]
    fn an_estimated_age_needs_its_basis() {
        let d = PersonDraft {
            sex: "male".into(),
            estimated_age: Some(7),
            age_basis: None,
            ..PersonDraft::default()
        };
        let Invalid(errors) = d.parse(today()).unwrap_err();
        assert_eq!(errors[0].field, "age_basis");
    }

    #[test]
    fn name_variants_detect_their_script_and_refuse_blank_text() {
        let n = NameVariant::new(" سفيتلانا  ايفانوفا ", NameKind::AsRegistered, "r", "s").unwrap();
        assert_eq!(n.text(), "سفيتلانا ايفانوفا");
        assert_eq!(n.script(), Script::Arabic);
        assert!(NameVariant::new("  ", NameKind::Alias, "r", "s").is_err());
    }

    #[test]
    fn a_document_with_an_unknown_country_names_the_field() {
        let d = DocumentDraft {
            doc_type: "passport".into(),
            number: "U1234".into(),
            issuing_country: "ZZ".into(),
            expiry: None,
            sighted: true,
        };
        let Invalid(errors) = d.parse().unwrap_err();
        assert_eq!(errors[0].field, "issuing_country");
    }
}
