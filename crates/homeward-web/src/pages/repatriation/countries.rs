//! The countries: each one's stance today and its dated history, its requirements (a DNA
//! test, sighted documents, a court decision, ...) and its agreements and statements, with
//! forms for an administrator to add a requirement or an agreement.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use homeward_app::App;
use homeward_app::repatriation::CountryProfile;
use homeward_domain::access::Action;
use homeward_domain::country::Requirement;
use serde::Deserialize;

use super::{Fields, country_name, refused, see_other, with_status};
use crate::pages::{Ctx, Lang, Layout, PageError, render, same_origin};

/// A country as the list shows it.
pub struct CountryLine {
    pub code: String,
    pub name: String,
    pub stance: String,
    pub stance_key: String,
    pub requirements: Vec<String>,
    pub latest: String,
}

#[derive(Template)]
#[template(path = "rep_countries.html")]
struct ListPage {
    l: Layout,
    countries: Vec<CountryLine>,
}

fn requirement_text(lang: &Lang, key: &str, applies: &str) -> String {
    format!(
        "{} ({})",
        lang.key("rep-req", key),
        lang.key("rep-applies", applies)
    )
}

async fn profiles(app: &App, ctx: &Ctx) -> Result<Vec<CountryProfile>, PageError> {
    app.country_profiles(&ctx.principal)
        .await
        .map_err(|e| ctx.err(e))
}

pub async fn list(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let mut countries: Vec<CountryLine> = profiles(&app, &ctx)
        .await?
        .into_iter()
        .map(|p| CountryLine {
            name: country_name(&p.code, &lang),
            stance: lang.key("rep-stance", &p.stance),
            stance_key: p.stance.clone(),
            requirements: p
                .requirements
                .iter()
                .map(|r| requirement_text(&lang, &r.requirement, &r.applies_to))
                .collect(),
            latest: p
                .agreements
                .iter()
                .max_by(|a, b| a.concluded_on.cmp(&b.concluded_on))
                .map(|a| format!("{} · {}", lang.date(&a.concluded_on), a.title))
                .unwrap_or_default(),
            code: p.code,
        })
        .collect();
    countries.sort_by(|a, b| a.name.cmp(&b.name));
    render(&ListPage {
        countries,
        l: ctx.layout,
    })
}

#[derive(Template)]
#[template(path = "rep_country.html")]
struct CountryPage {
    l: Layout,
    code: String,
    name: String,
    stance: String,
    stance_key: String,
    stances: Vec<(String, String, String, String)>,
    requirements: Vec<(String, String, String, String)>,
    agreements: Vec<(String, String, String, String)>,
    may_add: bool,
    kinds: Vec<(String, String)>,
    applies: Vec<(String, String)>,
    f: Fields,
    failed: String,
    done: bool,
}

#[derive(Deserialize, Default)]
pub struct CountryQuery {
    done: Option<String>,
}

async fn show(
    app: &App,
    ctx: Ctx,
    code: &str,
    f: Fields,
    failed: &str,
    done: bool,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let code = code.to_ascii_uppercase();
    let Some(p) = profiles(app, &ctx)
        .await?
        .into_iter()
        .find(|p| p.code == code)
    else {
        return Err(PageError::NotFound(lang));
    };
    let mut stances: Vec<(String, String, String, String)> = p
        .stances
        .iter()
        .map(|s| {
            (
                s.effective_from.clone(),
                lang.key("rep-stance", &s.stance),
                s.note.clone(),
                s.recorded_by.clone(),
            )
        })
        .collect();
    stances.sort_by(|a, b| b.0.cmp(&a.0));
    let stances = stances
        .into_iter()
        .map(|(d, s, n, b)| (lang.date(&d), s, n, b))
        .collect();
    let mut agreements: Vec<_> = p.agreements.clone();
    agreements.sort_by(|a, b| b.concluded_on.cmp(&a.concluded_on));
    render(&CountryPage {
        name: country_name(&p.code, &lang),
        stance: lang.key("rep-stance", &p.stance),
        stance_key: p.stance.clone(),
        stances,
        requirements: p
            .requirements
            .iter()
            .map(|r| {
                (
                    lang.key("rep-req", &r.requirement),
                    lang.key("rep-applies", &r.applies_to),
                    lang.date(&r.effective_from),
                    r.note.clone(),
                )
            })
            .collect(),
        agreements: agreements
            .iter()
            .map(|a| {
                (
                    lang.date(&a.concluded_on),
                    a.title.clone(),
                    a.summary.clone(),
                    a.recorded_by.clone(),
                )
            })
            .collect(),
        may_add: ctx.can(Action::Administer),
        kinds: Requirement::ALL
            .iter()
            .map(|r| (r.key().to_owned(), lang.key("rep-req", r.key())))
            .collect(),
        applies: ["all", "children", "adults"]
            .iter()
            .map(|a| ((*a).to_owned(), lang.key("rep-applies", a)))
            .collect(),
        code: p.code,
        f,
        failed: failed.to_owned(),
        done,
        l: ctx.layout,
    })
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(code): Path<String>,
    Query(q): Query<CountryQuery>,
) -> Result<Response, PageError> {
    show(&app, ctx, &code, Fields::default(), "", q.done.is_some()).await
}

/// Adds a requirement or an agreement (administrators).
pub async fn add(
    ctx: Ctx,
    State(app): State<App>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::Administer)?;
    let mut f = Fields::of(&pairs);
    let what = f.v("what").to_owned();
    let done = if what == "agreement" {
        app.add_agreement(
            &ctx.principal,
            &code,
            f.v("concluded_on"),
            f.v("title"),
            f.v("summary"),
        )
        .await
        .map(|_| ())
    } else {
        app.add_requirement(
            &ctx.principal,
            &code,
            f.v("requirement"),
            f.v("applies_to"),
            f.v("effective_from"),
            f.v("note"),
        )
        .await
        .map(|_| ())
    };
    match done {
        Ok(()) => Ok(see_other(&format!(
            "/repatriation/countries/{}?done=1",
            code.to_ascii_uppercase()
        ))),
        Err(e) => {
            f.errors = refused(&ctx, e)?;
            let failed = if what == "agreement" {
                "agreement"
            } else {
                "requirement"
            };
            let page = show(&app, ctx, &code, f, failed, false).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}
