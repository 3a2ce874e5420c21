//! The placement protocol and custody at work: the proposal for a person with the rule and
//! version behind it and the decision taken on it, births in custody, transfers (requested,
//! authorised, carried out), roll calls with their incidents, the teams' task lists, "where was
//! this person on a date" and "who was at this site on a date", and the placement rules.
//!
//! Every handler asks [`authorize`](homeward_domain::access::authorize) first (through
//! [`Ctx::may`]); persons are read through the app's scoped reads, so a person outside the
//! caller's scope answers exactly like one that does not exist. Every POST checks its origin.

mod birth;
mod placement;
mod rollcall;
mod rules;
mod tasks;
mod transfers;
mod whereabouts;

use std::collections::HashMap;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
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
        .route("/placement-rules", get(rules::page).post(rules::add))
        .route("/persons/{id}/birth", get(birth::form).post(birth::submit))
        .route("/transfers", get(transfers::list))
        .route(
            "/transfers/new",
            get(transfers::new_form).post(transfers::new_submit),
        )
        .route("/transfers/{id}", get(transfers::page))
        .route("/transfers/{id}/authorise", post(transfers::authorise))
        .route("/transfers/{id}/carry-out", post(transfers::carry_out))
        .route(
            "/sites/{id}/roll-call",
            get(rollcall::page).post(rollcall::record),
        )
        .route("/roll-call-incidents/{id}/resolve", post(rollcall::resolve))
        .route("/tasks", get(tasks::page))
        .route("/tasks/daily-review", post(tasks::run_review))
        .route("/where", get(whereabouts::person))
        .route("/sites/{id}/on", get(whereabouts::site))
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

/// A person as the custody lists show them.
pub struct PersonLine {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub age: String,
    pub site: String,
}

/// Site names in the reader's language, by id.
async fn site_names(app: &App, lang: &Lang) -> Result<HashMap<i64, String>, PageError> {
    Ok(super::persons::site_names(app, lang)
        .await?
        .into_iter()
        .map(|(id, (_, name))| (id, name))
        .collect())
}

/// One person's line (registration number, first name, age today, current site).
async fn person_line(
    app: &App,
    lang: &Lang,
    sites: &HashMap<i64, String>,
    id: i64,
) -> Result<PersonLine, PageError> {
    let file = app
        .store()
        .person_file(homeward_domain::person::PersonId(id))
        .await
        .map_err(|e| PageError::from_app(e.into(), lang))?;
    let age = file
        .person
        .age_on(app.today())
        .map(|a| a.to_string())
        .unwrap_or_default();
    Ok(PersonLine {
        id,
        number: file.person.registration_number.clone(),
        name: file
            .names
            .first()
            .map(|n| n.text.clone())
            .unwrap_or_default(),
        age,
        site: file
            .person
            .current_site_id
            .and_then(|s| sites.get(&s).cloned())
            .unwrap_or_else(|| lang.t("cust-no-site")),
    })
}

/// The sites a person can be placed in (not whole camps), as (id, name · kind) options.
async fn placeable_sites(app: &App, lang: &Lang) -> Result<Vec<(String, String)>, PageError> {
    Ok(app
        .store()
        .sites()
        .await
        .map_err(|e| PageError::from_app(e.into(), lang))?
        .into_iter()
        .filter(|s| s.kind != "camp")
        .map(|s| {
            let kind = lang.key("site-kind", &s.kind);
            let name = if lang.code() == "ar" {
                s.name_ar
            } else {
                s.name_en
            };
            (s.id.to_string(), format!("{name} · {kind} ({})", s.code))
        })
        .collect())
}
