//! Roll call at a site: the persons the register expects, ticked present or absent (or a head
//! count), the difference raised as an incident, incidents resolved with a note, and the
//! history of earlier roll calls.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::Action;
use homeward_domain::site::SiteId;
use serde::Deserialize;

use super::{
    Fields, PersonLine, Refusal, actor, person_line, refusal, see_other, shown, site_names,
    web_error, with_status,
};
use crate::pages::{Ctx, Layout, PageError, render, same_origin};

/// An incident as the page lists it.
pub struct IncidentLine {
    pub id: i64,
    pub at: String,
    pub difference: i64,
    pub absent: Vec<String>,
    pub open: bool,
    pub resolution: String,
    pub resolved: String,
}

/// An earlier roll call.
pub struct CallLine {
    pub at: String,
    pub method: String,
    pub expected: i64,
    pub counted: i64,
    pub absent: Vec<String>,
    pub by: String,
}

#[derive(Template)]
#[template(path = "custody_roll_call.html")]
struct RollCallPage {
    l: Layout,
    id: i64,
    site: String,
    expected: Vec<PersonLine>,
    f: Fields,
    present: Vec<i64>,
    incidents: Vec<IncidentLine>,
    calls: Vec<CallLine>,
    recorded: bool,
    incident_opened: bool,
    resolved: bool,
    resolve_errors: HashMap<i64, Vec<crate::pages::ShownError>>,
    resolve_text: HashMap<i64, String>,
}

impl RollCallPage {
    /// Whether a person is ticked present.
    fn is_present(&self, id: impl std::borrow::Borrow<i64>) -> bool {
        self.present.contains(id.borrow())
    }

    /// The errors of an incident's resolution field.
    fn resolve_errs(&self, id: impl std::borrow::Borrow<i64>) -> Vec<crate::pages::ShownError> {
        self.resolve_errors
            .get(id.borrow())
            .cloned()
            .unwrap_or_default()
    }

    /// The note typed for an incident (kept when refused).
    fn resolve_value(&self, id: impl std::borrow::Borrow<i64>) -> String {
        self.resolve_text
            .get(id.borrow())
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct RollCallQuery {
    recorded: Option<String>,
    incident: Option<String>,
    resolved: Option<String>,
}

/// What a re-rendered page carries over from a refused form.
#[derive(Default)]
struct Carry {
    f: Fields,
    present: Option<Vec<i64>>,
    resolve: Option<(i64, String, Vec<crate::pages::ShownError>)>,
    flags: (bool, bool, bool),
}

async fn show(ctx: Ctx, app: &App, id: i64, carry: Carry) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let all = app.store().sites().await.map_err(|e| ctx.err(e.into()))?;
    let Some(site) = all.into_iter().find(|s| s.id == id) else {
        return Err(PageError::NotFound(lang));
    };
    let sites = site_names(app, &lang).await?;
    let numbers = |ids: &str| -> Vec<i64> {
        ids.split(',')
            .filter_map(|s| s.trim().parse::<i64>().ok())
            .collect()
    };
    let number_of = async |p: i64| -> String {
        app.store()
            .person(homeward_domain::person::PersonId(p))
            .await
            .map(|r| r.registration_number)
            .unwrap_or_default()
    };
    let mut expected = Vec::new();
    for p in app
        .store()
        .persons_at_site(SiteId(id), app.now())
        .await
        .map_err(|e| ctx.err(e.into()))?
    {
        expected.push(person_line(app, &lang, &sites, p.id).await?);
    }
    let calls_rows = app
        .store()
        .roll_calls(id)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let mut calls = Vec::new();
    let mut absent_of_call = HashMap::new();
    for c in calls_rows {
        let mut absent = Vec::new();
        for p in numbers(&c.absent) {
            absent.push(number_of(p).await);
        }
        absent_of_call.insert(c.id, (c.at.clone(), absent.clone()));
        calls.push(CallLine {
            at: format!(
                "{} {}",
                lang.date(&c.at),
                c.at.get(11..16).unwrap_or_default()
            ),
            method: lang.key("cust-method", &c.method),
            expected: c.expected,
            counted: c.counted,
            absent,
            by: c.recorded_by,
        });
    }
    let incidents = app
        .store()
        .incidents(id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|i| {
            let (at, absent) = absent_of_call
                .get(&i.roll_call_id)
                .cloned()
                .unwrap_or_default();
            IncidentLine {
                id: i.id,
                at: format!("{} {}", lang.date(&at), at.get(11..16).unwrap_or_default()),
                difference: i.difference,
                absent,
                open: i.status == "open",
                resolution: i.resolution.unwrap_or_default(),
                resolved: match (i.resolved_by, i.resolved_at) {
                    (Some(by), Some(at)) => format!("{by}, {}", lang.date(&at)),
                    _ => String::new(),
                },
            }
        })
        .collect();
    let present = carry
        .present
        .unwrap_or_else(|| expected.iter().map(|p| p.id).collect());
    let mut f = carry.f;
    if f.v("method").is_empty() {
        f.set("method", "tick_list");
    }
    let (mut resolve_errors, mut resolve_text) = (HashMap::new(), HashMap::new());
    if let Some((incident, text, errors)) = carry.resolve {
        resolve_errors.insert(incident, errors);
        resolve_text.insert(incident, text);
    }
    let (recorded, incident_opened, resolved) = carry.flags;
    render(&RollCallPage {
        id,
        site: if lang.code() == "ar" {
            site.name_ar
        } else {
            site.name_en
        },
        expected,
        f,
        present,
        incidents,
        calls,
        recorded,
        incident_opened,
        resolved,
        resolve_errors,
        resolve_text,
        l: ctx.layout,
    })
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<RollCallQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::MovePersons)?;
    let carry = Carry {
        flags: (
            q.recorded.is_some(),
            q.incident.is_some(),
            q.resolved.is_some(),
        ),
        ..Carry::default()
    };
    show(ctx, &app, id, carry).await
}

