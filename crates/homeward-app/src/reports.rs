//! The dashboard's figures and the situation report.
//!
//! Every figure is an aggregate computed by the database over an index (`GROUP BY` or a range
//! count); no person is loaded, so the dashboard stays fast at a national registry's size.
//! A situation report stores its figures when it is made, so the next one shows what changed.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use homeward_domain::access::{Action, Principal, Role, authorize};
use homeward_domain::date::AgeBand;
use homeward_domain::error::Invalid;
use homeward_store::audit::NewEvent;
use serde::{Deserialize, Serialize};

use crate::registry::born_between_for_band;
use crate::{App, AppError};

/// Months shown in the trends.
pub const TREND_MONTHS: u32 = 24;

/// Repatriation stages in the order a case passes them (the funnel's rows).
pub const FUNNEL: [&str; 8] = [
    "identified",
    "embassy_notified",
    "verification_in_progress",
    "nationality_confirmed",
    "accepted",
    "travel_documents_issued",
    "handover_scheduled",
    "handed_over",
];

/// A site's load.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SiteLoad {
    /// Site code.
    pub code: String,
    /// English name.
    pub name_en: String,
    /// Arabic name.
    pub name_ar: String,
    /// Places (0: not set).
    pub capacity: i64,
    /// Persons whose current site it is.
    pub occupancy: i64,
}

/// One month of the trends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MonthLine {
    /// `YYYY-MM`.
    pub month: String,
    /// First admissions into custody.
    pub admissions: i64,
    /// Registered children born that month.
    pub births: i64,
    /// Persons handed over to their country.
    pub handovers: i64,
}

/// The last figures computed for the dashboard: the audit head and the day they were for.
pub(crate) type FiguresSlot =
    std::sync::Arc<tokio::sync::Mutex<Option<(i64, NaiveDate, Dashboard)>>>;

/// Everything the dashboard and the situation report show.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Dashboard {
    /// The day ages are computed for.
    pub as_of: String,
    /// Headline counts by key: `total`, `women`, `children`, `pregnant`, `unaccompanied`,
    /// `father_unknown`, `without_documents`, `nationalities`.
    pub headline: BTreeMap<String, i64>,
    /// Persons by sex.
    pub by_sex: Vec<(String, i64)>,
    /// Persons by age band, in band order.
    pub by_age_band: Vec<(String, i64)>,
    /// Persons by claimed nationality, largest first.
    pub by_nationality: Vec<(String, i64)>,
    /// Persons by case status.
    pub by_status: Vec<(String, i64)>,
    /// Nationality claims by verification state.
    pub by_verification: Vec<(String, i64)>,
    /// Claims by country and verification state.
    pub verification_by_country: Vec<(String, String, i64)>,
    /// Persons in repatriation cases by country and current stage.
    pub stage_by_country: Vec<(String, String, i64)>,
    /// Persons per country who reached each stage of [`FUNNEL`].
    pub funnel: Vec<(String, Vec<i64>)>,
    /// Occupancy and capacity per site.
    pub sites: Vec<SiteLoad>,
    /// Trends per month, oldest first.
    pub months: Vec<MonthLine>,
}

impl Dashboard {
    /// A headline figure (0 when absent).
    pub fn figure(&self, key: &str) -> i64 {
        self.headline.get(key).copied().unwrap_or(0)
    }

    /// The rows of all its tables together (what the register of exports counts).
    pub fn table_rows(&self) -> i64 {
        let n = self.headline.len()
            + self.by_sex.len()
            + self.by_age_band.len()
            + self.by_nationality.len()
            + self.by_status.len()
            + self.by_verification.len()
            + self.stage_by_country.len()
            + self.funnel.len()
            + self.sites.len()
            + self.months.len();
        i64::try_from(n).unwrap_or(i64::MAX)
    }
}

