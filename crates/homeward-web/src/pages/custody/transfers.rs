//! Transfers between sites: the list (filtered by state), a new request that lists the family
//! members affected and what the custody rules would refuse before it is sent (with moving
//! the whole family at once), and one transfer with its steps (requested, authorised, carried
//! out: who and when) and the button for the next step.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::Action;
use homeward_domain::error::FieldError;
use homeward_domain::person::PersonId;
use homeward_domain::site::SiteId;
use homeward_store::custody::TransferRow;
use serde::Deserialize;

use super::{
    Fields, PersonLine, Refusal, actor, person_line, placeable_sites, refusal, see_other, shown,
    site_names, web_error, with_status,
};
use crate::pages::{Ctx, Lang, Layout, PageError, ShownError, non_blank, render, same_origin};

/// The states a transfer goes through, in order.
const STATES: [&str; 3] = ["requested", "authorised", "carried_out"];

/// A transfer as the list shows it.
pub struct TransferLine {
    pub id: i64,
    pub state: String,
    pub state_key: String,
    pub to_site: String,
    pub persons: Vec<String>,
    pub reason: String,
    pub requested: String,
}

#[derive(Template)]
#[template(path = "custody_transfers.html")]
struct ListPage {
    l: Layout,
    state: String,
    states: Vec<(String, String)>,
    transfers: Vec<TransferLine>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    state: Option<String>,
}

pub async fn list(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::MovePersons)?;
    let lang = ctx.lang().clone();
    let state = non_blank(&q.state).filter(|s| STATES.contains(&s.as_str()));
    let sites = site_names(&app, &lang).await?;
    let rows = app
        .store()
        .transfers(state.as_deref())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let mut transfers = Vec::new();
    for t in rows {
        let mut persons = Vec::new();
        for p in &t.persons {
            let row = app
                .store()
                .person(PersonId(*p))
                .await
                .map_err(|e| ctx.err(e.into()))?;
            persons.push(row.registration_number);
        }
        transfers.push(TransferLine {
            id: t.id,
            state: lang.key("cust-state", &t.state),
            state_key: t.state.clone(),
            to_site: sites.get(&t.to_site_id).cloned().unwrap_or_default(),
            persons,
            reason: t.reason,
            requested: format!("{}, {}", t.requested_by, lang.date(&t.requested_at)),
        });
    }
    render(&ListPage {
        state: state.unwrap_or_default(),
        states: STATES
            .iter()
            .map(|s| ((*s).to_owned(), lang.key("cust-state", s)))
            .collect(),
        transfers,
        l: ctx.layout,
    })
}

/// A family member who would stay behind, and how they are related to someone moved.
pub struct FamilyLine {
    pub person: PersonLine,
    pub relation: String,
    pub of: String,
    pub added: bool,
}

/// A refusal of the custody rules about one person of a transfer.
pub struct PersonRefusal {
    pub number: String,
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "custody_transfer_new.html")]
struct NewPage {
    l: Layout,
    f: Fields,
    sites: Vec<(String, String)>,
    previewed: bool,
    moving: Vec<PersonLine>,
    family: Vec<FamilyLine>,
    refusals: Vec<PersonRefusal>,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    person: Option<String>,
}

pub async fn new_form(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::MovePersons)?;
    let lang = ctx.lang().clone();
    let mut f = Fields::default();
    f.set("date", app.today().format("%Y-%m-%d").to_string());
    if let Some(id) = non_blank(&q.person).and_then(|p| p.parse::<i64>().ok())
        && app
            .can_see(&ctx.principal, PersonId(id))
            .await
            .map_err(|e| ctx.err(e))?
        && let Ok(row) = app.store().person(PersonId(id)).await
    {
        f.set("persons", row.registration_number);
    }
    render(&NewPage {
        sites: placeable_sites(&app, &lang).await?,
        f,
        previewed: false,
        moving: Vec::new(),
        family: Vec::new(),
        refusals: Vec::new(),
        l: ctx.layout,
    })
}

