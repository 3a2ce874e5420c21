//! Courts and protection: the languages a person speaks, legal cases and their hearings,
//! pre-trial detention limits, and confidential protection incidents with their follow-up.
//!
//! The accounts of incidents (`report_narrative`) and of follow-up actions (`action_note`) are
//! plain text columns here, so field encryption can seal them without a schema change.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::moment;
use crate::connect::WriteTx;
use crate::{Result, Store, StoreError, classify};

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn flag(r: &AnyRow, col: &str) -> Result<bool> {
    Ok(r.try_get::<i64, _>(col)? != 0)
}

/// A language a person speaks.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LanguageRow {
    pub person_id: i64,
    pub language: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A legal case as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LegalCaseRow {
    pub id: i64,
    pub person_id: i64,
    pub charges: String,
    pub court: String,
    pub case_number: String,
    pub counsel: String,
    pub counsel_name: Option<String>,
    pub interpreter_language: Option<String>,
    pub detained_since: Option<String>,
    pub detention_limit_days: Option<i64>,
    /// The last day of pre-trial detention the limit allows.
    pub detention_limit: Option<String>,
    pub verdict: String,
    pub verdict_date: Option<String>,
    pub sentence: Option<String>,
    pub appeal: String,
    pub appeal_date: Option<String>,
    pub opened_by: String,
    pub opened_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl LegalCaseRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            charges: r.try_get("charges")?,
            court: r.try_get("court")?,
            case_number: r.try_get("case_number")?,
            counsel: r.try_get("counsel")?,
            counsel_name: r.try_get("counsel_name")?,
            interpreter_language: r.try_get("interpreter_language")?,
            detained_since: r.try_get("detained_since")?,
            detention_limit_days: r.try_get("detention_limit_days")?,
            detention_limit: r.try_get("detention_limit")?,
            verdict: r.try_get("verdict")?,
            verdict_date: r.try_get("verdict_date")?,
            sentence: r.try_get("sentence")?,
            appeal: r.try_get("appeal")?,
            appeal_date: r.try_get("appeal_date")?,
            opened_by: r.try_get("opened_by")?,
            opened_at: r.try_get("opened_at")?,
            updated_at: r.try_get("updated_at")?,
            version: r.try_get("version")?,
        })
    }
}

/// The fields of a legal case to write (already checked by the domain).
#[derive(Debug, Clone, Default)]
pub struct CaseFields {
    pub charges: String,
    pub court: String,
    pub case_number: String,
    pub counsel: String,
    pub counsel_name: Option<String>,
    pub interpreter_language: Option<String>,
    pub detained_since: Option<NaiveDate>,
    pub detention_limit_days: Option<i64>,
    pub detention_limit: Option<NaiveDate>,
    pub verdict: String,
    pub verdict_date: Option<NaiveDate>,
    pub sentence: Option<String>,
    pub appeal: String,
    pub appeal_date: Option<NaiveDate>,
}

/// A hearing as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HearingRow {
    pub id: i64,
    pub case_id: i64,
    pub hearing_date: String,
    pub held: bool,
    pub summary: String,
    pub next_date: Option<String>,
    pub counsel_present: bool,
    pub counsel_waiver_reason: Option<String>,
    pub interpreter_language: Option<String>,
    pub interpreter_name: Option<String>,
    pub interpreter_waiver_reason: Option<String>,
    pub guardian_present: bool,
    pub social_worker_present: bool,
    pub minor: bool,
    /// The kind of coercion or ill-treatment alleged (its account is in the incident only).
    pub allegation: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl HearingRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            case_id: r.try_get("case_id")?,
            hearing_date: r.try_get("hearing_date")?,
            held: flag(r, "held")?,
            summary: r.try_get("summary")?,
            next_date: r.try_get("next_date")?,
            counsel_present: flag(r, "counsel_present")?,
            counsel_waiver_reason: r.try_get("counsel_waiver_reason")?,
            interpreter_language: r.try_get("interpreter_language")?,
            interpreter_name: r.try_get("interpreter_name")?,
            interpreter_waiver_reason: r.try_get("interpreter_waiver_reason")?,
            guardian_present: flag(r, "guardian_present")?,
            social_worker_present: flag(r, "social_worker_present")?,
            minor: flag(r, "minor")?,
            allegation: r.try_get("allegation")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A hearing to write.
