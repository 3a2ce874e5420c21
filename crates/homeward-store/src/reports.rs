//! Reports, exports and bulk import: the dashboard's aggregates (read from the running
//! tallies, or a `GROUP BY` over the repatriation cases; never a load of persons), saved column mappings, situation
//! reports with their figures, and the register of exports.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use sqlx::Row;

use crate::audit::moment;
use crate::{Result, Store, WriteTx, classify};

/// Counts under two keys (e.g. country and stage).
pub type Counts2 = Vec<(String, String, i64)>;

/// A saved column mapping of an import file, found again by its headers.
#[derive(Debug, Clone, Serialize)]
pub struct MappingRow {
    /// Row id.
    pub id: i64,
    /// The normalised headers the mapping belongs to.
    pub header_key: String,
    /// `[[column, field], ...]` as JSON.
    pub mapping_json: String,
    /// Who saved it.
    pub saved_by: String,
    /// When.
    pub saved_at: String,
}

/// A situation report as made: its date, language and figures.
#[derive(Debug, Clone, Serialize)]
pub struct SitrepRow {
    /// Row id.
    pub id: i64,
    /// The day the report is about.
    pub report_date: String,
    /// Its language.
    pub lang: String,
    /// The figures, as JSON.
    pub figures_json: String,
    /// Who made it.
    pub made_by: String,
    /// When.
    pub made_at: String,
}

/// One export in the register.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    /// Row id.
    pub id: i64,
    /// When.
    pub at: String,
    /// Who.
    pub username: String,
    /// Their role.
    pub role: String,
    /// What was exported (e.g. `persons`).
    pub what: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// Rows written.
    pub row_count: i64,
    /// The columns written, comma-separated.
    pub fields: String,
    /// Whose persons (`all`, a country code, `aggregates`).
    pub scope: String,
}

