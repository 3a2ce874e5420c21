//! JSON handlers under `/api/v1` for care and health: care plans and reviews, the
//! best-interests procedure, programmes and attendance, schooling, health records, fitness to
//! travel (the only health an embassy sees) and the monitors' care figures.
//!
//! Every handler calls one app use-case, which asks `authorize` and applies the caller's
//! scope; a person the caller may not see answers 404 like one that does not exist, and every
//! view of care notes or health is written to the access log by the use-case.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use homeward_app::App;
use homeward_app::care::{ConditionDraft, ProcedureDraft, SchoolingDraft};
use homeward_domain::access::Action;
use homeward_domain::care::{
    AssessmentDraft, CarePlanDraft, DecisionDraft, FitnessDraft, ImplementationDraft, ReviewDraft,
};
use homeward_domain::person::PersonId;
use homeward_domain::repatriation::PanelMember;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::ErrorBody;
use crate::auth::Auth;
use crate::error::Path;

use crate::api::{ApiResult, Body, read_body};

type Created = ApiResult<(StatusCode, Json<Value>)>;

fn created<T: serde::Serialize>(v: T) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!(v)))
}

/// This module's routes, merged into `/api/v1`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/persons/{id}/care", get(care_file))
        .route("/persons/{id}/care-plans", post(open_plan))
        .route("/care-plans/{id}/reviews", post(review_plan))
        .route("/persons/{id}/best-interests", post(open_procedure))
        .route("/best-interests/{id}", get(procedure))
        .route("/best-interests/{id}/assessment", post(assess))
        .route("/best-interests/{id}/decision", post(decide))
        .route("/best-interests/{id}/implementation", post(implement))
        .route("/best-interests/{id}/case-determination", post(cite))
        .route("/persons/{id}/programmes", post(enrol))
        .route("/enrolments/{id}/sessions", post(session))
        .route("/persons/{id}/schooling", post(schooling))
        .route("/persons/{id}/health", get(health))
        .route("/persons/{id}/health/conditions", post(condition))
        .route("/persons/{id}/health/fitness", post(fitness))
        .route("/persons/{id}/health/pregnancy", post(pregnancy))
        .route("/persons/{id}/fitness-to-travel", get(travel))
        .route("/monitor/care", get(figures))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/care", tag = "care",
    summary = "A child's care file: plans, reviews, best-interests procedures, programmes, schooling (case workers; the view is logged)",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = [])))]
async fn care_file(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        app.care_file(&auth.0, PersonId(id), "api").await?
    )))
}

/// A new care plan.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PlanIn {
    goals: Vec<String>,
    /// `YYYY-MM-DD`, after today.
    next_review_due: String,
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/care-plans", tag = "care",
    summary = "Open a care plan for a child with its goals and first review date",
    params(("id" = i64, Path, description = "person id")), request_body = PlanIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn open_plan(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteCare)?;
    let b: PlanIn = read_body(raw)?;
    let d = CarePlanDraft {
        goals: b.goals,
        next_review_due: b.next_review_due,
    };
    Ok(created(
        app.open_care_plan(&auth.0, PersonId(id), &d).await?,
    ))
}

/// A dated review of a care plan.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ReviewIn {
    /// The plan version read.
    version: i64,
    reviewed_on: String,
    review_note: String,
    next_review_due: String,
}

