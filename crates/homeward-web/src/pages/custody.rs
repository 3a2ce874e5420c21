//! The placement protocol and custody at work: the proposal for a person with the rule and
//! version behind it and the decision taken on it, births in custody, transfers (requested,
//! authorised, carried out), roll calls with their incidents, the teams' task lists, "where was
//! this person on a date" and "who was at this site on a date", and the placement rules.
//!
//! Every handler asks [`authorize`](homeward_domain::access::authorize) first (through
//! [`Ctx::may`]); persons are read through the app's scoped reads, so a person outside the
//! caller's scope answers exactly like one that does not exist. Every POST checks its origin.

mod placement;
mod rules;

use std::collections::HashMap;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use homeward_app::{Actor, App, AppError};
use homeward_domain::error::FieldError;

use super::{Ctx, Lang, PageError, ShownError};

/// The custody page routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/persons/{id}/placement",
            get(placement::page).post(placement::decide),
        )
        .route("/placement-rules", get(rules::page))
}

/// Submitted form values and the errors to show beside them.
#[derive(Debug, Default)]
pub struct Fields {
    values: HashMap<String, String>,
    errors: Vec<ShownError>,
}

impl Fields {
    /// From submitted pairs (the last value of a repeated key wins).
    fn of(pairs: &[(String, String)]) -> Self {
        Self {
            values: pairs.iter().cloned().collect(),
            errors: Vec::new(),
        }
    }

    /// A field's value.
    pub fn v(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or_default()
    }

    /// Whether a select has this value.
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.v(key) == value
    }

    /// Whether a field has an error.
    pub fn bad(&self, key: &str) -> bool {
        self.errors.iter().any(|e| e.field == key)
    }

    /// The errors of one field.
    pub fn errs(&self, key: &str) -> Vec<ShownError> {
        self.errors
            .iter()
            .filter(|e| e.field == key)
            .cloned()
            .collect()
    }

    /// Every error, for the summary at the top of a form.
    pub fn all(&self) -> &[ShownError] {
        &self.errors
    }

    fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.insert(key.to_owned(), value.into());
    }

    fn text(&self, key: &str) -> Option<String> {
        let t = self.v(key).trim();
        (!t.is_empty()).then(|| t.to_owned())
    }
}

/// Field errors in the reader's language: a custody message for the code when there is one,
/// else the shared message for it, else the English message from the rules.
fn shown(errors: &[FieldError], lang: &Lang) -> Vec<ShownError> {
    errors
        .iter()
        .map(|e| {
            let mut s = ShownError::of(e, lang);
            if let Some(m) = lang.try_t(&format!("cust-err-{}", e.code)) {
                s.message = m;
            }
            s
        })
        .collect()
}

/// A field error raised by these pages themselves (a number that is not one, and the like).
fn web_error(field: &str, code: &'static str, message: &str) -> FieldError {
    FieldError::new(field, code, message)
}

/// A "see other" redirect after a successful POST.
fn see_other(to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r
}

/// A re-rendered form answers with the status of what went wrong.
fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

/// The signed-in user as the actor recorded on every change.
fn actor(ctx: &Ctx) -> Actor {
    Actor::named(&ctx.principal.username)
}

/// A date from the query string, today when absent; `Err` carries the shown error.
fn day_or_today(
    app: &App,
    lang: &Lang,
    text: &Option<String>,
) -> Result<NaiveDate, Vec<ShownError>> {
    match super::non_blank(text) {
        None => Ok(app.today()),
        Some(t) => homeward_domain::date::parse_date("date", &t).map_err(|e| shown(&[e], lang)),
    }
}

/// What an app error becomes on a form: field errors to show again, or a page error.
enum Refusal {
    Fields(Vec<FieldError>),
    Page(PageError),
}

fn refusal(ctx: &Ctx, e: AppError) -> Refusal {
    match e {
        AppError::Invalid(inv) => Refusal::Fields(inv.0),
        AppError::Conflict(_) => Refusal::Fields(vec![web_error(
            "version",
            "HW-WEB-0110",
            "someone else changed this record in the meantime: look again and retry",
        )]),
        other => Refusal::Page(ctx.err(other)),
    }
}
