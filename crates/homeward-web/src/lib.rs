//! homeward's HTTP surface: the JSON API under `/api/v1` and `/healthz`.
//!
//! Handlers are thin: they turn the request into an `homeward-app` command, call one use-case
//! and render the result. Errors become responses in exactly one place ([`error::ApiError`]),
//! which names every bad field and never leaks internal detail.

mod api;
mod api_account;
mod api_care;
mod api_courts;
mod api_identity;
mod api_repatriation;
pub mod auth;
pub mod error;
pub mod limits;
mod pages;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use homeward_app::App;
use tokio::net::TcpListener;

/// Builds the router over an app; tests drive it in-process.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::routes())
        .merge(pages::routes())
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(limits::Limits::default()),
            limits::limit,
        ))
        .with_state(app)
}

async fn healthz() -> &'static str {
    "ok"
}

/// Serves the router on `listener` until `shutdown` completes.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
