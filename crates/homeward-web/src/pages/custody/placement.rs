//! The placement proposal for a person on a date, the form to confirm or override it, and the
//! decisions already taken with the rule version each was made under.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use homeward_app::App;
use homeward_app::placement::ProposalView;
use homeward_domain::access::Action;
use homeward_domain::person::PersonId;
use homeward_domain::site::SiteKind;
use serde::Deserialize;

use super::{Fields, Refusal, actor, day_or_today, refusal, see_other, shown, with_status};
use crate::pages::{Ctx, Layout, PageError, ShownError, render, same_origin};

/// A decision as the history shows it.
pub struct DecisionLine {
    pub decided_for: String,
    pub proposed: String,
    pub chosen: String,
    pub overridden: bool,
    pub rule: String,
    pub reason: String,
    pub best_interests_ref: String,
    pub decided_by: String,
    pub decided_at: String,
}

#[derive(Template)]
#[template(path = "custody_placement.html")]
struct PlacementPage {
    l: Layout,
    id: i64,
    number: String,
    name: String,
    date: String,
    date_text: String,
    date_errors: Vec<ShownError>,
    proposal: Option<ProposalView>,
    no_rule: Vec<ShownError>,
    placement_text: String,
    rule_description: String,
    facts: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    f: Fields,
    decisions: Vec<DecisionLine>,
    decided: bool,
    is_child: bool,
    with_mother: String,
    may_birth: bool,
}

#[derive(Deserialize, Default)]
pub struct PlacementQuery {
    date: Option<String>,
    decided: Option<String>,
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<PlacementQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::MovePersons)?;
    let (on, date_errors) = match day_or_today(&app, ctx.lang(), &q.date) {
        Ok(d) => (d, Vec::new()),
        Err(e) => (app.today(), e),
    };
    let decided = q.decided.is_some();
    let mut f = Fields::default();
    f.set("date", on.format("%Y-%m-%d").to_string());
    show(ctx, &app, id, on, f, date_errors, decided).await
}

async fn show(
    ctx: Ctx,
    app: &App,
    id: i64,
    on: NaiveDate,
    mut f: Fields,
    date_errors: Vec<ShownError>,
    decided: bool,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let file = app
        .person_file_for(&ctx.principal, PersonId(id), "web placement")
        .await
        .map_err(|e| ctx.err(e))?;
    let (proposal, no_rule) = match app.propose_placement(PersonId(id), on).await {
        Ok(p) => (Some(p), Vec::new()),
        Err(homeward_app::AppError::Invalid(inv)) => (None, shown(&inv.0, &lang)),
        Err(e) => return Err(ctx.err(e)),
    };
    let rules = app.rules().await.map_err(|e| ctx.err(e))?;
    let (mut placement_text, mut rule_description, mut facts, mut is_child) =
        (String::new(), String::new(), Vec::new(), false);
    let mut with_mother = String::new();
    if let Some(p) = &proposal {
        placement_text = lang.key("site-kind", &p.placement);
        let rule = rules
            .iter()
            .find(|r| r.id == p.rule.id && r.version == p.rule.version);
        // "Stays with the mother" in plain words: where she is decides where the child goes.
        if rule.is_some_and(|r| r.outcome == homeward_domain::placement::Outcome::WithMother) {
            with_mother = match p.facts["mother_site"].as_str() {
                Some(k) => lang.ta(
                    "cust-with-mother-explained",
                    &[("kind", lang.key("site-kind", k))],
                ),
                None => lang.t("cust-with-mother-not-held"),
            };
        }
        rule_description = rule
            .map(|r| {
                if lang.code() == "ar" && !r.description_ar.is_empty() {
                    r.description_ar.clone()
                } else {
                    r.description_en.clone()
                }
            })
            .unwrap_or_default();
        let age = p.facts["age"].as_u64().unwrap_or(0);
        is_child = age < 18;
        let estimated = p.facts["age_estimated"].as_bool().unwrap_or(false);
        let nationalities: Vec<String> = p.facts["nationalities"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        facts = vec![
            (
                lang.t("col-age"),
                if estimated {
                    lang.ta("cust-age-estimated", &[("age", age.to_string())])
                } else {
                    age.to_string()
                },
            ),
            (
                lang.t("field-sex"),
                lang.key("sex", p.facts["sex"].as_str().unwrap_or_default()),
            ),
            (
                lang.t("col-nationalities"),
                if nationalities.is_empty() {
                    lang.t("cust-not-claimed")
                } else {
                    nationalities.join(&lang.t("list-separator"))
                },
            ),
            (
                lang.t("cust-mother-site"),
                match p.facts["mother_site"].as_str() {
                    Some(k) => lang.key("site-kind", k),
                    None => lang.t("cust-mother-not-held"),
                },
            ),
        ];
        if f.v("chosen").is_empty() {
            f.set("chosen", p.placement.clone());
        }
    }
    let decisions = app
        .store()
        .decisions_of(id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .rev()
        .map(|d| DecisionLine {
            decided_for: lang.date(&d.decided_for),
            proposed: lang.key("site-kind", &d.proposed),
            chosen: lang.key("site-kind", &d.chosen),
            overridden: d.decision == "overridden",
            rule: lang.ta(
                "cust-rule-version",
                &[
                    ("id", d.rule_id.clone()),
                    ("version", d.rule_version.to_string()),
                ],
            ),
            reason: d.reason,
            best_interests_ref: d.best_interests_ref.unwrap_or_default(),
            decided_by: d.decided_by,
            decided_at: lang.date(&d.decided_at),
        })
        .collect();
    render(&PlacementPage {
        id,
        number: file.person.registration_number.clone(),
        name: file
            .names
            .first()
            .map(|n| n.text.clone())
            .unwrap_or_default(),
        date: on.format("%Y-%m-%d").to_string(),
        date_text: lang.date(&on.format("%Y-%m-%d").to_string()),
        date_errors,
        proposal,
        no_rule,
        placement_text,
        rule_description,
        facts,
        kinds: SiteKind::ALL
            .iter()
            .map(|k| (k.key().to_owned(), lang.key("site-kind", k.key())))
            .collect(),
        f,
        decisions,
        decided,
        is_child,
        with_mother,
        may_birth: ctx.can(Action::WriteRegistry),
        l: ctx.layout,
    })
}

pub async fn decide(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::MovePersons)?;
    let lang = ctx.lang().clone();
    if !app
        .can_see(&ctx.principal, PersonId(id))
        .await
        .map_err(|e| ctx.err(e))?
    {
        return Err(PageError::NotFound(lang));
    }
    let mut f = Fields::of(&pairs);
    let on = match homeward_domain::date::parse_date("date", f.v("date")) {
        Ok(d) => d,
        Err(e) => {
            let errors = shown(&[e], &lang);
            let r = show(ctx, &app, id, app.today(), f, errors, false).await?;
            return Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let chosen = f.text("chosen");
    let bid = f.text("best_interests_ref");
    let result = app
        .decide_placement(
            &actor(&ctx),
            PersonId(id),
            on,
            chosen.as_deref(),
            f.v("reason"),
            bid.as_deref(),
        )
        .await;
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/persons/{id}/placement?date={}&decided=1#decisions",
            on.format("%Y-%m-%d")
        ))),
        Err(e) => match refusal(&ctx, e) {
            Refusal::Fields(errors) => {
                f.errors = shown(&errors, &lang);
                let r = show(ctx, &app, id, on, f, Vec::new(), false).await?;
                Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Refusal::Page(p) => Err(p),
        },
    }
}
