//! The dossier button's page: which language, which embassy, with the family or not. The PDF
//! itself comes from `GET /api/v1/persons/{id}/dossier.pdf` (the same use-case as the command
//! line, which records one disclosure per person included); the password is asked again first,
//! so this page sends a reader whose confirmation is not recent to the confirmation page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::{Action, Role};
use homeward_domain::person::PersonId;
use serde::Deserialize;

use super::{confirmed, country_name};
use crate::pages::{Ctx, Layout, PageError, non_blank, render};

#[derive(Template)]
#[template(path = "rep_dossier.html")]
struct DossierPage {
    l: Layout,
    id: i64,
    number: String,
    countries: Vec<(String, String)>,
    to: String,
    fixed_country: String,
    langs: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct DossierQuery {
    to: Option<String>,
}

pub async fn form(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<DossierQuery>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadPersons)?;
    ctx.may(Action::ExportEmbassyList)?;
    let lang = ctx.lang().clone();
    if !app
        .can_see(&ctx.principal, PersonId(id))
        .await
        .map_err(|e| ctx.err(e))?
    {
        return Err(PageError::NotFound(lang));
    }
    let back = uri.path_and_query().map_or_else(
        || format!("/persons/{id}/dossier"),
        |p| p.as_str().to_owned(),
    );
    confirmed(&app, &ctx, &back).await?;
    let person = app
        .store()
        .person(PersonId(id))
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let claims = app
        .store()
        .claims_of(&[id])
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let fixed_country = if ctx.principal.role == Role::ConsularOfficer {
        ctx.principal
            .country
            .as_ref()
            .map(|c| country_name(c.as_str(), &lang))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let mut countries: Vec<(String, String)> = claims
        .iter()
        .map(|c| (c.country_code.clone(), country_name(&c.country_code, &lang)))
        .collect();
    countries.dedup();
    let to = non_blank(&q.to)
        .map(|t| t.to_ascii_uppercase())
        .or_else(|| countries.first().map(|c| c.0.clone()))
        .unwrap_or_default();
    render(&DossierPage {
        id,
        number: person.registration_number,
        countries,
        to,
        fixed_country,
        langs: ["ar", "en", "fr", "ru"]
            .iter()
            .map(|c| ((*c).to_owned(), lang.t(&format!("rep-dossier-lang-{c}"))))
            .collect(),
        l: ctx.layout,
    })
}