/// A new export to register.
#[derive(Debug, Clone)]
pub struct NewExport<'a> {
    /// Who.
    pub username: &'a str,
    /// Their role key.
    pub role: &'a str,
    /// What.
    pub what: &'a str,
    /// `csv` or `xlsx`.
    pub format: &'a str,
    /// Rows written.
    pub row_count: i64,
    /// Columns written.
    pub fields: &'a str,
    /// Whose persons.
    pub scope: &'a str,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    async fn counts2(&self, sql: &str, binds: &[String]) -> Result<Counts2> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<Option<String>, _>("a")?.unwrap_or_default(),
                    r.try_get::<Option<String>, _>("b")?.unwrap_or_default(),
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Persons by sex and whether born in `[from, to]` (`in`/`out`), from the birth tallies.
    pub async fn count_sex_in_birth_range(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Counts2> {
        let mut out = Vec::new();
        for (sex, n) in self.count_by_sex().await? {
            let within = self
                .tally_born_between(Some(&sex), &day(from), &day(to))
                .await?;
            out.push((sex.clone(), "in".to_owned(), within));
            out.push((sex, "out".to_owned(), n - within));
        }
        Ok(out)
    }

    /// Nationality claims by country and verification state (one person has at most one
    /// claim per country, so the sum per country is the persons claiming it).
    pub async fn count_claims_by_country_state(&self) -> Result<Counts2> {
        Ok(self
            .tallies("claim")
            .await?
            .into_iter()
            .map(|t| (t.k1, t.k2, t.n))
            .collect())
    }

    /// Persons by current site id (`None` for those not held).
    pub async fn count_by_site_id(&self) -> Result<Vec<(Option<i64>, i64)>> {
        Ok(self
            .tallies("site")
            .await?
            .into_iter()
            .map(|t| (t.k1.parse().ok(), t.n))
            .collect())
    }

    /// Persons with at least one document.
    pub async fn count_with_documents(&self) -> Result<i64> {
        self.tally_sum("documented", None).await
    }

    /// Pregnant women and girls, unaccompanied children and persons whose father is
    /// recorded as unknown.
    pub async fn count_flags(&self) -> Result<(i64, i64, i64)> {
        Ok((
            self.count_pregnant().await?,
            self.count_unaccompanied().await?,
            self.count_father_unknown().await?,
        ))
    }

    /// Persons admitted (their first custody episode began) per month `YYYY-MM` from `from`.
    pub async fn admissions_by_month(&self, from: NaiveDate) -> Result<Vec<(String, i64)>> {
        let from = from.format("%Y-%m").to_string();
        Ok(self
            .tallies("admitted")
            .await?
            .into_iter()
            .filter(|t| t.k1 >= from)
            .map(|t| (t.k1, t.n))
            .collect())
    }

    /// Registered children born per month `YYYY-MM` from `from` (exact dates of birth only).
    pub async fn births_by_month(&self, from: NaiveDate) -> Result<Vec<(String, i64)>> {
        self.month_counts(
            "SELECT SUBSTR(k2, 1, 7) AS k, CAST(SUM(n) AS BIGINT) AS n FROM tallies \
             WHERE dim = 'birth' AND k2 >= $1 AND k3 = 'exact' AND n <> 0 \
             GROUP BY SUBSTR(k2, 1, 7) ORDER BY k",
            from,
        )
        .await
    }

    /// Persons handed over to their country per month `YYYY-MM` from `from`.
    pub async fn handovers_by_month(&self, from: NaiveDate) -> Result<Vec<(String, i64)>> {
        self.month_counts(
            "SELECT SUBSTR(t.at, 1, 7) AS k, COUNT(*) AS n FROM repat_transitions t \
             JOIN repat_case_members m ON m.case_id = t.case_id \
             WHERE t.to_state = 'handed_over' AND t.at >= $1 \
             GROUP BY SUBSTR(t.at, 1, 7) ORDER BY k",
            from,
        )
        .await
    }

    async fn month_counts(&self, sql: &str, from: NaiveDate) -> Result<Vec<(String, i64)>> {
        sqlx::query(sql)
            .bind(day(from))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<Option<String>, _>("k")?.unwrap_or_default(),
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Persons in repatriation cases by country and case state.
    pub async fn count_case_members_by_country_state(&self) -> Result<Counts2> {
        self.counts2(
            "SELECT c.country_code AS a, c.state AS b, COUNT(*) AS n FROM repat_cases c \
             JOIN repat_case_members m ON m.case_id = c.id GROUP BY c.country_code, c.state \
             ORDER BY c.country_code, c.state",
            &[],
        )
        .await
    }

    /// Every state a case has ever reached, by country: persons per (country, state) over
    /// the transitions, for the funnel (a case counts once at each stage it passed).
    pub async fn count_case_members_reached(&self) -> Result<Counts2> {
        self.counts2(
            "SELECT c.country_code AS a, t.to_state AS b, COUNT(DISTINCT m.person_id) AS n \
             FROM repat_transitions t JOIN repat_cases c ON c.id = t.case_id \
             JOIN repat_case_members m ON m.case_id = c.id \
             GROUP BY c.country_code, t.to_state ORDER BY c.country_code, t.to_state",
            &[],
        )
        .await
    }

    /// The saved mapping for these headers, if any.
    pub async fn import_mapping(&self, header_key: &str) -> Result<Option<MappingRow>> {
        let row = sqlx::query(
            "SELECT id, header_key, mapping_json, saved_by, saved_at FROM import_mappings \
             WHERE header_key = $1",
        )
        .bind(header_key)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(MappingRow {
                id: r.try_get("id")?,
                header_key: r.try_get("header_key")?,
                mapping_json: r.try_get("mapping_json")?,
                saved_by: r.try_get("saved_by")?,
                saved_at: r.try_get("saved_at")?,
            })
        })
        .transpose()
    }

    /// The latest situation report made before `id` (or the latest of all when `None`)
    /// for a date on or before `date`.
    pub async fn previous_sitrep(&self, date: NaiveDate) -> Result<Option<SitrepRow>> {
        let row = sqlx::query(
            "SELECT id, report_date, lang, figures_json, made_by, made_at FROM sitreps \
             WHERE report_date < $1 ORDER BY report_date DESC, id DESC LIMIT 1",
        )
        .bind(day(date))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(SitrepRow {
                id: r.try_get("id")?,
                report_date: r.try_get("report_date")?,
                lang: r.try_get("lang")?,
                figures_json: r.try_get("figures_json")?,
                made_by: r.try_get("made_by")?,
                made_at: r.try_get("made_at")?,
            })
        })
        .transpose()
    }

    /// The register of exports, newest first.
    pub async fn exports(&self, limit: i64) -> Result<Vec<ExportRow>> {
        sqlx::query(
            "SELECT id, at, username, role, what, format, row_count, fields, scope FROM exports \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(ExportRow {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                username: r.try_get("username")?,
                role: r.try_get("role")?,
                what: r.try_get("what")?,
                format: r.try_get("format")?,
                row_count: r.try_get("row_count")?,
                fields: r.try_get("fields")?,
                scope: r.try_get("scope")?,
            })
        })
        .collect()
    }
}

impl WriteTx {
    /// Saves (or replaces) the column mapping for these headers.
    pub async fn save_import_mapping(
        &mut self,
        header_key: &str,
        headers_json: &str,
        mapping_json: &str,
        saved_by: &str,
        at: NaiveDateTime,
    ) -> Result<i64> {
        sqlx::query("DELETE FROM import_mappings WHERE header_key = $1")
            .bind(header_key)
            .execute(self.conn())
            .await?;
        let row = sqlx::query(
            "INSERT INTO import_mappings (header_key, headers_json, mapping_json, saved_by, \
             saved_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(header_key)
        .bind(headers_json)
        .bind(mapping_json)
        .bind(saved_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        Ok(row.try_get("id")?)
    }

    /// Records a situation report's figures.
    pub async fn insert_sitrep(
        &mut self,
        date: NaiveDate,
        lang: &str,
        figures_json: &str,
        made_by: &str,
        at: NaiveDateTime,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO sitreps (report_date, lang, figures_json, made_by, made_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(day(date))
        .bind(lang)
        .bind(figures_json)
        .bind(made_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        Ok(row.try_get("id")?)
    }

    /// Registers an export.
    pub async fn insert_export(&mut self, e: &NewExport<'_>, at: NaiveDateTime) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO exports (at, username, role, what, format, row_count, fields, scope) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(moment(at))
        .bind(e.username)
        .bind(e.role)
        .bind(e.what)
        .bind(e.format)
        .bind(e.row_count)
        .bind(e.fields)
        .bind(e.scope)
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        Ok(row.try_get("id")?)
    }
}
