//! Dates of birth as registrars know them: an exact date, a year only, or an estimated age.

use chrono::{Datelike, NaiveDate};

use crate::error::FieldError;

/// Parses `YYYY-MM-DD`, naming `field` when the text is not a real calendar date.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "HW-DATE-0001",
            format!("'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2017-08-31"),
        )
    })
}

/// How a person's date of birth is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateOfBirth {
    /// The exact date, usually from a document.
    Exact(NaiveDate),
    /// Only the year.
    Year(i32),
    /// An age in whole years estimated on a date, with the basis of the estimate.
    Estimated {
        /// The estimated age on `made_on`.
        age_years: u8,
        /// How the estimate was made (dental assessment, mother's statement, ...).
        basis: String,
        /// The day the estimate was made.
        made_on: NaiveDate,
    },
}

/// The oldest age the registry accepts; anything above is a typing error.
pub const MAX_AGE: i32 = 110;

impl DateOfBirth {
    /// Checks the value against the day it is recorded on: no birth in the future, no age above
    /// [`MAX_AGE`], an estimate made neither before the birth nor after `today`.
    pub fn validated(self, today: NaiveDate) -> Result<Self, FieldError> {
        let field = "date_of_birth";
        match &self {
            DateOfBirth::Exact(d) => {
                if *d > today {
                    return Err(FieldError::new(
                        field,
                        "HW-DATE-0002",
                        format!("{d} is in the future"),
                    ));
                }
                if today.year() - d.year() > MAX_AGE {
                    return Err(FieldError::new(
                        field,
                        "HW-DATE-0003",
                        "age above 110 years",
                    ));
                }
            }
            DateOfBirth::Year(y) => {
                if *y > today.year() || today.year() - y > MAX_AGE {
                    return Err(FieldError::new(
                        field,
                        "HW-DATE-0004",
                        format!("year of birth {y} is not plausible"),
                    ));
                }
            }
            DateOfBirth::Estimated {
                age_years,
                basis,
                made_on,
            } => {
                if *made_on > today {
                    return Err(FieldError::new(
                        "age_estimated_on",
                        "HW-DATE-0005",
                        "an age estimate cannot be dated in the future",
                    ));
                }
                if i32::from(*age_years) > MAX_AGE {
                    return Err(FieldError::new(
                        "age",
                        "HW-DATE-0003",
                        "age above 110 years",
                    ));
                }
                if basis.trim().is_empty() {
                    return Err(FieldError::new(
                        "age_basis",
                        "HW-DATE-0006",
                        "say how the age was estimated (for example: dental assessment)",
                    ));
                }
            }
        }
        Ok(self)
    }

    /// The best single guess of the birth date: the date itself, 1 July of the year, or the
    /// estimate's date moved back by the estimated age (plus half a year, the expected value).
    pub fn approximate(&self) -> NaiveDate {
        match self {
            DateOfBirth::Exact(d) => *d,
            DateOfBirth::Year(y) => mid_year(*y),
            DateOfBirth::Estimated {
                age_years, made_on, ..
            } => {
                let back = i32::from(*age_years) * 12 + 6;
                made_on
                    .checked_sub_months(chrono::Months::new(back.unsigned_abs()))
                    .unwrap_or(*made_on)
            }
        }
    }

    /// Age in whole years on `on` (the best guess for an inexact birth date; never negative).
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        match self {
            DateOfBirth::Estimated {
                age_years, made_on, ..
            } if *made_on <= on => u32::from(*age_years) + whole_years(*made_on, on),
            _ => whole_years(self.approximate(), on),
        }
    }

    /// Whether the birth date is only estimated, so the age should be reassessed in time.
    pub fn is_estimate(&self) -> bool {
        !matches!(self, DateOfBirth::Exact(_))
    }
}

/// Whole years from `from` to `to`, 0 when `to` is earlier.
pub fn whole_years(from: NaiveDate, to: NaiveDate) -> u32 {
    if to < from {
        return 0;
    }
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years.max(0).unsigned_abs()
}

fn mid_year(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 7, 1).unwrap_or(NaiveDate::MIN)
}

/// The age bands of the custody protocol, used by reports and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBand {
    /// 0 to 3: stay with their mothers.
    UpTo3,
    /// 4 to 14: state orphanages until their country agrees.
    From4To14,
    /// 15 to 17: held under the rules for minors.
    From15To17,
    /// 18 and over.
    Adult,
}

impl AgeBand {
    /// The band of an age in whole years.
    pub fn of(age: u32) -> Self {
        match age {
            0..=3 => AgeBand::UpTo3,
            4..=14 => AgeBand::From4To14,
            15..=17 => AgeBand::From15To17,
            _ => AgeBand::Adult,
        }
    }

    /// The key used in reports and the API.
    pub fn key(self) -> &'static str {
        match self {
            AgeBand::UpTo3 => "0-3",
            AgeBand::From4To14 => "4-14",
            AgeBand::From15To17 => "15-17",
            AgeBand::Adult => "adult",
        }
    }

    /// Every band in order.
    pub const ALL: [AgeBand; 4] = [
        AgeBand::UpTo3,
        AgeBand::From4To14,
        AgeBand::From15To17,
        AgeBand::Adult,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn age_turns_on_the_birthday_not_before() {
        let dob = DateOfBirth::Exact(d("2014-03-10"));
        assert_eq!(dob.age_on(d("2018-03-09")), 3);
        assert_eq!(dob.age_on(d("2018-03-10")), 4);
    }

    #[test]
    fn an_estimated_age_grows_with_time() {
        let dob = DateOfBirth::Estimated {
            age_years: 6,
            basis: "dental assessment".into(),
            made_on: d("2017-09-01"),
        };
        assert_eq!(dob.age_on(d("2017-09-01")), 6);
        assert_eq!(dob.age_on(d("2019-09-01")), 8);
    }

    #[test]
    fn a_bad_date_is_refused_with_its_field() {
        let e = parse_date("date_of_birth", "2017-02-30").unwrap_err();
        assert_eq!(e.field, "date_of_birth");
        assert!(e.message.contains("2017-02-30"));
    }

    #[test]
    fn a_birth_in_the_future_is_refused() {
        let e = DateOfBirth::Exact(d("2030-01-01"))
            .validated(d("2026-01-01"))
            .unwrap_err();
        assert_eq!(e.code, "HW-DATE-0002");
    }

    #[test]
    fn bands_follow_the_protocol() {
        assert_eq!(AgeBand::of(3).key(), "0-3");
        assert_eq!(AgeBand::of(4).key(), "4-14");
        assert_eq!(AgeBand::of(14).key(), "4-14");
        assert_eq!(AgeBand::of(15).key(), "15-17");
        assert_eq!(AgeBand::of(18).key(), "adult");
    }
}