#[utoipa::path(post, path = "/api/v1/care-plans/{id}/reviews", tag = "care",
    summary = "Record a dated review of a care plan (closes its overdue-review task)",
    params(("id" = i64, Path, description = "care plan id")), request_body = ReviewIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn review_plan(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> Created {
    auth.may(Action::WriteCare)?;
    let b: ReviewIn = read_body(raw)?;
    let d = ReviewDraft {
        reviewed_on: b.reviewed_on,
        review_note: b.review_note,
        next_review_due: b.next_review_due,
    };
    let (plan, review) = app.review_care_plan(&auth.0, id, b.version, &d).await?;
    Ok(created(json!({ "plan": plan, "review": review })))
}

/// A new best-interests procedure.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ProcedureIn {
    /// `placement`, `separation`, `repatriation` or `other`.
    question: String,
    question_detail: String,
    /// The repatriation case it decides for (repatriation question only).
    case_id: Option<i64>,
    /// `YYYY-MM-DD`; default in 30 days.
    due_on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/best-interests", tag = "care",
    summary = "Open a best-interests procedure for a child",
    params(("id" = i64, Path, description = "person id")), request_body = ProcedureIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn open_procedure(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> Created {
    auth.may(Action::WriteCare)?;
    let b: ProcedureIn = read_body(raw)?;
    let d = ProcedureDraft {
        question: b.question,
        question_detail: b.question_detail,
        case_id: b.case_id,
        due_on: b.due_on,
    };
    let row = app.open_procedure(&auth.0, PersonId(id), &d).await?;
    Ok(created(
        json!({ "reference": format!("BIP-{}", row.id), "procedure": row }),
    ))
}

#[utoipa::path(get, path = "/api/v1/best-interests/{id}", tag = "care",
    summary = "A best-interests procedure with its panel (case workers; the view is logged)",
    params(("id" = i64, Path, description = "procedure id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = [])))]
async fn procedure(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let row = app.procedure_for(&auth.0, id).await?;
    Ok(Json(
        json!({ "reference": format!("BIP-{}", row.id), "procedure": row }),
    ))
}

/// The assessment step.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AssessIn {
    version: i64,
    assessment_note: String,
    assessed_on: String,
}

#[utoipa::path(post, path = "/api/v1/best-interests/{id}/assessment", tag = "care",
    summary = "Record the assessment of a procedure",
    params(("id" = i64, Path, description = "procedure id")), request_body = AssessIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn assess(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteCare)?;
    let b: AssessIn = read_body(raw)?;
    let d = AssessmentDraft {
        assessment_note: b.assessment_note,
        assessed_on: b.assessed_on,
    };
    Ok(created(
        app.assess_procedure(&auth.0, id, b.version, &d).await?,
    ))
}

/// A panel member.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PanelIn {
    name: String,
    /// `case_worker`, `child_protection_officer`, `psychologist`, `guardian`,
    /// `legal_officer`, `unhcr_observer` or `health_worker`.
    role: String,
}

/// The panel's decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DecideIn {
    version: i64,
    /// At least three distinct people.
    panel: Vec<PanelIn>,
    /// `approve`/`refuse`; for the repatriation question `return`,
    /// `return_without_mother` or `remain`.
    decision: String,
    decision_note: String,
    decided_on: String,
}

#[utoipa::path(post, path = "/api/v1/best-interests/{id}/decision", tag = "care",
    summary = "Record the panel's decision (a panel of fewer than three distinct people is refused naming `panel`)",
    params(("id" = i64, Path, description = "procedure id")), request_body = DecideIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn decide(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteCare)?;
    let b: DecideIn = read_body(raw)?;
    let d = DecisionDraft {
        panel: b
            .panel
            .into_iter()
            .map(|m| PanelMember {
                name: m.name,
                role: m.role,
            })
            .collect(),
        decision: b.decision,
        decision_note: b.decision_note,
        decided_on: b.decided_on,
    };
    Ok(created(
        app.decide_procedure(&auth.0, id, b.version, &d).await?,
    ))
}

/// The implementation step.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ImplementIn {
    version: i64,
    implemented_on: String,
    implementation_note: String,
}

#[utoipa::path(post, path = "/api/v1/best-interests/{id}/implementation", tag = "care",
    summary = "Record that a decision was carried out",
    params(("id" = i64, Path, description = "procedure id")), request_body = ImplementIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn implement(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteCare)?;
    let b: ImplementIn = read_body(raw)?;
    let d = ImplementationDraft {
        implemented_on: b.implemented_on,
        implementation_note: b.implementation_note,
    };
    Ok(created(
        app.implement_procedure(&auth.0, id, b.version, &d).await?,
    ))
}

/// The case a decided repatriation procedure decides for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CiteIn {
    case_id: i64,
}

#[utoipa::path(post, path = "/api/v1/best-interests/{id}/case-determination", tag = "care",
    summary = "Record a decided repatriation procedure as a case's best-interests determination",
    params(("id" = i64, Path, description = "procedure id")), request_body = CiteIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn cite(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::RecordBestInterests)?;
    auth.may(Action::ReadCare)?;
    let b: CiteIn = read_body(raw)?;
    let bid = app.cite_procedure_in_case(&auth.0, id, b.case_id).await?;
    Ok(created(json!({ "determination": bid })))
}

/// An enrolment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EnrolIn {
    /// `psychosocial`, `education`, `rehabilitation` or `recreation`.
    programme: String,
    enrolled_on: String,
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/programmes", tag = "care",
    summary = "Enrol a child in a programme",
    params(("id" = i64, Path, description = "person id")), request_body = EnrolIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn enrol(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteCare)?;
    let b: EnrolIn = read_body(raw)?;
    Ok(created(
        app.enrol(&auth.0, PersonId(id), &b.programme, &b.enrolled_on)
            .await?,
    ))
}

/// A session attended or missed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SessionIn {
    session_on: String,
    present: bool,
    #[serde(default)]
    progress_note: String,
}

#[utoipa::path(post, path = "/api/v1/enrolments/{id}/sessions", tag = "care",
    summary = "Record attendance of one session with a progress note",
    params(("id" = i64, Path, description = "enrolment id")), request_body = SessionIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn session(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteCare)?;
    let b: SessionIn = read_body(raw)?;
    Ok(created(
        app.record_session(&auth.0, id, &b.session_on, b.present, &b.progress_note)
            .await?,
    ))
}

