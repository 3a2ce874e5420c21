//! The embassy work queue of a country (open cases: who waits for what, the oldest first) and
//! the country's notification list as CSV, XLSX or PDF. A consular officer has only their own
//! country's queue; every person on a downloaded list is written to the disclosure register,
//! and persons without consent or an approved legal basis are left out and counted.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::{Action, Role};
use homeward_domain::country::CountryCode;
use serde::Deserialize;

use super::{confirmed, country_name, see_other};
use crate::pages::{Ctx, Layout, PageError, non_blank, render};

/// A line of the queue.
pub struct QueueLine {
    pub case_id: i64,
    pub label: String,
    pub members: Vec<(i64, String, String)>,
    pub state: String,
    pub waiting_for: String,
    pub since: String,
    pub days: i64,
}

#[derive(Template)]
#[template(path = "rep_queue.html")]
struct QueuePage {
    l: Layout,
    code: String,
    country: String,
    lines: Vec<QueueLine>,
    countries: Vec<(String, String)>,
    may_choose: bool,
    may_download: bool,
}

#[derive(Deserialize, Default)]
pub struct ChooseQuery {
    country: Option<String>,
}

/// `/embassy-queue`: a consular officer goes to their own country's queue; others choose one.
pub async fn choose(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<ChooseQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadCases)?;
    if ctx.principal.role == Role::ConsularOfficer {
        let own = ctx
            .principal
            .country
            .as_ref()
            .map(|c| c.to_string())
            .ok_or_else(|| PageError::Forbidden(ctx.lang().clone()))?;
        return Ok(see_other(&format!("/embassy-queue/{own}")));
    }
    if let Some(c) = non_blank(&q.country)
        && let Ok(code) = CountryCode::parse("country", &c)
    {
        return Ok(see_other(&format!("/embassy-queue/{code}")));
    }
    render(&QueuePage {
        code: String::new(),
        country: String::new(),
        lines: Vec::new(),
        countries: crate::pages::countries(&app, ctx.lang()).await?,
        may_choose: true,
        may_download: false,
        l: ctx.layout,
    })
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadCases)?;
    let lang = ctx.lang().clone();
    let items = app
        .embassy_queue(&ctx.principal, &code)
        .await
        .map_err(|e| ctx.err(e))?;
    let code = code.to_ascii_uppercase();
    let lines = items
        .into_iter()
        .map(|q| QueueLine {
            case_id: q.case.id,
            label: q.case.label.clone(),
            members: q
                .members
                .into_iter()
                .map(|(id, number, names)| (id, number, names.join(" · ")))
                .collect(),
            state: lang.key("rep-state", &q.case.state),
            waiting_for: lang.key("rep-wait", &q.waiting_for),
            since: lang.date(&q.waiting_since),
            days: q.days_waiting,
        })
        .collect();
    let consular = ctx.principal.role == Role::ConsularOfficer;
    render(&QueuePage {
        country: country_name(&code, &lang),
        code,
        lines,
        countries: if consular {
            Vec::new()
        } else {
            crate::pages::countries(&app, &lang).await?
        },
        may_choose: !consular,
        may_download: ctx.can(Action::ExportEmbassyList),
        l: ctx.layout,
    })
}

#[derive(Deserialize, Default)]
pub struct DownloadQuery {
    format: Option<String>,
}

/// The notification list as a file; a bulk release, so the password must have been given
/// again within the last minutes.
pub async fn download(
    ctx: Ctx,
    State(app): State<App>,
    Path(code): Path<String>,
    Query(q): Query<DownloadQuery>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    ctx.may(Action::ExportEmbassyList)?;
    let format = non_blank(&q.format)
        .unwrap_or_else(|| "csv".into())
        .to_ascii_lowercase();
    if !matches!(format.as_str(), "csv" | "xlsx" | "pdf") {
        return Err(PageError::BadRequest(ctx.lang().clone()));
    }
    // Another country's list answers like a missing one, before anything else is asked.
    if let Some(own) = &ctx.principal.country
        && ctx.principal.role == Role::ConsularOfficer
        && !code.trim().eq_ignore_ascii_case(own.as_str())
    {
        return Err(PageError::NotFound(ctx.lang().clone()));
    }
    let back = uri
        .path_and_query()
        .map_or("/embassy-queue", |p| p.as_str())
        .to_owned();
    confirmed(&app, &ctx, &back).await?;
    let list = app
        .notification_list(&ctx.principal, &code, &format)
        .await
        .map_err(|e| ctx.err(e))?;
    if format == "pdf" {
        crate::api_repatriation::pdf_response(&list, ctx.lang())
            .map_err(|_| PageError::Internal(ctx.lang().clone()))
    } else {
        crate::api_repatriation::file_response(&list, &format)
            .map_err(|_| PageError::Internal(ctx.lang().clone()))
    }
}
