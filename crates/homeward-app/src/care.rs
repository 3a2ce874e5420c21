//! Care for children and health on a need-to-know basis.
//!
//! Care plans with goals and dated reviews; the best-interests procedure (assessment, a panel
//! of at least three distinct people in named roles, decision, implementation), cited as
//! `BIP-<id>` by placement overrides, separations and repatriation cases; programme enrolment
//! and attendance with progress notes; schooling; pregnancy (kept on the registry's
//! `pregnant_due`, which the daily review already reads), chronic conditions, disabilities
//! and fitness to travel.
//!
//! Care notes and health details are for case workers ([`Action::ReadCare`],
//! [`Action::ReadHealth`]); a consular officer sees fitness to travel and essential medical
//! needs only ([`Action::ReadFitnessToTravel`], within their country's scope); judicial
//! liaison sees none of it. A person outside the caller's scope answers like one that does
//! not exist. Every view is written to the access log, and audit snapshots leave the text of
//! notes and details out (their length is kept), so the audit trail is no back door to them.

use chrono::{Days, NaiveDate};
use homeward_domain::access::{Action, Principal, Role, authorize};
use homeward_domain::care::{
    AssessmentDraft, BiQuestion, BiState, CarePlanDraft, ConditionKind, DecisionDraft,
    FitnessDraft, ImplementationDraft, Programme, ReviewDraft, decision_allows, parse_reference,
    reference,
};
use homeward_domain::date::parse_date;
use homeward_domain::error::{Errors, FieldError, Invalid};
use homeward_domain::person::PersonId;
use homeward_store::WriteTx;
use homeward_store::audit::NewEvent;
use homeward_store::care::{
    AttendanceRow, CareFigures, CarePlanRow, ConditionRow, EnrolmentRow, FitnessRow, GoalRow,
    NewCondition, NewProcedure, ProcedureRow, ReviewRow, SchoolingRow,
};
use homeward_store::rows::PersonRow;
use serde::Serialize;
use serde_json::{Value, json};

use crate::{App, AppError};

/// A task the daily review adds: (kind, team, person, due, detail, dedupe key).
pub(crate) type TaskSpec = (String, String, i64, NaiveDate, String, String);

/// A snapshot for the audit trail with the text of every `*_note` and `*_detail` left out.
pub fn redacted<T: Serialize>(v: &T) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    if (k.ends_with("_note") || k.ends_with("_detail"))
                        && let Value::String(s) = x
                    {
                        *x = json!({ "withheld_chars": s.chars().count() });
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut out = serde_json::to_value(v).unwrap_or(Value::Null);
    walk(&mut out);
    out
}

/// A care plan with its goals and reviews.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    /// The plan.
    pub plan: CarePlanRow,
    /// Its goals.
    pub goals: Vec<GoalRow>,
    /// Its reviews, oldest first.
    pub reviews: Vec<ReviewRow>,
    /// The next review is past due.
    pub overdue: bool,
}

/// A programme enrolment with its sessions.
#[derive(Debug, Clone, Serialize)]
pub struct EnrolmentView {
    /// The enrolment.
    pub enrolment: EnrolmentRow,
    /// Its sessions, oldest first.
    pub sessions: Vec<AttendanceRow>,
    /// Sessions attended.
    pub attended: usize,
}

/// Everything of a child's care a case worker sees.
#[derive(Debug, Clone, Serialize)]
pub struct CareFile {
    /// The person.
    pub person: PersonRow,
    /// Age today.
    pub age: u32,
    /// Care plans, newest first.
    pub plans: Vec<PlanView>,
    /// Best-interests procedures, oldest first, each with its reference.
    pub procedures: Vec<(String, ProcedureRow)>,
    /// Programme enrolments.
    pub programmes: Vec<EnrolmentView>,
    /// Schools attended.
    pub schooling: Vec<SchoolingRow>,
}

/// A person's health as a case worker sees it.
#[derive(Debug, Clone, Serialize)]
pub struct HealthFile {
    /// The person.
    pub person: PersonRow,
    /// Expected delivery date, when pregnant (the registry's field).
    pub pregnant_due: Option<String>,
    /// Chronic conditions and disabilities.
    pub conditions: Vec<ConditionRow>,
    /// The latest fitness-to-travel assessment.
    pub fitness: Option<FitnessRow>,
}

