//! Search by any spelling of a name in any script, or by a registration or document number.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::Action;
use serde::Deserialize;

use super::persons::{Row, rows};
use super::{Ctx, Layout, PageError, render};

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    hits: Vec<(Row, Vec<String>, u32)>,
    searched: bool,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadPersons)?;
    let q = query.q.unwrap_or_default().trim().to_owned();
    let hits = if q.is_empty() {
        Vec::new()
    } else {
        app.search(&ctx.principal, &q, 25)
            .await
            .map_err(|e| ctx.err(e))?
    };
    let summaries = hits.iter().map(|h| h.summary.clone()).collect::<Vec<_>>();
    let shown = rows(&app, ctx.lang(), summaries).await?;
    let hits = shown
        .into_iter()
        .zip(hits)
        .map(|(row, h)| {
            let pct = (h.probability * 100.0).round().clamp(0.0, 100.0) as u32;
            (row, h.reasons, pct)
        })
        .collect();
    render(&SearchPage {
        searched: !q.is_empty(),
        l: ctx.layout,
        q,
        hits,
    })
}
