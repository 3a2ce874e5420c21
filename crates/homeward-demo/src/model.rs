//! The plain output records: what the generator hands to the application, which converts them
//! into its own domain types.
//!
//! Text that comes from a fixed vocabulary (site codes, country codes, role labels, sources,
//! estimation bases, places) is `&'static str`, so a million records stay compact; text that is
//! generated per person (names, document numbers) is `String`.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Everything one generation produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Population {
    /// The places of custody, camps before their sections.
    pub sites: Vec<DemoSite>,
    /// The people, in index order; a mother's children follow her directly.
    pub persons: Vec<DemoPerson>,
}

impl Population {
    /// The site with this code, if any.
    pub fn site(&self, code: &str) -> Option<&DemoSite> {
        self.sites.iter().find(|s| s.code == code)
    }

    /// The children recorded with `mother` as their mother, in index order.
    pub fn children_of(&self, mother: usize) -> impl Iterator<Item = &DemoPerson> + '_ {
        // A mother's children follow her directly, so scanning a few places on is enough.
        self.persons
            .iter()
            .skip(mother + 1)
            .take(MAX_CHILDREN_PER_MOTHER)
            .filter(move |p| p.mother == Some(mother))
    }
}

/// The largest number of children any generated mother has in custody.
pub const MAX_CHILDREN_PER_MOTHER: usize = 5;

/// What kind of place a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SiteKind {
    /// A camp as a whole; people are placed in its sections.
    Camp,
    /// A fenced-off part of a camp.
    CampSection,
    /// A detention centre (here: for women, with their youngest children).
    DetentionCentre,
    /// A state orphanage (children aged 4 to 14 under the protocol).
    Orphanage,
    /// A facility run under the rules for detaining minors (boys aged 15 to 17).
    JuvenileFacility,
    /// A hospital.
    Hospital,
}

/// Which population a site holds; the two must be kept apart for their own safety.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SeparationGroup {
    /// Foreign women and children registered in this system.
    ForeignFamilies,
    /// Displaced Iraqi families living in the same camp, not registered here.
    DisplacedIraqiFamilies,
}

/// A place of custody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoSite {
    /// Stable code, e.g. `"RUSAFA-A"`; the same for every seed and size.
    pub code: &'static str,
    /// Name in English.
    pub name_en: &'static str,
    /// Name in Arabic.
    pub name_ar: &'static str,
    /// What kind of place it is.
    pub kind: SiteKind,
    /// For a camp section, the code of its camp.
    pub parent: Option<&'static str>,
    /// Places; scales with the population (a few sections are near full).
    pub capacity: u32,
    /// Which population it holds.
    pub separation_group: SeparationGroup,
}

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// What is known of a date of birth.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Birth {
    /// Exact date, from a document or a birth in custody.
    Exact(NaiveDate),
    /// Only the year is known (taken as 1 July of that year).
    Year(i32),
    /// Age estimated at an assessment.
    Estimated {
        /// Age in full years on `made_on`.
        age_years: u8,
        /// How it was estimated, e.g. "dental and physical assessment".
        basis: &'static str,
        /// When it was estimated; never after the generation's `as_of`.
        made_on: NaiveDate,
    },
}

impl Birth {
    /// The date the record stands for: the exact date, 1 July of a known year, or for an
    /// estimate the date `age_years` years before `made_on`.
    pub fn assumed_date(&self) -> NaiveDate {
        match self {
            Birth::Exact(d) => *d,
            Birth::Year(y) => NaiveDate::from_ymd_opt(*y, 7, 1).unwrap_or(NaiveDate::MIN),
            Birth::Estimated {
                age_years, made_on, ..
            } => years_before(*made_on, u32::from(*age_years)),
        }
    }

    /// Age in full years on `on` according to this record: for an estimate, the estimated age
    /// plus the full years since it was made; otherwise full years since the assumed date (0
    /// before it). The generator places everyone by this age at `as_of`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        match self {
            Birth::Estimated {
                age_years, made_on, ..
            } if *made_on <= on => u32::from(*age_years) + full_years(*made_on, on),
            _ => full_years(self.assumed_date(), on),
        }
    }
}

/// Full years from `from` to `to`; 0 when `to` is before `from`.
pub fn full_years(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The same day `years` years earlier (29 February becomes 28 February).
pub(crate) fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    let year = date.year() - i32::try_from(years).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, date.month(), 28))
        .unwrap_or(NaiveDate::MIN)
}

