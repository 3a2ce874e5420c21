//! JSON handlers under `/api/v1` for courts and protection: the languages a person speaks,
//! legal cases and hearings under the fair-trial safeguards, detention limits near, and
//! protection incidents with their follow-up.
//!
//! Every handler reads the caller's principal and calls one app use-case, which asks
//! `authorize`. An incident asked for by a role that may not see incidents answers 404, exactly
//! like one that does not exist.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use homeward_app::App;
use homeward_app::courts::IncidentDraft;
use homeward_domain::access::Action;
use homeward_domain::courts::{HearingDraft, LegalCaseDraft};
use homeward_domain::error::Invalid;
use homeward_store::courts::ProtectionFilter;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::ErrorBody;
use crate::auth::Auth;
use crate::error::{ApiError, Path};

use crate::api::{ApiResult, Body, read_body};

/// This module's routes, merged into `/api/v1`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/persons/{id}/languages", get(languages).put(set_languages))
        .route(
            "/persons/{id}/legal-cases",
            get(person_cases).post(open_case),
        )
        .route("/legal-cases/{id}", get(legal_case).put(update_case))
        .route("/legal-cases/{id}/hearings", post(record_hearing))
        .route("/detention-limits", get(detention_limits))
        .route("/incidents", get(list_incidents).post(report_incident))
        .route("/incidents/{id}", get(incident))
        .route("/incidents/{id}/actions", post(follow_up))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/languages",
    tag = "courts",
    summary = "The languages a person speaks (ISO 639 codes)",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn languages(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let items = app.languages_for(&auth.0, id).await?;
    Ok(Json(json!({ "languages": items })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LanguagesIn {
    /// ISO 639 codes, e.g. `["tr", "ar"]`; replaces what is recorded.
    languages: Vec<String>,
}

#[utoipa::path(
    put,
    path = "/api/v1/persons/{id}/languages",
    tag = "courts",
    summary = "Record the languages a person speaks (replaces the list)",
    params(("id" = i64, Path, description = "person id")),
    request_body = LanguagesIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn set_languages(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may_any(&[Action::WriteRegistry, Action::ManageLegalCases])?;
    let b: LanguagesIn = read_body(raw)?;
    let items = app.set_languages(&auth.0, id, &b.languages).await?;
    Ok(Json(json!({ "languages": items })))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/legal-cases",
    tag = "courts",
    summary = "A person's legal cases (judicial liaison and case workers)",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn person_cases(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let items = app.legal_cases_for(&auth.0, id).await?;
    Ok(Json(json!({ "items": items })))
}

/// A legal case as sent over the API (every field but the charges, court and case number may
/// be left out).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CaseIn {
    charges: String,
    court: String,
    case_number: String,
    /// `assigned`, `private` or `none` (the default).
    #[serde(default)]
    counsel: String,
    #[serde(default)]
    counsel_name: String,
    /// ISO 639 code of the case's interpreter.
    #[serde(default)]
    interpreter_language: String,
    /// First day of pre-trial detention (YYYY-MM-DD).
    #[serde(default)]
    detained_since: String,
    /// Longest pre-trial detention allowed, in days.
    detention_limit_days: Option<i64>,
    /// `pending` (the default), `convicted`, `acquitted` or `dismissed`.
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    verdict_date: String,
    #[serde(default)]
    sentence: String,
    /// `none` (the default), `lodged`, `upheld` or `overturned`.
    #[serde(default)]
    appeal: String,
    #[serde(default)]
    appeal_date: String,
}

impl CaseIn {
    fn draft(self) -> LegalCaseDraft {
        LegalCaseDraft {
            charges: self.charges,
            court: self.court,
            case_number: self.case_number,
            counsel: self.counsel,
            counsel_name: self.counsel_name,
            interpreter_language: self.interpreter_language,
            detained_since: self.detained_since,
            detention_limit_days: self.detention_limit_days,
            verdict: self.verdict,
            verdict_date: self.verdict_date,
            sentence: self.sentence,
            appeal: self.appeal,
            appeal_date: self.appeal_date,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/legal-cases",
    tag = "courts",
    summary = "Open a legal case for a person",
    params(("id" = i64, Path, description = "person id")),
    request_body = CaseIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn open_case(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::ManageLegalCases)?;
    let b: CaseIn = read_body(raw)?;
    let view = app.open_legal_case(&auth.0, id, &b.draft()).await?;
    Ok((StatusCode::CREATED, Json(json!(view))))
}

#[utoipa::path(
    get,
    path = "/api/v1/legal-cases/{id}",
    tag = "courts",
    summary = "A legal case with its hearings and the days left before its detention limit",
    params(("id" = i64, Path, description = "legal case id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn legal_case(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.legal_case_for(&auth.0, id).await?)))
}

/// The body of a change: the case's fields and the version read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct CaseUpdateIn {
    /// The case version read.
    version: i64,
    #[serde(flatten)]
    case: CaseIn,
}

#[utoipa::path(
    put,
    path = "/api/v1/legal-cases/{id}",
    tag = "courts",
    summary = "Change a legal case: counsel, interpreter, detention, verdict, sentence, appeal",
    params(("id" = i64, Path, description = "legal case id")),
    request_body = CaseUpdateIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn update_case(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ManageLegalCases)?;
    // `deny_unknown_fields` does not work with `flatten`: read the version apart.
    let Json(mut v) = raw?;
    let version = v
        .as_object_mut()
        .and_then(|o| o.remove("version"))
        .and_then(|v| v.as_i64())
        .ok_or_else(|| {
            ApiError::BadRequest(Invalid::one(
                "version",
                "HW-API-0001",
                "version: give the version of the case you read",
            ))
        })?;
    let b: CaseIn = read_body(Ok(Json(v)))?;
    let view = app
        .update_legal_case(&auth.0, id, version, &b.draft())
        .await?;
    Ok(Json(json!(view)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct HearingIn {
    /// YYYY-MM-DD.
    hearing_date: String,
    /// Whether the hearing took place.
    held: bool,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    next_date: String,
    #[serde(default)]
    counsel_present: bool,
    /// A waiver of counsel must give its reason.
    #[serde(default)]
    counsel_waiver_reason: String,
    /// ISO 639 code of the language interpreted into.
    #[serde(default)]
    interpreter_language: String,
    #[serde(default)]
    interpreter_name: String,
    /// A waiver of the interpreter must give its reason.
    #[serde(default)]
    interpreter_waiver_reason: String,
    #[serde(default)]
    guardian_present: bool,
    #[serde(default)]
    social_worker_present: bool,
    /// `ill_treatment`, `coerced_confession`, `threats` or `abuse_in_custody`: opens a
    /// protection incident.
    #[serde(default)]
    allegation: String,
    /// The allegation as made; becomes the incident's account.
    #[serde(default)]
    allegation_narrative: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/legal-cases/{id}/hearings",
    tag = "courts",
    summary = "Record a hearing (refused without counsel, an interpreter the person understands or a minor's companion; an allegation opens a protection incident)",
    params(("id" = i64, Path, description = "legal case id")),
    request_body = HearingIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn record_hearing(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::ManageLegalCases)?;
    let b: HearingIn = read_body(raw)?;
    let rec = app
        .record_hearing(
            &auth.0,
            id,
            &HearingDraft {
                hearing_date: b.hearing_date,
                held: b.held,
                summary: b.summary,
                next_date: b.next_date,
                counsel_present: b.counsel_present,
                counsel_waiver_reason: b.counsel_waiver_reason,
                interpreter_language: b.interpreter_language,
                interpreter_name: b.interpreter_name,
                interpreter_waiver_reason: b.interpreter_waiver_reason,
                guardian_present: b.guardian_present,
                social_worker_present: b.social_worker_present,
                allegation: b.allegation,
                allegation_narrative: b.allegation_narrative,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(rec))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DaysQuery {
    /// How many days ahead (default 14).
    days: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/detention-limits",
    tag = "courts",
    summary = "Cases without a verdict whose pre-trial detention limit is near or past",
    params(DaysQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)),
    security(("session" = []))
)]
async fn detention_limits(
    auth: Auth,
    State(app): State<App>,
    q: Result<Query<DaysQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadLegalCases)?;
    let Query(q) = q?;
    let items = app
        .detention_limits_near(&auth.0, q.days.unwrap_or(14))
        .await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct IncidentQuery {
    status: Option<String>,
    kind: Option<String>,
    person: Option<i64>,
    #[serde(default)]
    open_only: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents",
    tag = "protection",
    summary = "Protection incidents (case workers and monitors only; every listing logged)",
    params(IncidentQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_incidents(
    auth: Auth,
    State(app): State<App>,
    q: Result<Query<IncidentQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadIncidents)?;
    let Query(q) = q?;
    let items = app
        .incidents_for(
            &auth.0,
            &ProtectionFilter {
                status: q.status,
                kind: q.kind,
                person: q.person,
                open_only: q.open_only,
            },
        )
        .await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct IncidentIn {
    /// The person's registration number (or numeric id).
    person: String,
    /// `ill_treatment`, `coerced_confession`, `separation`, `threats` or `abuse_in_custody`.
    kind: String,
    #[serde(default)]
    occurred_on: String,
    /// What happened.
    narrative: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents",
    tag = "protection",
    summary = "Report a protection incident (case workers and monitors)",
    request_body = IncidentIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn report_incident(
    auth: Auth,
    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::ReportIncidents)?;
    let b: IncidentIn = read_body(raw)?;
    let view = app
        .report_incident(
            &auth.0,
            &IncidentDraft {
                person: b.person,
                kind: b.kind,
                occurred_on: b.occurred_on,
                narrative: b.narrative,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(view))))
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}",
    tag = "protection",
    summary = "A protection incident with its follow-up (404 to roles that may not see incidents)",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn incident(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.incident_for(&auth.0, id).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ActionIn {
    /// The incident version read.
    version: i64,
    /// What was done.
    note: String,
    /// `open`, `under_review`, `referred` or `closed` after the action.
    status: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/actions",
    tag = "protection",
    summary = "Record a follow-up action and the incident's status after it",
    params(("id" = i64, Path, description = "incident id")),
    request_body = ActionIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn follow_up(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    // Whoever may not see incidents must not learn that this one exists: "not found" before
    // the body is read, exactly as for a missing incident.
    if auth.may(Action::ReadIncidents).is_err() {
        return Err(homeward_app::AppError::NotFound("incident".into()).into());
    }
    auth.may(Action::ManageIncidents)?;
    let b: ActionIn = read_body(raw)?;
    let view = app
        .follow_up_incident(&auth.0, id, b.version, &b.note, &b.status)
        .await?;
    Ok(Json(json!(view)))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        languages,
        set_languages,
        person_cases,
        open_case,
        legal_case,
        update_case,
        record_hearing,
        detention_limits,
        list_incidents,
        report_incident,
        incident,
        follow_up
    ),
    components(schemas(LanguagesIn, CaseIn, CaseUpdateIn, HearingIn, IncidentIn, ActionIn))
)]
struct Doc;

/// This module's part of the OpenAPI document.
pub fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    Doc::openapi()
}
