//! The input of the engine: a person record as the caller knows it, with every field
//! optional, because registrations are often partial.

use std::fmt;

/// One way a person's name is written: separate given and family names, a full name in any
/// order, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonName {
    /// Given name(s), as written.
    pub given: Option<String>,
    /// Family name(s), as written.
    pub family: Option<String>,
    /// A full name, as written, when the parts are not known separately.
    pub full: Option<String>,
}

impl PersonName {
    /// A name known only as one string, in any order and script (`"Umm Abdullah"`).
    pub fn full(text: impl Into<String>) -> Self {
        Self {
            full: Some(text.into()),
            ..Self::default()
        }
    }

    /// A name known as given and family name.
    pub fn parts(given: impl Into<String>, family: impl Into<String>) -> Self {
        Self {
            given: Some(given.into()),
            family: Some(family.into()),
            full: None,
        }
    }
}

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// Reads common spellings (`f`, `female`, `w`, `ж`, `أنثى`, `m`, `male`, `м`, `ذكر`).
    pub fn parse(text: &str) -> Option<Sex> {
        let t = text.trim().to_lowercase();
        match t.as_str() {
            "f" | "female" | "w" | "woman" | "girl" | "ж" | "жен" | "женский" | "أنثى" | "انثى"
            | "k" | "kadın" | "kiz" => Some(Sex::Female),
            "m" | "male" | "man" | "boy" | "м" | "муж" | "мужской" | "ذكر" | "e" | "erkek" => {
                Some(Sex::Male)
            }
            _ => None,
        }
    }
}

/// A date of birth at the precision it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BirthDate {
    /// A full date. Values are kept as written, even impossible ones (`1965-13-32`), since
    /// a typo still carries evidence.
    Day {
        /// Year.
        year: i32,
        /// Month, normally 1 to 12.
        month: u8,
        /// Day, normally 1 to 31.
        day: u8,
    },
    /// Year and month.
    Month {
        /// Year.
        year: i32,
        /// Month, normally 1 to 12.
        month: u8,
    },
    /// Year only.
    Year {
        /// Year.
        year: i32,
    },
    /// An estimate: born in `year`, give or take `tolerance` years (from an estimated age).
    Estimated {
        /// Most likely year of birth.
        year: i32,
        /// Years either side that are still consistent.
        tolerance: u8,
    },
}

impl BirthDate {
    /// Parses `YYYY-MM-DD`, `YYYYMMDD`, `YYYY-MM`, `YYYYMM` or `YYYY`.
    pub fn parse(text: &str) -> Option<BirthDate> {
        let t = text.trim();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let num = |s: &str| s.parse::<i32>().ok();
        let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
        let (y, m, d) = match parts.as_slice() {
            [all] if digits(all) && all.len() == 8 => {
                (&all[..4], Some(&all[4..6]), Some(&all[6..]))
            }
            [all] if digits(all) && all.len() == 6 => (&all[..4], Some(&all[4..6]), None),
            [all] if digits(all) && all.len() == 4 => (&all[..4], None, None),
            [y, m] if digits(y) && digits(m) && y.len() == 4 && m.len() <= 2 => {
                (*y, Some(*m), None)
            }
            [y, m, d]
                if [y, m, d].iter().all(|s| digits(s))
                    && y.len() == 4
                    && m.len() <= 2
                    && d.len() <= 2 =>
            {
                (*y, Some(*m), Some(*d))
            }
            _ => return None,
        };
        let year = num(y)?;
        match (m, d) {
            (Some(m), Some(d)) => Some(BirthDate::Day {
                year,
                month: u8::try_from(num(m)?).ok()?,
                day: u8::try_from(num(d)?).ok()?,
            }),
            (Some(m), None) => Some(BirthDate::Month {
                year,
                month: u8::try_from(num(m)?).ok()?,
            }),
            _ => Some(BirthDate::Year { year }),
        }
    }

    /// The most likely year.
    pub fn year(&self) -> i32 {
        match *self {
            BirthDate::Day { year, .. }
            | BirthDate::Month { year, .. }
            | BirthDate::Year { year }
            | BirthDate::Estimated { year, .. } => year,
        }
    }

    /// The range of years the date is consistent with.
    pub fn year_range(&self) -> (i32, i32) {
        match *self {
            BirthDate::Estimated { year, tolerance } => {
                (year - i32::from(tolerance), year + i32::from(tolerance))
            }
            other => (other.year(), other.year()),
        }
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BirthDate::Day { year, month, day } => write!(f, "{year:04}-{month:02}-{day:02}"),
            BirthDate::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            BirthDate::Year { year } => write!(f, "{year:04}"),
            BirthDate::Estimated { year, tolerance } => write!(f, "about {year} (±{tolerance})"),
        }
    }
}

/// A person record: what the engine compares. Every field is optional; names are a list of
/// variants (the Arabic-script form, the passport form, a kunya, a maiden name).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// The caller's identifier, returned in pairs and candidates; never compared.
    pub id: String,
    /// Every known way of writing the person's name.
    pub names: Vec<PersonName>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Date of birth, at the precision known.
    pub date_of_birth: Option<BirthDate>,
    /// Nationality (claimed or verified), free text or a country code.
    pub nationality: Option<String>,
    /// Place of birth, free text.
    pub place_of_birth: Option<String>,
    /// Mother's name, free text.
    pub mother_name: Option<String>,
    /// Father's name, free text.
    pub father_name: Option<String>,
    /// Identity or travel document number.
    pub document_number: Option<String>,
    /// Street address, including the house number if known.
    pub address: Option<String>,
    /// Town, suburb or village.
    pub locality: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
}

impl Record {
    /// An empty record with an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Adds a name variant (builder style).
    pub fn with_name(mut self, name: PersonName) -> Self {
        self.names.push(name);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_are_read_at_their_precision() {
        let cases = [
            (
                "1990-03-07",
                Some(BirthDate::Day {
                    year: 1990,
                    month: 3,
                    day: 7,
                }),
            ),
            (
                "19900307",
                Some(BirthDate::Day {
                    year: 1990,
                    month: 3,
                    day: 7,
                }),
            ),
            (
                "19651332",
                Some(BirthDate::Day {
                    year: 1965,
                    month: 13,
                    day: 32,
                }),
            ),
            (
                "1990-03",
                Some(BirthDate::Month {
                    year: 1990,
                    month: 3,
                }),
            ),
            ("1990", Some(BirthDate::Year { year: 1990 })),
            (" 1990 ", Some(BirthDate::Year { year: 1990 })),
            ("about 1990", None),
            ("90", None),
        ];
        for (text, want) in cases {
            assert_eq!(BirthDate::parse(text), want, "{text}");
        }
    }

    #[test]
    fn sex_is_read_in_several_languages() {
        assert_eq!(Sex::parse("F"), Some(Sex::Female));
        assert_eq!(Sex::parse("ذكر"), Some(Sex::Male));
        assert_eq!(Sex::parse("ж"), Some(Sex::Female));
        assert_eq!(Sex::parse("?"), None);
    }
}
