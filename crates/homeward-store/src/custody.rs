//! Placement rules and decisions, transfers, roll calls and the review tasks.

use chrono::{NaiveDate, NaiveDateTime};
use homeward_domain::person::Sex;
use homeward_domain::placement::{NationalityCondition, Outcome, RuleVersion};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::moment;
use crate::connect::WriteTx;
use crate::{Result, Store, StoreError, classify};

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn rule_from_row(r: &AnyRow) -> Result<RuleVersion> {
    let from: String = r.try_get("effective_from")?;
    let sex: Option<String> = r.try_get("sex")?;
    Ok(RuleVersion {
        id: r.try_get("rule_id")?,
        version: u32::try_from(r.try_get::<i64, _>("version")?)
            .map_err(|e| corrupt("version", e))?,
        effective_from: NaiveDate::parse_from_str(&from, "%Y-%m-%d")
            .map_err(|e| corrupt("effective_from", e))?,
        retired: r.try_get::<i64, _>("retired")? != 0,
        priority: u32::try_from(r.try_get::<i64, _>("priority")?)
            .map_err(|e| corrupt("priority", e))?,
        min_age: u32::try_from(r.try_get::<i64, _>("min_age")?).map_err(|e| corrupt("age", e))?,
        max_age: u32::try_from(r.try_get::<i64, _>("max_age")?).map_err(|e| corrupt("age", e))?,
        sex: sex
            .map(|s| Sex::parse("sex", &s))
            .transpose()
            .map_err(|e| corrupt("sex", e))?,
        nationality: NationalityCondition::parse(
            "nationality",
            &r.try_get::<String, _>("nationality")?,
        )
        .map_err(|e| corrupt("nationality", e))?,
        outcome: Outcome::parse("outcome", &r.try_get::<String, _>("outcome")?)
            .map_err(|e| corrupt("outcome", e))?,
        description_en: r.try_get("description_en")?,
        description_ar: r.try_get("description_ar")?,
    })
}

/// A placement decision as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DecisionRow {
    pub id: i64,
    pub person_id: i64,
    pub decided_for: String,
    pub proposed: String,
    pub rule_id: String,
    pub rule_version: i64,
    pub explanation: String,
    pub decision: String,
    pub chosen: String,
    pub reason: String,
    pub best_interests_ref: Option<String>,
    pub decided_by: String,
    pub decided_at: String,
}

impl DecisionRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            decided_for: r.try_get("decided_for")?,
            proposed: r.try_get("proposed")?,
            rule_id: r.try_get("rule_id")?,
            rule_version: r.try_get("rule_version")?,
            explanation: r.try_get("explanation")?,
            decision: r.try_get("decision")?,
            chosen: r.try_get("chosen")?,
            reason: r.try_get("reason")?,
            best_interests_ref: r.try_get("best_interests_ref")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: r.try_get("decided_at")?,
        })
    }
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    pub person_id: i64,
    pub decided_for: NaiveDate,
    pub proposed: &'a str,
    pub rule_id: &'a str,
    pub rule_version: u32,
    pub explanation: &'a str,
    pub decision: &'a str,
    pub chosen: &'a str,
    pub reason: &'a str,
    pub best_interests_ref: Option<&'a str>,
    pub decided_by: &'a str,
}

/// A transfer as stored, with the persons it moves.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransferRow {
    pub id: i64,
    pub to_site_id: i64,
    pub state: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub authorised_by: Option<String>,
    pub authorised_at: Option<String>,
    pub carried_out_by: Option<String>,
    pub carried_out_at: Option<String>,
    pub version: i64,
    pub persons: Vec<i64>,
}

/// A roll call as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RollCallRow {
    pub id: i64,
    pub site_id: i64,
    pub at: String,
    pub method: String,
    pub expected: i64,
    pub counted: i64,
    pub absent: String,
    pub recorded_by: String,
}

/// A difference between a roll call and the register, to be resolved.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IncidentRow {
    pub id: i64,
    pub roll_call_id: i64,
    pub site_id: i64,
    pub difference: i64,
    pub status: String,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