#[derive(Debug, Clone, Default)]
pub struct NewHearing<'a> {
    pub case_id: i64,
    pub hearing_date: NaiveDate,
    pub held: bool,
    pub summary: &'a str,
    pub next_date: Option<NaiveDate>,
    pub counsel_present: bool,
    pub counsel_waiver_reason: Option<&'a str>,
    pub interpreter_language: Option<&'a str>,
    pub interpreter_name: Option<&'a str>,
    pub interpreter_waiver_reason: Option<&'a str>,
    pub guardian_present: bool,
    pub social_worker_present: bool,
    pub minor: bool,
    pub allegation: Option<&'a str>,
    pub recorded_by: &'a str,
}

/// A protection incident as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProtectionIncidentRow {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub occurred_on: Option<String>,
    pub site_id: Option<i64>,
    /// `report` (reported by a monitor or staff) or `hearing` (opened by an allegation made at
    /// a hearing).
    pub source: String,
    pub legal_case_id: Option<i64>,
    pub hearing_id: Option<i64>,
    pub report_narrative: String,
    pub status: String,
    pub reported_by: String,
    pub reported_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl ProtectionIncidentRow {
    /// Reads a row, opening the sealed narrative.
    fn from_row(r: &AnyRow, c: &crate::sealing::Cipher) -> Result<Self> {
        let person_id: i64 = r.try_get("person_id")?;
        let mut report_narrative: String = r.try_get("report_narrative")?;
        c.open(
            "protection_incidents",
            "report_narrative",
            person_id,
            &mut report_narrative,
        )?;
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            kind: r.try_get("kind")?,
            occurred_on: r.try_get("occurred_on")?,
            site_id: r.try_get("site_id")?,
            source: r.try_get("source")?,
            legal_case_id: r.try_get("legal_case_id")?,
            hearing_id: r.try_get("hearing_id")?,
            report_narrative,
            status: r.try_get("status")?,
            reported_by: r.try_get("reported_by")?,
            reported_at: r.try_get("reported_at")?,
            updated_at: r.try_get("updated_at")?,
            version: r.try_get("version")?,
        })
    }
}

/// An incident to write.
#[derive(Debug, Clone, Default)]
pub struct NewProtectionIncident<'a> {
    pub person_id: i64,
    pub kind: &'a str,
    pub occurred_on: Option<NaiveDate>,
    pub site_id: Option<i64>,
    pub source: &'a str,
    pub legal_case_id: Option<i64>,
    pub hearing_id: Option<i64>,
    pub report_narrative: &'a str,
    pub reported_by: &'a str,
}

