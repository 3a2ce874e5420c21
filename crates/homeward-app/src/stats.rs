//! The registry's headline figures, as `homeward stats` and the dashboard show them.

use std::collections::BTreeMap;

use homeward_domain::date::AgeBand;
use serde::Serialize;

use crate::registry::born_between_for_band;
use crate::{App, AppError};

/// Headline figures on a day.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// The day the ages were computed for.
    pub as_of: String,
    /// Everyone registered.
    pub total: i64,
    /// Women (female, 18 and over).
    pub women: i64,
    /// Children (under 18).
    pub children: i64,
    /// Women and girls recorded as pregnant.
    pub pregnant: i64,
    /// Persons with no document at all.
    pub without_documents: i64,
    /// Persons whose father is recorded as unknown.
    pub father_unknown: i64,
    /// Unaccompanied children.
    pub unaccompanied: i64,
    /// Persons by claimed nationality (ISO alpha-2).
    pub by_nationality: BTreeMap<String, i64>,
    /// Persons by age band (`0-3`, `4-14`, `15-17`, `adult`).
    pub by_age_band: BTreeMap<String, i64>,
    /// Persons by current site code.
    pub by_site: BTreeMap<String, i64>,
    /// Persons by sex.
    pub by_sex: BTreeMap<String, i64>,
    /// Persons by case status.
    pub by_status: BTreeMap<String, i64>,
    /// Nationality claims by verification state.
    pub claims_by_state: BTreeMap<String, i64>,
}

impl App {
    /// The figures today.
    pub async fn stats(&self) -> Result<Stats, AppError> {
        let s = self.store();
        let today = self.today();
        let mut by_age_band = BTreeMap::new();
        for band in AgeBand::ALL {
            let (from, to) = born_between_for_band(band.key(), today)?;
            by_age_band.insert(band.key().to_owned(), s.count_born_between(from, to).await?);
        }
        let (adult_from, adult_to) = born_between_for_band("adult", today)?;
        let women = s.count_women_born_between(adult_from, adult_to).await?;
        let adults = by_age_band.get("adult").copied().unwrap_or(0);
        let total = s.count_persons().await?;
        Ok(Stats {
            as_of: today.format("%Y-%m-%d").to_string(),
            total,
            women,
            children: total - adults,
            pregnant: s.count_pregnant().await?,
            without_documents: s.count_without_documents().await?,
            father_unknown: s.count_father_unknown().await?,
            unaccompanied: s.count_unaccompanied().await?,
            by_nationality: s.count_by_nationality().await?.into_iter().collect(),
            by_age_band,
            by_site: s.count_by_site().await?.into_iter().collect(),
            by_sex: s.count_by_sex().await?.into_iter().collect(),
            by_status: s.count_by_status().await?.into_iter().collect(),
            claims_by_state: s.count_by_claim_state().await?.into_iter().collect(),
        })
    }
}
