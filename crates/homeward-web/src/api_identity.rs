//! JSON handlers under `/api/v1` for identity resolution at work: the duplicate review queue, tracing requests and
//! countries' lists of nationals matched in bulk.
//!
//! Who may do what (decided in `homeward_domain::access::authorize`): registrars, case
//! workers and administrators run the dedupe, decide pairs, undo merges and work on tracing
//! requests; case workers, administrators and consular officers (their country's claimants
//! only) match lists. Consular officers never see tracing requests.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use homeward_app::App;
use homeward_app::identity::{MAX_LIST_BYTES, TracingDraft};
use homeward_domain::access::Action;
use homeward_domain::person::PersonId;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::ErrorBody;
use crate::auth::Auth;
use crate::error::Path;

use crate::api::{ApiResult, Body, read_body};

/// This module's routes, merged into `/api/v1`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/identity/dedupe-runs", post(run_dedupe))
        .route("/identity/reviews", get(list_reviews))
        .route("/identity/reviews/{id}", get(review))
        .route("/identity/reviews/{id}/decision", post(decide_review))
        .route("/identity/merges/{id}/undo", post(undo_merge))
        .route("/identity/persons/{id}/merged", get(merged_into))
        .route(
            "/identity/tracing-requests",
            get(list_tracing).post(add_tracing),
        )
        .route("/identity/tracing-requests/{id}", get(tracing))
        .route(
            "/identity/tracing-requests/{id}/outcome",
            post(tracing_outcome),
        )
        .route(
            "/identity/lists",
            get(list_matches)
                .post(match_list)
                .layer(DefaultBodyLimit::max(MAX_LIST_BYTES + 64 * 1024)),
        )
        .route("/identity/lists/{id}", get(list_match))
        .route("/identity/lists/{id}/results.csv", get(list_match_csv))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
