//! Pages for identity resolution at work: the duplicate review queue, tracing requests and
//! countries' lists of nationals matched in bulk.

use axum::Router;
use homeward_app::App;

/// This module's page routes.
pub fn routes() -> Router<App> {
    Router::new()
}