/// Fitness to travel as an embassy may see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TravelFitness {
    /// Fit to travel.
    pub fit: bool,
    /// When assessed.
    pub assessed_on: String,
    /// Conditions of travel.
    pub fitness_note: String,
}

/// What an embassy may know of a person's health: fitness to travel and essential medical
/// needs, nothing more.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TravelHealth {
    /// The person's id.
    pub person_id: i64,
    /// Their registration number.
    pub registration_number: String,
    /// The latest assessment, when one was made.
    pub fitness: Option<TravelFitness>,
    /// Essential medical needs (medication, equipment, care on the journey).
    pub essential_needs: Vec<String>,
}

/// A new best-interests procedure.
#[derive(Debug, Clone, Default)]
pub struct ProcedureDraft {
    /// `placement`, `separation`, `repatriation` or `other`.
    pub question: String,
    /// What is to be decided, in words.
    pub question_detail: String,
    /// The repatriation case it decides for, if any.
    pub case_id: Option<i64>,
    /// When a decision is due, `YYYY-MM-DD` (default: in 30 days).
    pub due_on: Option<String>,
}

/// A chronic condition or disability as drafted.
#[derive(Debug, Clone, Default)]
pub struct ConditionDraft {
    /// `chronic` or `disability`.
    pub kind: String,
    /// The condition, in words.
    pub condition_detail: String,
    /// What must be provided for; the one part an embassy sees.
    pub essential_need_detail: String,
    /// Since when, `YYYY-MM-DD`, if known.
    pub since_on: Option<String>,
}

/// A school attended, as drafted.
#[derive(Debug, Clone, Default)]
pub struct SchoolingDraft {
    /// The school.
    pub school: String,
    /// Grade or level.
    pub grade: String,
    /// Since, `YYYY-MM-DD`.
    pub started_on: String,
    /// A care note.
    pub schooling_note: String,
}

fn event<'a>(
    actor: &'a str,
    at: chrono::NaiveDateTime,
    action: &'a str,
    entity_type: &'a str,
    entity_id: impl ToString,
    after: Value,
) -> NewEvent<'a> {
    NewEvent {
        actor,
        at,
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        before: None,
        after: Some(after),
    }
}

fn text(field: &str, v: &str, what: &str, errors: &mut Errors) -> String {
    let t = v.trim();
    if t.is_empty() {
        errors.push(FieldError::new(
            field,
            "HW-CARE-0002",
            format!("write {what}"),
        ));
    }
    t.to_owned()
}

fn past_date(field: &str, v: &str, today: NaiveDate, errors: &mut Errors) -> Option<NaiveDate> {
    let d = errors.take(parse_date(field, v.trim()))?;
    if d > today {
        errors.push(FieldError::new(
            field,
            "HW-CARE-0001",
            "this date is in the future",
        ));
    }
    Some(d)
}

fn stored_date(s: &str) -> Result<NaiveDate, AppError> {
    parse_date("date", s.get(..10).unwrap_or(s))
        .map_err(|e| AppError::Store(homeward_store::StoreError::Corrupt(e.to_string())))
}

/// Checks a best-interests reference given for a move or a placement override: a `BIP-<id>`
/// reference must name a decided procedure for one of `persons` whose decision lets the
/// action go ahead; any other text stays a free reference to a decision recorded elsewhere.
pub(crate) async fn check_reference(
    tx: &mut WriteTx,
    persons: &[i64],
    given: &str,
) -> Result<(), AppError> {
    let Some(id) = parse_reference(given) else {
        return Ok(());
    };
    let refuse = |code, msg: String| -> Result<(), AppError> {
        Err(Invalid::one("best_interests_ref", code, msg).into())
    };
    let p = match tx.procedure(id).await {
        Ok(p) => p,
        Err(homeward_store::StoreError::NotFound(_)) => {
            return refuse(
                "HW-CARE-0020",
                format!("{} names no best-interests procedure", reference(id)),
            );
        }
        Err(e) => return Err(e.into()),
    };
    if !persons.contains(&p.person_id) {
        return refuse(
            "HW-CARE-0021",
            format!("{} is a procedure for another child", reference(id)),
        );
    }
    let state = BiState::parse("state", &p.state).unwrap_or(BiState::Open);
    if !state.is_decided() {
        return refuse(
            "HW-CARE-0022",
            format!("{} has not been decided yet", reference(id)),
        );
    }
    if !p.decision.as_deref().is_some_and(decision_allows) {
        return refuse(
            "HW-CARE-0023",
            format!(
                "{} decided against it ({})",
                reference(id),
                p.decision.as_deref().unwrap_or_default()
            ),
        );
    }
    Ok(())
}

