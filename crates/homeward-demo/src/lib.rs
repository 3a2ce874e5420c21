//! A pure, deterministic generator of a synthetic population in custody (foreign women and
//! their children after the conflict, as the reports describe them), so homeward can be
//! shown, tested and benchmarked without a single real record.
//!
//! Everything here is synthetic: every name source says "synthetic demo data" and every
//! `recorded_by` is a role label. There is no I/O and no clock; the same [`DemoConfig`]
//! always gives the same [`Population`].
//!
//! ```
//! use homeward_demo::{DemoConfig, generate};
//! let as_of = chrono::NaiveDate::from_ymd_opt(2018, 2, 1).unwrap();
//! let population = generate(&DemoConfig::new(7, as_of));
//! assert_eq!(population.persons.len(), 1500);
//! ```
//!
//! For large sizes, [`stream`] yields the persons one family at a time and
//! [`PersonStream::into_sites`] gives the sites afterwards; a million persons take a few
//! seconds and under a gigabyte.
//!
//! # What it generates
//! - Exactly `persons` people: about a third women (all adults), two thirds children aged
//!   0 to 17, most under 10. A mother's children follow her directly in the vector (1 to 5
//!   each; by the records she is at least 15 years older than each); about 5% of the
//!   children are unaccompanied.
//! - About 20 claimed nationalities, Turkey largest (about 30%), then Russia, Tajikistan,
//!   Azerbaijan and the other former Soviet states, France, Germany, other European and Arab
//!   countries. A nationality's people carry the names of its communities (a German
//!   citizen may have a Turkish name, a French one a North African one).
//! - Names in the person's own script (Latin with national letters, Cyrillic, Georgian,
//!   Arabic), the Latin form of a passport when there is one, and always first an Arabic-script
//!   form as an Iraqi registrar wrote it; about one person in six has a second, different
//!   registered spelling. Some women have a kunya (after the eldest son when he has an
//!   Arabic name) or a maiden name; some children an alias of the other kind (Arabic or
//!   from the mother's culture).
//! - About a third without any document. Dates of birth are exact with a document or for a
//!   birth in custody, otherwise a year or an estimated age. Every age is taken from the
//!   record with [`Birth::age_on`] at `as_of`.
//! - Placement by the age protocol at `as_of`: children aged 3 and under with their mother;
//!   4 to 14 in one of the two orphanages (siblings together); boys 15 to 17 in the juvenile
//!   facility; girls 15 to 17 with their mother in her camp section or in another section.
//!   Women are in the sections of the Mosul and al-Rusafa camps, about 10% in the women's
//!   detention centre, a few with a serious condition in hospital. Nobody is placed in the
//!   displaced Iraqi families' section.
//! - The father of about 40% of the children is unknown; otherwise a declared name, often a
//!   nom de guerre ("أبو حمزة التركي"). About 5% of the women are pregnant, due within nine
//!   months of `as_of`.
#![deny(missing_docs)]

mod countries;
mod generate;
mod model;
mod names;
mod sites;

use chrono::NaiveDate;

pub use generate::PersonStream;
pub use model::{
    Birth, DemoDocument, DemoName, DemoPerson, DemoSite, DocType, MAX_CHILDREN_PER_MOTHER,
    NameKind, Population, SeparationGroup, Sex, SiteKind, full_years,
};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DemoConfig {
    /// Seed of the random stream; the only source of variation.
    pub seed: u64,
    /// Total number of persons (women and children), exactly.
    pub persons: usize,
    /// The day the population is described at: ages, placements, pregnancies and document
    /// expiries are as of this day.
    pub as_of: NaiveDate,
}

impl DemoConfig {
    /// The size the reports give: about 500 women and their children, 1,500 in all.
    pub const DEFAULT_PERSONS: usize = 1500;

    /// The default size with this seed and date.
    pub fn new(seed: u64, as_of: NaiveDate) -> DemoConfig {
        DemoConfig {
            seed,
            persons: Self::DEFAULT_PERSONS,
            as_of,
        }
    }

    /// The same configuration with another size.
    pub fn with_persons(self, persons: usize) -> DemoConfig {
        DemoConfig { persons, ..self }
    }
}

impl Default for DemoConfig {
    /// Seed 0, 1,500 persons, as of 1 February 2018 (the time of the later report).
    fn default() -> DemoConfig {
        DemoConfig::new(0, NaiveDate::from_ymd_opt(2018, 2, 1).unwrap_or_default())
    }
}

/// Generate the whole population.
pub fn generate(config: &DemoConfig) -> Population {
    let mut stream = stream(config);
    let mut persons = Vec::with_capacity(config.persons);
    persons.extend(stream.by_ref());
    Population {
        sites: stream.into_sites(),
        persons,
    }
}

/// Generate lazily, in index order; see [`PersonStream`].
pub fn stream(config: &DemoConfig) -> PersonStream {
    PersonStream::new(config)
}
