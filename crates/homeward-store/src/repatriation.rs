//! Nationality verification and repatriation: cases and their state machine,
//! consent and the disclosure register, the embassy work queue and dossiers.
//!
//! Country requirements and agreements, repatriation cases with their members and timeline,
//! best-interests determinations, consent records and the append-only disclosure register.

use chrono::{NaiveDate, NaiveDateTime};
use homeward_domain::person::PersonId;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::moment;
use crate::connect::WriteTx;
use crate::sealing::Cipher;
use crate::{Result, Store, StoreError, classify};

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A repatriation case as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseRow {
    pub id: i64,
    pub country_code: String,
    pub state: String,
    pub state_since: String,
    pub label: String,
    pub handover_date: Option<String>,
    pub handover_place: Option<String>,
    pub receiving_official: Option<String>,
    pub travel_document: Option<String>,
    pub opened_by: String,
    pub opened_at: String,
    pub version: i64,
}

impl CaseRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            country_code: r.try_get("country_code")?,
            state: r.try_get("state")?,
            state_since: r.try_get("state_since")?,
            label: r.try_get("label")?,
            handover_date: r.try_get("handover_date")?,
            handover_place: r.try_get("handover_place")?,
            receiving_official: r.try_get("receiving_official")?,
            travel_document: r.try_get("travel_document")?,
            opened_by: r.try_get("opened_by")?,
            opened_at: r.try_get("opened_at")?,
            version: r.try_get("version")?,
        })
    }
}

/// A member of a case; `accepted` is set when the country decides (`None` before).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemberRow {
    pub case_id: i64,
    pub person_id: i64,
    pub accepted: Option<bool>,
}

impl MemberRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            case_id: r.try_get("case_id")?,
            person_id: r.try_get("person_id")?,
            accepted: r.try_get::<Option<i64>, _>("accepted")?.map(|v| v != 0),
        })
    }
}

/// One step of a case's timeline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransitionRow {
    pub id: i64,
    pub case_id: i64,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor: String,
    pub at: String,
    pub note: String,
    pub details_json: String,
}

impl TransitionRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            case_id: r.try_get("case_id")?,
            from_state: r.try_get("from_state")?,
            to_state: r.try_get("to_state")?,
            actor: r.try_get("actor")?,
            at: r.try_get("at")?,
            note: r.try_get("note")?,
            details_json: r.try_get("details_json")?,
        })
    }
}

/// A best-interests determination for a child in a case.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BidRow {
    pub id: i64,
    pub case_id: i64,
    pub child_id: i64,
    pub assessment: String,
    pub panel_json: String,
    pub decision: String,
    pub decided_on: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl BidRow {
    /// The row with its assessment opened (it is sealed, bound to the child).
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        let child_id: i64 = r.try_get("child_id")?;
        let mut assessment: String = r.try_get("assessment")?;
        c.open(BID_TABLE, "assessment", child_id, &mut assessment)?;
        Ok(Self {
            id: r.try_get("id")?,
            case_id: r.try_get("case_id")?,
            child_id,
            assessment,
            panel_json: r.try_get("panel_json")?,
            decision: r.try_get("decision")?,
            decided_on: r.try_get("decided_on")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A consent (or refusal), or a legal basis approved by a second user, for disclosures of a
/// person's data to one country.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConsentRow {
    pub id: i64,
    pub person_id: i64,
    pub country_code: String,
    /// `consent` or `legal_basis`.
    pub kind: String,
    pub given_by: Option<String>,
    pub given_by_name: String,
    pub agreed: bool,
    pub legal_basis: Option<String>,
    pub approved_by: Option<String>,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl ConsentRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            country_code: r.try_get("country_code")?,
            kind: r.try_get("kind")?,
            given_by: r.try_get("given_by")?,
            given_by_name: r.try_get("given_by_name")?,
            agreed: r.try_get::<i64, _>("agreed")? != 0,
            legal_basis: r.try_get("legal_basis")?,
            approved_by: r.try_get("approved_by")?,
            note: r.try_get("note")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// One release of personal data to an embassy.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DisclosureRow {
    pub id: i64,
    pub person_id: i64,
    pub to_country: String,
    pub what: String,
    pub case_id: Option<i64>,
    pub channel: String,
    pub disclosed_by: String,
    pub at: String,
    /// `consent`, `legal_basis` or `none` (a consular read with neither on record).
    pub basis: String,
    pub consent_id: Option<i64>,
}

impl DisclosureRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            to_country: r.try_get("to_country")?,
            what: r.try_get("what")?,
            case_id: r.try_get("case_id")?,
            channel: r.try_get("channel")?,
            disclosed_by: r.try_get("disclosed_by")?,
            at: r.try_get("at")?,
            basis: r.try_get("basis")?,
            consent_id: r.try_get("consent_id")?,
        })
    }
}