pub async fn record(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::MovePersons)?;
    let lang = ctx.lang().clone();
    let mut f = Fields::of(&pairs);
    let present: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "present")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let result = if f.is("method", "count") {
        match f.v("counted").trim().parse::<i64>() {
            Ok(n) if n >= 0 => app.roll_call(&actor(&ctx), id, Some(n), None).await,
            _ => Err(homeward_domain::error::Invalid(vec![web_error(
                "counted",
                "HW-ROLL-0003",
                "write the head count as a whole number, 0 or more",
            )])
            .into()),
        }
    } else {
        app.roll_call(&actor(&ctx), id, None, Some(&present)).await
    };
    match result {
        Ok((_, incident)) => Ok(see_other(&format!(
            "/sites/{id}/roll-call?recorded=1{}#result",
            if incident.is_some() {
                "&incident=1"
            } else {
                ""
            }
        ))),
        Err(e) => match refusal(&ctx, e) {
            Refusal::Fields(errors) => {
                f.errors = shown(&errors, &lang);
                let carry = Carry {
                    f,
                    present: Some(present),
                    ..Carry::default()
                };
                let r = show(ctx, &app, id, carry).await?;
                Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Refusal::Page(p) => Err(p),
        },
    }
}

pub async fn resolve(
    ctx: Ctx,
    State(app): State<App>,
    Path(incident): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::MovePersons)?;
    let lang = ctx.lang().clone();
    let row = app
        .store()
        .incident(incident)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let f = Fields::of(&pairs);
    let text = f.v("resolution").to_owned();
    match app
        .resolve_roll_call_incident(&actor(&ctx), incident, &text)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/sites/{}/roll-call?resolved=1#incidents",
            row.site_id
        ))),
        Err(e) => match refusal(&ctx, e) {
            Refusal::Fields(errors) => {
                let carry = Carry {
                    resolve: Some((incident, text, shown(&errors, &lang))),
                    ..Carry::default()
                };
                let r = show(ctx, &app, row.site_id, carry).await?;
                Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Refusal::Page(p) => Err(p),
        },
    }
}
