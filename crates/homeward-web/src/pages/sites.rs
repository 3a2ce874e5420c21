//! Sites: occupancy against capacity, separation group, and who is there.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::Action;
use homeward_domain::site::SiteId;
use homeward_store::registry::PersonFilter;
use homeward_store::rows::SiteRow;

use super::persons::{Row, rows};
use super::{Ctx, Lang, Layout, PageError, render};

/// A site as the pages show it.
pub struct SiteLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub group: String,
    pub capacity: i64,
    pub occupancy: i64,
    pub over: bool,
    pub parent: Option<i64>,
}

async fn line(app: &App, lang: &Lang, s: SiteRow) -> Result<SiteLine, PageError> {
    let occupancy = app
        .store()
        .persons_at_site(SiteId(s.id), app.now())
        .await
        .map_err(|e| PageError::from_app(e.into(), lang))?
        .len();
    let occupancy = i64::try_from(occupancy).unwrap_or(i64::MAX);
    Ok(SiteLine {
        id: s.id,
        name: if lang.code() == "ar" {
            s.name_ar
        } else {
            s.name_en
        },
        code: s.code,
        kind: lang.key("site-kind", &s.kind),
        group: s
            .separation_group
            .as_deref()
            .map(|g| lang.key("group", g))
            .unwrap_or_else(|| lang.t("group-none")),
        over: s.capacity > 0 && occupancy > s.capacity,
        capacity: s.capacity,
        occupancy,
        parent: s.parent_id,
    })
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    l: Layout,
    sites: Vec<SiteLine>,
}

pub async fn list(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    ctx.may(Action::ReadSites)?;
    let lang = ctx.lang().clone();
    let mut sites = Vec::new();
    for s in app.store().sites().await.map_err(|e| ctx.err(e.into()))? {
        sites.push(line(&app, &lang, s).await?);
    }
    render(&SitesPage {
        l: ctx.layout,
        sites,
    })
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage {
    l: Layout,
    site: SiteLine,
    parent: Option<SiteLine>,
    sections: Vec<SiteLine>,
    people: Vec<Row>,
    may_see_people: bool,
    total: i64,
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadSites)?;
    let lang = ctx.lang().clone();
    let all = app.store().sites().await.map_err(|e| ctx.err(e.into()))?;
    let Some(row) = all.iter().find(|s| s.id == id).cloned() else {
        return Err(PageError::NotFound(lang));
    };
    let parent = match row.parent_id.and_then(|p| all.iter().find(|s| s.id == p)) {
        Some(p) => Some(line(&app, &lang, p.clone()).await?),
        None => None,
    };
    let mut sections = Vec::new();
    for s in all.iter().filter(|s| s.parent_id == Some(id)) {
        sections.push(line(&app, &lang, s.clone()).await?);
    }
    let may_see_people = ctx.can(Action::ReadPersons);
    let (people, total) = if may_see_people {
        let filter = PersonFilter {
            site: Some(SiteId(id)),
            ..PersonFilter::default()
        };
        let page = app
            .list_persons_for(&ctx.principal, filter, 500, 0)
            .await
            .map_err(|e| ctx.err(e))?;
        (rows(&app, &lang, page.items).await?, page.total)
    } else {
        (Vec::new(), 0)
    };
    let mut site = line(&app, &lang, row).await?;
    site.occupancy += sections.iter().map(|s| s.occupancy).sum::<i64>();
    site.over = site.capacity > 0 && site.occupancy > site.capacity;
    render(&SitePage {
        site,
        parent,
        sections,
        people,
        may_see_people,
        total,
        l: ctx.layout,
    })
}