/// Which kind of name variant a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum NameKind {
    /// Arabic script, as an Iraqi officer wrote it at registration.
    AsRegistered,
    /// Latin form from a passport.
    Passport,
    /// The person's own form in their own script (for a young child, as the mother gave it).
    SelfDeclared,
    /// A kunya such as "أم عبدالله" (Umm Abdullah), used inside the group.
    Kunya,
    /// A woman's surname before marriage, with her given name.
    MaidenName,
    /// Another name the person is known by (for children often an Arabic given name).
    Alias,
}

/// One name variant and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DemoName {
    /// The name as written.
    pub text: String,
    /// Which kind of variant it is.
    pub kind: NameKind,
    /// A role label, never a person's name, e.g. "registrar (demo)".
    pub recorded_by: &'static str,
    /// Where the variant came from; always says the record is synthetic.
    pub source: &'static str,
}

/// Which kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DocType {
    /// Passport.
    Passport,
    /// National identity card or internal passport.
    NationalId,
    /// Birth certificate.
    BirthCertificate,
    /// Any other paper (driving licence, consular letter).
    Other,
}

/// A document a person holds or has shown a copy of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DemoDocument {
    /// Which kind of document.
    pub doc_type: DocType,
    /// Its number (synthetic, in the issuing country's usual shape).
    pub number: String,
    /// Issuing country, ISO 3166-1 alpha-2.
    pub issuing_country: &'static str,
    /// Expiry date, if the document has one (many have expired by `as_of`).
    pub expiry: Option<NaiveDate>,
    /// Whether an officer saw the original (otherwise a copy or a statement).
    pub sighted: bool,
}

/// One person in custody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoPerson {
    /// Position in [`Population::persons`].
    pub index: usize,
    /// Sex.
    pub sex: Sex,
    /// What is known of the date of birth.
    pub birth: Birth,
    /// Place of birth as stated or documented, if known.
    pub place_of_birth: Option<&'static str>,
    /// Born after the mother's admission.
    pub born_in_custody: bool,
    /// Claimed nationality, ISO 3166-1 alpha-2; `None` when none is claimed yet.
    pub nationality: Option<&'static str>,
    /// Name variants; the first is always an Arabic-script `AsRegistered` name.
    pub names: Vec<DemoName>,
    /// Documents; empty for about a third of the people.
    pub documents: Vec<DemoDocument>,
    /// Index of the mother in custody, always smaller than `index`.
    pub mother: Option<usize>,
    /// The person's father is not known (for about 40% of the children; rarely for a woman).
    pub father_unknown: bool,
    /// The person's father as declared (not in custody), when known: for a child often a nom
    /// de guerre such as "أبو حمزة التركي", for a woman her own father.
    pub father_name: Option<String>,
    /// Expected delivery date of a pregnant woman (within nine months after `as_of`).
    pub pregnant_expected_delivery: Option<NaiveDate>,
    /// Has a disability.
    pub disability: bool,
    /// Has a serious medical condition.
    pub serious_medical_condition: bool,
    /// A child without a mother in custody.
    pub unaccompanied: bool,
    /// Code of the site the person is at on `as_of`.
    pub site: &'static str,
    /// Date of admission to custody (the birth date for a child born in custody).
    pub admitted_on: NaiveDate,
}

impl DemoPerson {
    /// Age in full years on `on` according to the birth record.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        self.birth.age_on(on)
    }

    /// The first name written as registered (Arabic script).
    pub fn registered_name(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.kind == NameKind::AsRegistered)
            .map_or("", |n| n.text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn ages_from_each_kind_of_record() {
        let on = date(2018, 2, 1);
        assert_eq!(Birth::Exact(date(2014, 2, 1)).age_on(on), 4);
        assert_eq!(Birth::Exact(date(2014, 2, 2)).age_on(on), 3);
        assert_eq!(Birth::Exact(date(2019, 1, 1)).age_on(on), 0);
        // A year alone stands for 1 July.
        assert_eq!(Birth::Year(2014).age_on(on), 3);
        assert_eq!(Birth::Year(2014).age_on(date(2018, 7, 1)), 4);
        let estimate = |age_years, made_on| Birth::Estimated {
            age_years,
            basis: "dental and physical assessment",
            made_on,
        };
        assert_eq!(estimate(3, date(2017, 3, 1)).age_on(on), 3);
        assert_eq!(estimate(3, date(2017, 1, 15)).age_on(on), 4);
        // Made on 29 February: the estimate's anniversary is 1 March in other years.
        assert_eq!(estimate(3, date(2016, 2, 29)).age_on(date(2017, 2, 28)), 3);
        assert_eq!(estimate(3, date(2016, 2, 29)).age_on(date(2017, 3, 1)), 4);
    }
}
