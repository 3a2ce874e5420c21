//! JSON handlers under `/api/v1` for identity resolution at work: the duplicate review queue, tracing requests and
//! countries' lists of nationals matched in bulk.

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