impl IncidentRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            roll_call_id: r.try_get("roll_call_id")?,
            site_id: r.try_get("site_id")?,
            difference: r.try_get("difference")?,
            status: r.try_get("status")?,
            resolution: r.try_get("resolution")?,
            resolved_by: r.try_get("resolved_by")?,
            resolved_at: r.try_get("resolved_at")?,
        })
    }
}

/// A roll call to record.
#[derive(Debug, Clone, Copy)]
pub struct NewRollCall<'a> {
    pub site_id: i64,
    pub at: NaiveDateTime,
    /// `count` or `tick_list`.
    pub method: &'a str,
    pub expected: i64,
    pub counted: i64,
    /// Ids of those on the register but not present, comma-separated.
    pub absent: &'a str,
    pub by: &'a str,
}

/// A task to add; `dedupe_key` makes adding it twice a no-op.
#[derive(Debug, Clone, Copy)]
pub struct NewTask<'a> {
    pub kind: &'a str,
    pub team: &'a str,
    pub person_id: Option<i64>,
    pub due: NaiveDate,
    pub detail: &'a str,
    pub dedupe_key: &'a str,
}

/// A task in a team's list.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TaskRow {
    pub id: i64,
    pub kind: String,
    pub team: String,
    pub person_id: Option<i64>,
    pub due: String,
    pub detail: String,
    pub status: String,
    pub created_at: String,
}

impl WriteTx {
    /// Adds a rule version.
    pub async fn insert_rule(
        &mut self,
        r: &RuleVersion,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO placement_rules (rule_id, version, effective_from, retired, priority, \
             min_age, max_age, sex, nationality, outcome, description_en, description_ar, \
             recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&r.id)
        .bind(i64::from(r.version))
        .bind(day(r.effective_from))
        .bind(i64::from(r.retired))
        .bind(i64::from(r.priority))
        .bind(i64::from(r.min_age))
        .bind(i64::from(r.max_age))
        .bind(r.sex.map(Sex::key))
        .bind(r.nationality.key())
        .bind(r.outcome.key())
        .bind(&r.description_en)
        .bind(&r.description_ar)
        .bind(by)
        .bind(moment(at))
        .execute(self.conn())
        .await
        .map_err(classify)?;
        Ok(())
    }

    /// Records a placement decision.
    pub async fn insert_decision(
        &mut self,
        d: &NewDecision<'_>,
        at: NaiveDateTime,
    ) -> Result<DecisionRow> {
        let row = sqlx::query(
            "INSERT INTO placement_decisions (person_id, decided_for, proposed, rule_id, \
             rule_version, explanation, decision, chosen, reason, best_interests_ref, \
             decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             RETURNING *",
        )
        .bind(d.person_id)
        .bind(day(d.decided_for))
        .bind(d.proposed)
        .bind(d.rule_id)
        .bind(i64::from(d.rule_version))
        .bind(d.explanation)
        .bind(d.decision)
        .bind(d.chosen)
        .bind(d.reason)
        .bind(d.best_interests_ref)
        .bind(d.decided_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        DecisionRow::from_row(&row)
    }

    /// Creates a transfer request for persons into a site.
    pub async fn insert_transfer(
        &mut self,
        to_site: i64,
        persons: &[i64],
        reason: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO transfers (to_site_id, state, reason, requested_by, requested_at) \
             VALUES ($1, 'requested', $2, $3, $4) RETURNING id",
        )
        .bind(to_site)
        .bind(reason)
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        let id: i64 = row.try_get("id")?;
        for p in persons {
            sqlx::query("INSERT INTO transfer_persons (transfer_id, person_id) VALUES ($1, $2)")
                .bind(id)
                .bind(p)
                .execute(self.conn())
                .await
                .map_err(classify)?;
        }
        Ok(id)
    }