/// One role's share of the downloads: the columns of the persons list and the dashboard's
/// tables (page, CSV, XLSX and situation report alike).
#[derive(Debug, Clone, Copy)]
pub struct ExportShare {
    /// The role.
    pub role: Role,
    /// Columns of the persons list export (message ids of their headings); empty: the role
    /// gets no persons list (the route also asks `authorize` for `ReadPersons` and `Export`).
    pub persons: &'static [&'static str],
    /// The dashboard's tables the role sees.
    pub tables: &'static [&'static str],
    /// Country-keyed tables (nationality, verification, funnel, stage) hold only the role's
    /// own country.
    pub own_country_only: bool,
}

/// Every dashboard table.
pub const ALL_TABLES: [&str; 10] = [
    "headline",
    "nationality",
    "sex",
    "age",
    "status",
    "verification",
    "sites",
    "trends",
    "funnel",
    "stage",
];

/// Every column of the persons list export.
pub const PERSON_COLUMNS: [&str; 8] = [
    "col-registration",
    "col-names",
    "col-sex",
    "col-age",
    "col-nationalities",
    "col-site",
    "col-status",
    "col-flags",
];

/// Who gets which columns and tables, one row per role: the one table of export fields.
///
/// Persons lists leave homeward only with case workers, who see the whole file anyway
/// (flags include pregnancy and unaccompanied children: care and health facts). A consular
/// officer's bulk list is the embassy notification list (their country's persons with consent
/// or an approved legal basis, each release in the disclosure register, no site, care or
/// health column), never the registry's list. Monitors and auditors get aggregates only, as
/// everywhere. Of the dashboard, a consular officer gets the registry-wide aggregates but
/// only their own country's rows of the country tables and no site table (where people are
/// held, and how full each place is, stays with the detaining authority).
pub const EXPORT_SHARES: [ExportShare; 7] = [
    ExportShare {
        role: Role::Registrar,
        persons: &[],
        tables: &ALL_TABLES,
        own_country_only: false,
    },
    ExportShare {
        role: Role::CaseWorker,
        persons: &PERSON_COLUMNS,
        tables: &ALL_TABLES,
        own_country_only: false,
    },
    ExportShare {
        role: Role::JudicialLiaison,
        persons: &[],
        tables: &ALL_TABLES,
        own_country_only: false,
    },
    ExportShare {
        role: Role::ConsularOfficer,
        persons: &[],
        tables: &[
            "headline",
            "nationality",
            "sex",
            "age",
            "status",
            "verification",
            "trends",
            "funnel",
            "stage",
        ],
        own_country_only: true,
    },
    ExportShare {
        role: Role::Monitor,
        persons: &[],
        tables: &ALL_TABLES,
        own_country_only: false,
    },
    ExportShare {
        role: Role::Administrator,
        persons: &[],
        tables: &ALL_TABLES,
        own_country_only: false,
    },
    ExportShare {
        role: Role::Auditor,
        persons: &[],
        tables: &ALL_TABLES,
        own_country_only: false,
    },
];

/// The share of `role` (every role has a row).
pub fn share_of(role: Role) -> ExportShare {
    EXPORT_SHARES
        .iter()
        .find(|s| s.role == role)
        .copied()
        .unwrap_or(ExportShare {
            role,
            persons: &[],
            tables: &[],
            own_country_only: true,
        })
}

