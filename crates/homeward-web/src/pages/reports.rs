//! The dashboard (aggregates for every role allowed to see figures, each chart with its
//! table), the situation report download, and the register of exports for auditors and
//! administrators.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use homeward_app::App;
use homeward_app::reports::{Dashboard, FUNNEL, HEADLINE};
use homeward_domain::access::Action;
use homeward_domain::country::CountryCode;
use homeward_store::reports::ExportRow;
use serde::Deserialize;

use super::charts;
use super::{Ctx, Lang, Layout, PageError, non_blank, render, secure_headers};

/// The routes of this module.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/sitrep.pdf", get(sitrep))
        .route("/exports", get(exports))
}

impl Layout {
    /// May see the dashboard (every role with aggregate figures).
    pub fn rpt_can_dashboard(&self) -> bool {
        self.user.is_some()
    }

    /// May see the register of exports (administrators and auditors).
    pub fn rpt_can_exports(&self) -> bool {
        self.can_admin || (self.user.is_some() && !self.can_read && !self.can_sites)
    }
}

/// One chart with its table.
pub struct Panel {
    /// Anchor id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// The SVG, already escaped where it holds text.
    pub svg: String,
    /// Column heads of the table.
    pub head: Vec<String>,
    /// Table rows.
    pub rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    as_of: String,
    cards: Vec<(String, i64)>,
    panels: Vec<Panel>,
    elapsed_ms: u128,
}

fn country(lang: &Lang, code: &str) -> String {
    match CountryCode::parse("c", code) {
        Ok(c) => {
            let i = c.info();
            if lang.code() == "ar" {
                i.name_ar.to_owned()
            } else {
                i.name_en.to_owned()
            }
        }
        Err(_) => code.to_owned(),
    }
}

fn simple(lang: &Lang, id: &str, head: &str, rows: Vec<(String, i64)>) -> Panel {
    let rtl = lang.dir() == "rtl";
    let title = lang.t(&format!("rpt-{id}"));
    let chart: Vec<(String, i64, Option<i64>)> =
        rows.iter().map(|(k, v)| (k.clone(), *v, None)).collect();
    Panel {
        id: id.to_owned(),
        svg: charts::bars(&title, &chart, rtl),
        head: vec![lang.t(head), lang.t("rpt-persons")],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![k, v.to_string()])
            .collect(),
        title,
    }
}

/// The panels of the dashboard, in the page language.
pub fn panels(d: &Dashboard, lang: &Lang) -> Vec<Panel> {
    let rtl = lang.dir() == "rtl";
    let word = |prefix: &str, k: &str| lang.key(prefix, k);
    let mut out = vec![
        simple(
            lang,
            "nationality",
            "rpt-country",
            d.by_nationality
                .iter()
                .map(|(k, v)| (country(lang, k), *v))
                .collect(),
        ),
        simple(
            lang,
            "sex",
            "rpt-sex",
            d.by_sex.iter().map(|(k, v)| (word("sex", k), *v)).collect(),
        ),
        simple(
            lang,
            "age",
            "rpt-band",
            d.by_age_band
                .iter()
                .map(|(k, v)| (word("rpt-band", k), *v))
                .collect(),
        ),
        simple(
            lang,
            "status",
            "rpt-status",
            d.by_status
                .iter()
                .map(|(k, v)| (word("status", k), *v))
                .collect(),
        ),
        simple(
            lang,
            "verification",
            "rpt-state",
            d.by_verification
                .iter()
                .map(|(k, v)| (word("claim", k), *v))
                .collect(),
        ),
    ];
    // capacity per site
    let title = lang.t("rpt-sites");
    let chart: Vec<(String, i64, Option<i64>)> = d
        .sites
        .iter()
        .map(|s| (s.code.clone(), s.occupancy, Some(s.capacity)))
        .collect();
    out.push(Panel {
        id: "sites".into(),
        svg: charts::bars(&title, &chart, rtl),
        head: vec![
            lang.t("rpt-site"),
            lang.t("rpt-occupancy"),
            lang.t("rpt-capacity"),
        ],
        rows: d
            .sites
            .iter()
            .map(|s| {
                vec![
                    format!(
                        "{} ({})",
                        if lang.code() == "ar" {
                            &s.name_ar
                        } else {
                            &s.name_en
                        },
                        s.code
                    ),
                    s.occupancy.to_string(),
                    s.capacity.to_string(),
                ]
            })
            .collect(),
        title,
    });
    // trends per month
    let title = lang.t("rpt-trends");
    let names = ["admissions", "births", "handovers"].map(|k| lang.t(&format!("rpt-{k}")));
    let months: Vec<String> = d.months.iter().map(|m| m.month.clone()).collect();
    let series = vec![
        (
            names[0].clone(),
            d.months.iter().map(|m| m.admissions).collect(),
        ),
        (
            names[1].clone(),
            d.months.iter().map(|m| m.births).collect(),
        ),
        (
            names[2].clone(),
            d.months.iter().map(|m| m.handovers).collect(),
        ),
    ];
    out.push(Panel {
        id: "trends".into(),
        svg: charts::months(&title, &months, &series, rtl),
        head: std::iter::once(lang.t("rpt-month"))
            .chain(names.iter().cloned())
            .collect(),
        rows: d
            .months
            .iter()
            .map(|m| {
                vec![
                    m.month.clone(),
                    m.admissions.to_string(),
                    m.births.to_string(),
                    m.handovers.to_string(),
                ]
            })
            .collect(),
        title,
    });
    // repatriation funnel per country: persons who reached each stage
    let title = lang.t("rpt-funnel");
    let mut chart = Vec::new();
    for (c, stages) in &d.funnel {
        for (stage, n) in FUNNEL.iter().zip(stages) {
            chart.push((format!("{} · {}", c, word("rep-state", stage)), *n, None));
        }
    }
    out.push(Panel {
        id: "funnel".into(),
        svg: charts::bars(&title, &chart, rtl),
        head: std::iter::once(lang.t("rpt-country"))
            .chain(FUNNEL.iter().map(|s| word("rep-state", s)))
            .collect(),
        rows: d
            .funnel
            .iter()
            .map(|(c, stages)| {
                std::iter::once(country(lang, c))
                    .chain(stages.iter().map(ToString::to_string))
                    .collect()
            })
            .collect(),
        title,
    });
    // current stage per country
    let title = lang.t("rpt-stage");
    out.push(Panel {
        id: "stage".into(),
        svg: charts::bars(
            &title,
            &d.stage_by_country
                .iter()
                .map(|(c, s, n)| (format!("{c} · {}", word("rep-state", s)), *n, None))
                .collect::<Vec<_>>(),
            rtl,
        ),
        head: vec![
            lang.t("rpt-country"),
            lang.t("rpt-state"),
            lang.t("rpt-persons"),
        ],
        rows: d
            .stage_by_country
            .iter()
            .map(|(c, s, n)| vec![country(lang, c), word("rep-state", s), n.to_string()])
            .collect(),
        title,
    });
    out
}

