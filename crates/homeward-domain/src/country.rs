//! Countries by ISO 3166-1 alpha-2 code, with Arabic and English names and their dated stance on
//! repatriation.

use std::fmt;

use chrono::NaiveDate;

use crate::error::FieldError;

/// The ISO 3166-1 list: code, English name, Arabic name, one country a line.
const TABLE: &str = include_str!("countries.tsv");

/// One row of the ISO 3166-1 table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountryInfo {
    /// The alpha-2 code.
    pub code: &'static str,
    /// The English short name.
    pub name_en: &'static str,
    /// The Arabic name.
    pub name_ar: &'static str,
}

/// Every country of ISO 3166-1, in code order.
pub fn all() -> impl Iterator<Item = CountryInfo> {
    TABLE.lines().filter_map(|line| {
        let mut cols = line.split('\t');
        Some(CountryInfo {
            code: cols.next()?,
            name_en: cols.next()?,
            name_ar: cols.next()?,
        })
    })
}

/// An ISO 3166-1 alpha-2 code known to the table; the only way to name a country.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses a code such as `tr` or `TR`; anything not in ISO 3166-1 is refused.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let code = text.trim().to_ascii_uppercase();
        if all().any(|c| c.code == code) {
            Ok(Self(code))
        } else {
            Err(FieldError::new(
                field,
                "HW-COUNTRY-0001",
                format!("'{text}' is not an ISO 3166-1 alpha-2 country code (e.g. TR, RU, FR)"),
            ))
        }
    }

    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The names of the country.
    pub fn info(&self) -> CountryInfo {
        all().find(|c| c.code == self.0).unwrap_or(CountryInfo {
            code: "",
            name_en: "",
            name_ar: "",
        })
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a country says it will do about its nationals held here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stance {
    /// Takes back women and children.
    AcceptsAll,
    /// Takes back the children but not the adults.
    ChildrenOnly,
    /// Decides person by person.
    CaseByCase,
    /// Takes back no one.
    None,
    /// Has not said.
    Unknown,
}

impl Stance {
    /// Every stance, for forms and parsing.
    pub const ALL: [Stance; 5] = [
        Stance::AcceptsAll,
        Stance::ChildrenOnly,
        Stance::CaseByCase,
        Stance::None,
        Stance::Unknown,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Stance::AcceptsAll => "accepts_all",
            Stance::ChildrenOnly => "children_only",
            Stance::CaseByCase => "case_by_case",
            Stance::None => "none",
            Stance::Unknown => "unknown",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// A stance in force from a date until the next one for the same country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StanceChange {
    /// The country.
    pub country: CountryCode,
    /// What it will do.
    pub stance: Stance,
    /// The first day it is in force.
    pub effective_from: NaiveDate,
    /// Free text: the agreement, note verbale or statement it rests on.
    pub note: String,
}

/// The stance in force on `on`, among a country's dated changes (`Unknown` before the first).
pub fn stance_on(changes: &[StanceChange], on: NaiveDate) -> Stance {
    changes
        .iter()
        .filter(|c| c.effective_from <= on)
        .max_by_key(|c| c.effective_from)
        .map_or(Stance::Unknown, |c| c.stance)
}

/// What a country asks for before it takes a person back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// A DNA test linking a child to a national parent.
    DnaTest,
    /// Identity or nationality documents seen by staff.
    SightedDocuments,
    /// A court decision (on custody of a child, or on the adult's case).
    CourtDecision,
    /// A birth certificate or birth record.
    BirthRecord,
    /// An interview by the embassy.
    EmbassyInterview,
    /// The country's own security clearance.
    SecurityClearance,
}

impl Requirement {
    /// Every requirement.
    pub const ALL: [Requirement; 6] = [
        Requirement::DnaTest,
        Requirement::SightedDocuments,
        Requirement::CourtDecision,
        Requirement::BirthRecord,
        Requirement::EmbassyInterview,
        Requirement::SecurityClearance,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Requirement::DnaTest => "dna_test",
            Requirement::SightedDocuments => "sighted_documents",
            Requirement::CourtDecision => "court_decision",
            Requirement::BirthRecord => "birth_record",
            Requirement::EmbassyInterview => "embassy_interview",
            Requirement::SecurityClearance => "security_clearance",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// Parses one of a closed set of keys, listing the accepted ones when the text is none of them.
pub fn parse_key<T: Copy>(
    field: &str,
    text: &str,
    all: &[T],
    key: fn(T) -> &'static str,
) -> Result<T, FieldError> {
    let wanted = text.trim().to_ascii_lowercase();
    all.iter()
        .copied()
        .find(|v| key(*v) == wanted)
        .ok_or_else(|| {
            let keys: Vec<&str> = all.iter().map(|v| key(*v)).collect();
            FieldError::new(
                field,
                "HW-VALUE-0001",
                format!("'{text}' is not one of: {}", keys.join(", ")),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_every_iso_country_once() {
        let codes: Vec<_> = all().map(|c| c.code).collect();
        assert_eq!(codes.len(), 249);
        let mut sorted = codes.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 249);
        assert!(all().all(|c| !c.name_ar.is_empty() && !c.name_en.is_empty()));
    }

    #[test]
    fn codes_are_case_insensitive_and_unknown_codes_refused() {
        assert_eq!(CountryCode::parse("c", "tr").unwrap().as_str(), "TR");
        assert_eq!(
            CountryCode::parse("c", "TR").unwrap().info().name_ar,
            "تركيا"
        );
        let e = CountryCode::parse("nationality", "XX").unwrap_err();
        assert_eq!(e.field, "nationality");
    }

    #[test]
    fn the_stance_in_force_is_the_latest_before_the_date() {
        let fr = CountryCode::parse("c", "FR").unwrap();
        let day = |s| crate::date::parse_date("d", s).unwrap();
        let changes = vec![
            StanceChange {
                country: fr.clone(),
                stance: Stance::None,
                effective_from: day("2017-01-01"),
                note: String::new(),
            },
            StanceChange {
                country: fr,
                stance: Stance::ChildrenOnly,
                effective_from: day("2019-03-01"),
                note: String::new(),
            },
        ];
        assert_eq!(stance_on(&changes, day("2016-12-31")), Stance::Unknown);
        assert_eq!(stance_on(&changes, day("2018-06-01")), Stance::None);
        assert_eq!(stance_on(&changes, day("2019-03-01")), Stance::ChildrenOnly);
    }
}