impl Dashboard {
    /// The figures as `p` may see them (see [`EXPORT_SHARES`]): tables the role does not get
    /// are emptied, country tables cut to the role's own country where it has one.
    pub fn scoped_for(&self, p: &Principal) -> Dashboard {
        let share = share_of(p.role);
        let mut d = self.clone();
        let has = |t: &'static str| share.tables.contains(&t);
        if share.own_country_only {
            let own = p.country.as_ref().map(|c| c.as_str().to_owned());
            let mine = |c: &str| own.as_deref() == Some(c);
            d.by_nationality.retain(|(c, _)| mine(c));
            d.verification_by_country.retain(|(c, _, _)| mine(c));
            let mut by_state: BTreeMap<String, i64> = BTreeMap::new();
            for (_, st, n) in &d.verification_by_country {
                *by_state.entry(st.clone()).or_default() += n;
            }
            d.by_verification = by_state.into_iter().collect();
            d.stage_by_country.retain(|(c, _, _)| mine(c));
            d.funnel.retain(|(c, _)| mine(c));
        }
        if !has("headline") {
            d.headline.clear();
        }
        if !has("nationality") {
            d.by_nationality.clear();
        }
        if !has("sex") {
            d.by_sex.clear();
        }
        if !has("age") {
            d.by_age_band.clear();
        }
        if !has("status") {
            d.by_status.clear();
        }
        if !has("verification") {
            d.by_verification.clear();
            d.verification_by_country.clear();
        }
        if !has("sites") {
            d.sites.clear();
        }
        if !has("trends") {
            d.months.clear();
        }
        if !has("funnel") {
            d.funnel.clear();
        }
        if !has("stage") {
            d.stage_by_country.clear();
        }
        d
    }
}

/// The tables of a situation report, as the register of exports names them.
pub const SITREP_FIELDS: &str =
    "headline,nationality,sex,age,status,verification,sites,trends,funnel,stage";

/// The headline keys, in the order they are shown.
pub const HEADLINE: [&str; 8] = [
    "total",
    "women",
    "children",
    "pregnant",
    "unaccompanied",
    "father_unknown",
    "without_documents",
    "nationalities",
];

fn month_start(d: NaiveDate, back: u32) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    first
        .checked_sub_months(chrono::Months::new(back))
        .unwrap_or(first)
}

/// A situation report as produced.
#[derive(Debug, Clone)]
pub struct Sitrep {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// The figures in it.
    pub figures: Dashboard,
    /// The date of the report it was compared with, if any.
    pub previous: Option<String>,
}

impl App {
    /// The dashboard's figures with ages as of `as_of`. Aggregates only: every role with
    /// `ReadStats` may see them.
    pub async fn dashboard(&self, p: &Principal, as_of: NaiveDate) -> Result<Dashboard, AppError> {
        authorize(p, Action::ReadStats)?;
        // Every change moves the audit head, so figures computed at the current head for the
        // same day are still exact: a dashboard seen again without a change in between is
        // served from them instead of scanning the registry again.
        let head = self.store().audit_head().await?;
        if let Some((h, day, figures)) = &*self.figures_cache().lock().await
            && *h == head
            && *day == as_of
        {
            return Ok(figures.clone().scoped_for(p));
        }
        let figures = self.figures(as_of).await?;
        *self.figures_cache().lock().await = Some((head, as_of, figures.clone()));
        Ok(figures.scoped_for(p))
    }

