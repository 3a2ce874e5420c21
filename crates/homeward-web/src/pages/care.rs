//! Care and health pages: a child's care file (care plans with goals and dated reviews, the
//! best-interests procedure step by step, programmes and attendance, schooling), the health
//! page (pregnancy, chronic conditions, disabilities, fitness to travel), the fitness-to-travel
//! page an embassy may see, and the monitors' view of care figures without identities.
//!
//! Every handler calls one app use-case, which asks `authorize` and applies the scope; a
//! person the reader may not see is "not found", exactly like one that does not exist. Every
//! view is written to the access log by the use-case. A refused form comes back with its
//! values and its errors, each naming its field, above it.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use homeward_app::care::{
    CareFile, ConditionDraft, HealthFile, ProcedureDraft, SchoolingDraft, TravelHealth,
};
use homeward_app::{App, AppError};
use homeward_domain::care::{
    AssessmentDraft, BiQuestion, CarePlanDraft, DecisionDraft, FitnessDraft, ImplementationDraft,
    Programme, ReviewDraft,
};
use homeward_domain::error::FieldError;
use homeward_domain::person::PersonId;
use homeward_domain::repatriation::{PANEL_ROLES, PanelMember};
use serde::Deserialize;

use crate::pages::{Ctx, Lang, Layout, PageError, ShownError, non_blank, render, same_origin};

/// This module's page routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/persons/{id}/care", get(care_page))
        .route("/persons/{id}/care/plans", post(open_plan))
        .route("/care/plans/{id}/reviews", post(review_plan))
        .route("/persons/{id}/care/procedures", post(open_procedure))
        .route("/care/procedures/{id}/assess", post(assess_step))
        .route("/care/procedures/{id}/decide", post(decide_step))
        .route("/care/procedures/{id}/implement", post(implement_step))
        .route("/persons/{id}/care/programmes", post(enrol))
        .route("/care/enrolments/{id}/sessions", post(session))
        .route("/persons/{id}/care/schooling", post(schooling))
        .route("/persons/{id}/health", get(health_page))
        .route("/persons/{id}/health/condition", post(condition_post))
        .route("/persons/{id}/health/fitness", post(fitness_post))
        .route("/persons/{id}/health/pregnancy", post(pregnancy_post))
        .route("/persons/{id}/fitness", get(fitness_page))
        .route("/monitor", get(monitor_page))
}

impl Layout {
    /// May see care and health (case workers, the one role that exports): the navigation
    /// entry only, the server decides with `authorize`.
    pub fn care_can_read(&self) -> bool {
        self.can_export
    }

    /// May see fitness to travel: case workers and consular officers (the role that reads
    /// persons without seeing sites).
    pub fn care_can_fitness(&self) -> bool {
        self.can_export || (self.can_read && !self.can_sites)
    }

    /// May see the monitors' view: monitors (sites but no person), administrators, case
    /// workers.
    pub fn care_can_monitor(&self) -> bool {
        self.can_export || self.can_admin || (self.can_sites && !self.can_read)
    }

    /// May see a task list: judicial liaison too (reads persons and sites, writes nothing),
    /// for hearings this week and detention limits near.
    pub fn care_can_tasks(&self) -> bool {
        self.can_read && self.can_sites && !self.can_write && !self.can_admin
    }

    /// The incident workflow entry point on the monitors' view (case workers and monitors).
    pub fn care_can_incidents(&self) -> bool {
        self.can_export || (self.can_sites && !self.can_read)
    }
}

/// Submitted values of the form that failed and its errors.
#[derive(Debug, Default)]
pub struct Sent {
    /// Which form (`plan`, `review-3`, `procedure`, `step-5`, `enrol`, `session-2`,
    /// `schooling`, `condition`, `fitness`, `pregnancy`).
    pub form: String,
    values: HashMap<String, String>,
    errors: Vec<ShownError>,
}