#[derive(Debug, Deserialize)]
pub struct AsOf {
    pub(super) date: Option<String>,
    pub(super) lang: Option<String>,
}

async fn dashboard(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<AsOf>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadStats)?;
    let started = std::time::Instant::now();
    let as_of = match non_blank(&q.date) {
        Some(d) => homeward_domain::date::parse_date("date", &d)
            .map_err(|_| PageError::BadRequest(ctx.lang().clone()))?,
        None => app.today(),
    };
    let d = app
        .dashboard(&ctx.principal, as_of)
        .await
        .map_err(|e| ctx.err(e))?;
    let lang = ctx.lang().clone();
    // The tables of the role's share only (a consular officer has no site table).
    let share = homeward_app::reports::share_of(ctx.principal.role);
    let panels: Vec<Panel> = panels(&d, &lang)
        .into_iter()
        .filter(|p| share.tables.iter().any(|t| *t == p.id))
        .collect();
    render(&DashboardPage {
        as_of: d.as_of.clone(),
        cards: HEADLINE
            .iter()
            .map(|k| (lang.t(&format!("rpt-h-{k}")), d.figure(k)))
            .collect(),
        panels,
        elapsed_ms: started.elapsed().as_millis(),
        l: ctx.layout,
    })
}

async fn sitrep(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<AsOf>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadStats)?;
    let date = match non_blank(&q.date) {
        Some(d) => homeward_domain::date::parse_date("date", &d)
            .map_err(|_| PageError::BadRequest(ctx.lang().clone()))?,
        None => app.today(),
    };
    let lang = non_blank(&q.lang).unwrap_or_else(|| ctx.lang().code().to_owned());
    let r = app
        .sitrep(&ctx.principal, date, &lang)
        .await
        .map_err(|e| ctx.err(e))?;
    let mut resp = r.pdf.into_response();
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"sitrep-{}-{}.pdf\"",
        r.figures.as_of,
        if lang == "ar" { "ar" } else { "en" }
    )) {
        resp.headers_mut().insert(CONTENT_DISPOSITION, v);
    }
    secure_headers(resp.headers_mut());
    Ok(resp)
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    l: Layout,
    rows: Vec<ExportRow>,
}

async fn exports(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    let rows = app
        .exports_register(&ctx.principal)
        .await
        .map_err(|e| ctx.err(e))?;
    render(&ExportsPage {
        l: ctx.layout,
        rows,
    })
}
