//! Nationality verification of a person: each claim with its decision (who, when) and its
//! evidence items (document sighted, embassy confirmation, DNA result reference, interview
//! record), forms to add a claim, an evidence item and the next decision, and the
//! statelessness risk flagged when every claim is rejected. A consular officer sees and works
//! only on their own country's claims.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::{Action, Role};
use homeward_domain::nationality::{ClaimState, EvidenceKind};
use homeward_domain::person::PersonId;
use serde::Deserialize;

use super::{Fields, country_name, refused, see_other, with_status};
use crate::pages::{Ctx, Layout, PageError, render, same_origin};

/// A claim as the page shows it.
pub struct ClaimLine {
    pub id: i64,
    pub country: String,
    pub state: String,
    pub state_key: String,
    pub decided: String,
    pub version: i64,
    pub next: Vec<(String, String)>,
    pub evidence: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "rep_verification.html")]
struct VerificationPage {
    l: Layout,
    id: i64,
    number: String,
    names: Vec<String>,
    stateless: bool,
    claims: Vec<ClaimLine>,
    kinds: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    own_country: String,
    f: Fields,
    failed: String,
    done: bool,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
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
    let view = app
        .verification_for(&ctx.principal, PersonId(id))
        .await
        .map_err(|e| ctx.err(e))?;
    let claims = view
        .claims
        .iter()
        .map(|c| {
            let state = ClaimState::parse("state", &c.state).ok();
            ClaimLine {
                id: c.id,
                country: country_name(&c.country_code, &lang),
                state: lang.key("claim", &c.state),
                state_key: c.state.clone(),
                decided: match (&c.decided_by, &c.decided_at) {
                    (Some(by), Some(at)) => format!("{by}, {}", lang.moment(at)),
                    _ => String::new(),
                },
                version: c.version,
                next: ClaimState::ALL
                    .iter()
                    .filter(|n| state.is_some_and(|s| s.can_move_to(**n)))
                    .map(|n| (n.key().to_owned(), lang.key("claim", n.key())))
                    .collect(),
                evidence: view
                    .evidence
                    .iter()
                    .filter(|e| e.claim_id == c.id)
                    .map(|e| {
                        (
                            lang.key("evidence", &e.kind),
                            e.reference.clone(),
                            e.note.clone(),
                            format!("{}, {}", e.recorded_by, lang.moment(&e.recorded_at)),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let own_country = if ctx.principal.role == Role::ConsularOfficer {
        ctx.principal
            .country
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default()
    } else {
        String::new()
    };
    render(&VerificationPage {
        id,
        number: view.person.registration_number.clone(),
        names: view.names,
        stateless: view.statelessness_risk == Some(true),
        claims,
        kinds: EvidenceKind::ALL
            .iter()
            .map(|k| (k.key().to_owned(), lang.key("evidence", k.key())))
            .collect(),
        countries: if own_country.is_empty() {
            crate::pages::countries(app, &lang).await?
        } else {
            vec![(own_country.clone(), country_name(&own_country, &lang))]
        },
        own_country,
        f,
        failed: failed.to_owned(),
        done,
        l: ctx.layout,
    })
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::VerifyNationality)?;
    show(&app, ctx, id, Fields::default(), "", q.done.is_some()).await
}

/// Adds a claim.
pub async fn claim(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::VerifyNationality)?;
    let mut f = Fields::of(&pairs);
    match app
        .add_claim_for(&ctx.principal, PersonId(id), f.v("country"))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/persons/{id}/verification?done=1"))),
        Err(e) => {
            f.errors = refused(&ctx, e)?;
            let page = show(&app, ctx, id, f, "claim", false).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// Adds an evidence item to a claim.
pub async fn evidence(
    ctx: Ctx,
    State(app): State<App>,
    Path(claim): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::VerifyNationality)?;
    let mut f = Fields::of(&pairs);
    match app
        .add_evidence_for(
            &ctx.principal,
            claim,
            f.v("kind"),
            f.v("reference"),
            f.v("note").trim(),
        )
        .await
    {
        Ok(row) => Ok(see_other(&format!(
            "/persons/{}/verification?done=1",
            app.store()
                .claim(row.claim_id)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .person_id
        ))),
        Err(e) => {
            f.errors = refused(&ctx, e)?;
            let person = app
                .store()
                .claim(claim)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .person_id;
            let page = show(&app, ctx, person, f, &format!("evidence-{claim}"), false).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// Records the next decision on a claim.
pub async fn decide(
    ctx: Ctx,
    State(app): State<App>,
    Path(claim): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::VerifyNationality)?;
    let mut f = Fields::of(&pairs);
    let version = f.v("version").trim().parse().unwrap_or(-1);
    match app
        .decide_claim_for(&ctx.principal, claim, version, f.v("state"))
        .await
    {
        Ok(row) => Ok(see_other(&format!(
            "/persons/{}/verification?done=1",
            row.person_id
        ))),
        Err(e) => {
            f.errors = refused(&ctx, e)?;
            let person = app
                .store()
                .claim(claim)
                .await
                .map_err(|e| ctx.err(e.into()))?
                .person_id;
            let page = show(&app, ctx, person, f, &format!("decide-{claim}"), false).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}