impl Sent {
    fn of(form: &str, pairs: &[(String, String)]) -> Self {
        Self {
            form: form.to_owned(),
            values: pairs.iter().cloned().collect(),
            errors: Vec::new(),
        }
    }

    /// A value the failed form `form` sent, else empty.
    pub fn v(&self, form: &str, key: &str) -> String {
        if self.form == form {
            self.values.get(key).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    /// Every error of form `form`, for the summary above it.
    pub fn all(&self, form: &str) -> Vec<ShownError> {
        if self.form == form {
            self.errors.clone()
        } else {
            Vec::new()
        }
    }

    fn get(&self, key: &str) -> String {
        self.values
            .get(key)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }
}

fn shown(errors: &[FieldError], lang: &Lang) -> Vec<ShownError> {
    errors
        .iter()
        .map(|e| {
            let mut s = ShownError::of(e, lang);
            if let Some(m) = lang.try_t(&format!("care-err-{}", e.code)) {
                s.message = m;
            }
            s
        })
        .collect()
}

fn see_other(to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// A plan as the page shows it.
pub struct PlanLine {
    pub id: i64,
    pub form: String,
    pub version: i64,
    pub opened: String,
    pub next_due: String,
    pub overdue: bool,
    pub goals: Vec<String>,
    /// (date, note, by)
    pub reviews: Vec<(String, String, String)>,
}

/// A procedure as the page shows it.
pub struct ProcLine {
    pub id: i64,
    pub form: String,
    pub version: i64,
    pub reference: String,
    pub question: String,
    pub question_detail: String,
    pub state_key: String,
    pub state: String,
    pub due: String,
    pub case_id: String,
    pub assessment: String,
    pub assessed_on: String,
    pub decision: String,
    pub decision_note: String,
    pub decided_on: String,
    /// (name, role)
    pub panel: Vec<(String, String)>,
    pub implementation: String,
    pub implemented_on: String,
    /// (key, words) of the decisions this question allows.
    pub decisions: Vec<(String, String)>,
}

/// An enrolment as the page shows it.
pub struct EnrolLine {
    pub id: i64,
    pub form: String,
    pub programme: String,
    pub since: String,
    pub attended: usize,
    pub sessions: usize,
    /// (date, present, note)
    pub recent: Vec<(String, bool, String)>,
}

#[derive(Template)]
#[template(path = "care.html")]
struct CarePage {
    l: Layout,
    id: i64,
    number: String,
    name: String,
    age: u32,
    synthetic: bool,
    plans: Vec<PlanLine>,
    procedures: Vec<ProcLine>,
    programmes: Vec<EnrolLine>,
    /// (school, grade, since, note)
    schooling: Vec<(String, String, String, String)>,
    questions: Vec<(String, String)>,
    programme_kinds: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    panel_rows: Vec<usize>,
    today: String,
    saved: bool,
    s: Sent,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn name_of(app: &App, id: i64) -> String {
    app.store()
        .person_file(PersonId(id))
        .await
        .ok()
        .and_then(|f| f.names.first().map(|n| n.text.clone()))
        .unwrap_or_default()
}

fn care_view(
    ctx: &Ctx,
    file: CareFile,
    name: String,
    saved: bool,
    s: Sent,
    today: String,
) -> CarePage {
    let lang = ctx.lang();
    let plans = file
        .plans
        .into_iter()
        .map(|p| PlanLine {
            id: p.plan.id,
            form: format!("review-{}", p.plan.id),
            version: p.plan.version,
            opened: lang.date(&p.plan.opened_on),
            next_due: lang.date(&p.plan.next_review_due),
            overdue: p.overdue,
            goals: p.goals.into_iter().map(|g| g.goal_detail).collect(),
            reviews: p
                .reviews
                .into_iter()
                .map(|r| (lang.date(&r.reviewed_on), r.review_note, r.reviewed_by))
                .collect(),
        })
        .collect();
    let procedures = file
        .procedures
        .into_iter()
        .map(|(reference, p)| {
            let question = BiQuestion::parse("q", &p.question).unwrap_or(BiQuestion::Other);
            ProcLine {
                id: p.id,
                form: format!("step-{}", p.id),
                version: p.version,
                reference,
                question: lang.key("care-question", &p.question),
                question_detail: p.question_detail,
                state: lang.key("care-state", &p.state),
                state_key: p.state,
                due: lang.date(&p.due_on),
                case_id: p.case_id.map(|c| c.to_string()).unwrap_or_default(),
                assessment: p.assessment_note.unwrap_or_default(),
                assessed_on: p.assessed_on.map(|d| lang.date(&d)).unwrap_or_default(),
                decision: p
                    .decision
                    .map(|d| lang.key("care-decision", &d))
                    .unwrap_or_default(),
                decision_note: p.decision_note.unwrap_or_default(),
                decided_on: p.decided_on.map(|d| lang.date(&d)).unwrap_or_default(),
                panel: p
                    .panel
                    .into_iter()
                    .map(|m| (m.name, lang.key("care-role", &m.panel_role)))
                    .collect(),
                implementation: p.implementation_note.unwrap_or_default(),
                implemented_on: p.implemented_on.map(|d| lang.date(&d)).unwrap_or_default(),
                decisions: question
                    .decisions()
                    .iter()
                    .map(|d| ((*d).to_owned(), lang.key("care-decision", d)))
                    .collect(),
            }
        })
        .collect();
    let programmes = file
        .programmes
        .into_iter()
        .map(|e| EnrolLine {
            id: e.enrolment.id,
            form: format!("session-{}", e.enrolment.id),
            programme: lang.key("care-programme", &e.enrolment.programme),
            since: lang.date(&e.enrolment.enrolled_on),
            attended: e.attended,
            sessions: e.sessions.len(),
            recent: e
                .sessions
                .iter()
                .rev()
                .take(5)
                .map(|s| (lang.date(&s.session_on), s.present, s.progress_note.clone()))
                .collect(),
        })
        .collect();
    let schooling = file
        .schooling
        .into_iter()
        .map(|s| {
            (
                s.school,
                s.grade,
                lang.date(&s.started_on),
                s.schooling_note,
            )
        })
        .collect();
    CarePage {
        id: file.person.id,
        number: file.person.registration_number.clone(),
        synthetic: file.person.synthetic,
        name,
        age: file.age,
        plans,
        procedures,
        programmes,
        schooling,
        questions: BiQuestion::ALL
            .iter()
            .map(|q| (q.key().to_owned(), lang.key("care-question", q.key())))
            .collect(),
        programme_kinds: Programme::ALL
            .iter()
            .map(|p| (p.key().to_owned(), lang.key("care-programme", p.key())))
            .collect(),
        roles: PANEL_ROLES
            .iter()
            .map(|r| ((*r).to_owned(), lang.key("care-role", r)))
            .collect(),
        panel_rows: (0..5).collect(),
        today,
        saved,
        s,
        l: ctx.layout.clone(),
    }
}

async fn show_care(
    ctx: &Ctx,
    app: &App,
    id: i64,
    saved: bool,
    s: Sent,
) -> Result<Response, PageError> {
    let file = app
        .care_file(&ctx.principal, PersonId(id), "care page")
        .await
        .map_err(|e| ctx.err(e))?;
    let name = name_of(app, id).await;
    let today = app.today().format("%Y-%m-%d").to_string();
    render(&care_view(ctx, file, name, saved, s, today))
}

async fn care_page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    show_care(
        &ctx,
        &app,
        id,
        non_blank(&q.saved).is_some(),
        Sent::default(),
    )
    .await
}

/// After a care change: back to the care file, or the page again with the refusal beside
/// the form that was sent.
async fn after_care<T>(
    ctx: Ctx,
    app: &App,
    person: i64,
    mut sent: Sent,
    result: Result<T, AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(see_other(&format!("/persons/{person}/care?saved=1"))),
        Err(AppError::Invalid(inv)) => {
            sent.errors = shown(&inv.0, ctx.lang());
            Ok(unprocessable(
                show_care(&ctx, app, person, false, sent).await?,
            ))
        }
        Err(AppError::Conflict(m)) => {
            sent.errors = vec![ShownError {
                field: "version".into(),
                code: "HW-CARE-0009".into(),
                message: ctx.lang().try_t("care-conflict").unwrap_or(m),
            }];
            Ok(unprocessable(
                show_care(&ctx, app, person, false, sent).await?,
            ))
        }
        Err(e) => Err(ctx.err(e)),
    }
}

fn version(s: &Sent) -> i64 {
    s.get("version").parse().unwrap_or(0)
}

async fn open_plan(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let s = Sent::of("plan", &pairs);
    let d = CarePlanDraft {
        goals: s.get("goals").lines().map(str::to_owned).collect(),
        next_review_due: s.get("next_review_due"),
    };
    let r = app.open_care_plan(&ctx.principal, PersonId(id), &d).await;
    after_care(ctx, &app, id, s, r).await
}

async fn review_plan(
    ctx: Ctx,
    State(app): State<App>,
    Path(plan): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let s = Sent::of(&format!("review-{plan}"), &pairs);
    let person = app.store().care_plan(plan).await.map_or(0, |p| p.person_id);
    let d = ReviewDraft {
        reviewed_on: s.get("reviewed_on"),
        review_note: s.get("review_note"),
        next_review_due: s.get("next_review_due"),
    };
    let r = app
        .review_care_plan(&ctx.principal, plan, version(&s), &d)
        .await;
    after_care(ctx, &app, person, s, r).await
}

async fn open_procedure(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let s = Sent::of("procedure", &pairs);
    let case_id = s.get("case_id");
    let d = ProcedureDraft {
        question: s.get("question"),
        question_detail: s.get("question_detail"),
        case_id: case_id.parse().ok(),
        due_on: Some(s.get("due_on")),
    };
    if !case_id.is_empty() && d.case_id.is_none() {
        let e = FieldError::new("case_id", "HW-CARE-0039", "a case number is a number");
        return after_care::<()>(ctx, &app, id, s, Err(AppError::Invalid(e.into()))).await;
    }
    let r = app.open_procedure(&ctx.principal, PersonId(id), &d).await;
    after_care(ctx, &app, id, s, r).await
}

async fn assess_step(
    ctx: Ctx,
    State(app): State<App>,
    Path(pid): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    procedure_step(ctx, app, pid, "assess", headers, pairs).await
}

async fn decide_step(
    ctx: Ctx,
    State(app): State<App>,
    Path(pid): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    procedure_step(ctx, app, pid, "decide", headers, pairs).await
}

async fn implement_step(
    ctx: Ctx,
    State(app): State<App>,
    Path(pid): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    procedure_step(ctx, app, pid, "implement", headers, pairs).await
}

async fn procedure_step(
    ctx: Ctx,
    app: App,
    pid: i64,
    step: &str,
    headers: HeaderMap,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let s = Sent::of(&format!("step-{pid}"), &pairs);
    let person = app.store().procedure(pid).await.map_or(0, |p| p.person_id);
    let p = &ctx.principal;
    let v = version(&s);
    let r = match step {
        "assess" => app
            .assess_procedure(
                p,
                pid,
                v,
                &AssessmentDraft {
                    assessment_note: s.get("assessment_note"),
                    assessed_on: s.get("assessed_on"),
                },
            )
            .await
            .map(|_| ()),
        "decide" => {
            let panel = (0..5)
                .map(|i| PanelMember {
                    name: s.get(&format!("panel_name_{i}")),
                    role: s.get(&format!("panel_role_{i}")),
                })
                .filter(|m| !m.name.is_empty())
                .collect();
            app.decide_procedure(
                p,
                pid,
                v,
                &DecisionDraft {
                    panel,
                    decision: s.get("decision"),
                    decision_note: s.get("decision_note"),
                    decided_on: s.get("decided_on"),
                },
            )
            .await
            .map(|_| ())
        }
        "implement" => app
            .implement_procedure(
                p,
                pid,
                v,
                &ImplementationDraft {
                    implemented_on: s.get("implemented_on"),
                    implementation_note: s.get("implementation_note"),
                },
            )
            .await
            .map(|_| ()),
        _ => return Err(PageError::NotFound(ctx.lang().clone())),
    };
    after_care(ctx, &app, person, s, r).await
}

async fn enrol(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let s = Sent::of("enrol", &pairs);
    let r = app
        .enrol(
            &ctx.principal,
            PersonId(id),
            &s.get("programme"),
            &s.get("enrolled_on"),
        )
        .await;
    after_care(ctx, &app, id, s, r).await
}

async fn session(
    ctx: Ctx,
    State(app): State<App>,
    Path(eid): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let s = Sent::of(&format!("session-{eid}"), &pairs);
    let person = app
        .store()
        .enrolments_by_id(eid)
        .await
        .map_or(0, |e| e.person_id);
    let r = app
        .record_session(
            &ctx.principal,
            eid,
            &s.get("session_on"),
            s.get("present") == "yes",
            &s.get("progress_note"),
        )
        .await;
    after_care(ctx, &app, person, s, r).await
}

async fn schooling(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let s = Sent::of("schooling", &pairs);
    let d = SchoolingDraft {
        school: s.get("school"),
        grade: s.get("grade"),
        started_on: s.get("started_on"),
        schooling_note: s.get("schooling_note"),
    };
    let r = app.record_schooling(&ctx.principal, PersonId(id), &d).await;
    after_care(ctx, &app, id, s, r).await
}

#[derive(Template)]
#[template(path = "care_health.html")]
struct HealthPage {
    l: Layout,
    id: i64,
    number: String,
    name: String,
    female: bool,
    version: i64,
    pregnant_due: String,
    /// (kind, detail, essential need, since)
    conditions: Vec<(String, String, String, String)>,
    fitness: Option<(bool, String, String, String)>,
    kinds: Vec<(String, String)>,
    today: String,
    saved: bool,
    s: Sent,
}

async fn show_health(
    ctx: &Ctx,
    app: &App,
    id: i64,
    saved: bool,
    s: Sent,
) -> Result<Response, PageError> {
    let file: HealthFile = app
        .health_file(&ctx.principal, PersonId(id), "health page")
        .await
        .map_err(|e| ctx.err(e))?;
    let lang = ctx.lang();
    render(&HealthPage {
        id,
        number: file.person.registration_number.clone(),
        name: name_of(app, id).await,
        female: file.person.sex == "female",
        version: file.person.version,
        pregnant_due: file
            .pregnant_due
            .as_deref()
            .map(|d| lang.date(d))
            .unwrap_or_default(),
        conditions: file
            .conditions
            .into_iter()
            .map(|c| {
                (
                    lang.key("care-condition", &c.kind),
                    c.condition_detail,
                    c.essential_need_detail,
                    c.since_on.map(|d| lang.date(&d)).unwrap_or_default(),
                )
            })
            .collect(),
        fitness: file.fitness.map(|f| {
            (
                f.fit,
                lang.date(&f.assessed_on),
                f.assessed_by,
                f.fitness_note,
            )
        }),
        kinds: ["chronic", "disability"]
            .iter()
            .map(|k| ((*k).to_owned(), lang.key("care-condition", k)))
            .collect(),
        today: app.today().format("%Y-%m-%d").to_string(),
        saved,
        s,
        l: ctx.layout.clone(),
    })
}

async fn health_page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    show_health(
        &ctx,
        &app,
        id,
        non_blank(&q.saved).is_some(),
        Sent::default(),
    )
    .await
}

async fn condition_post(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    health_post(ctx, app, id, "condition", headers, pairs).await
}

async fn fitness_post(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    health_post(ctx, app, id, "fitness", headers, pairs).await
}

async fn pregnancy_post(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    health_post(ctx, app, id, "pregnancy", headers, pairs).await
}

async fn health_post(
    ctx: Ctx,
    app: App,
    id: i64,
    what: &str,
    headers: HeaderMap,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let mut s = Sent::of(what, &pairs);
    let p = &ctx.principal;
    let r = match what {
        "condition" => app
            .record_condition(
                p,
                PersonId(id),
                &ConditionDraft {
                    kind: s.get("kind"),
                    condition_detail: s.get("condition_detail"),
                    essential_need_detail: s.get("essential_need_detail"),
                    since_on: Some(s.get("since_on")),
                },
            )
            .await
            .map(|_| ()),
        "fitness" => app
            .record_fitness(
                p,
                PersonId(id),
                &FitnessDraft {
                    fit: s.get("fit") == "yes",
                    assessed_on: s.get("assessed_on"),
                    assessed_by: s.get("assessed_by"),
                    fitness_note: s.get("fitness_note"),
                },
            )
            .await
            .map(|_| ()),
        "pregnancy" => {
            let due = s.get("expected_delivery");
            app.set_pregnancy(
                p,
                PersonId(id),
                version(&s),
                Some(&due).filter(|d| !d.is_empty()).map(String::as_str),
            )
            .await
            .map(|_| ())
        }
        _ => return Err(PageError::NotFound(ctx.lang().clone())),
    };
    match r {
        Ok(()) => Ok(see_other(&format!("/persons/{id}/health?saved=1"))),
        Err(AppError::Invalid(inv)) => {
            s.errors = shown(&inv.0, ctx.lang());
            Ok(unprocessable(show_health(&ctx, &app, id, false, s).await?))
        }
        Err(AppError::Conflict(m)) => {
            s.errors = vec![ShownError {
                field: "version".into(),
                code: "HW-CARE-0009".into(),
                message: ctx.lang().try_t("care-conflict").unwrap_or(m),
            }];
            Ok(unprocessable(show_health(&ctx, &app, id, false, s).await?))
        }
        Err(e) => Err(ctx.err(e)),
    }
}

#[derive(Template)]
#[template(path = "care_fitness.html")]
struct FitnessPage {
    l: Layout,
    id: i64,
    t: TravelHealth,
    assessed_on: String,
}

async fn fitness_page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let t = app
        .travel_health(&ctx.principal, PersonId(id), "fitness page")
        .await
        .map_err(|e| ctx.err(e))?;
    let assessed_on = t
        .fitness
        .as_ref()
        .map(|f| ctx.lang().date(&f.assessed_on))
        .unwrap_or_default();
    render(&FitnessPage {
        id,
        t,
        assessed_on,
        l: ctx.layout.clone(),
    })
}