/// A country's requirement from a date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequirementRow {
    pub id: i64,
    pub country_code: String,
    pub requirement: String,
    /// `all`, `children` or `adults`.
    pub applies_to: String,
    pub effective_from: String,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl RequirementRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            country_code: r.try_get("country_code")?,
            requirement: r.try_get("requirement")?,
            applies_to: r.try_get("applies_to")?,
            effective_from: r.try_get("effective_from")?,
            note: r.try_get("note")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// An agreement or statement in a country's dated history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgreementRow {
    pub id: i64,
    pub country_code: String,
    pub concluded_on: String,
    pub title: String,
    pub summary: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl AgreementRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            country_code: r.try_get("country_code")?,
            concluded_on: r.try_get("concluded_on")?,
            title: r.try_get("title")?,
            summary: r.try_get("summary")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A consent record to store.
#[derive(Debug, Clone)]
pub struct NewConsent<'a> {
    pub person_id: i64,
    pub country: &'a str,
    pub kind: &'a str,
    pub given_by: Option<&'a str>,
    pub given_by_name: &'a str,
    pub agreed: bool,
    pub legal_basis: Option<&'a str>,
    pub approved_by: Option<&'a str>,
    pub note: &'a str,
    pub recorded_by: &'a str,
}

/// A disclosure to record.
#[derive(Debug, Clone)]
pub struct NewDisclosure<'a> {
    pub person_id: i64,
    pub to_country: &'a str,
    pub what: &'a str,
    pub case_id: Option<i64>,
    pub channel: &'a str,
    pub disclosed_by: &'a str,
    pub basis: &'a str,
    pub consent_id: Option<i64>,
}

/// The handover and travel details a case keeps beside its state.
#[derive(Debug, Clone, Default)]
pub struct CaseDetails {
    pub handover_date: Option<String>,
    pub handover_place: Option<String>,
    pub receiving_official: Option<String>,
    pub travel_document: Option<String>,
}

