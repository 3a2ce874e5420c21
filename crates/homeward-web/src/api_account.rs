//! JSON handlers under `/api/v1/account` for the caller's own account: the password confirmation
//! asked for before sensitive actions, live sessions (each can be ended) and the second factor.
//!
//! They need a live session token but not a finished second-factor set-up, so a role that must
//! enrol can do it through the API too.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{delete, post};
use axum::{Json, Router};
use homeward_app::{App, AppError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, Path};

type ApiResult<T> = Result<T, ApiError>;

/// The caller's session token (checked by each use-case).
pub struct SessionToken(String);

impl FromRequestParts<App> for SessionToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &App) -> Result<Self, Self::Rejection> {
        crate::auth::token(parts)
            .map(SessionToken)
            .ok_or(ApiError::App(AppError::Unauthorized))
    }
}

/// This module's routes, merged into `/api/v1`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/account/confirm", post(confirm))
        .route("/account/sessions", axum::routing::get(sessions))
        .route("/account/sessions/{id}", delete(end_session))
        .route("/account/second-factor", post(start_totp))
        .route("/account/second-factor/confirm", post(confirm_totp))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ConfirmIn {
    password: String,
    code: Option<String>,
}

fn body<T: serde::de::DeserializeOwned>(b: Result<Json<Value>, JsonRejection>) -> ApiResult<T> {
    let Json(v) = b?;
    serde_json::from_value(v).map_err(|e| {
        ApiError::BadRequest(homeward_domain::Invalid::one(
            "body",
            "HW-API-0001",
            format!("body: {e}"),
        ))
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/account/confirm",
    tag = "account",
    summary = "Give the password (and code) again before a sensitive action",
    request_body = ConfirmIn,
    responses((status = 204, description = "confirmed"), (status = 401, description = "no session"), (status = 422, description = "wrong password or code")),
    security(("session" = []))
)]
async fn confirm(
    SessionToken(t): SessionToken,
    State(app): State<App>,
    b: Result<Json<Value>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let b: ConfirmIn = body(b)?;
    app.confirm(&t, &b.password, b.code.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/account/sessions",
    tag = "account",
    summary = "The caller's live sessions",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session")),
    security(("session" = []))
)]
async fn sessions(SessionToken(t): SessionToken, State(app): State<App>) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "items": app.my_sessions(&t).await? })))
}

#[utoipa::path(
    delete,
    path = "/api/v1/account/sessions/{id}",
    tag = "account",
    summary = "End one of the caller's sessions",
    params(("id" = String, Path, description = "the session's public id")),
    responses((status = 204, description = "ended"), (status = 401, description = "no session"), (status = 404, description = "no such session of yours")),
    security(("session" = []))
)]
async fn end_session(
    SessionToken(t): SessionToken,
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    app.revoke_session(&t, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/account/second-factor",
    tag = "account",
    summary = "Start setting up a TOTP second factor: returns the secret and its otpauth address",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session"), (status = 422, description = "already set up")),
    security(("session" = []))
)]
async fn start_totp(
    SessionToken(t): SessionToken,
    State(app): State<App>,
) -> ApiResult<Json<Value>> {
    let (secret, url) = app.begin_totp(&t).await?;
    Ok(Json(json!({ "secret": secret, "otpauth_url": url })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeIn {
    code: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/account/second-factor/confirm",
    tag = "account",
    summary = "Finish the set-up with a current code: returns the recovery codes, once",
    request_body = CodeIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session"), (status = 422, description = "wrong code")),
    security(("session" = []))
)]
async fn confirm_totp(
    SessionToken(t): SessionToken,
    State(app): State<App>,
    b: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let b: CodeIn = body(b)?;
    Ok(Json(
        json!({ "recovery_codes": app.confirm_totp(&t, &b.code).await? }),
    ))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(confirm, sessions, end_session, start_totp, confirm_totp))]
struct Doc;

/// This module's part of the OpenAPI document.
pub fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    Doc::openapi()
}