    /// The figures, without a principal (the command line and the situation report).
    pub async fn figures(&self, as_of: NaiveDate) -> Result<Dashboard, AppError> {
        let s = self.store();
        let (adult_from, adult_to) = born_between_for_band("adult", as_of)?;
        let mut bands = Vec::new();
        for band in AgeBand::ALL {
            let (from, to) = born_between_for_band(band.key(), as_of)?;
            bands.push((band, from, to));
        }
        let from = month_start(as_of, TREND_MONTHS - 1);
        // The aggregates are independent reads: they run side by side on the pool's
        // connections rather than one after another.
        let (
            total,
            sex_in_range,
            band_counts,
            claims,
            (pregnant, unaccompanied, father_unknown),
            with_documents,
            site_counts,
            site_rows,
            (admissions, births, handovers),
            reached,
            by_status,
            stage_by_country,
        ) = tokio::try_join!(
            s.count_persons(),
            s.count_sex_in_birth_range(adult_from, adult_to),
            async {
                let mut counts = Vec::with_capacity(bands.len());
                for (_, from, to) in &bands {
                    counts.push(s.count_born_between(*from, *to).await?);
                }
                Ok::<_, homeward_store::StoreError>(counts)
            },
            s.count_claims_by_country_state(),
            s.count_flags(),
            s.count_with_documents(),
            s.count_by_site_id(),
            s.sites(),
            async {
                tokio::try_join!(
                    s.admissions_by_month(from),
                    s.births_by_month(from),
                    s.handovers_by_month(from)
                )
            },
            s.count_case_members_reached(),
            s.count_by_status(),
            s.count_case_members_by_country_state(),
        )?;
        let mut by_sex: BTreeMap<String, i64> = BTreeMap::new();
        let mut women = 0;
        for (sex, within, n) in sex_in_range {
            *by_sex.entry(sex.clone()).or_default() += n;
            if sex == "female" && within == "in" {
                women += n;
            }
        }
        let by_age_band: Vec<(String, i64)> = bands
            .iter()
            .zip(band_counts)
            .map(|((band, _, _), n)| (band.key().to_owned(), n))
            .collect();
        let adults = by_age_band
            .iter()
            .find(|(k, _)| k == "adult")
            .map_or(0, |(_, n)| *n);
        let mut by_nationality: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_verification: BTreeMap<String, i64> = BTreeMap::new();
        for (c, st, n) in &claims {
            *by_nationality.entry(c.clone()).or_default() += n;
            *by_verification.entry(st.clone()).or_default() += n;
        }
        let mut by_nationality: Vec<(String, i64)> = by_nationality.into_iter().collect();
        by_nationality.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut sites = Vec::new();
        let counts: BTreeMap<Option<i64>, i64> = site_counts.into_iter().collect();
        for site in site_rows {
            sites.push(SiteLoad {
                occupancy: counts.get(&Some(site.id)).copied().unwrap_or(0),
                code: site.code,
                name_en: site.name_en,
                name_ar: site.name_ar,
                capacity: site.capacity,
            });
        }
        let admissions: BTreeMap<String, i64> = admissions.into_iter().collect();
        let births: BTreeMap<String, i64> = births.into_iter().collect();
        let handovers: BTreeMap<String, i64> = handovers.into_iter().collect();
        let mut months = Vec::new();
        for i in (0..TREND_MONTHS).rev() {
            let m = month_start(as_of, i).format("%Y-%m").to_string();
            months.push(MonthLine {
                admissions: admissions.get(&m).copied().unwrap_or(0),
                births: births.get(&m).copied().unwrap_or(0),
                handovers: handovers.get(&m).copied().unwrap_or(0),
                month: m,
            });
        }
        let mut funnel: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (country, state, n) in reached {
            if let Some(i) = FUNNEL.iter().position(|f| *f == state) {
                funnel
                    .entry(country)
                    .or_insert_with(|| vec![0; FUNNEL.len()])[i] += n;
            }
        }
        let mut headline = BTreeMap::new();
        for (k, v) in [
            ("total", total),
            ("women", women),
            ("children", total - adults),
            ("pregnant", pregnant),
            ("unaccompanied", unaccompanied),
            ("father_unknown", father_unknown),
            ("without_documents", total - with_documents),
            (
                "nationalities",
                i64::try_from(by_nationality.len()).unwrap_or(0),
            ),
        ] {
            headline.insert(k.to_owned(), v);
        }
        Ok(Dashboard {
            as_of: as_of.format("%Y-%m-%d").to_string(),
            headline,
            by_sex: by_sex.into_iter().collect(),
            by_age_band,
            by_nationality,
            by_status,
            by_verification: by_verification.into_iter().collect(),
            verification_by_country: claims,
            stage_by_country,
            funnel: funnel.into_iter().collect(),
            sites,
            months,
        })
    }

