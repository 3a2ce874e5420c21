//! Care for children and need-to-know health: care plans, goals and reviews, best-interests
//! procedures and their panels, programme enrolments and sessions, schooling, health
//! conditions and fitness-to-travel assessments.
//!
//! Care notes and health text are kept only in columns named `*_note` or `*_detail`, and every
//! one of them is sealed (see [`crate::sealing`]): sealed on write, opened by the row readers
//! here. Each is bound to the record it belongs to: a goal or review to its plan, a session to
//! its enrolment, everything else to the person.

use chrono::{NaiveDate, NaiveDateTime};
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

/// A care plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CarePlanRow {
    pub id: i64,
    pub person_id: i64,
    pub status: String,
    pub opened_on: String,
    pub next_review_due: String,
    pub created_by: String,
    pub created_at: String,
    pub version: i64,
}

impl CarePlanRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            status: r.try_get("status")?,
            opened_on: r.try_get("opened_on")?,
            next_review_due: r.try_get("next_review_due")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            version: r.try_get("version")?,
        })
    }
}

/// A goal of a care plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GoalRow {
    pub id: i64,
    pub plan_id: i64,
    pub goal_detail: String,
    pub status: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl GoalRow {
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        let plan_id: i64 = r.try_get("plan_id")?;
        let mut goal_detail: String = r.try_get("goal_detail")?;
        c.open("care_goals", "goal_detail", plan_id, &mut goal_detail)?;
        Ok(Self {
            id: r.try_get("id")?,
            plan_id,
            goal_detail,
            status: r.try_get("status")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A dated review of a care plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReviewRow {
    pub id: i64,
    pub plan_id: i64,
    pub reviewed_on: String,
    pub review_note: String,
    pub next_review_due: String,
    pub reviewed_by: String,
    pub recorded_at: String,
}

impl ReviewRow {
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        let plan_id: i64 = r.try_get("plan_id")?;
        let mut review_note: String = r.try_get("review_note")?;
        c.open("care_reviews", "review_note", plan_id, &mut review_note)?;
        Ok(Self {
            id: r.try_get("id")?,
            plan_id,
            reviewed_on: r.try_get("reviewed_on")?,
            review_note,
            next_review_due: r.try_get("next_review_due")?,
            reviewed_by: r.try_get("reviewed_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A member of a best-interests panel.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PanelRow {
    pub name: String,
    pub panel_role: String,
}

/// A best-interests procedure with its panel.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProcedureRow {
    pub id: i64,
    pub person_id: i64,
    pub question: String,
    pub question_detail: String,
    pub case_id: Option<i64>,
    pub state: String,
    pub due_on: String,
    pub assessment_note: Option<String>,
    pub assessed_on: Option<String>,
    pub decision: Option<String>,
    pub decision_note: Option<String>,
    pub decided_on: Option<String>,
    pub implementation_note: Option<String>,
    pub implemented_on: Option<String>,
    pub repat_bid_id: Option<i64>,
    pub opened_by: String,
    pub opened_at: String,
    pub version: i64,
    pub panel: Vec<PanelRow>,
}

impl ProcedureRow {
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        const T: &str = "bi_procedures";
        let person_id: i64 = r.try_get("person_id")?;
        let mut question_detail: String = r.try_get("question_detail")?;
        c.open(T, "question_detail", person_id, &mut question_detail)?;
        let mut assessment_note: Option<String> = r.try_get("assessment_note")?;
        c.open_opt(T, "assessment_note", person_id, &mut assessment_note)?;
        let mut decision_note: Option<String> = r.try_get("decision_note")?;
        c.open_opt(T, "decision_note", person_id, &mut decision_note)?;
        let mut implementation_note: Option<String> = r.try_get("implementation_note")?;
        c.open_opt(
            T,
            "implementation_note",
            person_id,
            &mut implementation_note,
        )?;
        Ok(Self {
            id: r.try_get("id")?,
            person_id,
            question: r.try_get("question")?,
            question_detail,
            case_id: r.try_get("case_id")?,
            state: r.try_get("state")?,
            due_on: r.try_get("due_on")?,
            assessment_note,
            assessed_on: r.try_get("assessed_on")?,
            decision: r.try_get("decision")?,
            decision_note,
            decided_on: r.try_get("decided_on")?,
            implementation_note,
            implemented_on: r.try_get("implemented_on")?,
            repat_bid_id: r.try_get("repat_bid_id")?,
            opened_by: r.try_get("opened_by")?,
            opened_at: r.try_get("opened_at")?,
            version: r.try_get("version")?,
            panel: Vec::new(),
        })
    }
}

/// A programme enrolment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnrolmentRow {
    pub id: i64,
    pub person_id: i64,
    pub programme: String,
    pub enrolled_on: String,
    pub ended_on: Option<String>,
    pub enrolled_by: String,
    pub recorded_at: String,
}

impl EnrolmentRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            person_id: r.try_get("person_id")?,
            programme: r.try_get("programme")?,
            enrolled_on: r.try_get("enrolled_on")?,
            ended_on: r.try_get("ended_on")?,
            enrolled_by: r.try_get("enrolled_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// One session of a programme: attended or not, with a progress note.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttendanceRow {
    pub id: i64,
    pub enrolment_id: i64,
    pub session_on: String,
    pub present: bool,
    pub progress_note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl AttendanceRow {
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        let enrolment_id: i64 = r.try_get("enrolment_id")?;
        let mut progress_note: String = r.try_get("progress_note")?;
        c.open(
            "programme_sessions",
            "progress_note",
            enrolment_id,
            &mut progress_note,
        )?;
        Ok(Self {
            id: r.try_get("id")?,
            enrolment_id,
            session_on: r.try_get("session_on")?,
            present: r.try_get::<i64, _>("present")? != 0,
            progress_note,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A school attended.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SchoolingRow {
    pub id: i64,
    pub person_id: i64,
    pub school: String,
    pub grade: String,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub schooling_note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl SchoolingRow {
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        let person_id: i64 = r.try_get("person_id")?;
        let mut schooling_note: String = r.try_get("schooling_note")?;
        c.open(
            "schooling",
            "schooling_note",
            person_id,
            &mut schooling_note,
        )?;
        Ok(Self {
            id: r.try_get("id")?,
            person_id,
            school: r.try_get("school")?,
            grade: r.try_get("grade")?,
            started_on: r.try_get("started_on")?,
            ended_on: r.try_get("ended_on")?,
            schooling_note,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A chronic condition or a disability.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConditionRow {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub condition_detail: String,
    /// What must be provided for (medication, equipment): the one part an embassy sees.
    pub essential_need_detail: String,
    pub since_on: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl ConditionRow {
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        const T: &str = "health_conditions";
        let person_id: i64 = r.try_get("person_id")?;
        let mut condition_detail: String = r.try_get("condition_detail")?;
        c.open(T, "condition_detail", person_id, &mut condition_detail)?;
        let mut essential_need_detail: String = r.try_get("essential_need_detail")?;
        c.open(
            T,
            "essential_need_detail",
            person_id,
            &mut essential_need_detail,
        )?;
        Ok(Self {
            id: r.try_get("id")?,
            person_id,
            kind: r.try_get("kind")?,
            condition_detail,
            essential_need_detail,
            since_on: r.try_get("since_on")?,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A fitness-to-travel assessment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FitnessRow {
    pub id: i64,
    pub person_id: i64,
    pub fit: bool,
    pub assessed_on: String,
    pub assessed_by: String,
    pub fitness_note: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl FitnessRow {
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        let person_id: i64 = r.try_get("person_id")?;
        let mut fitness_note: String = r.try_get("fitness_note")?;
        c.open(
            "fitness_to_travel",
            "fitness_note",
            person_id,
            &mut fitness_note,
        )?;
        Ok(Self {
            id: r.try_get("id")?,
            person_id,
            fit: r.try_get::<i64, _>("fit")? != 0,
            assessed_on: r.try_get("assessed_on")?,
            assessed_by: r.try_get("assessed_by")?,
            fitness_note,
            recorded_by: r.try_get("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        })
    }
}

/// A best-interests procedure to open.
#[derive(Debug, Clone)]
pub struct NewProcedure<'a> {
    pub person_id: i64,
    pub question: &'a str,
    pub question_detail: &'a str,
    pub case_id: Option<i64>,
    pub due_on: NaiveDate,
    pub opened_by: &'a str,
}

/// A condition to record.
#[derive(Debug, Clone)]
pub struct NewCondition<'a> {
    pub person_id: i64,
    pub kind: &'a str,
    pub condition_detail: &'a str,
    pub essential_need_detail: &'a str,
    pub since_on: Option<NaiveDate>,
    pub recorded_by: &'a str,
}

/// Care figures without identities, for the monitors' view.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CareFigures {
    pub active_plans: i64,
    pub reviews_overdue: i64,
    pub procedures_pending: i64,
    pub procedures_decided: i64,
    pub procedures_implemented: i64,
    /// (programme, children enrolled now)
    pub enrolled: Vec<(String, i64)>,
    pub sessions_attended: i64,
    pub sessions_missed: i64,
    pub in_school: i64,
    pub not_fit_to_travel: i64,
}

async fn plan(conn: &mut AnyConnection, id: i64) -> Result<CarePlanRow> {
    let r = sqlx::query("SELECT * FROM care_plans WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("care plan {id}")))?;
    CarePlanRow::from_row(&r)
}

async fn procedure(conn: &mut AnyConnection, c: &Cipher, id: i64) -> Result<ProcedureRow> {
    let r = sqlx::query("SELECT * FROM bi_procedures WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("best-interests procedure {id}")))?;
    let mut p = ProcedureRow::from_row(&r, c)?;
    let rows = sqlx::query(
        "SELECT name, panel_role FROM bi_panel_members WHERE procedure_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    p.panel = rows
        .iter()
        .map(|r| {
            Ok(PanelRow {
                name: r.try_get("name")?,
                panel_role: r.try_get("panel_role")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(p)
}

async fn enrolment(conn: &mut AnyConnection, id: i64) -> Result<EnrolmentRow> {
    let r = sqlx::query("SELECT * FROM programme_enrolments WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("enrolment {id}")))?;
    EnrolmentRow::from_row(&r)
}

fn conflict(entity: String, expected: i64, found: i64) -> StoreError {
    StoreError::Conflict {
        entity,
        expected,
        found,
    }
}

impl WriteTx {
    /// Opens a care plan with its goals.
    pub async fn insert_care_plan(
        &mut self,
        person_id: i64,
        goals: &[String],
        next_review_due: NaiveDate,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<(CarePlanRow, Vec<GoalRow>)> {
        let r = sqlx::query(
            "INSERT INTO care_plans (person_id, opened_on, next_review_due, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(person_id)
        .bind(day(at.date()))
        .bind(day(next_review_due))
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        let plan = CarePlanRow::from_row(&r)?;
        let mut out = Vec::new();
        for g in goals {
            out.push(self.insert_goal(plan.id, g, by, at).await?);
        }
        Ok((plan, out))
    }

    /// Adds a goal to a plan.
    pub async fn insert_goal(
        &mut self,
        plan_id: i64,
        goal: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<GoalRow> {
        let r = sqlx::query(
            "INSERT INTO care_goals (plan_id, goal_detail, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4) RETURNING *",
        )
        .bind(plan_id)
        .bind(
            self.cipher
                .seal("care_goals", "goal_detail", plan_id, goal)?,
        )
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        GoalRow::from_row(&r, &self.cipher)
    }

    /// A care plan, read inside the transaction.
    pub async fn care_plan(&mut self, id: i64) -> Result<CarePlanRow> {
        plan(self.conn(), id).await
    }

    /// Records a review and moves the plan's next review date (optimistic on its version).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_review(
        &mut self,
        plan_id: i64,
        version: i64,
        reviewed_on: NaiveDate,
        review_note: &str,
        next_review_due: NaiveDate,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<(CarePlanRow, ReviewRow)> {
        let done = sqlx::query(
            "UPDATE care_plans SET next_review_due = $1, version = version + 1 \
             WHERE id = $2 AND version = $3",
        )
        .bind(day(next_review_due))
        .bind(plan_id)
        .bind(version)
        .execute(self.conn())
        .await?;
        let after = plan(self.conn(), plan_id).await?;
        if done.rows_affected() == 0 {
            return Err(conflict(
                format!("care plan {plan_id}"),
                version,
                after.version,
            ));
        }
        let r = sqlx::query(
            "INSERT INTO care_reviews (plan_id, reviewed_on, review_note, next_review_due, \
             reviewed_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(plan_id)
        .bind(day(reviewed_on))
        .bind(
            self.cipher
                .seal("care_reviews", "review_note", plan_id, review_note)?,
        )
        .bind(day(next_review_due))
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        Ok((after, ReviewRow::from_row(&r, &self.cipher)?))
    }

    /// Closes the open tasks whose dedupe key starts with `prefix` (the thing they asked for
    /// was done); returns how many.
    pub async fn close_tasks(&mut self, prefix: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE tasks SET status = 'done' WHERE status = 'open' AND dedupe_key LIKE $1",
        )
        .bind(format!("{prefix}%"))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }

    /// Opens a best-interests procedure.
    pub async fn insert_procedure(
        &mut self,
        n: &NewProcedure<'_>,
        at: NaiveDateTime,
    ) -> Result<ProcedureRow> {
        let r = sqlx::query(
            "INSERT INTO bi_procedures (person_id, question, question_detail, case_id, state, \
             due_on, opened_by, opened_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) \
             RETURNING id",
        )
        .bind(n.person_id)
        .bind(n.question)
        .bind(self.cipher.seal(
            "bi_procedures",
            "question_detail",
            n.person_id,
            n.question_detail,
        )?)
        .bind(n.case_id)
        .bind(day(n.due_on))
        .bind(n.opened_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        let id: i64 = r.try_get("id")?;
        self.procedure(id).await
    }

    /// A procedure, read inside the transaction.
    pub async fn procedure(&mut self, id: i64) -> Result<ProcedureRow> {
        let c = self.cipher.clone();
        procedure(self.conn(), &c, id).await
    }

    /// `note` sealed as `column` of procedure `id` (bound to the procedure's person).
    async fn seal_procedure_note(&mut self, id: i64, column: &str, note: &str) -> Result<String> {
        let person_id: i64 = sqlx::query("SELECT person_id FROM bi_procedures WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("best-interests procedure {id}")))?
            .try_get("person_id")?;
        self.cipher.seal("bi_procedures", column, person_id, note)
    }

    /// Records the assessment.
    pub async fn assess_procedure(
        &mut self,
        id: i64,
        version: i64,
        note: &str,
        on: NaiveDate,
    ) -> Result<ProcedureRow> {
        let note = self
            .seal_procedure_note(id, "assessment_note", note)
            .await?;
        self.step(
            id,
            version,
            "UPDATE bi_procedures SET state = 'assessed', assessment_note = $1, assessed_on = $2, \
             version = version + 1 WHERE id = $3 AND version = $4",
            &[&note, &day(on)],
        )
        .await
    }

    /// Records the decision and its panel.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_procedure(
        &mut self,
        id: i64,
        version: i64,
        panel: &[(String, String)],
        decision: &str,
        note: &str,
        on: NaiveDate,
        repat_bid_id: Option<i64>,
    ) -> Result<ProcedureRow> {
        let note = self.seal_procedure_note(id, "decision_note", note).await?;
        for (k, (name, role)) in panel.iter().enumerate() {
            sqlx::query(
                "INSERT INTO bi_panel_members (procedure_id, position, name, panel_role) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(i64::try_from(k).unwrap_or(i64::MAX))
            .bind(name)
            .bind(role)
            .execute(self.conn())
            .await
            .map_err(classify)?;
        }
        sqlx::query("UPDATE bi_procedures SET repat_bid_id = $1 WHERE id = $2")
            .bind(repat_bid_id)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.step(
            id,
            version,
            "UPDATE bi_procedures SET state = 'decided', decision = $1, decision_note = $2, \
             decided_on = $3, version = version + 1 WHERE id = $4 AND version = $5",
            &[decision, &note, &day(on)],
        )
        .await
    }

    /// Records the implementation.
    pub async fn implement_procedure(
        &mut self,
        id: i64,
        version: i64,
        note: &str,
        on: NaiveDate,
    ) -> Result<ProcedureRow> {
        let note = self
            .seal_procedure_note(id, "implementation_note", note)
            .await?;
        self.step(
            id,
            version,
            "UPDATE bi_procedures SET state = 'implemented', implementation_note = $1, \
             implemented_on = $2, version = version + 1 WHERE id = $3 AND version = $4",
            &[&note, &day(on)],
        )
        .await
    }

    async fn step(
        &mut self,
        id: i64,
        version: i64,
        sql: &str,
        texts: &[&str],
    ) -> Result<ProcedureRow> {
        let mut q = sqlx::query(sql);
        for t in texts {
            q = q.bind(*t);
        }
        let done = q.bind(id).bind(version).execute(self.conn()).await?;
        let after = self.procedure(id).await?;
        if done.rows_affected() == 0 {
            return Err(conflict(
                format!("best-interests procedure {id}"),
                version,
                after.version,
            ));
        }
        Ok(after)
    }

    /// The procedures of a person, read inside the transaction.
    pub async fn procedures_of(&mut self, person_id: i64) -> Result<Vec<ProcedureRow>> {
        let c = self.cipher.clone();
        procedures_of(self.conn(), &c, person_id).await
    }

    /// Enrols a person in a programme.
    pub async fn insert_enrolment(
        &mut self,
        person_id: i64,
        programme: &str,
        on: NaiveDate,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<EnrolmentRow> {
        let r = sqlx::query(
            "INSERT INTO programme_enrolments (person_id, programme, enrolled_on, enrolled_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(person_id)
        .bind(programme)
        .bind(day(on))
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        EnrolmentRow::from_row(&r)
    }

    /// An enrolment, read inside the transaction.
    pub async fn enrolment(&mut self, id: i64) -> Result<EnrolmentRow> {
        enrolment(self.conn(), id).await
    }

    /// Records a session (attended or not) of an enrolment.
    pub async fn insert_programme_session(
        &mut self,
        enrolment_id: i64,
        on: NaiveDate,
        present: bool,
        progress_note: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<AttendanceRow> {
        let r = sqlx::query(
            "INSERT INTO programme_sessions (enrolment_id, session_on, present, progress_note, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(enrolment_id)
        .bind(day(on))
        .bind(i64::from(present))
        .bind(self.cipher.seal(
            "programme_sessions",
            "progress_note",
            enrolment_id,
            progress_note,
        )?)
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        AttendanceRow::from_row(&r, &self.cipher)
    }

    /// Whether a session of the enrolment is recorded on that day.
    pub async fn attendance_on(&mut self, enrolment_id: i64, on: NaiveDate) -> Result<bool> {
        let r = sqlx::query(
            "SELECT id FROM programme_sessions WHERE enrolment_id = $1 AND session_on = $2",
        )
        .bind(enrolment_id)
        .bind(day(on))
        .fetch_optional(self.conn())
        .await?;
        Ok(r.is_some())
    }

    /// Records a school attended.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_schooling(
        &mut self,
        person_id: i64,
        school: &str,
        grade: &str,
        started_on: NaiveDate,
        note: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<SchoolingRow> {
        let r = sqlx::query(
            "INSERT INTO schooling (person_id, school, grade, started_on, schooling_note, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(person_id)
        .bind(school)
        .bind(grade)
        .bind(day(started_on))
        .bind(
            self.cipher
                .seal("schooling", "schooling_note", person_id, note)?,
        )
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        SchoolingRow::from_row(&r, &self.cipher)
    }

    /// Records a chronic condition or a disability.
    pub async fn insert_condition(
        &mut self,
        n: &NewCondition<'_>,
        at: NaiveDateTime,
    ) -> Result<ConditionRow> {
        let r = sqlx::query(
            "INSERT INTO health_conditions (person_id, kind, condition_detail, \
             essential_need_detail, since_on, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(n.person_id)
        .bind(n.kind)
        .bind(self.cipher.seal(
            "health_conditions",
            "condition_detail",
            n.person_id,
            n.condition_detail,
        )?)
        .bind(self.cipher.seal(
            "health_conditions",
            "essential_need_detail",
            n.person_id,
            n.essential_need_detail,
        )?)
        .bind(n.since_on.map(day))
        .bind(n.recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        ConditionRow::from_row(&r, &self.cipher)
    }

    /// Records a fitness-to-travel assessment.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_fitness(
        &mut self,
        person_id: i64,
        fit: bool,
        assessed_on: NaiveDate,
        assessed_by: &str,
        note: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<FitnessRow> {
        let r = sqlx::query(
            "INSERT INTO fitness_to_travel (person_id, fit, assessed_on, assessed_by, \
             fitness_note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING *",
        )
        .bind(person_id)
        .bind(i64::from(fit))
        .bind(day(assessed_on))
        .bind(assessed_by)
        .bind(
            self.cipher
                .seal("fitness_to_travel", "fitness_note", person_id, note)?,
        )
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        FitnessRow::from_row(&r, &self.cipher)
    }

    /// Sets or clears a person's expected delivery date (the registry's pregnancy field, which
    /// the daily review reads), moving the person's version; returns the new version.
    pub async fn set_expected_delivery(
        &mut self,
        person_id: i64,
        version: i64,
        due: Option<NaiveDate>,
    ) -> Result<i64> {
        let done = sqlx::query(
            "UPDATE persons SET pregnant_due = $1, version = version + 1 \
             WHERE id = $2 AND version = $3",
        )
        .bind(due.map(day))
        .bind(person_id)
        .bind(version)
        .execute(self.conn())
        .await?;
        let found: Option<i64> = sqlx::query("SELECT version FROM persons WHERE id = $1")
            .bind(person_id)
            .fetch_optional(self.conn())
            .await?
            .map(|r| r.try_get("version"))
            .transpose()?;
        let found = found.ok_or_else(|| StoreError::NotFound(format!("person {person_id}")))?;
        if done.rows_affected() == 0 {
            return Err(conflict(format!("person {person_id}"), version, found));
        }
        Ok(found)
    }
}

async fn procedures_of(
    conn: &mut AnyConnection,
    c: &Cipher,
    person_id: i64,
) -> Result<Vec<ProcedureRow>> {
    let ids: Vec<i64> =
        sqlx::query("SELECT id FROM bi_procedures WHERE person_id = $1 ORDER BY id")
            .bind(person_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(procedure(&mut *conn, c, id).await?);
    }
    Ok(out)
}

async fn all<T>(
    store: &Store,
    sql: &str,
    id: i64,
    f: impl Fn(&AnyRow, &Cipher) -> Result<T>,
) -> Result<Vec<T>> {
    let rows = sqlx::query(sql).bind(id).fetch_all(store.pool()).await?;
    rows.iter().map(|r| f(r, store.cipher())).collect()
}

fn count(r: &AnyRow, col: &str) -> Result<i64> {
    Ok(r.try_get::<i64, _>(col)?)
}

impl Store {
    /// The care plans of a person, newest first.
    pub async fn care_plans_of(&self, person_id: i64) -> Result<Vec<CarePlanRow>> {
        all(
            self,
            "SELECT * FROM care_plans WHERE person_id = $1 ORDER BY id DESC",
            person_id,
            |r, _| CarePlanRow::from_row(r),
        )
        .await
    }

    /// A care plan.
    pub async fn care_plan(&self, id: i64) -> Result<CarePlanRow> {
        plan(&mut *self.read().await?, id).await
    }

    /// The goals of a plan.
    pub async fn goals_of(&self, plan_id: i64) -> Result<Vec<GoalRow>> {
        all(
            self,
            "SELECT * FROM care_goals WHERE plan_id = $1 ORDER BY id",
            plan_id,
            GoalRow::from_row,
        )
        .await
    }

    /// The reviews of a plan, oldest first.
    pub async fn reviews_of(&self, plan_id: i64) -> Result<Vec<ReviewRow>> {
        all(
            self,
            "SELECT * FROM care_reviews WHERE plan_id = $1 ORDER BY reviewed_on, id",
            plan_id,
            ReviewRow::from_row,
        )
        .await
    }

    /// Active plans whose review is due before `on`.
    pub async fn plans_due_before(&self, on: NaiveDate) -> Result<Vec<CarePlanRow>> {
        let rows = sqlx::query(
            "SELECT * FROM care_plans WHERE status = 'active' AND next_review_due < $1 \
             ORDER BY next_review_due, id",
        )
        .bind(day(on))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(CarePlanRow::from_row).collect()
    }

    /// A procedure with its panel.
    pub async fn procedure(&self, id: i64) -> Result<ProcedureRow> {
        procedure(&mut *self.read().await?, self.cipher(), id).await
    }

    /// The procedures of a person, oldest first.
    pub async fn procedures_of(&self, person_id: i64) -> Result<Vec<ProcedureRow>> {
        procedures_of(&mut *self.read().await?, self.cipher(), person_id).await
    }

    /// Procedures still waiting for a decision, soonest due first.
    pub async fn pending_procedures(&self) -> Result<Vec<ProcedureRow>> {
        let rows = sqlx::query(
            "SELECT * FROM bi_procedures WHERE state IN ('open', 'assessed') ORDER BY due_on, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| ProcedureRow::from_row(r, self.cipher()))
            .collect()
    }

    /// The programme enrolments of a person.
    pub async fn enrolments_of(&self, person_id: i64) -> Result<Vec<EnrolmentRow>> {
        all(
            self,
            "SELECT * FROM programme_enrolments WHERE person_id = $1 ORDER BY id",
            person_id,
            |r, _| EnrolmentRow::from_row(r),
        )
        .await
    }

    /// An enrolment.
    pub async fn enrolments_by_id(&self, id: i64) -> Result<EnrolmentRow> {
        enrolment(&mut *self.read().await?, id).await
    }

    /// The sessions of an enrolment, oldest first.
    pub async fn programme_sessions_of(&self, enrolment_id: i64) -> Result<Vec<AttendanceRow>> {
        all(
            self,
            "SELECT * FROM programme_sessions WHERE enrolment_id = $1 ORDER BY session_on",
            enrolment_id,
            AttendanceRow::from_row,
        )
        .await
    }

    /// The schools a person attended.
    pub async fn schooling_of(&self, person_id: i64) -> Result<Vec<SchoolingRow>> {
        all(
            self,
            "SELECT * FROM schooling WHERE person_id = $1 ORDER BY started_on, id",
            person_id,
            SchoolingRow::from_row,
        )
        .await
    }

    /// The chronic conditions and disabilities of a person.
    pub async fn conditions_of(&self, person_id: i64) -> Result<Vec<ConditionRow>> {
        all(
            self,
            "SELECT * FROM health_conditions WHERE person_id = $1 ORDER BY id",
            person_id,
            ConditionRow::from_row,
        )
        .await
    }

    /// The latest fitness-to-travel assessment of a person.
    pub async fn latest_fitness(&self, person_id: i64) -> Result<Option<FitnessRow>> {
        let r = sqlx::query(
            "SELECT * FROM fitness_to_travel WHERE person_id = $1 \
             ORDER BY assessed_on DESC, id DESC LIMIT 1",
        )
        .bind(person_id)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref()
            .map(|r| FitnessRow::from_row(r, self.cipher()))
            .transpose()
    }

    /// Hearings set for `from..=to` (a hearing's next date) that are not recorded yet: (case
    /// id, person id, court, case number, date), soonest first. Reads the courts tables.
    pub async fn hearings_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(i64, i64, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT c.id AS case_id, c.person_id, c.court, c.case_number,              h.next_date FROM legal_hearings h JOIN legal_cases c ON c.id = h.case_id              WHERE h.next_date >= $1 AND h.next_date <= $2 AND c.verdict = 'pending'              AND NOT EXISTS (SELECT 1 FROM legal_hearings g WHERE g.case_id = h.case_id                              AND g.hearing_date >= h.next_date)              ORDER BY h.next_date, c.id",
        )
        .bind(day(from))
        .bind(day(to))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("case_id")?,
                    r.try_get("person_id")?,
                    r.try_get("court")?,
                    r.try_get("case_number")?,
                    r.try_get("next_date")?,
                ))
            })
            .collect()
    }

    /// Care figures without identities, as of `today`.
    pub async fn care_figures(&self, today: NaiveDate) -> Result<CareFigures> {
        let t = day(today);
        let r = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM care_plans WHERE status = 'active') AS active_plans, \
             (SELECT COUNT(*) FROM care_plans WHERE status = 'active' AND next_review_due < $1) \
                AS reviews_overdue, \
             (SELECT COUNT(*) FROM bi_procedures WHERE state IN ('open', 'assessed')) AS pending, \
             (SELECT COUNT(*) FROM bi_procedures WHERE state = 'decided') AS decided, \
             (SELECT COUNT(*) FROM bi_procedures WHERE state = 'implemented') AS implemented, \
             (SELECT COUNT(*) FROM programme_sessions WHERE present = 1) AS attended, \
             (SELECT COUNT(*) FROM programme_sessions WHERE present = 0) AS missed, \
             (SELECT COUNT(DISTINCT person_id) FROM schooling WHERE ended_on IS NULL) AS in_school",
        )
        .bind(&t)
        .fetch_one(self.pool())
        .await?;
        let enrolled = sqlx::query(
            "SELECT programme, COUNT(DISTINCT person_id) AS n FROM programme_enrolments \
             WHERE ended_on IS NULL GROUP BY programme ORDER BY programme",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("programme")?, count(r, "n")?)))
        .collect::<Result<Vec<_>>>()?;
        let not_fit = sqlx::query(
            "SELECT COUNT(*) AS n FROM fitness_to_travel f WHERE f.fit = 0 AND NOT EXISTS \
             (SELECT 1 FROM fitness_to_travel g WHERE g.person_id = f.person_id \
              AND (g.assessed_on > f.assessed_on OR (g.assessed_on = f.assessed_on AND g.id > f.id)))",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(CareFigures {
            active_plans: count(&r, "active_plans")?,
            reviews_overdue: count(&r, "reviews_overdue")?,
            procedures_pending: count(&r, "pending")?,
            procedures_decided: count(&r, "decided")?,
            procedures_implemented: count(&r, "implemented")?,
            enrolled,
            sessions_attended: count(&r, "attended")?,
            sessions_missed: count(&r, "missed")?,
            in_school: count(&r, "in_school")?,
            not_fit_to_travel: count(&not_fit, "n")?,
        })
    }
}
