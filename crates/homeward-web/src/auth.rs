//! Who is calling: the session token from the cookie or an `Authorization: Bearer` header,
//! resolved to a principal on every request. No token, or a dead one, is a 401.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use homeward_app::{Actor, App, AppError};
use homeward_domain::access::{Action, Principal, authorize};

use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "homeward_session";

/// The session token a request carries, if any.
pub fn token(parts: &Parts) -> Option<String> {
    token_of(&parts.headers)
}

/// The session token in a set of headers, if any.
pub fn token_of(headers: &axum::http::HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_owned());
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_owned())
}

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl Auth {
    /// Checks that the caller may do `action` (the one authorisation function decides).
    pub fn may(&self, action: Action) -> Result<(), ApiError> {
        authorize(&self.0, action).map_err(|d| ApiError::App(d.into()))
    }

    /// Checks that the caller may do at least one of `actions` (a route two roles share for
    /// different work, e.g. a case step by a case worker or by the embassy).
    pub fn may_any(&self, actions: &[Action]) -> Result<(), ApiError> {
        if actions.iter().any(|a| authorize(&self.0, *a).is_ok()) {
            Ok(())
        } else {
            Err(ApiError::App(homeward_domain::access::Denied.into()))
        }
    }

    /// The actor recorded on audit events.
    pub fn actor(&self) -> Actor {
        Actor::named(&self.0.username)
    }
}

impl FromRequestParts<App> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Some(token) = token(parts) else {
            return Err(ApiError::App(AppError::Unauthorized));
        };
        Ok(Auth(app.session(&token).await?))
    }
}