    /// Moves a transfer to `state` ("authorised" or "carried_out" or "cancelled"), recording
    /// who and when, if `version` is still current.
    pub async fn set_transfer_state(
        &mut self,
        id: i64,
        version: i64,
        state: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<()> {
        let (who, when) = match state {
            "authorised" => ("authorised_by", "authorised_at"),
            "carried_out" => ("carried_out_by", "carried_out_at"),
            _ => ("authorised_by", "authorised_at"),
        };
        let sql = format!(
            "UPDATE transfers SET state = $1, {who} = $2, {when} = $3, version = version + 1 \
             WHERE id = $4 AND version = $5"
        );
        let done = sqlx::query(&sql)
            .bind(state)
            .bind(by)
            .bind(moment(at))
            .bind(id)
            .bind(version)
            .execute(self.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                entity: format!("transfer {id}"),
                expected: version,
                found: -1,
            });
        }
        Ok(())
    }

    /// Records a roll call and, when the count differs from the register, an open incident.
    pub async fn insert_roll_call(
        &mut self,
        c: &NewRollCall<'_>,
    ) -> Result<(RollCallRow, Option<IncidentRow>)> {
        let NewRollCall {
            site_id,
            at,
            method,
            expected,
            counted,
            absent,
            by,
        } = *c;
        let row = sqlx::query(
            "INSERT INTO roll_calls (site_id, at, method, expected, counted, absent, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(site_id)
        .bind(moment(at))
        .bind(method)
        .bind(expected)
        .bind(counted)
        .bind(absent)
        .bind(by)
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        let call = RollCallRow {
            id: row.try_get("id")?,
            site_id,
            at: row.try_get("at")?,
            method: method.to_owned(),
            expected,
            counted,
            absent: absent.to_owned(),
            recorded_by: by.to_owned(),
        };
        if expected == counted && absent.is_empty() {
            return Ok((call, None));
        }
        let row = sqlx::query(
            "INSERT INTO roll_call_incidents (roll_call_id, site_id, difference, status) \
             VALUES ($1, $2, $3, 'open') RETURNING *",
        )
        .bind(call.id)
        .bind(site_id)
        .bind(counted - expected)
        .fetch_one(self.conn())
        .await?;
        let incident = IncidentRow::from_row(&row)?;
        Ok((call, Some(incident)))
    }

    /// Resolves an open roll-call incident with a written resolution.
    pub async fn resolve_incident(
        &mut self,
        id: i64,
        resolution: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<IncidentRow> {
        let done = sqlx::query(
            "UPDATE roll_call_incidents SET status = 'resolved', resolution = $1, \
             resolved_by = $2, resolved_at = $3 WHERE id = $4 AND status = 'open'",
        )
        .bind(resolution)
        .bind(by)
        .bind(moment(at))
        .bind(id)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("open incident {id}")));
        }
        let row = sqlx::query("SELECT * FROM roll_call_incidents WHERE id = $1")
            .bind(id)
            .fetch_one(self.conn())
            .await?;
        IncidentRow::from_row(&row)
    }

    /// Adds a task unless one with the same key exists; returns whether it was added.
    pub async fn insert_task(&mut self, t: &NewTask<'_>, at: NaiveDateTime) -> Result<bool> {
        let NewTask {
            kind,
            team,
            person_id,
            due,
            detail,
            dedupe_key,
        } = *t;
        let exists = sqlx::query("SELECT id FROM tasks WHERE dedupe_key = $1")
            .bind(dedupe_key)
            .fetch_optional(self.conn())
            .await?;
        if exists.is_some() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO tasks (kind, team, person_id, due, detail, dedupe_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(kind)
        .bind(team)
        .bind(person_id)
        .bind(day(due))
        .bind(detail)
        .bind(dedupe_key)
        .bind(moment(at))
        .execute(self.conn())
        .await?;
        Ok(true)
    }

    /// A transfer, read inside the transaction.
    pub async fn transfer(&mut self, id: i64) -> Result<TransferRow> {
        transfer(self.conn(), id).await
    }
}