#[derive(Template)]
#[template(path = "care_monitor.html")]
struct MonitorPage {
    l: Layout,
    /// (label, figure)
    figures: Vec<(String, i64)>,
    /// (programme, children enrolled)
    enrolled: Vec<(String, i64)>,
}

async fn monitor_page(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    let f = app
        .care_figures(&ctx.principal)
        .await
        .map_err(|e| ctx.err(e))?;
    let lang = ctx.lang();
    let figures = [
        ("care-fig-active-plans", f.active_plans),
        ("care-fig-reviews-overdue", f.reviews_overdue),
        ("care-fig-pending", f.procedures_pending),
        ("care-fig-decided", f.procedures_decided),
        ("care-fig-implemented", f.procedures_implemented),
        ("care-fig-attended", f.sessions_attended),
        ("care-fig-missed", f.sessions_missed),
        ("care-fig-in-school", f.in_school),
        ("care-fig-not-fit", f.not_fit_to_travel),
    ]
    .into_iter()
    .map(|(k, v)| (lang.t(k), v))
    .collect();
    render(&MonitorPage {
        figures,
        enrolled: f
            .enrolled
            .into_iter()
            .map(|(p, n)| (lang.key("care-programme", &p), n))
            .collect(),
        l: ctx.layout.clone(),
    })
}
