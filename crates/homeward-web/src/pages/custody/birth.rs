//! A birth in custody, registered from the mother's file: the child is linked to her, placed
//! with her, and given the nationality claims proposed from hers.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use homeward_app::App;
use homeward_app::placement::BirthDraft;
use homeward_app::registry::NameDraft;
use homeward_domain::access::Action;
use homeward_domain::person::PersonId;

use super::{Fields, Refusal, actor, refusal, see_other, shown, with_status};
use crate::pages::{Ctx, Layout, PageError, render, same_origin};

#[derive(Template)]
#[template(path = "custody_birth.html")]
struct BirthPage {
    l: Layout,
    id: i64,
    number: String,
    name: String,
    site: String,
    expected: String,
    held: bool,
    f: Fields,
}

/// The mother's side of the form: who she is, where she is, when the baby is expected.
async fn show(ctx: Ctx, app: &App, id: i64, f: Fields) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let file = app
        .person_file_for(&ctx.principal, PersonId(id), "web birth")
        .await
        .map_err(|e| ctx.err(e))?;
    let facts = file.person.facts().map_err(|e| ctx.err(e.into()))?;
    let site = match file.person.current_site_id {
        Some(s) => app
            .store()
            .site(homeward_domain::site::SiteId(s))
            .await
            .map(|s| {
                if lang.code() == "ar" {
                    s.name_ar
                } else {
                    s.name_en
                }
            })
            .unwrap_or_default(),
        None => String::new(),
    };
    render(&BirthPage {
        id,
        number: file.person.registration_number.clone(),
        name: file
            .names
            .first()
            .map(|n| n.text.clone())
            .unwrap_or_default(),
        held: facts.status.is_held() && file.person.current_site_id.is_some(),
        site,
        expected: facts
            .vulnerability
            .pregnant_expected_delivery
            .map(|d| lang.date(&d.format("%Y-%m-%d").to_string()))
            .unwrap_or_default(),
        f,
        l: ctx.layout,
    })
}

pub async fn form(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ctx.may(Action::WriteRegistry)?;
    let mut f = Fields::default();
    f.set("date_of_birth", app.today().format("%Y-%m-%d").to_string());
    show(ctx, &app, id, f).await
}

pub async fn submit(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::WriteRegistry)?;
    let lang = ctx.lang().clone();
    if !app
        .can_see(&ctx.principal, PersonId(id))
        .await
        .map_err(|e| ctx.err(e))?
    {
        return Err(PageError::NotFound(lang));
    }
    let mut f = Fields::of(&pairs);
    let mut names = Vec::new();
    if let Some(text) = f.text("name") {
        names.push(NameDraft {
            text,
            kind: Some("as_registered".into()),
            ..NameDraft::default()
        });
    }
    let draft = BirthDraft {
        sex: f.v("sex").to_owned(),
        date_of_birth: f.v("date_of_birth").trim().to_owned(),
        names,
        father_unknown: f.is("father_unknown", "on"),
        father_name: f.text("father_name"),
    };
    match app.register_birth(&actor(&ctx), PersonId(id), &draft).await {
        Ok(file) => Ok(see_other(&format!("/persons/{}?born=1", file.person.id))),
        Err(e) => match refusal(&ctx, e) {
            Refusal::Fields(errors) => {
                // `names[0].text` and `names` are the one name field of this form.
                let errors: Vec<_> = errors
                    .into_iter()
                    .map(|mut e| {
                        if e.field.starts_with("names") {
                            e.field = "name".into();
                        }
                        e
                    })
                    .collect();
                f.errors = shown(&errors, &lang);
                let r = show(ctx, &app, id, f).await?;
                Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Refusal::Page(p) => Err(p),
        },
    }
}
