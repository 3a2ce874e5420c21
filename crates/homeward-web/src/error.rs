//! The one place where failures become HTTP responses.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use homeward_app::AppError;
use homeward_domain::error::{FieldError, Invalid};
use serde_json::json;

/// A failed API call.
#[derive(Debug)]
pub enum ApiError {
    /// A use-case refused or failed.
    App(AppError),
    /// The body or query could not be read.
    BadRequest(Invalid),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::App(AppError::Invalid(e))
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::App(AppError::Invalid(e.into()))
    }
}

impl From<homeward_store::StoreError> for ApiError {
    fn from(e: homeward_store::StoreError) -> Self {
        ApiError::App(e.into())
    }
}

/// Pulls the field name out of serde's message (`field: problem at line 1 column 9`).
fn rejection_field(message: &str) -> String {
    let detail = message.rsplit("target type: ").next().unwrap_or(message);
    match detail.split_once(": ") {
        Some((field, _)) if !field.contains(' ') => field.to_owned(),
        _ => detail
            .split('`')
            .nth(1)
            .filter(|f| !f.contains(' '))
            .unwrap_or("body")
            .to_owned(),
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let text = r.body_text();
        ApiError::BadRequest(Invalid(vec![FieldError::new(
            rejection_field(&text),
            "HW-API-0001",
            text,
        )]))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        ApiError::BadRequest(Invalid(vec![FieldError::new(
            rejection_field(&text),
            "HW-API-0002",
            text,
        )]))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        let field = match &r {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                ErrorKind::ParseErrorAtKey { key, .. }
                | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                _ => "id".to_owned(),
            },
            _ => "id".to_owned(),
        };
        let message = format!("{field}: {}", r.body_text());
        ApiError::BadRequest(Invalid(vec![FieldError::new(
            field,
            "HW-API-0005",
            message,
        )]))
    }
}

/// A path parameter of a JSON route. One that does not parse (`/cases/abc`, a number past
/// `i64`) is answered like an unreadable body: 400 with the JSON error body naming the
/// parameter, never axum's plain-text refusal. It says nothing about any record, so it may
/// come before the role is checked.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(v) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(v))
    }
}

fn fields(Invalid(errors): &Invalid) -> serde_json::Value {
    errors
        .iter()
        .map(|e| json!({ "field": e.field, "code": e.code, "message": e.message }))
        .collect()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::BadRequest(inv) => (
                StatusCode::BAD_REQUEST,
                json!({ "error": "bad_request", "message": "the request could not be read",
                        "fields": fields(inv) }),
            ),
            ApiError::App(AppError::Invalid(inv)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "error": "invalid", "message": "the input was refused; nothing was changed",
                        "fields": fields(inv) }),
            ),
            ApiError::App(AppError::NotFound(_)) => (
                StatusCode::NOT_FOUND,
                json!({ "error": "not_found", "message": "no such record" }),
            ),
            ApiError::App(AppError::Conflict(msg)) => (
                StatusCode::CONFLICT,
                json!({ "error": "conflict", "message": msg }),
            ),
            ApiError::App(AppError::Unauthorized) => (
                StatusCode::UNAUTHORIZED,
                json!({ "error": "unauthorized", "message": "sign in first" }),
            ),
            ApiError::App(AppError::Authentication(need)) => (
                if *need == homeward_app::AuthNeed::SecondFactor {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FORBIDDEN
                },
                json!({ "error": "authentication", "code": need.code(),
                        "message": need.to_string() }),
            ),
            ApiError::App(AppError::Forbidden) => (
                StatusCode::FORBIDDEN,
                json!({ "error": "forbidden", "message": "your role may not do this" }),
            ),
            ApiError::App(AppError::Internal(e)) => {
                tracing::error!(error = %e, "internal failure");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": "internal", "message": "the server could not complete the request; nothing was changed" }),
                )
            }
            ApiError::App(AppError::Store(e)) => {
                tracing::error!(error = %e, "storage failure");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": "internal", "message": "the server could not complete the request; nothing was changed" }),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}