/// The registration numbers written in the persons field, resolved to persons the caller may
/// see; a number that matches no one (or someone out of scope) is named in the error.
async fn resolve_persons(
    ctx: &Ctx,
    app: &App,
    text: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<i64>, PageError> {
    let mut ids = Vec::new();
    for number in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let found = match app.store().person_by_number(number).await {
            Ok(row) => app
                .can_see(&ctx.principal, PersonId(row.id))
                .await
                .map_err(|e| ctx.err(e))?
                .then_some(row.id),
            Err(homeward_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(ctx.err(e.into())),
        };
        match found {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => errors.push(web_error(
                "persons",
                "HW-WEB-0201",
                &format!("no person has the registration number {number}"),
            )),
        }
    }
    if ids.is_empty() && errors.is_empty() {
        errors.push(web_error(
            "persons",
            "HW-TRANSFER-0001",
            "name at least one person",
        ));
    }
    Ok(ids)
}

/// The family members of `moving` held elsewhere, with how each is related to someone moved.
async fn family_lines(
    app: &App,
    lang: &Lang,
    sites: &HashMap<i64, String>,
    moving: &[i64],
    left_behind: &[i64],
    added: &[i64],
) -> Result<Vec<FamilyLine>, PageError> {
    let mut out = Vec::new();
    for other in left_behind {
        let file = app
            .store()
            .person_file(PersonId(*other))
            .await
            .map_err(|e| PageError::from_app(e.into(), lang))?;
        let (mut relation, mut of) = (String::new(), String::new());
        for l in &file.links {
            let (rel, with) = if l.from_person == *other {
                (l.relation.clone(), l.to_person)
            } else if matches!(l.relation.as_str(), "mother" | "father") {
                ("child".to_owned(), l.from_person)
            } else {
                (l.relation.clone(), l.from_person)
            };
            if moving.contains(&with) {
                relation = lang.key("relation", &rel);
                of = app
                    .store()
                    .person(PersonId(with))
                    .await
                    .map(|p| p.registration_number)
                    .unwrap_or_default();
                break;
            }
        }
        out.push(FamilyLine {
            person: person_line(app, lang, sites, *other).await?,
            relation,
            of,
            added: added.contains(other),
        });
    }
    Ok(out)
}

/// Refusals prefixed `persons[ID].field`, told about the person by registration number.
async fn person_refusals(
    app: &App,
    lang: &Lang,
    errors: &[FieldError],
) -> Result<Vec<PersonRefusal>, PageError> {
    let mut out = Vec::new();
    for e in errors {
        let shown = shown(std::slice::from_ref(e), lang).remove(0);
        let (number, field) = match e
            .field
            .strip_prefix("persons[")
            .and_then(|r| r.split_once("]."))
        {
            Some((id, field)) => {
                let number = match id.parse::<i64>() {
                    Ok(id) => app
                        .store()
                        .person(PersonId(id))
                        .await
                        .map(|p| p.registration_number)
                        .unwrap_or_default(),
                    Err(_) => String::new(),
                };
                (number, field.to_owned())
            }
            None => (String::new(), e.field.clone()),
        };
        out.push(PersonRefusal {
            number,
            field,
            code: shown.code,
            message: shown.message,
        });
    }
    Ok(out)
}

pub async fn new_submit(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::MovePersons)?;
    let lang = ctx.lang().clone();
    let mut f = Fields::of(&pairs);
    let mut errors = Vec::new();
    let mut ids = resolve_persons(&ctx, &app, f.v("persons"), &mut errors).await?;
    // Family members ticked on the preview, or the whole family at once.
    let whole_family = f.is("whole_family", "1");
    let ticked: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "family")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let to_site = match f.v("to_site").parse::<i64>() {
        Ok(s) if app.store().site(SiteId(s)).await.is_ok() => Some(s),
        _ => {
            errors.push(web_error(
                "to_site",
                "HW-TRANSFER-0003",
                "choose the site they go to",
            ));
            None
        }
    };
    let date = match homeward_domain::date::parse_date("date", f.v("date").trim()) {
        Ok(d) if d < app.today() => {
            errors.push(web_error(
                "date",
                "HW-WEB-0202",
                "a planned transfer date cannot be in the past",
            ));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let reason = f.text("reason");
    if reason.is_none() {
        errors.push(web_error(
            "reason",
            "HW-TRANSFER-0002",
            "say why they are transferred",
        ));
    }
    let sites = site_names(&app, &lang).await?;
    let confirm = f.is("step", "confirm");
    let mut preview = None;
    if let Some(to_site) = to_site
        && !ids.is_empty()
    {
        let first = app
            .preview_transfer(&actor(&ctx), to_site, &ids, false, None)
            .await
            .map_err(|e| ctx.err(e))?;
        let add: Vec<i64> = first
            .left_behind
            .iter()
            .copied()
            .filter(|p| whole_family || ticked.contains(p))
            .collect();
        if add.is_empty() {
            preview = Some(first);
        } else {
            ids.extend(&add);
            let numbers: Vec<String> = {
                let mut n = Vec::new();
                for p in &ids {
                    n.push(person_line(&app, &lang, &sites, *p).await?.number);
                }
                n
            };
            f.set("persons", numbers.join(" "));
            preview = Some(
                app.preview_transfer(&actor(&ctx), to_site, &ids, false, None)
                    .await
                    .map_err(|e| ctx.err(e))?,
            );
        }
    }
    if confirm
        && errors.is_empty()
        && let (Some(to_site), Some(date), Some(reason)) = (to_site, date, &reason)
    {
        let text = format!("{} {}: {reason}", PLANNED, date.format("%Y-%m-%d"));
        match app
            .request_transfer(&actor(&ctx), to_site, &ids, &text)
            .await
        {
            Ok((t, _)) => return Ok(see_other(&format!("/transfers/{}?done=requested", t.id))),
            Err(e) => match refusal(&ctx, e) {
                Refusal::Fields(more) => errors.extend(more),
                Refusal::Page(p) => return Err(p),
            },
        }
    }
    let mut moving = Vec::new();
    for p in &ids {
        moving.push(person_line(&app, &lang, &sites, *p).await?);
    }
    let (family, refusals) = match &preview {
        Some(p) => (
            family_lines(&app, &lang, &sites, &ids, &p.left_behind, &ticked).await?,
            person_refusals(&app, &lang, &p.refusals).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    f.errors = shown(&errors, &lang);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let r = render(&NewPage {
        sites: placeable_sites(&app, &lang).await?,
        previewed: preview.is_some() && errors.is_empty(),
        f,
        moving,
        family,
        refusals,
        l: ctx.layout,
    })?;
    Ok(with_status(r, status))
}

/// How the planned date is kept with the request's reason (the transfer has no date of its
/// own until it is carried out).
const PLANNED: &str = "planned for";

/// A step of a transfer: done by whom and when, or not yet.
pub struct Step {
    pub name: String,
    pub by: String,
    pub at: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "custody_transfer.html")]
struct TransferPage {
    l: Layout,
    t: TransferRow,
    state: String,
    to_site: String,
    planned: String,
    reason: String,
    steps: Vec<Step>,
    moving: Vec<PersonLine>,
    family: Vec<FamilyLine>,
    refusals: Vec<PersonRefusal>,
    f: Fields,
    may_act: bool,
    over_capacity: String,
    done: String,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    done: Option<String>,
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::MovePersons)?;
    let done = non_blank(&q.done)
        .filter(|d| STATES.contains(&d.as_str()))
        .unwrap_or_default();
    show(ctx, &app, id, Fields::default(), Vec::new(), done).await
}

async fn show(
    ctx: Ctx,
    app: &App,
    id: i64,
    f: Fields,
    refused: Vec<FieldError>,
    done: String,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let t = app
        .store()
        .transfer(id)
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let sites = site_names(app, &lang).await?;
    let mut moving = Vec::new();
    for p in &t.persons {
        moving.push(person_line(app, &lang, &sites, *p).await?);
    }
    // Who would stay behind is only a question while the transfer is still to be done.
    let family = if t.state == "carried_out" {
        Vec::new()
    } else {
        let left = left_behind(app, &lang, &t.persons).await?;
        family_lines(app, &lang, &sites, &t.persons, &left, &[]).await?
    };
    let step = |name: &str, by: &Option<String>, at: &Option<String>| Step {
        name: lang.key("cust-state", name),
        by: by.clone().unwrap_or_default(),
        at: at.as_deref().map(|a| lang.date(a)).unwrap_or_default(),
        done: by.is_some(),
    };
    let steps = vec![
        step(
            "requested",
            &Some(t.requested_by.clone()),
            &Some(t.requested_at.clone()),
        ),
        step("authorised", &t.authorised_by, &t.authorised_at),
        step("carried_out", &t.carried_out_by, &t.carried_out_at),
    ];
    let (planned, reason) = match t
        .reason
        .strip_prefix(PLANNED)
        .and_then(|r| r.trim_start().split_once(": "))
    {
        Some((d, r)) => (lang.date(d), r.to_owned()),
        None => (String::new(), t.reason.clone()),
    };
    let dest = app
        .store()
        .site(SiteId(t.to_site_id))
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let occupancy = app
        .store()
        .persons_at_site(SiteId(t.to_site_id), app.now())
        .await
        .map_err(|e| ctx.err(e.into()))?
        .len();
    let occupancy = i64::try_from(occupancy).unwrap_or(i64::MAX);
    let over_capacity = if dest.capacity > 0 && occupancy > dest.capacity {
        lang.ta(
            "cust-over-capacity-warning",
            &[
                ("occupancy", occupancy.to_string()),
                ("capacity", dest.capacity.to_string()),
            ],
        )
    } else {
        String::new()
    };
    let refusals = person_refusals(app, &lang, &refused).await?;
    let mut f = f;
    f.errors = shown(
        &refused
            .iter()
            .filter(|e| !e.field.starts_with("persons["))
            .cloned()
            .collect::<Vec<_>>(),
        &lang,
    );
    // A refusal about one person also marks the field of the form it asks for.
    for r in &refusals {
        if !r.number.is_empty()
            && matches!(
                r.field.as_str(),
                "confirm_over_capacity" | "best_interests_ref"
            )
        {
            f.errors.push(ShownError {
                field: r.field.clone(),
                code: r.code.clone(),
                message: format!("{}: {}", r.number, r.message),
            });
        }
    }
    render(&TransferPage {
        state: lang.key("cust-state", &t.state),
        to_site: sites.get(&t.to_site_id).cloned().unwrap_or_default(),
        planned,
        reason,
        steps,
        moving,
        family,
        refusals,
        f,
        may_act: ctx.can(Action::MovePersons),
        over_capacity,
        done,
        t,
        l: ctx.layout,
    })
}

/// The held family members of `persons` who are not part of the transfer (read only).
async fn left_behind(app: &App, lang: &Lang, persons: &[i64]) -> Result<Vec<i64>, PageError> {
    let mut out = Vec::new();
    for p in persons {
        let file = app
            .store()
            .person_file(PersonId(*p))
            .await
            .map_err(|e| PageError::from_app(e.into(), lang))?;
        for l in &file.links {
            let other = if l.from_person == *p {
                l.to_person
            } else {
                l.from_person
            };
            if persons.contains(&other) || out.contains(&other) {
                continue;
            }
            let held = app
                .store()
                .person(PersonId(other))
                .await
                .ok()
                .and_then(|r| r.facts().ok())
                .is_some_and(|f| f.status.is_held());
            if held {
                out.push(other);
            }
        }
    }
    Ok(out)
}

fn version_of(f: &Fields) -> i64 {
    f.v("version").parse().unwrap_or(-1)
}

pub async fn authorise(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::MovePersons)?;
    let f = Fields::of(&pairs);
    match app
        .authorise_transfer(&actor(&ctx), id, version_of(&f))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/transfers/{id}?done=authorised"))),
        Err(e) => match refusal(&ctx, e) {
            Refusal::Fields(errors) => {
                let r = show(ctx, &app, id, f, errors, String::new()).await?;
                Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Refusal::Page(p) => Err(p),
        },
    }
}

pub async fn carry_out(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::MovePersons)?;
    let f = Fields::of(&pairs);
    let bid = f.text("best_interests_ref");
    match app
        .carry_out_transfer_with(
            &actor(&ctx),
            id,
            version_of(&f),
            f.is("confirm_over_capacity", "on"),
            bid.as_deref(),
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!("/transfers/{id}?done=carried_out"))),
        Err(e) => match refusal(&ctx, e) {
            Refusal::Fields(errors) => {
                let r = show(ctx, &app, id, f, errors, String::new()).await?;
                Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Refusal::Page(p) => Err(p),
        },
    }
}
