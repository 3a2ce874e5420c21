//! Pages for nationality verification and repatriation: cases and their state machine with the
//! timeline, best-interests determinations, consent and the disclosure register, the embassy
//! work queue with its notification list, dossiers, nationality evidence and decisions, and the
//! countries' stances, requirements and agreements.
//!
//! Every handler asks [`authorize`](homeward_domain::access::authorize) first (through the
//! app's use-cases or [`Ctx::may`]); cases and persons are read through the app's scoped reads,
//! so a consular officer sees only their own country's cases and claimants, and anything else
//! answers exactly like a record that does not exist. Every POST checks its origin; refused
//! input is shown again beside its field in the reader's language and changes nothing.

mod cases;
mod consent;
mod countries;
mod dossier;
mod queue;
mod verification;

use std::collections::HashMap;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use homeward_app::{App, AppError};
use homeward_domain::error::FieldError;

use super::{Ctx, Lang, Layout, PageError, ShownError};

/// This module's page routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/cases", get(cases::list))
        .route("/cases/new", get(cases::new_form).post(cases::open))
        .route("/cases/{id}", get(cases::page))
        .route("/cases/{id}/steps", post(cases::step))
        .route("/cases/{id}/best-interests", post(cases::best_interests))
        .route(
            "/persons/{id}/disclosures",
            get(consent::register).post(consent::record),
        )
        .route("/consents/{id}/approve", post(consent::approve))
        .route("/persons/{id}/dossier", get(dossier::form))
        .route("/embassy-queue", get(queue::choose))
        .route("/embassy-queue/{code}", get(queue::page))
        .route(
            "/embassy-queue/{code}/notification-list",
            get(queue::download),
        )
        .route(
            "/persons/{id}/verification",
            get(verification::page).post(verification::claim),
        )
        .route("/claims/{id}/evidence", post(verification::evidence))
        .route("/claims/{id}/decision", post(verification::decide))
        .route("/repatriation/countries", get(countries::list))
        .route(
            "/repatriation/countries/{code}",
            get(countries::page).post(countries::add),
        )
}

impl Layout {
    /// May work on repatriation cases and the embassy queue: case workers (the only role
    /// that exports) and consular officers (the only role that reads persons without seeing
    /// sites).
    pub fn rep_can_cases(&self) -> bool {
        self.can_export || (self.can_read && !self.can_sites)
    }

    /// May read the disclosure register and record consent: case workers (the only role that
    /// exports).
    pub fn rep_can_register(&self) -> bool {
        self.can_export
    }

    /// May read the countries' stances, requirements and agreements.
    pub fn rep_can_countries(&self) -> bool {
        self.rep_can_cases() || self.can_admin
    }
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

    fn text(&self, key: &str) -> Option<String> {
        let t = self.v(key).trim();
        (!t.is_empty()).then(|| t.to_owned())
    }

    fn checked(&self, key: &str) -> bool {
        matches!(self.v(key), "on" | "true" | "1")
    }
}

/// Field errors in the reader's language: a `rep-err-` message for the code when there is one,
/// else the shared message for it, else the English message from the rules (which names the
/// reason, e.g. which states a case may go to from where it stands).
fn shown(errors: &[FieldError], lang: &Lang) -> Vec<ShownError> {
    errors
        .iter()
        .map(|e| {
            let mut s = ShownError::of(e, lang);
            if let Some(m) = lang.try_t(&format!("rep-err-{}", e.code)) {
                s.message = m;
            }
            s
        })
        .collect()
}

/// What an app error becomes on a form: field errors to show again, or a page error.
fn refused(ctx: &Ctx, e: AppError) -> Result<Vec<ShownError>, PageError> {
    match e {
        AppError::Invalid(inv) => Ok(shown(&inv.0, ctx.lang())),
        AppError::Conflict(_) => Ok(shown(
            &[FieldError::new(
                "version",
                "HW-WEB-0110",
                "someone else changed this record in the meantime: look again and retry",
            )],
            ctx.lang(),
        )),
        other => Err(ctx.err(other)),
    }
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

/// A country's name in the reader's language, with its code.
fn country_name(code: &str, lang: &Lang) -> String {
    crate::api_repatriation::country_text(code, lang)
}

/// The recent password confirmation a bulk release needs; without it, the confirmation page
/// that comes back to `back`.
async fn confirmed(app: &App, ctx: &Ctx, back: &str) -> Result<(), PageError> {
    match app.require_confirmation(&ctx.token).await {
        Ok(()) => Ok(()),
        Err(AppError::Authentication(_)) => Err(PageError::SeeOther(format!(
            "/account/confirm?next={}",
            encode(back)
        ))),
        Err(other) => Err(ctx.err(other)),
    }
}

/// Percent-encodes a path and query for a `next=` parameter.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
