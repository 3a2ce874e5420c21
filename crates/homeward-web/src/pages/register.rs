//! The registration form: every identity field, several names, documents, nationalities and
//! an optional first placement; errors beside each field in the reader's language, and a
//! "possible existing records" check before anything is saved.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use homeward_app::registry::{MoveDraft, NameDraft, RegisterPerson};
use homeward_app::{Actor, App, AppError};
use homeward_domain::access::Action;
use homeward_domain::error::FieldError;
use homeward_domain::person::{DocType, DocumentDraft, NameKind, PersonDraft, Status};
use homeward_domain::site::SeparationGroup;

use super::persons::{Row, rows, site_options};
use super::{Ctx, Lang, Layout, PageError, ShownError, countries, render, same_origin};

/// Name rows on the form.
const NAME_ROWS: usize = 4;
/// Document rows on the form.
const DOC_ROWS: usize = 2;
/// Nationality rows on the form.
const NAT_ROWS: usize = 3;

/// The submitted values and the errors to show beside them.
#[derive(Debug, Default)]
pub struct FormState {
    values: HashMap<String, String>,
    errors: Vec<ShownError>,
}

impl FormState {
    /// A field's submitted value.
    pub fn v(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or_default()
    }

    /// Whether a checkbox was ticked.
    pub fn on(&self, key: &str) -> bool {
        !self.v(key).is_empty()
    }

    /// Whether a select has this value.
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.v(key) == value
    }

    /// The errors of one field.
    pub fn errs(&self, key: &str) -> Vec<ShownError> {
        self.errors
            .iter()
            .filter(|e| e.field == key)
            .cloned()
            .collect()
    }

    /// Whether a field has an error.
    pub fn bad(&self, key: &str) -> bool {
        self.errors.iter().any(|e| e.field == key)
    }

    /// Every error, for the summary at the top.
    pub fn all(&self) -> &[ShownError] {
        &self.errors
    }

    fn text(&self, key: &str) -> Option<String> {
        let v = self.v(key).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }
}

/// The field names of one name row.
pub struct NameFields {
    pub n: usize,
    pub text: String,
    pub kind: String,
}

/// The field names of one document row.
pub struct DocFields {
    pub n: usize,
    pub doc_type: String,
    pub number: String,
    pub country: String,
    pub expiry: String,
    pub sighted: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    l: Layout,
    f: FormState,
    name_rows: Vec<NameFields>,
    doc_rows: Vec<DocFields>,
    nat_rows: Vec<String>,
    name_kinds: Vec<(String, String)>,
    doc_types: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    sites: Vec<(String, String)>,
    checked: bool,
    candidates: Vec<(Row, Vec<String>, u32)>,
}

async fn page(
    ctx: Ctx,
    app: &App,
    f: FormState,
    checked: bool,
    candidates: Vec<(Row, Vec<String>, u32)>,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let keyed = |prefix: &str, keys: Vec<&'static str>| -> Vec<(String, String)> {
        keys.into_iter()
            .map(|k| (k.to_owned(), lang.key(prefix, k)))
            .collect()
    };
    render(&RegisterPage {
        name_rows: (0..NAME_ROWS)
            .map(|n| NameFields {
                n: n + 1,
                text: format!("names[{n}].text"),
                kind: format!("names[{n}].kind"),
            })
            .collect(),
        doc_rows: (0..DOC_ROWS)
            .map(|n| DocFields {
                n: n + 1,
                doc_type: format!("documents[{n}].doc_type"),
                number: format!("documents[{n}].number"),
                country: format!("documents[{n}].issuing_country"),
                expiry: format!("documents[{n}].expiry"),
                sighted: format!("documents[{n}].sighted"),
            })
            .collect(),
        nat_rows: (0..NAT_ROWS)
            .map(|n| format!("nationalities[{n}]"))
            .collect(),
        name_kinds: keyed("name-kind", NameKind::ALL.iter().map(|k| k.key()).collect()),
        doc_types: keyed("doc-type", DocType::ALL.iter().map(|k| k.key()).collect()),
        statuses: keyed("status", Status::ALL.iter().map(|k| k.key()).collect()),
        groups: keyed(
            "group",
            SeparationGroup::ALL.iter().map(|k| k.key()).collect(),
        ),
        countries: countries(app, &lang).await?,
        sites: site_options(app, &lang).await?,
        checked,
        candidates,
        f,
        l: ctx.layout,
    })
}

pub async fn form(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    ctx.may(Action::WriteRegistry)?;
    let mut f = FormState::default();
    f.values
        .insert("names[0].kind".into(), "as_registered".into());
    f.values.insert("status".into(), "in_custody".into());
    f.values
        .insert("separation_group".into(), "foreign_families".into());
    page(ctx, &app, f, false, Vec::new()).await
}

/// Which submitted row each kept row came from, to put errors back beside the right field.
struct Draft {
    cmd: RegisterPerson,
    names: Vec<usize>,
    docs: Vec<usize>,
    nats: Vec<usize>,
    errors: Vec<FieldError>,
}