async fn case(conn: &mut AnyConnection, id: i64) -> Result<CaseRow> {
    let row = sqlx::query("SELECT * FROM repat_cases WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
    CaseRow::from_row(&row)
}

async fn members(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<MemberRow>> {
    let rows =
        sqlx::query("SELECT * FROM repat_case_members WHERE case_id = $1 ORDER BY person_id")
            .bind(case_id)
            .fetch_all(conn)
            .await?;
    rows.iter().map(MemberRow::from_row).collect()
}

async fn approved_legal_basis(
    conn: &mut AnyConnection,
    person_id: i64,
    country: &str,
) -> Result<Option<ConsentRow>> {
    let row = sqlx::query(
        "SELECT * FROM repat_consents WHERE person_id = $1 AND country_code = $2 \
         AND kind = 'legal_basis' AND approved_by IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(person_id)
    .bind(country)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(ConsentRow::from_row).transpose()
}

const BID_TABLE: &str = "repat_best_interests";

async fn bids(conn: &mut AnyConnection, c: &Cipher, case_id: i64) -> Result<Vec<BidRow>> {
    let rows = sqlx::query("SELECT * FROM repat_best_interests WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| BidRow::from_row(r, c)).collect()
}

async fn standing_consent(
    conn: &mut AnyConnection,
    person_id: i64,
    country: &str,
) -> Result<Option<ConsentRow>> {
    let row = sqlx::query(
        "SELECT * FROM repat_consents WHERE person_id = $1 AND country_code = $2 \
         AND kind = 'consent' ORDER BY id DESC LIMIT 1",
    )
    .bind(person_id)
    .bind(country)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(ConsentRow::from_row).transpose()
}

impl WriteTx {
    /// Opens a case.
    pub async fn insert_case(
        &mut self,
        country: &str,
        state: &str,
        label: &str,
        opened_by: &str,
        at: NaiveDateTime,
    ) -> Result<CaseRow> {
        let row = sqlx::query(
            "INSERT INTO repat_cases (country_code, state, state_since, label, opened_by, \
             opened_at) VALUES ($1, $2, $3, $4, $5, $3) RETURNING *",
        )
        .bind(country)
        .bind(state)
        .bind(moment(at))
        .bind(label)
        .bind(opened_by)
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        CaseRow::from_row(&row)
    }

    /// Adds a person to a case.
    pub async fn add_case_member(&mut self, case_id: i64, person: PersonId) -> Result<()> {
        sqlx::query("INSERT INTO repat_case_members (case_id, person_id) VALUES ($1, $2)")
            .bind(case_id)
            .bind(person.0)
            .execute(self.conn())
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Records whether the country accepted a member.
    pub async fn set_member_accepted(
        &mut self,
        case_id: i64,
        person_id: i64,
        accepted: Option<bool>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE repat_case_members SET accepted = $1 WHERE case_id = $2 AND person_id = $3",
        )
        .bind(accepted.map(i64::from))
        .bind(case_id)
        .bind(person_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Moves a case to `state` when `expected_version` is still current, with its details
    /// (a `None` detail keeps what is stored).
    pub async fn set_case_state(
        &mut self,
        case_id: i64,
        expected_version: i64,
        state: &str,
        details: &CaseDetails,
        at: NaiveDateTime,
    ) -> Result<CaseRow> {
        let done = sqlx::query(
            "UPDATE repat_cases SET state = $1, state_since = $2, \
             handover_date = COALESCE($3, handover_date), \
             handover_place = COALESCE($4, handover_place), \
             receiving_official = COALESCE($5, receiving_official), \
             travel_document = COALESCE($6, travel_document), version = version + 1 \
             WHERE id = $7 AND version = $8",
        )
        .bind(state)
        .bind(moment(at))
        .bind(details.handover_date.as_deref())
        .bind(details.handover_place.as_deref())
        .bind(details.receiving_official.as_deref())
        .bind(details.travel_document.as_deref())
        .bind(case_id)
        .bind(expected_version)
        .execute(self.conn())
        .await?;
        let row = case(self.conn(), case_id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                entity: format!("case {case_id}"),
                expected: expected_version,
                found: row.version,
            });
        }
        Ok(row)
    }

    /// Appends a step to a case's timeline.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_transition(
        &mut self,
        case_id: i64,
        from: Option<&str>,
        to: &str,
        actor: &str,
        at: NaiveDateTime,
        note: &str,
        details_json: &str,
    ) -> Result<TransitionRow> {
        let row = sqlx::query(
            "INSERT INTO repat_transitions (case_id, from_state, to_state, actor, at, note, \
             details_json) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(case_id)
        .bind(from)
        .bind(to)
        .bind(actor)
        .bind(moment(at))
        .bind(note)
        .bind(details_json)
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        TransitionRow::from_row(&row)
    }

    /// Stores a best-interests determination.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_bid(
        &mut self,
        case_id: i64,
        child_id: i64,
        assessment: &str,
        panel_json: &str,
        decision: &str,
        decided_on: NaiveDate,
        recorded_by: &str,
        at: NaiveDateTime,
    ) -> Result<BidRow> {
        let assessment = self
            .cipher
            .seal(BID_TABLE, "assessment", child_id, assessment)?;
        let row = sqlx::query(
            "INSERT INTO repat_best_interests (case_id, child_id, assessment, panel_json, \
             decision, decided_on, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind(case_id)
        .bind(child_id)
        .bind(&assessment)
        .bind(panel_json)
        .bind(decision)
        .bind(day(decided_on))
        .bind(recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        BidRow::from_row(&row, &self.cipher)
    }

    /// Stores a consent record.
    pub async fn insert_consent(
        &mut self,
        c: &NewConsent<'_>,
        at: NaiveDateTime,
    ) -> Result<ConsentRow> {
        let row = sqlx::query(
            "INSERT INTO repat_consents (person_id, country_code, kind, given_by, given_by_name, \
             agreed, legal_basis, approved_by, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *",
        )
        .bind(c.person_id)
        .bind(c.country)
        .bind(c.kind)
        .bind(c.given_by)
        .bind(c.given_by_name)
        .bind(i64::from(c.agreed))
        .bind(c.legal_basis)
        .bind(c.approved_by)
        .bind(c.note)
        .bind(c.recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        ConsentRow::from_row(&row)
    }

    /// Appends a disclosure to the register.
    pub async fn insert_disclosure(
        &mut self,
        d: &NewDisclosure<'_>,
        at: NaiveDateTime,
    ) -> Result<DisclosureRow> {
        let row = sqlx::query(
            "INSERT INTO repat_disclosures (person_id, to_country, what, case_id, channel, \
             disclosed_by, at, basis, consent_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING *",
        )
        .bind(d.person_id)
        .bind(d.to_country)
        .bind(d.what)
        .bind(d.case_id)
        .bind(d.channel)
        .bind(d.disclosed_by)
        .bind(moment(at))
        .bind(d.basis)
        .bind(d.consent_id)
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        DisclosureRow::from_row(&row)
    }

    /// Records a country requirement from a date.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_requirement(
        &mut self,
        country: &str,
        requirement: &str,
        applies_to: &str,
        effective_from: NaiveDate,
        note: &str,
        recorded_by: &str,
        at: NaiveDateTime,
    ) -> Result<RequirementRow> {
        let row = sqlx::query(
            "INSERT INTO country_requirements (country_code, requirement, applies_to, \
             effective_from, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(country)
        .bind(requirement)
        .bind(applies_to)
        .bind(day(effective_from))
        .bind(note)
        .bind(recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        RequirementRow::from_row(&row)
    }

    /// Records an agreement in a country's history.
    pub async fn insert_agreement(
        &mut self,
        country: &str,
        concluded_on: NaiveDate,
        title: &str,
        summary: &str,
        recorded_by: &str,
        at: NaiveDateTime,
    ) -> Result<AgreementRow> {
        let row = sqlx::query(
            "INSERT INTO country_agreements (country_code, concluded_on, title, summary, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(country)
        .bind(day(concluded_on))
        .bind(title)
        .bind(summary)
        .bind(recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        AgreementRow::from_row(&row)
    }

    /// Ends a person's custody: the open episode closes at `at`, the person has no current
    /// site and takes `status`. Returns the id of the episode closed, if there was one.
    pub async fn end_custody(
        &mut self,
        person: PersonId,
        status: &str,
        at: NaiveDateTime,
    ) -> Result<Option<i64>> {
        let at = moment(at);
        let open = sqlx::query(
            "SELECT id, start_at FROM custody_episodes WHERE person_id = $1 AND end_at IS NULL",
        )
        .bind(person.0)
        .fetch_optional(self.conn())
        .await?;
        let mut closed = None;
        if let Some(r) = open {
            let id: i64 = r.try_get("id")?;
            let start: String = r.try_get("start_at")?;
            let end = if start > at { start } else { at.clone() };
            sqlx::query("UPDATE custody_episodes SET end_at = $1 WHERE id = $2")
                .bind(end)
                .bind(id)
                .execute(self.conn())
                .await?;
            closed = Some(id);
        }
        sqlx::query(
            "UPDATE persons SET current_site_id = NULL, status = $1, updated_at = $2, \
             version = version + 1 WHERE id = $3",
        )
        .bind(status)
        .bind(&at)
        .bind(person.0)
        .execute(self.conn())
        .await?;
        Ok(closed)
    }

    /// The approved legal basis in force for a person and a country (the latest), if any.
    pub async fn approved_legal_basis(
        &mut self,
        person_id: i64,
        country: &str,
    ) -> Result<Option<ConsentRow>> {
        approved_legal_basis(self.conn(), person_id, country).await
    }

    /// A consent record, read inside the transaction.
    pub async fn consent(&mut self, id: i64) -> Result<ConsentRow> {
        let row = sqlx::query("SELECT * FROM repat_consents WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("consent {id}")))?;
        ConsentRow::from_row(&row)
    }

    /// Approves a pending legal basis as `approver` (the schema refuses the recorder).
    pub async fn approve_legal_basis(&mut self, id: i64, approver: &str) -> Result<ConsentRow> {
        sqlx::query(
            "UPDATE repat_consents SET approved_by = $1, agreed = 1 WHERE id = $2 \
             AND kind = 'legal_basis' AND approved_by IS NULL",
        )
        .bind(approver)
        .bind(id)
        .execute(self.conn())
        .await
        .map_err(classify)?;
        self.consent(id).await
    }

    /// A case, read inside the transaction.
    pub async fn case(&mut self, id: i64) -> Result<CaseRow> {
        case(self.conn(), id).await
    }

    /// The members of a case, read inside the transaction.
    pub async fn case_members(&mut self, case_id: i64) -> Result<Vec<MemberRow>> {
        members(self.conn(), case_id).await
    }

    /// The determinations of a case, read inside the transaction.
    pub async fn case_bids(&mut self, case_id: i64) -> Result<Vec<BidRow>> {
        let cipher = self.cipher.clone();
        bids(self.conn(), &cipher, case_id).await
    }

    /// The consent record in force for a person and a country (the latest), if any.
    pub async fn standing_consent(
        &mut self,
        person_id: i64,
        country: &str,
    ) -> Result<Option<ConsentRow>> {
        standing_consent(self.conn(), person_id, country).await
    }
}

/// Filters for listing cases.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub country: Option<String>,
    pub state: Option<String>,
    pub person: Option<i64>,
    /// Leave out closed cases.
    pub open_only: bool,
}

impl Store {
    /// A case.
    pub async fn case(&self, id: i64) -> Result<CaseRow> {
        case(&mut *self.read().await?, id).await
    }

    /// Cases matching the filter, the longest waiting in their state first.
    pub async fn cases(&self, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        let mut clauses = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        if let Some(c) = &f.country {
            binds.push(c.to_ascii_uppercase());
            clauses.push(format!("country_code = ${}", binds.len()));
        }
        if let Some(s) = &f.state {
            binds.push(s.clone());
            clauses.push(format!("state = ${}", binds.len()));
        }
        if let Some(p) = f.person {
            binds.push(p.to_string());
            clauses.push(format!(
                "id IN (SELECT case_id FROM repat_case_members WHERE person_id = CAST(${} AS BIGINT))",
                binds.len()
            ));
        }
        if f.open_only {
            clauses.push("state <> 'closed'".into());
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let sql = format!("SELECT * FROM repat_cases{filter} ORDER BY state_since, id");
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(CaseRow::from_row).collect()
    }

    /// The members of a case.
    pub async fn case_members(&self, case_id: i64) -> Result<Vec<MemberRow>> {
        members(&mut *self.read().await?, case_id).await
    }

    /// The timeline of a case, oldest first.
    pub async fn case_timeline(&self, case_id: i64) -> Result<Vec<TransitionRow>> {
        let rows = sqlx::query("SELECT * FROM repat_transitions WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(TransitionRow::from_row).collect()
    }

    /// The best-interests determinations of a case.
    pub async fn case_bids(&self, case_id: i64) -> Result<Vec<BidRow>> {
        bids(&mut *self.read().await?, self.cipher(), case_id).await
    }

    /// The consent records of a person, oldest first.
    pub async fn consents_of(&self, person_id: i64) -> Result<Vec<ConsentRow>> {
        let rows = sqlx::query("SELECT * FROM repat_consents WHERE person_id = $1 ORDER BY id")
            .bind(person_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(ConsentRow::from_row).collect()
    }

    /// The consent record in force for a person and a country, if any.
    pub async fn standing_consent(
        &self,
        person_id: i64,
        country: &str,
    ) -> Result<Option<ConsentRow>> {
        standing_consent(&mut *self.read().await?, person_id, country).await
    }

    /// The approved legal basis in force for a person and a country, if any.
    pub async fn approved_legal_basis(
        &self,
        person_id: i64,
        country: &str,
    ) -> Result<Option<ConsentRow>> {
        approved_legal_basis(&mut *self.read().await?, person_id, country).await
    }

    /// Appends a disclosure made by a read (a consular view), outside any write transaction,
    /// like the access log.
    pub async fn log_disclosure(
        &self,
        d: &NewDisclosure<'_>,
        at: NaiveDateTime,
    ) -> Result<DisclosureRow> {
        let row = sqlx::query(
            "INSERT INTO repat_disclosures (person_id, to_country, what, case_id, channel, \
             disclosed_by, at, basis, consent_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING *",
        )
        .bind(d.person_id)
        .bind(d.to_country)
        .bind(d.what)
        .bind(d.case_id)
        .bind(d.channel)
        .bind(d.disclosed_by)
        .bind(moment(at))
        .bind(d.basis)
        .bind(d.consent_id)
        .fetch_one(self.pool())
        .await
        .map_err(classify)?;
        DisclosureRow::from_row(&row)
    }

    /// The disclosures of a person's data, newest first.
    pub async fn disclosures_of(&self, person_id: i64) -> Result<Vec<DisclosureRow>> {
        let rows = sqlx::query(
            "SELECT * FROM repat_disclosures WHERE person_id = $1 ORDER BY at DESC, id DESC",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(DisclosureRow::from_row).collect()
    }

    /// Every country requirement, by country and date.
    pub async fn requirements(&self) -> Result<Vec<RequirementRow>> {
        let rows = sqlx::query(
            "SELECT * FROM country_requirements ORDER BY country_code, effective_from, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(RequirementRow::from_row).collect()
    }

    /// Every agreement, by country and date.
    pub async fn agreements(&self) -> Result<Vec<AgreementRow>> {
        let rows =
            sqlx::query("SELECT * FROM country_agreements ORDER BY country_code, concluded_on, id")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(AgreementRow::from_row).collect()
    }
}
