//! Rate limits, per server process: sign-in attempts per client address, and API calls per
//! session (or per address without one). A caller over the limit gets 429 with `Retry-After`
//! and nothing runs. Accounts are also paused after repeated failures (in the app), which holds
//! across servers; these limits blunt floods before a password is even hashed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Sign-in attempts per client address: a burst of this many, then one every six seconds.
pub const SIGN_IN_BURST: u32 = 10;

/// API calls per session: a burst of this many, then this many per second.
pub const API_BURST: u32 = 400;
/// The sustained API rate per session, per second.
pub const API_PER_SECOND: u32 = 100;

/// The limiters of one server process.
pub struct Limits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    api: DefaultKeyedRateLimiter<String>,
}

impl Default for Limits {
    fn default() -> Self {
        let n = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        let sign_in = Quota::with_period(Duration::from_secs(6))
            .unwrap_or_else(|| Quota::per_minute(n(10)))
            .allow_burst(n(SIGN_IN_BURST));
        let api = Quota::per_second(n(API_PER_SECOND)).allow_burst(n(API_BURST));
        Self {
            sign_in: RateLimiter::keyed(sign_in),
            api: RateLimiter::keyed(api),
        }
    }
}

/// The middleware: checks the limit that applies to the request.
pub async fn limit(State(limits): State<Arc<Limits>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let is_sign_in =
        req.method() == Method::POST && (path == "/sign-in" || path == "/api/v1/session");
    let api = path.starts_with("/api/");
    let verdict = if is_sign_in {
        limits
            .sign_in
            .check_key(&ip)
            .map_err(|n| n.wait_time_from(DefaultClock::default().now()))
    } else if api {
        let key = crate::auth::token_of(req.headers()).unwrap_or_else(|| ip.to_string());
        limits
            .api
            .check_key(&key)
            .map_err(|n| n.wait_time_from(DefaultClock::default().now()))
    } else {
        Ok(())
    };
    if limits.api.len() > 100_000 {
        limits.api.retain_recent();
        limits.sign_in.retain_recent();
    }
    match verdict {
        Ok(()) => next.run(req).await,
        Err(wait) => too_many(api, wait),
    }
}

fn too_many(api: bool, wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let mut r = if api {
        (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(serde_json::json!({
                "error": "too_many_requests",
                "message": format!("too many requests: try again in {secs} seconds"),
            })),
        )
            .into_response()
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("Too many attempts: try again in {secs} seconds.\nمحاولات كثيرة: أعد المحاولة بعد {secs} ثانية.\n"),
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}
