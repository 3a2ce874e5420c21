//! Pages for nationality verification and repatriation: cases and their state machine,
//! consent and the disclosure register, the embassy work queue and dossiers.

use axum::Router;
use homeward_app::App;

/// This module's page routes.
pub fn routes() -> Router<App> {
    Router::new()
}