impl App {
    /// The person, if `p` may do `action` and see them; else forbidden, or not found exactly
    /// like a person that does not exist.
    async fn care_subject(
        &self,
        p: &Principal,
        person: PersonId,
        action: Action,
    ) -> Result<PersonRow, AppError> {
        authorize(p, action)?;
        if !self.can_see(p, person).await? {
            return Err(AppError::NotFound("person".into()));
        }
        match self.store().person(person).await {
            Ok(r) => Ok(r),
            Err(homeward_store::StoreError::NotFound(_)) => {
                Err(AppError::NotFound("person".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn log_view(
        &self,
        p: &Principal,
        entity: &str,
        person: i64,
        channel: &str,
    ) -> Result<(), AppError> {
        self.store()
            .log_access(
                self.now(),
                &p.username,
                "view",
                entity,
                &person.to_string(),
                channel,
            )
            .await?;
        Ok(())
    }

    async fn child_subject(&self, p: &Principal, person: PersonId) -> Result<PersonRow, AppError> {
        let row = self.care_subject(p, person, Action::WriteCare).await?;
        if row.age_on(self.today())? >= 18 {
            return Err(Invalid::one(
                "person",
                "HW-CARE-0030",
                "care plans, best-interests procedures, programmes and schooling are for \
                 children (under 18)",
            )
            .into());
        }
        Ok(row)
    }

    /// A child's care file: plans, procedures, programmes and schooling. The view is logged.
    pub async fn care_file(
        &self,
        p: &Principal,
        person: PersonId,
        channel: &str,
    ) -> Result<CareFile, AppError> {
        let row = self.care_subject(p, person, Action::ReadCare).await?;
        let today = self.today();
        let store = self.store();
        let mut plans = Vec::new();
        for plan in store.care_plans_of(person.0).await? {
            plans.push(PlanView {
                goals: store.goals_of(plan.id).await?,
                reviews: store.reviews_of(plan.id).await?,
                overdue: plan.status == "active" && stored_date(&plan.next_review_due)? < today,
                plan,
            });
        }
        let mut programmes = Vec::new();
        for e in store.enrolments_of(person.0).await? {
            let sessions = store.programme_sessions_of(e.id).await?;
            programmes.push(EnrolmentView {
                attended: sessions.iter().filter(|s| s.present).count(),
                enrolment: e,
                sessions,
            });
        }
        let procedures = store
            .procedures_of(person.0)
            .await?
            .into_iter()
            .map(|p| (reference(p.id), p))
            .collect();
        let file = CareFile {
            age: row.age_on(today)?,
            person: row,
            plans,
            procedures,
            programmes,
            schooling: store.schooling_of(person.0).await?,
        };
        self.log_view(p, "care", person.0, channel).await?;
        Ok(file)
    }

    /// Opens a care plan for a child with its goals and first review date.
    pub async fn open_care_plan(
        &self,
        p: &Principal,
        person: PersonId,
        d: &CarePlanDraft,
    ) -> Result<PlanView, AppError> {
        self.child_subject(p, person).await?;
        let now = self.now();
        let (goals, due) = d.parse(now.date())?;
        let mut tx = self.store().begin().await?;
        let (plan, goals) = tx
            .insert_care_plan(person.0, &goals, due, &p.username, now)
            .await?;
        let view = PlanView {
            plan,
            goals,
            reviews: Vec::new(),
            overdue: false,
        };
        tx.audit(event(
            &p.username,
            now,
            "care.plan_open",
            "person",
            person,
            redacted(&view),
        ))
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Records a dated review of a care plan; the overdue-review task of the plan is done.
    pub async fn review_care_plan(
        &self,
        p: &Principal,
        plan_id: i64,
        version: i64,
        d: &ReviewDraft,
    ) -> Result<(CarePlanRow, ReviewRow), AppError> {
        authorize(p, Action::WriteCare)?;
        let plan = self.store().care_plan(plan_id).await?;
        self.child_subject(p, PersonId(plan.person_id)).await?;
        let now = self.now();
        let (on, next) = d.parse(now.date())?;
        let mut tx = self.store().begin().await?;
        let (plan, review) = tx
            .insert_review(
                plan_id,
                version,
                on,
                d.review_note.trim(),
                next,
                &p.username,
                now,
            )
            .await?;
        let closed = tx.close_tasks(&format!("care_review:{plan_id}:")).await?;
        tx.audit(event(
            &p.username,
            now,
            "care.plan_review",
            "person",
            plan.person_id,
            json!({ "plan": plan, "review": redacted(&review), "tasks_closed": closed }),
        ))
        .await?;
        tx.commit().await?;
        Ok((plan, review))
    }

    /// Opens a best-interests procedure for a child.
    pub async fn open_procedure(
        &self,
        p: &Principal,
        person: PersonId,
        d: &ProcedureDraft,
    ) -> Result<ProcedureRow, AppError> {
        self.child_subject(p, person).await?;
        let now = self.now();
        let today = now.date();
        let mut errors = Errors::new();
        let question = errors.take(BiQuestion::parse("question", &d.question));
        let detail = text(
            "question_detail",
            &d.question_detail,
            "what is to be decided",
            &mut errors,
        );
        let due = match d.due_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => errors.take(parse_date("due_on", s)),
            None => Some(today + Days::new(30)),
        };
        if due.is_some_and(|d| d < today) {
            errors.push(FieldError::new(
                "due_on",
                "HW-CARE-0031",
                "a decision cannot be due in the past",
            ));
        }
        let mut tx = self.store().begin().await?;
        if let Some(case_id) = d.case_id {
            authorize(p, Action::ReadCases)?;
            let members = tx.case_members(case_id).await?;
            if !members.iter().any(|m| m.person_id == person.0) {
                errors.push(FieldError::new(
                    "case_id",
                    "HW-CARE-0032",
                    "the child is not a member of this repatriation case",
                ));
            }
            if question.is_some_and(|q| q != BiQuestion::Repatriation) {
                errors.push(FieldError::new(
                    "question",
                    "HW-CARE-0033",
                    "a procedure for a repatriation case decides the repatriation question",
                ));
            }
        }
        errors.finish()?;
        let row = tx
            .insert_procedure(
                &NewProcedure {
                    person_id: person.0,
                    question: question.map_or("other", BiQuestion::key),
                    question_detail: &detail,
                    case_id: d.case_id,
                    due_on: due.unwrap_or(today),
                    opened_by: &p.username,
                },
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "care.bip_open",
            "person",
            person,
            redacted(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A procedure, if `p` may read care and see the child. The view is logged.
    pub async fn procedure_for(&self, p: &Principal, id: i64) -> Result<ProcedureRow, AppError> {
        authorize(p, Action::ReadCare)?;
        let row = match self.store().procedure(id).await {
            Ok(r) => r,
            Err(homeward_store::StoreError::NotFound(_)) => {
                return Err(AppError::NotFound("procedure".into()));
            }
            Err(e) => return Err(e.into()),
        };
        self.care_subject(p, PersonId(row.person_id), Action::ReadCare)
            .await?;
        self.log_view(p, "care", row.person_id, &format!("procedure {id}"))
            .await?;
        Ok(row)
    }

    async fn procedure_to_change(
        &self,
        p: &Principal,
        id: i64,
        expect: &[BiState],
        to: &str,
    ) -> Result<ProcedureRow, AppError> {
        authorize(p, Action::WriteCare)?;
        let row = match self.store().procedure(id).await {
            Ok(r) => r,
            Err(homeward_store::StoreError::NotFound(_)) => {
                return Err(AppError::NotFound("procedure".into()));
            }
            Err(e) => return Err(e.into()),
        };
        self.care_subject(p, PersonId(row.person_id), Action::WriteCare)
            .await?;
        let state = BiState::parse("state", &row.state)?;
        if !expect.contains(&state) {
            return Err(Invalid::one(
                "state",
                "HW-CARE-0034",
                format!("a procedure that is {} cannot be {to}", row.state),
            )
            .into());
        }
        Ok(row)
    }

    /// Records the assessment of a procedure (again, while it is not decided).
    pub async fn assess_procedure(
        &self,
        p: &Principal,
        id: i64,
        version: i64,
        d: &AssessmentDraft,
    ) -> Result<ProcedureRow, AppError> {
        self.procedure_to_change(p, id, &[BiState::Open, BiState::Assessed], "assessed")
            .await?;
        let now = self.now();
        let on = d.parse(now.date())?;
        let mut tx = self.store().begin().await?;
        let row = tx
            .assess_procedure(id, version, d.assessment_note.trim(), on)
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "care.bip_assess",
            "person",
            row.person_id,
            redacted(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records the panel's decision. Refused, naming `panel`, when fewer than three distinct
    /// people sit on it. A repatriation decision for a case is also recorded as that case's
    /// best-interests determination (citing this procedure), in the same transaction.
    pub async fn decide_procedure(
        &self,
        p: &Principal,
        id: i64,
        version: i64,
        d: &DecisionDraft,
    ) -> Result<ProcedureRow, AppError> {
        let before = self
            .procedure_to_change(p, id, &[BiState::Assessed], "decided")
            .await
            .map_err(|e| match e {
                AppError::Invalid(_) => Invalid::one(
                    "state",
                    "HW-CARE-0035",
                    "record the assessment before the panel decides",
                )
                .into(),
                other => other,
            })?;
        let question = BiQuestion::parse("question", &before.question)?;
        let assessed_on = stored_date(before.assessed_on.as_deref().unwrap_or_default())?;
        let now = self.now();
        let decision = d.parse(question, assessed_on, now.date())?;
        let mut tx = self.store().begin().await?;
        let panel: Vec<(String, String)> = decision
            .panel
            .iter()
            .map(|m| (m.name.clone(), m.role.clone()))
            .collect();
        let bid = match before.case_id {
            Some(case_id) => {
                authorize(p, Action::RecordBestInterests)?;
                Some(
                    self.determination_in(
                        &mut tx,
                        p,
                        &before,
                        case_id,
                        &decision.decision,
                        decision.decided_on,
                        &panel,
                    )
                    .await?,
                )
            }
            None => None,
        };
        let row = tx
            .decide_procedure(
                id,
                version,
                &panel,
                &decision.decision,
                d.decision_note.trim(),
                decision.decided_on,
                bid,
            )
            .await?;
        let closed = tx.close_tasks(&format!("bip_pending:{id}:")).await?;
        tx.audit(event(
            &p.username,
            now,
            "care.bip_decide",
            "person",
            row.person_id,
            json!({ "procedure": redacted(&row), "case_determination": bid, "tasks_closed": closed }),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    #[allow(clippy::too_many_arguments)]
    async fn determination_in(
        &self,
        tx: &mut WriteTx,
        p: &Principal,
        proc: &ProcedureRow,
        case_id: i64,
        decision: &str,
        decided_on: NaiveDate,
        panel: &[(String, String)],
    ) -> Result<i64, AppError> {
        let panel_json: Vec<Value> = panel
            .iter()
            .map(|(name, role)| json!({ "name": name, "role": role }))
            .collect();
        let row = tx
            .insert_bid(
                case_id,
                proc.person_id,
                &format!(
                    "best-interests procedure {} (assessment kept with the care file)",
                    reference(proc.id)
                ),
                &Value::Array(panel_json).to_string(),
                decision,
                decided_on,
                &p.username,
                self.now(),
            )
            .await?;
        tx.audit(event(
            &p.username,
            self.now(),
            "case.best_interests",
            "case",
            case_id,
            serde_json::to_value(&row).unwrap_or_default(),
        ))
        .await?;
        Ok(row.id)
    }

    /// Cites a decided repatriation procedure as the best-interests determination of a
    /// repatriation case the child is a member of (for a procedure decided before the case
    /// was opened); the family-unity gate of the case then counts it.
    pub async fn cite_procedure_in_case(
        &self,
        p: &Principal,
        id: i64,
        case_id: i64,
    ) -> Result<i64, AppError> {
        authorize(p, Action::RecordBestInterests)?;
        let proc = self.procedure_for(p, id).await?;
        let mut errors = Errors::new();
        if proc.question != BiQuestion::Repatriation.key() {
            errors.push(FieldError::new(
                "procedure",
                "HW-CARE-0036",
                "only a procedure on the repatriation question decides for a case",
            ));
        }
        if !BiState::parse("state", &proc.state)?.is_decided() {
            errors.push(FieldError::new(
                "procedure",
                "HW-CARE-0022",
                format!("{} has not been decided yet", reference(id)),
            ));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let case = tx.case(case_id).await?;
        if p.role == Role::ConsularOfficer {
            return Err(AppError::NotFound("case".into()));
        }
        let members = tx.case_members(case.id).await?;
        if !members.iter().any(|m| m.person_id == proc.person_id) {
            errors.push(FieldError::new(
                "case_id",
                "HW-CARE-0032",
                "the child is not a member of this repatriation case",
            ));
        }
        errors.finish()?;
        let panel: Vec<(String, String)> = proc
            .panel
            .iter()
            .map(|m| (m.name.clone(), m.panel_role.clone()))
            .collect();
        let bid = self
            .determination_in(
                &mut tx,
                p,
                &proc,
                case_id,
                proc.decision.as_deref().unwrap_or_default(),
                stored_date(proc.decided_on.as_deref().unwrap_or_default())?,
                &panel,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "care.bip_cite",
            "person",
            proc.person_id,
            json!({ "procedure": id, "case": case_id, "determination": bid }),
        ))
        .await?;
        tx.commit().await?;
        Ok(bid)
    }

    /// Records that a decided procedure was carried out.
    pub async fn implement_procedure(
        &self,
        p: &Principal,
        id: i64,
        version: i64,
        d: &ImplementationDraft,
    ) -> Result<ProcedureRow, AppError> {
        let before = self
            .procedure_to_change(p, id, &[BiState::Decided], "implemented")
            .await?;
        let decided_on = stored_date(before.decided_on.as_deref().unwrap_or_default())?;
        let now = self.now();
        let on = d.parse(decided_on, now.date())?;
        let mut tx = self.store().begin().await?;
        let row = tx
            .implement_procedure(id, version, d.implementation_note.trim(), on)
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "care.bip_implement",
            "person",
            row.person_id,
            redacted(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Enrols a child in a programme.
    pub async fn enrol(
        &self,
        p: &Principal,
        person: PersonId,
        programme: &str,
        enrolled_on: &str,
    ) -> Result<EnrolmentRow, AppError> {
        self.child_subject(p, person).await?;
        let now = self.now();
        let mut errors = Errors::new();
        let programme = errors.take(Programme::parse("programme", programme));
        let on = past_date("enrolled_on", enrolled_on, now.date(), &mut errors);
        errors.finish()?;
        let (Some(programme), Some(on)) = (programme, on) else {
            return Err(AppError::Internal("checked input incomplete".into()));
        };
        let mut tx = self.store().begin().await?;
        let row = tx
            .insert_enrolment(person.0, programme.key(), on, &p.username, now)
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "care.enrol",
            "person",
            person,
            redacted(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records one session of an enrolment: attended or not, with a progress note.
    pub async fn record_session(
        &self,
        p: &Principal,
        enrolment_id: i64,
        session_on: &str,
        present: bool,
        progress_note: &str,
    ) -> Result<AttendanceRow, AppError> {
        authorize(p, Action::WriteCare)?;
        let mut tx = self.store().begin().await?;
        let e = match tx.enrolment(enrolment_id).await {
            Ok(e) => e,
            Err(homeward_store::StoreError::NotFound(_)) => {
                return Err(AppError::NotFound("enrolment".into()));
            }
            Err(e) => return Err(e.into()),
        };
        self.care_subject(p, PersonId(e.person_id), Action::WriteCare)
            .await?;
        let now = self.now();
        let mut errors = Errors::new();
        let on = past_date("session_on", session_on, now.date(), &mut errors);
        if let Some(d) = on
            && d < stored_date(&e.enrolled_on)?
        {
            errors.push(FieldError::new(
                "session_on",
                "HW-CARE-0037",
                "a session comes after the enrolment",
            ));
        }
        if tx
            .attendance_on(enrolment_id, on.unwrap_or_default())
            .await?
        {
            errors.push(FieldError::new(
                "session_on",
                "HW-CARE-0038",
                "attendance for this day is already recorded",
            ));
        }
        errors.finish()?;
        let row = tx
            .insert_programme_session(
                enrolment_id,
                on.unwrap_or_default(),
                present,
                progress_note.trim(),
                &p.username,
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "care.session",
            "person",
            e.person_id,
            redacted(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records a school a child attends.
    pub async fn record_schooling(
        &self,
        p: &Principal,
        person: PersonId,
        d: &SchoolingDraft,
    ) -> Result<SchoolingRow, AppError> {
        self.child_subject(p, person).await?;
        let now = self.now();
        let mut errors = Errors::new();
        let school = text("school", &d.school, "the school's name", &mut errors);
        let on = past_date("started_on", &d.started_on, now.date(), &mut errors);
        errors.finish()?;
        let mut tx = self.store().begin().await?;
        let row = tx
            .insert_schooling(
                person.0,
                &school,
                d.grade.trim(),
                on.unwrap_or_default(),
                d.schooling_note.trim(),
                &p.username,
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "care.schooling",
            "person",
            person,
            redacted(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A person's health file (case workers). The view is logged.
    pub async fn health_file(
        &self,
        p: &Principal,
        person: PersonId,
        channel: &str,
    ) -> Result<HealthFile, AppError> {
        let row = self.care_subject(p, person, Action::ReadHealth).await?;
        let file = HealthFile {
            pregnant_due: row.pregnant_due.clone(),
            conditions: self.store().conditions_of(person.0).await?,
            fitness: self.store().latest_fitness(person.0).await?,
            person: row,
        };
        self.log_view(p, "health", person.0, channel).await?;
        Ok(file)
    }

    /// Fitness to travel and essential medical needs, nothing more: what a consular officer
    /// (within their scope) or a case worker may see for a handover. The view is logged, and
    /// a consular officer's read goes into the disclosure register.
    pub async fn travel_health(
        &self,
        p: &Principal,
        person: PersonId,
        channel: &str,
    ) -> Result<TravelHealth, AppError> {
        let row = self
            .care_subject(p, person, Action::ReadFitnessToTravel)
            .await?;
        let out = self.travel_health_of(&row).await?;
        self.log_view(p, "fitness", person.0, channel).await?;
        self.log_consular_reads(p, &[person.0], "fitness to travel", channel)
            .await?;
        Ok(out)
    }

    /// The travel health of a person, unchecked (for the dossier, which checks its reader).
    pub(crate) async fn travel_health_of(&self, row: &PersonRow) -> Result<TravelHealth, AppError> {
        let fitness = self.store().latest_fitness(row.id).await?;
        let essential_needs = self
            .store()
            .conditions_of(row.id)
            .await?
            .into_iter()
            .map(|c| c.essential_need_detail)
            .filter(|n| !n.trim().is_empty())
            .collect();
        Ok(TravelHealth {
            person_id: row.id,
            registration_number: row.registration_number.clone(),
            fitness: fitness.map(|f| TravelFitness {
                fit: f.fit,
                assessed_on: f.assessed_on,
                fitness_note: f.fitness_note,
            }),
            essential_needs,
        })
    }

    /// Records a chronic condition or a disability.
    pub async fn record_condition(
        &self,
        p: &Principal,
        person: PersonId,
        d: &ConditionDraft,
    ) -> Result<ConditionRow, AppError> {
        self.care_subject(p, person, Action::WriteHealth).await?;
        let now = self.now();
        let mut errors = Errors::new();
        let kind = errors.take(ConditionKind::parse("kind", &d.kind));
        let detail = text(
            "condition_detail",
            &d.condition_detail,
            "the condition",
            &mut errors,
        );
        let since = match d
            .since_on
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => past_date("since_on", s, now.date(), &mut errors),
            None => None,
        };
        errors.finish()?;
        let mut tx = self.store().begin().await?;
        let row = tx
            .insert_condition(
                &NewCondition {
                    person_id: person.0,
                    kind: kind.map_or("chronic", ConditionKind::key),
                    condition_detail: &detail,
                    essential_need_detail: d.essential_need_detail.trim(),
                    since_on: since,
                    recorded_by: &p.username,
                },
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "health.condition",
            "person",
            person,
            redacted(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records a fitness-to-travel assessment.
    pub async fn record_fitness(
        &self,
        p: &Principal,
        person: PersonId,
        d: &FitnessDraft,
    ) -> Result<FitnessRow, AppError> {
        self.care_subject(p, person, Action::WriteHealth).await?;
        let now = self.now();
        let on = d.parse(now.date())?;
        let mut tx = self.store().begin().await?;
        let row = tx
            .insert_fitness(
                person.0,
                d.fit,
                on,
                d.assessed_by.trim(),
                d.fitness_note.trim(),
                &p.username,
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "health.fitness",
            "person",
            person,
            redacted(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records (or, with `None`, clears) a pregnancy's expected delivery date on the
    /// registry's field, which the daily review turns into a `delivery_near` task.
    pub async fn set_pregnancy(
        &self,
        p: &Principal,
        person: PersonId,
        version: i64,
        expected_delivery: Option<&str>,
    ) -> Result<i64, AppError> {
        let row = self.care_subject(p, person, Action::WriteHealth).await?;
        let now = self.now();
        let today = now.date();
        let due = match expected_delivery.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let d = parse_date("expected_delivery", s)?;
                if row.sex != "female" {
                    return Err(Invalid::one(
                        "expected_delivery",
                        "HW-HEALTH-0004",
                        "a pregnancy is recorded for a woman or girl",
                    )
                    .into());
                }
                if d < today - Days::new(31) || d > today + Days::new(300) {
                    return Err(Invalid::one(
                        "expected_delivery",
                        "HW-HEALTH-0005",
                        "the expected delivery is within the next ten months",
                    )
                    .into());
                }
                Some(d)
            }
            None => None,
        };
        let mut tx = self.store().begin().await?;
        let v = tx.set_expected_delivery(person.0, version, due).await?;
        tx.audit(NewEvent {
            actor: &p.username,
            at: now,
            action: "health.pregnancy",
            entity_type: "person",
            entity_id: person.to_string(),
            before: Some(json!({ "pregnant": row.pregnant_due.is_some() })),
            after: Some(json!({ "pregnant": due.is_some(), "version": v })),
        })
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Care figures without identities, for monitors, administrators and case workers.
    pub async fn care_figures(&self, p: &Principal) -> Result<CareFigures, AppError> {
        authorize(p, Action::ReadMonitorView)?;
        Ok(self.store().care_figures(self.today()).await?)
    }

    /// The care tasks of the daily review: care plan reviews past due and best-interests
    /// procedures waiting for a decision (case workers), hearings within the week and
    /// pre-trial detention limits within 14 days (judicial liaison). The task text carries no
    /// care note.
    pub(crate) async fn care_tasks(&self, today: NaiveDate) -> Result<Vec<TaskSpec>, AppError> {
        let mut out = Vec::new();
        let number = |id: i64| async move {
            self.store()
                .person(PersonId(id))
                .await
                .map(|r| r.registration_number)
        };
        for plan in self.store().plans_due_before(today).await? {
            let due = stored_date(&plan.next_review_due)?;
            out.push((
                "care_review_overdue".to_owned(),
                "case_workers".to_owned(),
                plan.person_id,
                due,
                format!(
                    "{}: care plan review was due on {due}",
                    number(plan.person_id).await?
                ),
                format!("care_review:{}:{due}", plan.id),
            ));
        }
        for proc in self.store().pending_procedures().await? {
            let due = stored_date(&proc.due_on)?;
            out.push((
                "bip_pending".to_owned(),
                "case_workers".to_owned(),
                proc.person_id,
                due,
                format!(
                    "{}: best-interests decision {} pending ({}), due {due}",
                    number(proc.person_id).await?,
                    reference(proc.id),
                    proc.question
                ),
                format!("bip_pending:{}:", proc.id),
            ));
        }
        // courts: hearings within the week and pre-trial detention limits within 14 days, for
        // judicial liaison (their team's list); the legal data comes from the courts module.
        for (case_id, person, court, number, on) in self
            .store()
            .hearings_between(today, today + Days::new(7))
            .await?
        {
            let on = stored_date(&on)?;
            out.push((
                "hearing_this_week".to_owned(),
                "judicial".to_owned(),
                person,
                on,
                format!(
                    "{}: hearing at {court} ({number}) on {on}",
                    number_of(self, person).await?
                ),
                format!("hearing:{case_id}:{on}"),
            ));
        }
        for limit in self
            .store()
            .detention_limits_until(today + Days::new(14))
            .await?
        {
            let on = stored_date(&limit.detention_limit)?;
            out.push((
                "detention_limit_near".to_owned(),
                "judicial".to_owned(),
                limit.person_id,
                on,
                format!(
                    "{}: pre-trial detention limit of {} ({}) on {on}",
                    limit.registration_number, limit.court, limit.case_number
                ),
                format!("detention_limit:{}:{on}", limit.case_id),
            ));
        }
        Ok(out)
    }
}

async fn number_of(app: &App, person: i64) -> Result<String, AppError> {
    Ok(app
        .store()
        .person(PersonId(person))
        .await?
        .registration_number)
}
