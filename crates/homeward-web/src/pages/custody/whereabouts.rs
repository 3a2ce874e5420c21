//! The two questions the register must answer from the custody history: where was this person
//! on a date, and who was at this site (or one of its sections) on a date.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use homeward_app::App;
use homeward_domain::access::Action;
use homeward_domain::person::PersonId;
use homeward_domain::site::SiteId;
use serde::Deserialize;

use super::{Fields, day_or_today, shown, web_error};
use crate::pages::{Ctx, Layout, PageError, ShownError, non_blank, render};

/// The end of a day: "on D" means where they were when the day ended.
fn end_of(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
}

#[derive(Deserialize, Default)]
pub struct WhereQuery {
    person: Option<String>,
    date: Option<String>,
}

/// The answer about one person.
pub struct Answer {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub date: String,
    pub site: Option<(i64, String)>,
}

#[derive(Template)]
#[template(path = "custody_where.html")]
struct WherePage {
    l: Layout,
    f: Fields,
    answer: Option<Answer>,
}

pub async fn person(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<WhereQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadPersons)?;
    ctx.may(Action::ReadSites)?;
    let lang = ctx.lang().clone();
    let mut f = Fields::default();
    let mut errors: Vec<ShownError> = Vec::new();
    let on = match day_or_today(&app, &lang, &q.date) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    f.set(
        "date",
        non_blank(&q.date).unwrap_or_else(|| app.today().format("%Y-%m-%d").to_string()),
    );
    let mut answer = None;
    if let Some(number) = non_blank(&q.person) {
        f.set("person", number.clone());
        // Someone out of the caller's scope is answered exactly like no one.
        let id = match app.store().person_by_number(&number).await {
            Ok(row) => app
                .can_see(&ctx.principal, PersonId(row.id))
                .await
                .map_err(|e| ctx.err(e))?
                .then_some(row.id),
            Err(homeward_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(ctx.err(e.into())),
        };
        match (id, on) {
            (None, _) => errors.extend(shown(
                &[web_error(
                    "person",
                    "HW-WEB-0201",
                    &format!("no person has the registration number {number}"),
                )],
                &lang,
            )),
            (Some(id), Some(on)) => {
                let file = app
                    .person_file_for(&ctx.principal, PersonId(id), "web whereabouts")
                    .await
                    .map_err(|e| ctx.err(e))?;
                let site = app
                    .store()
                    .site_of_person_at(PersonId(id), end_of(on))
                    .await
                    .map_err(|e| ctx.err(e.into()))?
                    .map(|s| {
                        let name = if lang.code() == "ar" {
                            s.name_ar
                        } else {
                            s.name_en
                        };
                        (s.id, format!("{name} ({})", s.code))
                    });
                answer = Some(Answer {
                    id,
                    number: file.person.registration_number.clone(),
                    name: file
                        .names
                        .first()
                        .map(|n| n.text.clone())
                        .unwrap_or_default(),
                    date: on.format("%Y-%m-%d").to_string(),
                    site,
                });
            }
            (Some(_), None) => {}
        }
    }
    f.errors = errors;
    let status = if f.all().is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let r = render(&WherePage {
        f,
        answer,
        l: ctx.layout,
    })?;
    Ok(super::with_status(r, status))
}

#[derive(Deserialize, Default)]
pub struct OnQuery {
    date: Option<String>,
}

/// A person who was at the site on the day.
pub struct Present {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub age: String,
    pub section: String,
}

#[derive(Template)]
#[template(path = "custody_site_on.html")]
struct SiteOnPage {
    l: Layout,
    id: i64,
    site: String,
    f: Fields,
    date_text: String,
    persons: Vec<Present>,
}

pub async fn site(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<OnQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadSites)?;
    ctx.may(Action::ReadPersons)?;
    let lang = ctx.lang().clone();
    let all = app.store().sites().await.map_err(|e| ctx.err(e.into()))?;
    let Some(row) = all.iter().find(|s| s.id == id).cloned() else {
        return Err(PageError::NotFound(lang));
    };
    let name_of = |s: &homeward_store::rows::SiteRow| {
        if lang.code() == "ar" {
            s.name_ar.clone()
        } else {
            s.name_en.clone()
        }
    };
    let mut f = Fields::default();
    let (on, errors) = match day_or_today(&app, &lang, &q.date) {
        Ok(d) => (d, Vec::new()),
        Err(e) => (app.today(), e),
    };
    f.set(
        "date",
        if errors.is_empty() {
            on.format("%Y-%m-%d").to_string()
        } else {
            non_blank(&q.date).unwrap_or_default()
        },
    );
    let mut persons = Vec::new();
    if errors.is_empty() {
        // A camp holds no one itself: its sections do.
        let mut places = vec![row.clone()];
        places.extend(all.iter().filter(|s| s.parent_id == Some(id)).cloned());
        for place in &places {
            for p in app
                .store()
                .persons_at_site(SiteId(place.id), end_of(on))
                .await
                .map_err(|e| ctx.err(e.into()))?
            {
                if !app
                    .can_see(&ctx.principal, PersonId(p.id))
                    .await
                    .map_err(|e| ctx.err(e))?
                {
                    continue;
                }
                let file = app
                    .store()
                    .person_file(PersonId(p.id))
                    .await
                    .map_err(|e| ctx.err(e.into()))?;
                persons.push(Present {
                    id: p.id,
                    age: p.age_on(on).map(|a| a.to_string()).unwrap_or_default(),
                    number: p.registration_number.clone(),
                    name: file
                        .names
                        .first()
                        .map(|n| n.text.clone())
                        .unwrap_or_default(),
                    section: name_of(place),
                });
            }
        }
    }
    f.errors = errors;
    let status = if f.all().is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let r = render(&SiteOnPage {
        id,
        site: name_of(&row),
        date_text: lang.date(&on.format("%Y-%m-%d").to_string()),
        f,
        persons,
        l: ctx.layout,
    })?;
    Ok(super::with_status(r, status))
}
