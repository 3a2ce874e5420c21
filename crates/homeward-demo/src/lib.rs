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
//! [`PersonStream::into_sites`] gives the sites afterwards.
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
