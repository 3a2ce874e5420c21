//! JSON handlers under `/api/v1` for nationality verification and repatriation: cases and their state machine,
//! consent and the disclosure register, the embassy work queue and dossiers.

use axum::Router;
use homeward_app::App;

/// This module's routes, merged into `/api/v1`.
pub fn routes() -> Router<App> {
    Router::new()
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
struct Doc;

/// This module's part of the OpenAPI document.
pub fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    Doc::openapi()
}