async fn transfer(conn: &mut sqlx::AnyConnection, id: i64) -> Result<TransferRow> {
    let r = sqlx::query("SELECT * FROM transfers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("transfer {id}")))?;
    let persons = sqlx::query(
        "SELECT person_id FROM transfer_persons WHERE transfer_id = $1 ORDER BY person_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|p| p.try_get("person_id"))
    .collect::<Result<Vec<i64>, _>>()?;
    Ok(TransferRow {
        id: r.try_get("id")?,
        to_site_id: r.try_get("to_site_id")?,
        state: r.try_get("state")?,
        reason: r.try_get("reason")?,
        requested_by: r.try_get("requested_by")?,
        requested_at: r.try_get("requested_at")?,
        authorised_by: r.try_get("authorised_by")?,
        authorised_at: r.try_get("authorised_at")?,
        carried_out_by: r.try_get("carried_out_by")?,
        carried_out_at: r.try_get("carried_out_at")?,
        version: r.try_get("version")?,
        persons,
    })
}

impl Store {
    /// Every rule version.
    pub async fn rules(&self) -> Result<Vec<RuleVersion>> {
        let rows = sqlx::query("SELECT * FROM placement_rules ORDER BY rule_id, version")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(rule_from_row).collect()
    }

    /// The placement decisions about a person, oldest first.
    pub async fn decisions_of(&self, person_id: i64) -> Result<Vec<DecisionRow>> {
        let rows =
            sqlx::query("SELECT * FROM placement_decisions WHERE person_id = $1 ORDER BY id")
                .bind(person_id)
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(DecisionRow::from_row).collect()
    }

    /// A transfer with its persons.
    pub async fn transfer(&self, id: i64) -> Result<TransferRow> {
        transfer(&mut *self.read().await?, id).await
    }

    /// Transfers, newest first; only those in `state` when given.
    pub async fn transfers(&self, state: Option<&str>) -> Result<Vec<TransferRow>> {
        let mut conn = self.read().await?;
        let ids =
            sqlx::query("SELECT id FROM transfers WHERE ($1 = '' OR state = $1) ORDER BY id DESC")
                .bind(state.unwrap_or(""))
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<Vec<i64>, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(transfer(&mut conn, id).await?);
        }
        Ok(out)
    }

    /// Roll calls of a site, newest first.
    pub async fn roll_calls(&self, site_id: i64) -> Result<Vec<RollCallRow>> {
        let rows = sqlx::query("SELECT * FROM roll_calls WHERE site_id = $1 ORDER BY id DESC")
            .bind(site_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RollCallRow {
                    id: r.try_get("id")?,
                    site_id: r.try_get("site_id")?,
                    at: r.try_get("at")?,
                    method: r.try_get("method")?,
                    expected: r.try_get("expected")?,
                    counted: r.try_get("counted")?,
                    absent: r.try_get("absent")?,
                    recorded_by: r.try_get("recorded_by")?,
                })
            })
            .collect()
    }

    /// One roll-call incident.
    pub async fn incident(&self, id: i64) -> Result<IncidentRow> {
        let row = sqlx::query("SELECT * FROM roll_call_incidents WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
        IncidentRow::from_row(&row)
    }

    /// Roll-call incidents of a site, newest first.
    pub async fn incidents(&self, site_id: i64) -> Result<Vec<IncidentRow>> {
        let rows =
            sqlx::query("SELECT * FROM roll_call_incidents WHERE site_id = $1 ORDER BY id DESC")
                .bind(site_id)
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(IncidentRow::from_row).collect()
    }

    /// Open tasks of a team (or of every team), soonest first.
    pub async fn tasks(&self, team: Option<&str>) -> Result<Vec<TaskRow>> {
        let rows = sqlx::query(
            "SELECT * FROM tasks WHERE status = 'open' AND ($1 = '' OR team = $1) ORDER BY due, id",
        )
        .bind(team.unwrap_or(""))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TaskRow {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    team: r.try_get("team")?,
                    person_id: r.try_get("person_id")?,
                    due: r.try_get("due")?,
                    detail: r.try_get("detail")?,
                    status: r.try_get("status")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The start of each held person's current stay, for the long-stay review.
    pub async fn current_stays(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT person_id, start_at FROM custody_episodes WHERE end_at IS NULL ORDER BY person_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("person_id")?, r.try_get("start_at")?)))
            .collect()
    }
}
