//! The placement rules: every version with the day it came into force, and for an
//! administrator the form to add a version (a new rule, or a later version of one).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use homeward_app::App;
use homeward_app::placement::RuleDraft;
use homeward_domain::access::Action;
use homeward_domain::placement::Outcome;
use homeward_domain::site::SiteKind;
use serde::Deserialize;

use super::{Fields, Refusal, actor, refusal, see_other, shown, web_error, with_status};
use crate::pages::{Ctx, Lang, Layout, PageError, non_blank, render, same_origin};

/// A rule version as the list shows it.
pub struct RuleLine {
    pub id: String,
    pub version: u32,
    pub from: String,
    pub retired: bool,
    pub ages: String,
    pub outcome: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "custody_rules.html")]
struct RulesPage {
    l: Layout,
    rules: Vec<RuleLine>,
    may_add: bool,
    f: Fields,
    outcomes: Vec<(String, String)>,
    nationalities: Vec<(String, String)>,
    added: bool,
}

/// An outcome in words: "stays with the mother", or a kind of site.
pub fn outcome_text(lang: &Lang, key: &str) -> String {
    if key == Outcome::WithMother.key() {
        lang.t("cust-outcome-with_mother")
    } else {
        lang.key("site-kind", key)
    }
}

#[derive(Deserialize, Default)]
pub struct RulesQuery {
    /// Start the form from the latest version of this rule.
    edit: Option<String>,
    added: Option<String>,
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadSites)?;
    let mut f = Fields::default();
    f.set("effective_from", app.today().format("%Y-%m-%d").to_string());
    f.set("nationality", "any");
    f.set("priority", "100");
    if let Some(id) = non_blank(&q.edit)
        && let Some(r) = app
            .rules()
            .await
            .map_err(|e| ctx.err(e))?
            .into_iter()
            .filter(|r| r.id == id)
            .max_by_key(|r| r.version)
    {
        f.set("id", r.id);
        f.set("priority", r.priority.to_string());
        f.set("min_age", r.min_age.to_string());
        f.set("max_age", r.max_age.to_string());
        f.set("sex", r.sex.map(|s| s.key()).unwrap_or_default());
        f.set("nationality", r.nationality.key());
        f.set("outcome", r.outcome.key());
        f.set("description_en", r.description_en);
        f.set("description_ar", r.description_ar);
    }
    show(ctx, &app, f, q.added.is_some()).await
}

async fn show(ctx: Ctx, app: &App, f: Fields, added: bool) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let rules = app
        .rules()
        .await
        .map_err(|e| ctx.err(e))?
        .into_iter()
        .map(|r| RuleLine {
            from: lang.date(&r.effective_from.format("%Y-%m-%d").to_string()),
            ages: format!("{}–{}", r.min_age, r.max_age),
            outcome: outcome_text(&lang, r.outcome.key()),
            description: if lang.code() == "ar" && !r.description_ar.is_empty() {
                r.description_ar
            } else {
                r.description_en
            },
            retired: r.retired,
            version: r.version,
            id: r.id,
        })
        .collect();
    let mut outcomes = vec![(
        Outcome::WithMother.key().to_owned(),
        lang.t("cust-outcome-with_mother"),
    )];
    outcomes.extend(
        SiteKind::ALL
            .iter()
            .map(|k| (k.key().to_owned(), lang.key("site-kind", k.key()))),
    );
    let nationalities = ["any", "iraqi_or_palestinian", "foreign"]
        .iter()
        .map(|n| ((*n).to_owned(), lang.key("cust-nationality", n)))
        .collect();
    render(&RulesPage {
        may_add: ctx.can(Action::Administer),
        rules,
        f,
        outcomes,
        nationalities,
        added,
        l: ctx.layout,
    })
}

/// A whole number from a form field, or its error naming the field.
fn number(f: &Fields, key: &str, errors: &mut Vec<homeward_domain::error::FieldError>) -> u32 {
    match f.v(key).trim().parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            errors.push(web_error(
                key,
                "HW-WEB-0204",
                "write a whole number, 0 or more",
            ));
            0
        }
    }
}

pub async fn add(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::Administer)?;
    let lang = ctx.lang().clone();
    let mut f = Fields::of(&pairs);
    let mut errors = Vec::new();
    let priority = number(&f, "priority", &mut errors);
    let min_age = number(&f, "min_age", &mut errors);
    let max_age = number(&f, "max_age", &mut errors);
    let draft = RuleDraft {
        id: f.v("id").trim().to_owned(),
        effective_from: f.v("effective_from").trim().to_owned(),
        retired: f.is("retired", "on"),
        priority,
        min_age,
        max_age,
        sex: f.text("sex"),
        nationality: f.v("nationality").to_owned(),
        outcome: f.v("outcome").to_owned(),
        description_en: f.v("description_en").to_owned(),
        description_ar: f.v("description_ar").to_owned(),
    };
    // A number that is not one is refused before anything is sent, so nothing is recorded.
    let result = if errors.is_empty() {
        app.add_rule_version(&actor(&ctx), &draft).await
    } else {
        Err(homeward_domain::error::Invalid(std::mem::take(&mut errors)).into())
    };
    match result {
        Ok(r) => Ok(see_other(&format!(
            "/placement-rules?added=1#rule-{}",
            r.id
        ))),
        Err(e) => match refusal(&ctx, e) {
            Refusal::Fields(more) => {
                f.errors = shown(&more, &lang);
                let r = show(ctx, &app, f, false).await?;
                Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Refusal::Page(p) => Err(p),
        },
    }
}