/// A school attended.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SchoolingIn {
    school: String,
    #[serde(default)]
    grade: String,
    started_on: String,
    #[serde(default)]
    schooling_note: String,
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/schooling", tag = "care",
    summary = "Record a school a child attends",
    params(("id" = i64, Path, description = "person id")), request_body = SchoolingIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn schooling(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteCare)?;
    let b: SchoolingIn = read_body(raw)?;
    let d = SchoolingDraft {
        school: b.school,
        grade: b.grade,
        started_on: b.started_on,
        schooling_note: b.schooling_note,
    };
    Ok(created(
        app.record_schooling(&auth.0, PersonId(id), &d).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/health", tag = "care",
    summary = "A person's health: pregnancy, chronic conditions, disabilities, fitness to travel (case workers; the view is logged)",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = [])))]
async fn health(auth: Auth, State(app): State<App>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        app.health_file(&auth.0, PersonId(id), "api").await?
    )))
}

/// A chronic condition or disability.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ConditionIn {
    /// `chronic` or `disability`.
    kind: String,
    condition_detail: String,
    /// What must be provided for: the only part an embassy sees.
    #[serde(default)]
    essential_need_detail: String,
    since_on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/health/conditions", tag = "care",
    summary = "Record a chronic condition or a disability",
    params(("id" = i64, Path, description = "person id")), request_body = ConditionIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn condition(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteHealth)?;
    let b: ConditionIn = read_body(raw)?;
    let d = ConditionDraft {
        kind: b.kind,
        condition_detail: b.condition_detail,
        essential_need_detail: b.essential_need_detail,
        since_on: b.since_on,
    };
    Ok(created(
        app.record_condition(&auth.0, PersonId(id), &d).await?,
    ))
}

/// A fitness-to-travel assessment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct FitnessIn {
    fit: bool,
    assessed_on: String,
    assessed_by: String,
    #[serde(default)]
    fitness_note: String,
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/health/fitness", tag = "care",
    summary = "Record a fitness-to-travel assessment",
    params(("id" = i64, Path, description = "person id")), request_body = FitnessIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn fitness(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteHealth)?;
    let b: FitnessIn = read_body(raw)?;
    let d = FitnessDraft {
        fit: b.fit,
        assessed_on: b.assessed_on,
        assessed_by: b.assessed_by,
        fitness_note: b.fitness_note,
    };
    Ok(created(
        app.record_fitness(&auth.0, PersonId(id), &d).await?,
    ))
}

/// A pregnancy's expected delivery date (`null` clears it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PregnancyIn {
    /// The person version read.
    version: i64,
    expected_delivery: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/health/pregnancy", tag = "care",
    summary = "Record or clear a pregnancy's expected delivery date (the registry field the daily review reads)",
    params(("id" = i64, Path, description = "person id")), request_body = PregnancyIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = [])))]
async fn pregnancy(auth: Auth, State(app): State<App>, Path(id): Path<i64>, raw: Body) -> Created {
    auth.may(Action::WriteHealth)?;
    let b: PregnancyIn = read_body(raw)?;
    let v = app
        .set_pregnancy(
            &auth.0,
            PersonId(id),
            b.version,
            b.expected_delivery.as_deref(),
        )
        .await?;
    Ok(created(json!({ "version": v })))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/fitness-to-travel", tag = "care",
    summary = "Fitness to travel and essential medical needs only (case workers; consular officers in scope, logged as a disclosure)",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = [])))]
async fn travel(auth: Auth, State(app): State<App>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        app.travel_health(&auth.0, PersonId(id), "api").await?
    )))
}

#[utoipa::path(get, path = "/api/v1/monitor/care", tag = "care",
    summary = "Care figures without identities (monitors, administrators, case workers)",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)),
    security(("session" = [])))]
async fn figures(auth: Auth, State(app): State<App>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.care_figures(&auth.0).await?)))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        care_file,
        open_plan,
        review_plan,
        open_procedure,
        procedure,
        assess,
        decide,
        implement,
        cite,
        enrol,
        session,
        schooling,
        health,
        condition,
        fitness,
        pregnancy,
        travel,
        figures
    ),
    components(schemas(
        PlanIn,
        ReviewIn,
        ProcedureIn,
        AssessIn,
        PanelIn,
        DecideIn,
        ImplementIn,
        CiteIn,
        EnrolIn,
        SessionIn,
        SchoolingIn,
        ConditionIn,
        FitnessIn,
        PregnancyIn
    ))
)]
struct Doc;

/// This module's part of the OpenAPI document.
pub fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    Doc::openapi()
}
