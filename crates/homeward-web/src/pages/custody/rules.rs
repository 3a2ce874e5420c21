//! The placement rules: every version with the day it came into force.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::Action;

use crate::pages::{Ctx, Layout, PageError, render};

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
}

pub async fn page(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    ctx.may(Action::ReadSites)?;
    let lang = ctx.lang().clone();
    let rules = app
        .rules()
        .await
        .map_err(|e| ctx.err(e))?
        .into_iter()
        .map(|r| RuleLine {
            from: lang.date(&r.effective_from.format("%Y-%m-%d").to_string()),
            ages: format!("{}–{}", r.min_age, r.max_age),
            outcome: lang.key("site-kind", r.outcome.key()),
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
    render(&RulesPage {
        l: ctx.layout,
        rules,
    })
}