fn draft(f: &FormState) -> Draft {
    let mut errors = Vec::new();
    let mut number = |key: &str| -> Option<i64> {
        let t = f.text(key)?;
        match t.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    key,
                    "HW-WEB-0003",
                    format!("'{t}' is not a whole number"),
                ));
                None
            }
        }
    };
    let year = number("year_of_birth").and_then(|y| i32::try_from(y).ok());
    let age = number("estimated_age").and_then(|a| u8::try_from(a).ok());
    let site = number("placement.site");
    let person = PersonDraft {
        sex: f.v("sex").to_owned(),
        date_of_birth: f.text("date_of_birth"),
        year_of_birth: year,
        estimated_age: age,
        age_basis: f.text("age_basis"),
        age_estimated_on: f.text("age_estimated_on"),
        place_of_birth: f.text("place_of_birth"),
        status: f.text("status"),
        pregnant_expected_delivery: f.text("pregnant_expected_delivery"),
        disability: f.on("disability"),
        serious_medical_condition: f.on("serious_medical_condition"),
        unaccompanied: f.on("unaccompanied"),
        separated: f.on("separated"),
        father_unknown: f.on("father_unknown"),
        father_name: f.text("father_name"),
        separation_group: f.text("separation_group"),
    };
    let mut names = Vec::new();
    let mut name_rows = Vec::new();
    for i in 0..NAME_ROWS {
        if let Some(text) = f.text(&format!("names[{i}].text")) {
            names.push(NameDraft {
                text,
                kind: f.text(&format!("names[{i}].kind")),
                source: None,
            });
            name_rows.push(i);
        }
    }
    let mut documents = Vec::new();
    let mut doc_rows = Vec::new();
    for i in 0..DOC_ROWS {
        let key = |k: &str| format!("documents[{i}].{k}");
        if f.text(&key("number")).is_some() || f.text(&key("doc_type")).is_some() {
            documents.push(DocumentDraft {
                doc_type: f.v(&key("doc_type")).to_owned(),
                number: f.v(&key("number")).trim().to_owned(),
                issuing_country: f.v(&key("issuing_country")).to_owned(),
                expiry: f.text(&key("expiry")),
                sighted: f.on(&key("sighted")),
            });
            doc_rows.push(i);
        }
    }
    let mut nationalities = Vec::new();
    let mut nat_rows = Vec::new();
    for i in 0..NAT_ROWS {
        if let Some(c) = f.text(&format!("nationalities[{i}]")) {
            nationalities.push(c);
            nat_rows.push(i);
        }
    }
    let placement = site.map(|site| MoveDraft {
        site,
        at: None,
        authorised_by: f.v("placement.authorised_by").trim().to_owned(),
        reason: f.v("placement.reason").trim().to_owned(),
        best_interests_ref: None,
        confirm_over_capacity: false,
    });
    Draft {
        cmd: RegisterPerson {
            person,
            names,
            documents,
            nationalities,
            placement,
        },
        names: name_rows,
        docs: doc_rows,
        nats: nat_rows,
        errors,
    }
}

/// Puts an error's field back on the submitted row (`names[1]` may be the third row shown).
fn form_field(d: &Draft, field: &str) -> String {
    let remap = |prefix: &str, rows: &[usize]| -> Option<String> {
        let rest = field.strip_prefix(prefix)?.strip_prefix('[')?;
        let (idx, tail) = rest.split_once(']')?;
        let kept: usize = idx.parse().ok()?;
        let row = rows.get(kept).copied().unwrap_or(kept);
        let tail = if prefix == "names" && tail.is_empty() {
            ".text"
        } else {
            tail
        };
        Some(format!("{prefix}[{row}]{tail}"))
    };
    if field == "names" {
        return "names[0].text".into();
    }
    remap("names", &d.names)
        .or_else(|| remap("documents", &d.docs))
        .or_else(|| remap("nationalities", &d.nats))
        .unwrap_or_else(|| match field {
            "placement.site_id" => "placement.site".into(),
            "year_of_birth" | "estimated_age" | "age_basis" | "age_estimated_on" => field.into(),
            _ => field.into(),
        })
}

fn shown(d: &Draft, errors: &[FieldError], lang: &Lang) -> Vec<ShownError> {
    errors
        .iter()
        .map(|e| {
            let mut s = ShownError::of(e, lang);
            s.field = form_field(d, &e.field);
            s
        })
        .collect()
}

pub async fn submit(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::WriteRegistry)?;
    let lang = ctx.lang().clone();
    let mut action = String::new();
    let mut f = FormState::default();
    for (k, v) in pairs {
        if k == "action" {
            action = v;
        } else {
            f.values.insert(k, v);
        }
    }
    let d = draft(&f);
    if !d.errors.is_empty() {
        f.errors = shown(&d, &d.errors, &lang);
        return refused(page(ctx, &app, f, false, Vec::new()).await);
    }
    if action != "force" {
        let hits = app
            .possible_duplicates(&ctx.principal, &d.cmd, 10)
            .await
            .map_err(|e| ctx.err(e))?;
        if action == "check" || !hits.is_empty() {
            let summaries = hits.iter().map(|h| h.summary.clone()).collect();
            let shown_rows = rows(&app, &lang, summaries).await?;
            let candidates = shown_rows
                .into_iter()
                .zip(hits)
                .map(|(r, h)| {
                    let pct = (h.probability * 100.0).round().clamp(0.0, 100.0) as u32;
                    (r, h.reasons, pct)
                })
                .collect();
            return page(ctx, &app, f, true, candidates).await;
        }
    }
    let actor = Actor::named(&ctx.principal.username);
    match app.register_person(&actor, &d.cmd).await {
        Ok(file) => {
            let mut r = Redirect::to(&format!("/persons/{}", file.person.id)).into_response();
            *r.status_mut() = StatusCode::SEE_OTHER;
            Ok(r)
        }
        Err(AppError::Invalid(inv)) => {
            f.errors = shown(&d, &inv.0, &lang);
            refused(page(ctx, &app, f, false, Vec::new()).await)
        }
        Err(e) => Err(PageError::from_app(e, &lang)),
    }
}

fn refused(r: Result<Response, PageError>) -> Result<Response, PageError> {
    let mut r = r?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}