struct DedupeIn {
    /// Pairs at or above this probability are queued (default 0.5).
    threshold: Option<f64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/identity/dedupe-runs",
    tag = "identity",
    summary = "Run a batch dedupe of the registry; new pairs go to the review queue",
    request_body = DedupeIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn run_dedupe(
    auth: Auth,
    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::ReviewDuplicates)?;
    let body: DedupeIn = read_body(raw)?;
    let run = app
        .run_dedupe(&auth.0, body.threshold.unwrap_or(0.5))
        .await?;
    Ok((StatusCode::CREATED, Json(json!(run))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct StateQuery {
    /// `pending` (default), `confirmed`, `rejected` or `all`; for tracing requests `open`,
    /// `found`, `not_found` or `closed`.
    state: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/identity/reviews",
    tag = "identity",
    summary = "The duplicate review queue, most likely pairs first",
    params(StateQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_reviews(
    auth: Auth,
    State(app): State<App>,
    q: Result<Query<StateQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReviewDuplicates)?;
    let Query(q) = q?;
    let items = app.reviews_for(&auth.0, q.state.as_deref(), 500).await?;
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(
    get,
    path = "/api/v1/identity/reviews/{id}",
    tag = "identity",
    summary = "One pair with both persons and the field-by-field explanation",
    params(("id" = i64, Path, description = "review id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn review(auth: Auth, State(app): State<App>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.review_for(&auth.0, id).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionIn {
    /// `confirm` (merges the pair) or `reject` (never proposed again).
    decision: String,
    /// The person that stays when confirming (default: the earlier record).
    survivor: Option<i64>,
    /// The review's version as read.
    version: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/identity/reviews/{id}/decision",
    tag = "identity",
    summary = "Confirm (merge, reversibly) or reject a pair",
    params(("id" = i64, Path, description = "review id")),
    request_body = DecisionIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn decide_review(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReviewDuplicates)?;
    let body: DecisionIn = read_body(raw)?;
    let view = app
        .decide_review(&auth.0, id, &body.decision, body.survivor, body.version)
        .await?;
    Ok(Json(json!(view)))
}

#[utoipa::path(
    post,
    path = "/api/v1/identity/merges/{id}/undo",
    tag = "identity",
    summary = "Undo a merge: both records and their custody restored exactly",
    params(("id" = i64, Path, description = "merge id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn undo_merge(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.undo_merge(&auth.0, id).await?)))
}

#[utoipa::path(
    get,
    path = "/api/v1/identity/persons/{id}/merged",
    tag = "identity",
    summary = "Records merged into a person, with their names and documents",
    params(("id" = i64, Path, description = "internal id of the surviving person")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn merged_into(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let items = app.merged_into(&auth.0, PersonId(id)).await?;
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(
    get,
    path = "/api/v1/identity/tracing-requests",
    tag = "identity",
    summary = "Tracing requests, newest first (never for consular officers)",
    params(StateQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_tracing(
    auth: Auth,
    State(app): State<App>,
    q: Result<Query<StateQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::TraceRequests)?;
    let Query(q) = q?;
    let items = app.tracing_list(&auth.0, q.state.as_deref()).await?;
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(
    post,
    path = "/api/v1/identity/tracing-requests",
    tag = "identity",
    summary = "Record a relative's tracing request",
    request_body = serde_json::Value,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_tracing(
    auth: Auth,
    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::TraceRequests)?;
    let draft: TracingDraft = read_body(raw)?;
    let row = app.add_tracing(&auth.0, &draft).await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    get,
    path = "/api/v1/identity/tracing-requests/{id}",
    tag = "identity",
    summary = "A tracing request with registry candidates ranked and explained",
    params(("id" = i64, Path, description = "tracing request id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn tracing(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.tracing_for(&auth.0, id).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct OutcomeIn {
    /// `found`, `not_found` or `closed`.
    outcome: String,
    /// Registration number (or internal id) of the person found.
    person: Option<String>,
    /// Note on the outcome.
    note: Option<String>,
    /// The request's version as read.
    version: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/identity/tracing-requests/{id}/outcome",
    tag = "identity",
    summary = "Record the outcome of a tracing request",
    params(("id" = i64, Path, description = "tracing request id")),
    request_body = OutcomeIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn tracing_outcome(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may(Action::TraceRequests)?;
    let body: OutcomeIn = read_body(raw)?;
    let row = app
        .tracing_outcome(
            &auth.0,
            id,
            &body.outcome,
            body.person.as_deref(),
            body.note.as_deref().unwrap_or_default(),
            body.version,
        )
        .await?;
    Ok(Json(json!(row)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// The file's name, for the results.
    file_name: Option<String>,
    /// Column mappings `COLUMN=FIELD`, separated by commas.
    map: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/identity/lists",
    tag = "identity",
    summary = "Match a country's list of nationals (CSV or XLSX body) against the registry",
    params(ListQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn match_list(
    auth: Auth,
    State(app): State<App>,
    q: Result<Query<ListQuery>, QueryRejection>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::MatchLists)?;
    let Query(q) = q?;
    let maps: Vec<String> = q.map.into_iter().collect();
    let row = app
        .match_list(
            &auth.0,
            q.file_name.as_deref().unwrap_or("list"),
            &body,
            &maps,
        )
        .await?;
    let (row, results) = app.list_match_for(&auth.0, row.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": row.id, "match": without_json(&row), "rows": results })),
    ))
}

fn without_json(row: &homeward_store::identity::ListMatchRow) -> Value {
    let mut v = json!(row);
    if let Some(o) = v.as_object_mut() {
        o.remove("results_json");
    }
    v
}

#[utoipa::path(
    get,
    path = "/api/v1/identity/lists",
    tag = "identity",
    summary = "The lists the caller matched, newest first",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_matches(auth: Auth, State(app): State<App>) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = app
        .list_matches_for(&auth.0)
        .await?
        .iter()
        .map(without_json)
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(
    get,
    path = "/api/v1/identity/lists/{id}",
    tag = "identity",
    summary = "One of the caller's list matches: each row with its best candidates",
    params(("id" = i64, Path, description = "list match id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_match(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (row, results) = app.list_match_for(&auth.0, id).await?;
    Ok(Json(
        json!({ "id": row.id, "match": without_json(&row), "rows": results }),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/identity/lists/{id}/results.csv",
    tag = "identity",
    summary = "One of the caller's list matches as CSV",
    params(("id" = i64, Path, description = "list match id")),
    responses((status = 200, description = "done", body = String, content_type = "text/csv"), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_match_csv(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let text = app.list_match_csv(&auth.0, id).await?;
    Ok(csv_response(id, text))
}

/// A CSV download that is never cached.
pub(crate) fn csv_response(id: i64, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"list-match-{id}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        text,
    )
        .into_response()
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        run_dedupe,
        list_reviews,
        review,
        decide_review,
        undo_merge,
        merged_into,
        list_tracing,
        add_tracing,
        tracing,
        tracing_outcome,
        match_list,
        list_matches,
        list_match,
        list_match_csv
    ),
    components(schemas(DedupeIn, DecisionIn, OutcomeIn))
)]
struct Doc;

/// This module's part of the OpenAPI document.
pub fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    Doc::openapi()
}
