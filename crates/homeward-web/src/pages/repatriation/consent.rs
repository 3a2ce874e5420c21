//! The disclosure register of a person (what of their data went to which embassy, when, under
//! which case and on which basis), with the consent records behind it: consent given or
//! refused (by the person, or for a child by the guardian or the best-interests panel), and a
//! legal basis for releasing without consent, which a second user approves.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use homeward_app::App;
use homeward_app::repatriation::ConsentDraft;
use homeward_domain::access::Action;
use homeward_domain::person::PersonId;
use homeward_domain::repatriation::ConsentGiver;
use serde::Deserialize;

use super::{Fields, country_name, refused, see_other, with_status};
use crate::pages::{Ctx, Layout, PageError, render, same_origin};

/// A consent record as the page shows it.
pub struct ConsentLine {
    pub id: i64,
    pub country: String,
    pub kind: String,
    pub by: String,
    pub agreed: String,
    pub basis: String,
    pub approved_by: String,
    pub waiting: bool,
    pub note: String,
    pub recorded: String,
}

/// One release in the register.
pub struct DisclosureLine {
    pub what: String,
    pub to: String,
    pub at: String,
    pub case_id: Option<i64>,
    pub channel: String,
    pub by: String,
    pub basis: String,
}

#[derive(Template)]
#[template(path = "rep_register.html")]
struct RegisterPage {
    l: Layout,
    id: i64,
    number: String,
    names: Vec<String>,
    consents: Vec<ConsentLine>,
    disclosures: Vec<DisclosureLine>,
    may_record: bool,
    countries: Vec<(String, String)>,
    givers: Vec<(String, String)>,
    f: Fields,
    failed: String,
    done: bool,
}

#[derive(Deserialize, Default)]
pub struct RegisterQuery {
    done: Option<String>,
}

async fn show(
    app: &App,
    ctx: Ctx,
    id: i64,
    f: Fields,
    failed: &str,
    done: bool,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let disclosures = app
        .disclosures_for(&ctx.principal, PersonId(id))
        .await
        .map_err(|e| ctx.err(e))?;
    let may_record = ctx.can(Action::RecordConsent);
    let consents = if may_record {
        app.consents_for(&ctx.principal, PersonId(id))
            .await
            .map_err(|e| ctx.err(e))?
    } else {
        Vec::new()
    };
    let person = app
        .store()
        .person(PersonId(id))
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let names = app
        .store()
        .names_of(&[id])
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|n| n.text)
        .collect();
    let consents = consents
        .into_iter()
        .map(|c| ConsentLine {
            id: c.id,
            country: country_name(&c.country_code, &lang),
            kind: lang.key("rep-consent-kind", &c.kind),
            by: match &c.given_by {
                Some(g) => format!("{} ({})", c.given_by_name, lang.key("rep-giver", g)),
                None => String::new(),
            },
            agreed: if c.kind == "consent" {
                lang.t(if c.agreed {
                    "rep-consent-agreed"
                } else {
                    "rep-consent-refused"
                })
            } else {
                String::new()
            },
            basis: c.legal_basis.clone().unwrap_or_default(),
            waiting: c.kind == "legal_basis" && c.approved_by.is_none(),
            approved_by: c.approved_by.clone().unwrap_or_default(),
            note: c.note,
            recorded: format!("{}, {}", c.recorded_by, lang.moment(&c.recorded_at)),
        })
        .collect();
    let disclosures = disclosures
        .into_iter()
        .map(|d| DisclosureLine {
            what: d.what,
            to: country_name(&d.to_country, &lang),
            at: lang.moment(&d.at),
            case_id: d.case_id,
            channel: d.channel,
            by: d.disclosed_by,
            basis: lang.key("rep-basis", &d.basis),
        })
        .collect();
    render(&RegisterPage {
        id,
        number: person.registration_number,
        names,
        consents,
        disclosures,
        may_record,
        countries: crate::pages::countries(app, &lang).await?,
        givers: ConsentGiver::ALL
            .iter()
            .map(|g| (g.key().to_owned(), lang.key("rep-giver", g.key())))
            .collect(),
        f,
        failed: failed.to_owned(),
        done,
        l: ctx.layout,
    })
}

pub async fn register(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadDisclosures)?;
    show(&app, ctx, id, Fields::default(), "", q.done.is_some()).await
}

pub async fn record(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::RecordConsent)?;
    let mut f = Fields::of(&pairs);
    let kind = f.v("kind").to_owned();
    let draft = ConsentDraft {
        country: f.v("country").to_owned(),
        kind: kind.clone(),
        given_by: f.v("given_by").to_owned(),
        given_by_name: f.v("given_by_name").to_owned(),
        agreed: f.v("agreed") == "yes",
        legal_basis: f.v("legal_basis").to_owned(),
        note: f.v("note").to_owned(),
    };
    match app
        .record_consent(&ctx.principal, PersonId(id), &draft)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/persons/{id}/disclosures?done=1"))),
        Err(e) => {
            f.errors = refused(&ctx, e)?;
            let failed = if kind == "legal_basis" {
                "legal_basis"
            } else {
                "consent"
            };
            let page = show(&app, ctx, id, f, failed, false).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

pub async fn approve(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::RecordConsent)?;
    let f = Fields::of(&pairs);
    match app.approve_legal_basis(&ctx.principal, id).await {
        Ok(row) => Ok(see_other(&format!(
            "/persons/{}/disclosures?done=1",
            row.person_id
        ))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            // The page the form came from: the person is read again through the scoped reads.
            let Ok(person) = f.v("person").trim().parse::<i64>() else {
                return Err(PageError::BadRequest(ctx.lang().clone()));
            };
            let f = Fields {
                errors,
                ..Fields::default()
            };
            let page = show(&app, ctx, person, f, "approve", false).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}