/// A follow-up action on an incident.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProtectionActionRow {
    pub id: i64,
    pub incident_id: i64,
    pub action_note: String,
    pub status_after: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl ProtectionActionRow {
    /// Reads a row, opening the sealed note.
    fn from_row(r: &AnyRow, c: &crate::sealing::Cipher) -> Result<Self> {
        let incident_id: i64 = r.try_get("incident_id")?;
        let mut action_note: String = r.try_get("action_note")?;
        c.open(
            "protection_incident_actions",
            "action_note",
            incident_id,
            &mut action_note,
        )?;
        Ok(Self {
            id: r.try_get("id")?,
            incident_id,
            action_note,
            status_after: r.try_get("status_after")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A case whose pre-trial detention limit falls on or before a day, with no verdict yet.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DetentionLimitRow {
    pub case_id: i64,
    pub person_id: i64,
    pub registration_number: String,
    pub court: String,
    pub case_number: String,
    pub detained_since: String,
    pub detention_limit: String,
}

impl WriteTx {
    /// Replaces the languages a person speaks.
    pub async fn set_languages(
        &mut self,
        person_id: i64,
        languages: &[String],
        by: &str,
        at: NaiveDateTime,
    ) -> Result<()> {
        sqlx::query("DELETE FROM person_languages WHERE person_id = $1")
            .bind(person_id)
            .execute(self.conn())
            .await?;
        for l in languages {
            sqlx::query(
                "INSERT INTO person_languages (person_id, language, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(person_id)
            .bind(l)
            .bind(by)
            .bind(moment(at))
            .execute(self.conn())
            .await
            .map_err(classify)?;
        }
        Ok(())
    }

    /// The languages a person speaks, inside the transaction.
    pub async fn languages_of(&mut self, person_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT language FROM person_languages WHERE person_id = $1 ORDER BY language",
        )
        .bind(person_id)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("language")?)).collect()
    }

    /// Opens a legal case.
    pub async fn insert_legal_case(
        &mut self,
        person_id: i64,
        f: &CaseFields,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<LegalCaseRow> {
        let row = sqlx::query(
            "INSERT INTO legal_cases (person_id, charges, court, case_number, counsel, \
             counsel_name, interpreter_language, detained_since, detention_limit_days, \
             detention_limit, verdict, verdict_date, sentence, appeal, appeal_date, opened_by, \
             opened_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, $17) RETURNING *",
        )
        .bind(person_id)
        .bind(&f.charges)
        .bind(&f.court)
        .bind(&f.case_number)
        .bind(&f.counsel)
        .bind(f.counsel_name.as_deref())
        .bind(f.interpreter_language.as_deref())
        .bind(f.detained_since.map(day))
        .bind(f.detention_limit_days)
        .bind(f.detention_limit.map(day))
        .bind(&f.verdict)
        .bind(f.verdict_date.map(day))
        .bind(f.sentence.as_deref())
        .bind(&f.appeal)
        .bind(f.appeal_date.map(day))
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        LegalCaseRow::from_row(&row)
    }

    /// A legal case, inside the transaction.
    pub async fn legal_case(&mut self, id: i64) -> Result<LegalCaseRow> {
        let row = sqlx::query("SELECT * FROM legal_cases WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("legal case {id}")))?;
        LegalCaseRow::from_row(&row)
    }

    /// Changes a legal case when `expected_version` is still current.
    pub async fn update_legal_case(
        &mut self,
        id: i64,
        expected_version: i64,
        f: &CaseFields,
        at: NaiveDateTime,
    ) -> Result<LegalCaseRow> {
        let row = sqlx::query(
            "UPDATE legal_cases SET charges = $1, court = $2, case_number = $3, counsel = $4, \
             counsel_name = $5, interpreter_language = $6, detained_since = $7, \
             detention_limit_days = $8, detention_limit = $9, verdict = $10, verdict_date = $11, \
             sentence = $12, appeal = $13, appeal_date = $14, updated_at = $15, \
             version = version + 1 WHERE id = $16 AND version = $17 RETURNING *",
        )
        .bind(&f.charges)
        .bind(&f.court)
        .bind(&f.case_number)
        .bind(&f.counsel)
        .bind(f.counsel_name.as_deref())
        .bind(f.interpreter_language.as_deref())
        .bind(f.detained_since.map(day))
        .bind(f.detention_limit_days)
        .bind(f.detention_limit.map(day))
        .bind(&f.verdict)
        .bind(f.verdict_date.map(day))
        .bind(f.sentence.as_deref())
        .bind(&f.appeal)
        .bind(f.appeal_date.map(day))
        .bind(moment(at))
        .bind(id)
        .bind(expected_version)
        .fetch_optional(self.conn())
        .await
        .map_err(classify)?;
        match row {
            Some(r) => LegalCaseRow::from_row(&r),
            None => {
                let found = self.legal_case(id).await?.version;
                Err(StoreError::Conflict {
                    entity: format!("legal case {id}"),
                    expected: expected_version,
                    found,
                })
            }
        }
    }

    /// Records a hearing.
    pub async fn insert_hearing(
        &mut self,
        h: &NewHearing<'_>,
        at: NaiveDateTime,
    ) -> Result<HearingRow> {
        let row = sqlx::query(
            "INSERT INTO legal_hearings (case_id, hearing_date, held, summary, next_date, \
             counsel_present, counsel_waiver_reason, interpreter_language, interpreter_name, \
             interpreter_waiver_reason, guardian_present, social_worker_present, minor, \
             allegation, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15, $16) RETURNING *",
        )
        .bind(h.case_id)
        .bind(day(h.hearing_date))
        .bind(i64::from(h.held))
        .bind(h.summary)
        .bind(h.next_date.map(day))
        .bind(i64::from(h.counsel_present))
        .bind(h.counsel_waiver_reason)
        .bind(h.interpreter_language)
        .bind(h.interpreter_name)
        .bind(h.interpreter_waiver_reason)
        .bind(i64::from(h.guardian_present))
        .bind(i64::from(h.social_worker_present))
        .bind(i64::from(h.minor))
        .bind(h.allegation)
        .bind(h.recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        HearingRow::from_row(&row)
    }

    /// Opens a protection incident.
    pub async fn insert_protection_incident(
        &mut self,
        i: &NewProtectionIncident<'_>,
        at: NaiveDateTime,
    ) -> Result<ProtectionIncidentRow> {
        let row = sqlx::query(
            "INSERT INTO protection_incidents (person_id, kind, occurred_on, site_id, source, \
             legal_case_id, hearing_id, report_narrative, status, reported_by, reported_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $10) \
             RETURNING *",
        )
        .bind(i.person_id)
        .bind(i.kind)
        .bind(i.occurred_on.map(day))
        .bind(i.site_id)
        .bind(i.source)
        .bind(i.legal_case_id)
        .bind(i.hearing_id)
        .bind(self.cipher.seal(
            "protection_incidents",
            "report_narrative",
            i.person_id,
            i.report_narrative,
        )?)
        .bind(i.reported_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        ProtectionIncidentRow::from_row(&row, &self.cipher)
    }

    /// An incident, inside the transaction.
    pub async fn protection_incident(&mut self, id: i64) -> Result<ProtectionIncidentRow> {
        let row = sqlx::query("SELECT * FROM protection_incidents WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
        ProtectionIncidentRow::from_row(&row, &self.cipher)
    }

    /// Records a follow-up action and moves the incident to `status` when `expected_version`
    /// is still current.
    pub async fn add_protection_action(
        &mut self,
        incident_id: i64,
        expected_version: i64,
        note: &str,
        status: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<(ProtectionIncidentRow, ProtectionActionRow)> {
        let updated = sqlx::query(
            "UPDATE protection_incidents SET status = $1, updated_at = $2, \
             version = version + 1 WHERE id = $3 AND version = $4 RETURNING *",
        )
        .bind(status)
        .bind(moment(at))
        .bind(incident_id)
        .bind(expected_version)
        .fetch_optional(self.conn())
        .await?;
        let incident = match updated {
            Some(r) => ProtectionIncidentRow::from_row(&r, &self.cipher)?,
            None => {
                let found = self.protection_incident(incident_id).await?.version;
                return Err(StoreError::Conflict {
                    entity: format!("incident {incident_id}"),
                    expected: expected_version,
                    found,
                });
            }
        };
        let row = sqlx::query(
            "INSERT INTO protection_incident_actions (incident_id, action_note, status_after, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(incident_id)
        .bind(self.cipher.seal(
            "protection_incident_actions",
            "action_note",
            incident_id,
            note,
        )?)
        .bind(status)
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        Ok((incident, ProtectionActionRow::from_row(&row, &self.cipher)?))
    }
}

/// Which protection incidents to list.
#[derive(Debug, Clone, Default)]
pub struct ProtectionFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub person: Option<i64>,
    /// Only incidents not closed.
    pub open_only: bool,
}

impl Store {
    /// The languages a person speaks.
    pub async fn languages_of(&self, person_id: i64) -> Result<Vec<LanguageRow>> {
        let rows =
            sqlx::query("SELECT * FROM person_languages WHERE person_id = $1 ORDER BY language")
                .bind(person_id)
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| {
                Ok(LanguageRow {
                    person_id: r.try_get("person_id")?,
                    language: r.try_get("language")?,
                    recorded_by: r.try_get("recorded_by")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }

    /// A legal case.
    pub async fn legal_case(&self, id: i64) -> Result<LegalCaseRow> {
        let row = sqlx::query("SELECT * FROM legal_cases WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("legal case {id}")))?;
        LegalCaseRow::from_row(&row)
    }

    /// A person's legal cases, newest first.
    pub async fn legal_cases_of(&self, person_id: i64) -> Result<Vec<LegalCaseRow>> {
        let rows = sqlx::query("SELECT * FROM legal_cases WHERE person_id = $1 ORDER BY id DESC")
            .bind(person_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(LegalCaseRow::from_row).collect()
    }

    /// The hearings of a case, in date order.
    pub async fn hearings_of(&self, case_id: i64) -> Result<Vec<HearingRow>> {
        let rows = sqlx::query(
            "SELECT * FROM legal_hearings WHERE case_id = $1 ORDER BY hearing_date, id",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(HearingRow::from_row).collect()
    }

    /// Cases with no verdict whose pre-trial detention limit falls on or before `until`
    /// (those already past it included), the nearest first.
    pub async fn detention_limits_until(&self, until: NaiveDate) -> Result<Vec<DetentionLimitRow>> {
        let rows = sqlx::query(
            "SELECT c.id AS case_id, c.person_id, p.registration_number, c.court, \
             c.case_number, c.detained_since, c.detention_limit FROM legal_cases c \
             JOIN persons p ON p.id = c.person_id WHERE c.verdict = 'pending' \
             AND c.detention_limit IS NOT NULL AND c.detention_limit <= $1 \
             ORDER BY c.detention_limit, c.id",
        )
        .bind(day(until))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DetentionLimitRow {
                    case_id: r.try_get("case_id")?,
                    person_id: r.try_get("person_id")?,
                    registration_number: r.try_get("registration_number")?,
                    court: r.try_get("court")?,
                    case_number: r.try_get("case_number")?,
                    detained_since: r.try_get("detained_since")?,
                    detention_limit: r.try_get("detention_limit")?,
                })
            })
            .collect()
    }

    /// An incident.
    pub async fn protection_incident(&self, id: i64) -> Result<ProtectionIncidentRow> {
        let row = sqlx::query("SELECT * FROM protection_incidents WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
        ProtectionIncidentRow::from_row(&row, self.cipher())
    }

    /// Protection incidents, the newest first.
    pub async fn protection_incidents(
        &self,
        f: &ProtectionFilter,
    ) -> Result<Vec<ProtectionIncidentRow>> {
        let mut clauses = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        if let Some(s) = &f.status {
            binds.push(s.clone());
            clauses.push(format!("status = ${}", binds.len()));
        }
        if let Some(k) = &f.kind {
            binds.push(k.clone());
            clauses.push(format!("kind = ${}", binds.len()));
        }
        if let Some(p) = f.person {
            binds.push(p.to_string());
            clauses.push(format!("person_id = CAST(${} AS BIGINT)", binds.len()));
        }
        if f.open_only {
            clauses.push("status <> 'closed'".into());
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT * FROM protection_incidents{filter} ORDER BY reported_at DESC, id DESC"
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| ProtectionIncidentRow::from_row(r, self.cipher()))
            .collect()
    }

    /// The follow-up actions of an incident, in order.
    pub async fn protection_actions(&self, incident_id: i64) -> Result<Vec<ProtectionActionRow>> {
        let rows = sqlx::query(
            "SELECT * FROM protection_incident_actions WHERE incident_id = $1 ORDER BY id",
        )
        .bind(incident_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| ProtectionActionRow::from_row(r, self.cipher()))
            .collect()
    }
}