    /// Makes the situation report for `date` in `lang` (`ar` or `en`): the figures, the
    /// changes since the previous report, stored so the next report compares with this one.
    /// Audited.
    pub async fn sitrep(
        &self,
        p: &Principal,
        date: NaiveDate,
        lang: &str,
    ) -> Result<Sitrep, AppError> {
        authorize(p, Action::ReadStats)?;
        let lang = match lang.trim() {
            "ar" => "ar",
            "en" => "en",
            other => {
                return Err(Invalid::one(
                    "lang",
                    "HW-RPT-0001",
                    format!("lang: '{other}' is not a report language; use ar or en"),
                )
                .into());
            }
        };
        let figures = self.figures(date).await?;
        let previous = self.store().previous_sitrep(date).await?;
        let before: Option<Dashboard> = previous
            .as_ref()
            .and_then(|r| serde_json::from_str(&r.figures_json).ok());
        // Stored whole (the next report compares with it); drawn as the reader may see it.
        let shown = figures.scoped_for(p);
        let before = before.map(|b| b.scoped_for(p));
        let doc = crate::sitrep_pdf::build(
            &shown,
            before
                .as_ref()
                .zip(previous.as_ref().map(|r| r.report_date.as_str())),
            lang,
            &self.now().format("%Y-%m-%d %H:%M").to_string(),
        );
        let pdf = homeward_pdf::render(&doc)
            .map_err(|e| AppError::Internal(format!("the report cannot be drawn: {e}")))?;
        let now = self.now();
        let json = serde_json::to_string(&figures).unwrap_or_default();
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_sitrep(date, lang, &json, &p.username, now)
            .await?;
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "report.sitrep",
            entity_type: "sitrep",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "date": figures.as_of,
                "lang": lang,
                "total": figures.figure("total"),
                "compared_with": previous.as_ref().map(|r| r.report_date.clone()),
            })),
        })
        .await?;
        record_export_in(
            &mut tx,
            p,
            &homeward_store::reports::NewExport {
                username: &p.username,
                role: p.role.key(),
                what: "sitrep",
                format: "pdf",
                row_count: figures.table_rows(),
                fields: SITREP_FIELDS,
                scope: "aggregates",
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Sitrep {
            pdf,
            figures: shown,
            previous: previous.map(|r| r.report_date),
        })
    }
}

impl App {
    /// Registers an export (who, what, how many rows, which columns, whose persons) and
    /// writes its audit event, in one transaction. Call it before the file is handed out.
    pub async fn record_export(
        &self,
        p: &Principal,
        e: &homeward_store::reports::NewExport<'_>,
    ) -> Result<i64, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let id = record_export_in(&mut tx, p, e, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The register of exports, newest first: auditors and administrators only.
    pub async fn exports_register(
        &self,
        p: &Principal,
    ) -> Result<Vec<homeward_store::reports::ExportRow>, AppError> {
        if authorize(p, Action::ReadAudit).is_err() {
            authorize(p, Action::ManageUsers)?;
        }
        Ok(self.store().exports(1000).await?)
    }
}

/// Whose persons an export of `p` holds: `all`, their country's code, or `none`.
pub fn export_scope(p: &Principal) -> String {
    match homeward_domain::access::person_scope(p) {
        homeward_domain::access::Scope::Country(c) => c.to_string(),
        homeward_domain::access::Scope::All => "all".to_owned(),
        homeward_domain::access::Scope::None => "none".to_owned(),
    }
}

/// Registers an export and writes its audit event inside `tx`, so a download that records
/// something else (disclosures, a situation report) registers itself in the same transaction.
pub(crate) async fn record_export_in(
    tx: &mut homeward_store::WriteTx,
    p: &Principal,
    e: &homeward_store::reports::NewExport<'_>,
    now: chrono::NaiveDateTime,
) -> Result<i64, AppError> {
    let id = tx.insert_export(e, now).await?;
    tx.audit(NewEvent {
        actor: &p.username,
        at: now,
        action: "export.download",
        entity_type: "export",
        entity_id: id.to_string(),
        before: None,
        after: Some(serde_json::json!({
            "what": e.what,
            "format": e.format,
            "rows": e.row_count,
            "fields": e.fields,
            "scope": e.scope,
        })),
    })
    .await?;
    Ok(id)
}
