//! The person list with filters and its CSV download, the person file and the link form.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::FormRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use homeward_app::registry::{LinkDraft, born_between_for_band};
use homeward_app::views::{FamilyView, PersonSummary};
use homeward_app::{App, AppError};
use homeward_domain::access::Action;
use homeward_domain::date::AgeBand;
use homeward_domain::nationality::ClaimState;
use homeward_domain::person::{PersonId, Status};
use homeward_domain::site::SiteId;
use homeward_store::registry::{PersonFile, PersonFilter};
use serde::Deserialize;

use super::{Ctx, Lang, Layout, PageError, ShownError, countries, non_blank, render, same_origin};

/// Rows per page.
const PAGE_SIZE: i64 = 50;

/// A person as a list shows them.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub number: String,
    pub names: Vec<String>,
    pub sex: String,
    pub age: u32,
    pub nationalities: String,
    pub site: String,
    pub status: String,
    pub flags: Vec<String>,
}

/// Site names by id for the reader: (code, name).
pub async fn site_names(
    app: &App,
    lang: &Lang,
) -> Result<BTreeMap<i64, (String, String)>, PageError> {
    Ok(app
        .store()
        .sites()
        .await
        .map_err(|e| PageError::from_app(e.into(), lang))?
        .into_iter()
        .map(|s| {
            let name = if lang.code() == "ar" {
                s.name_ar
            } else {
                s.name_en
            };
            (s.id, (s.code, name))
        })
        .collect())
}

/// Turns summaries into rows in the reader's language.
pub async fn rows(
    app: &App,
    lang: &Lang,
    items: Vec<PersonSummary>,
) -> Result<Vec<Row>, PageError> {
    let sites = site_names(app, lang).await?;
    let names: BTreeMap<String, String> = countries(app, lang).await?.into_iter().collect();
    let sep = lang.t("list-separator");
    Ok(items
        .into_iter()
        .map(|s| {
            let p = &s.person;
            let mut flags = Vec::new();
            if p.pregnant_due.is_some() {
                flags.push(lang.t("flag-pregnant"));
            }
            if p.unaccompanied {
                flags.push(lang.t("flag-unaccompanied"));
            }
            if p.separated {
                flags.push(lang.t("flag-separated"));
            }
            if p.disability {
                flags.push(lang.t("flag-disability"));
            }
            if p.serious_medical {
                flags.push(lang.t("flag-serious-medical"));
            }
            Row {
                id: p.id,
                number: p.registration_number.clone(),
                names: s.names.clone(),
                sex: lang.key("sex", &p.sex),
                age: s.age,
                nationalities: s
                    .nationalities
                    .iter()
                    .map(|c| names.get(c).cloned().unwrap_or_else(|| c.clone()))
                    .collect::<Vec<_>>()
                    .join(&sep),
                site: p
                    .current_site_id
                    .and_then(|i| sites.get(&i))
                    .map(|(code, name)| format!("{name} ({code})"))
                    .unwrap_or_default(),
                status: lang.key("status", &p.status),
                flags,
            }
        })
        .collect())
}

/// The list filters, as the query string carries them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filters {
    pub site: Option<String>,
    pub nationality: Option<String>,
    pub sex: Option<String>,
    pub age_band: Option<String>,
    pub status: Option<String>,
    pub pregnant: Option<String>,
    pub unaccompanied: Option<String>,
    pub claim_state: Option<String>,
    pub page: Option<i64>,
}

impl Filters {
    pub(super) fn to_filter(&self, app: &App, lang: &Lang) -> Result<PersonFilter, PageError> {
        let yes_no = |v: &Option<String>| match non_blank(v).as_deref() {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => None,
        };
        let born_between = match non_blank(&self.age_band) {
            Some(b) => Some(
                born_between_for_band(&b, app.today())
                    .map_err(|_| PageError::BadRequest(lang.clone()))?,
            ),
            None => None,
        };
        Ok(PersonFilter {
            site: non_blank(&self.site)
                .and_then(|s| s.parse().ok())
                .map(SiteId),
            nationality: non_blank(&self.nationality),
            sex: non_blank(&self.sex),
            born_between,
            status: non_blank(&self.status),
            pregnant: yes_no(&self.pregnant),
            unaccompanied: yes_no(&self.unaccompanied),
            claim_state: non_blank(&self.claim_state),
            ..PersonFilter::default()
        })
    }

    /// The query string without the page, for paging and download links.
    pub fn query(&self) -> String {
        let pairs = [
            ("site", &self.site),
            ("nationality", &self.nationality),
            ("sex", &self.sex),
            ("age_band", &self.age_band),
            ("status", &self.status),
            ("pregnant", &self.pregnant),
            ("unaccompanied", &self.unaccompanied),
            ("claim_state", &self.claim_state),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| non_blank(v).map(|v| format!("{k}={}", encode(&v))))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Whether a select option is the chosen one.
    pub fn is(&self, field: &str, value: &str) -> bool {
        let v = match field {
            "site" => &self.site,
            "nationality" => &self.nationality,
            "sex" => &self.sex,
            "age_band" => &self.age_band,
            "status" => &self.status,
            "pregnant" => &self.pregnant,
            "unaccompanied" => &self.unaccompanied,
            "claim_state" => &self.claim_state,
            _ => return false,
        };
        v.as_deref() == Some(value)
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Options of a select: (value, label).
type Options = Vec<(String, String)>;

#[derive(Template)]
#[template(path = "persons.html")]
struct ListPage {
    l: Layout,
    f: Filters,
    rows: Vec<Row>,
    total: i64,
    from: i64,
    to: i64,
    page: i64,
    pages: i64,
    query: String,
    sites: Options,
    nationalities: Options,
    sexes: Options,
    bands: Options,
    statuses: Options,
    claim_states: Options,
}

/// The sites a person can be at, for selects.
pub async fn site_options(app: &App, lang: &Lang) -> Result<Options, PageError> {
    Ok(site_names(app, lang)
        .await?
        .into_iter()
        .map(|(id, (code, name))| (id.to_string(), format!("{name} ({code})")))
        .collect())
}

pub async fn list(
    ctx: Ctx,
    State(app): State<App>,
    Query(f): Query<Filters>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadPersons)?;
    let lang = ctx.lang().clone();
    let filter = f.to_filter(&app, &lang)?;
    let page = f.page.unwrap_or(1).max(1);
    let result = app
        .list_persons_for(&ctx.principal, filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await
        .map_err(|e| ctx.err(e))?;
    let shown = rows(&app, &lang, result.items).await?;
    let from = if shown.is_empty() {
        0
    } else {
        (page - 1) * PAGE_SIZE + 1
    };
    let to = (page - 1) * PAGE_SIZE + i64::try_from(shown.len()).unwrap_or(0);
    let keyed = |prefix: &str, keys: &[&str]| -> Options {
        keys.iter()
            .map(|k| ((*k).to_owned(), lang.key(prefix, k)))
            .collect()
    };
    render(&ListPage {
        query: f.query(),
        total: result.total,
        pages: ((result.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        page,
        from,
        to,
        rows: shown,
        sites: site_options(&app, &lang).await?,
        nationalities: countries(&app, &lang).await?,
        sexes: keyed("sex", &["female", "male"]),
        bands: AgeBand::ALL
            .iter()
            .map(|b| (b.key().to_owned(), lang.key("band", b.key())))
            .collect(),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.key().to_owned(), lang.key("status", s.key())))
            .collect(),
        claim_states: ClaimState::ALL
            .iter()
            .map(|s| (s.key().to_owned(), lang.key("claim", s.key())))
            .collect(),
        f,
        l: ctx.layout,
    })
}

/// A CSV cell: quoted, and a leading character a spreadsheet would run as a formula is
/// neutralised with an apostrophe.
pub fn csv_cell(s: &str) -> String {
    let neutral = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", neutral.replace('"', "\"\""))
}

pub async fn csv(
    ctx: Ctx,
    State(app): State<App>,
    uri: axum::http::Uri,
    Query(f): Query<Filters>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadPersons)?;
    ctx.may(Action::Export)?;
    // A bulk export is sensitive: the password must have been given within a few minutes.
    super::downloads::confirmed(&ctx, &app, &uri).await?;
    // The role's columns only (see `EXPORT_SHARES`).
    let (columns, table) = super::downloads::person_table(&ctx, &app, &f).await?;
    let out = super::downloads::csv_of(std::slice::from_ref(&table));
    // Every export is registered and audited before the file leaves.
    super::downloads::register(
        &ctx,
        &app,
        "persons",
        "csv",
        table.rows.len(),
        &columns.join(","),
        &homeward_app::reports::export_scope(&ctx.principal),
    )
    .await?;
    Ok(super::downloads::file(
        out.into_bytes(),
        "text/csv; charset=utf-8",
        "persons.csv",
    ))
}

/// One name variant as the file shows it.
pub struct NameLine {
    pub text: String,
    pub script: String,
    pub kind: String,
    pub source: String,
}

/// One line of the custody timeline.
pub struct Stay {
    pub site: String,
    pub site_id: i64,
    pub from: String,
    pub until: String,
    pub authorised_by: String,
    pub reason: String,
    pub best_interests_ref: String,
}

/// A nationality claim with its evidence.
pub struct ClaimLine {
    pub country: String,
    pub state: String,
    pub decided: String,
    pub evidence: Vec<(String, String, String, String)>,
}

/// A relative on the file.
pub struct Relative {
    pub relation: String,
    pub id: i64,
    pub name: String,
    pub number: String,
    pub site: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct FilePage {
    l: Layout,
    id: i64,
    number: String,
    title_name: String,
    facts: Vec<(String, String)>,
    flags: Vec<String>,
    names: Vec<NameLine>,
    documents: Vec<(String, String, String, String, String)>,
    relatives: Vec<Relative>,
    father: String,
    stays: Vec<Stay>,
    claims: Vec<ClaimLine>,
    synthetic: bool,
    can_link: bool,
    forms: FileForms,
    can_view_files: bool,
    can_upload: bool,
    photos: Vec<PhotoLine>,
}

/// A photo or scan as the person file lists it.
struct PhotoLine {
    id: i64,
    kind: String,
    label: String,
    image: bool,
    added: String,
}

/// What the forms on a person file were given back: the link form and the photo upload.
#[derive(Default)]
struct FileForms {
    link_errors: Vec<ShownError>,
    link_number: String,
    link_relation: String,
    linked: bool,
    photo_errors: Vec<ShownError>,
    uploaded: bool,
}

/// The father line of a family: known, declared by name, unknown, or not recorded.
pub fn father_text(lang: &Lang, fam: &FamilyView) -> String {
    if fam.members.iter().any(|m| m.relation == "father") {
        lang.t("father-in-registry")
    } else if fam.father_unknown {
        lang.t("father-unknown")
    } else if let Some(n) = &fam.father_name {
        format!("{}: {n}", lang.t("father-declared"))
    } else {
        lang.t("father-not-recorded")
    }
}

#[derive(Deserialize, Default)]
pub struct FileQuery {
    linked: Option<String>,
    uploaded: Option<String>,
}

pub async fn file(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<FileQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadPersons)?;
    let forms = FileForms {
        linked: q.linked.is_some(),
        uploaded: q.uploaded.is_some(),
        ..FileForms::default()
    };
    show_file(ctx, &app, id, forms).await
}

async fn show_file(ctx: Ctx, app: &App, id: i64, forms: FileForms) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let file: PersonFile = app
        .person_file_for(&ctx.principal, PersonId(id), "web")
        .await
        .map_err(|e| ctx.err(e))?;
    let fam = app
        .family_of_file(&ctx.principal, &file)
        .await
        .map_err(|e| ctx.err(e))?;
    let sites = site_names(app, &lang).await?;
    let site_text = |sid: Option<i64>| {
        sid.and_then(|i| sites.get(&i))
            .map(|(code, name)| format!("{name} ({code})"))
            .unwrap_or_else(|| lang.t("no-site"))
    };
    let cnames: BTreeMap<String, String> = countries(app, &lang).await?.into_iter().collect();
    let country = |c: &str| cnames.get(c).cloned().unwrap_or_else(|| c.to_owned());
    let p = &file.person;
    let dob = match p.dob_kind.as_str() {
        "exact" => lang.date(p.dob_date.as_deref().unwrap_or_default()),
        "year" => p.dob_year.map(|y| y.to_string()).unwrap_or_default(),
        _ => lang.ta(
            "dob-estimated",
            &[
                ("age", p.est_age.unwrap_or_default().to_string()),
                ("basis", p.est_basis.clone().unwrap_or_default()),
                (
                    "date",
                    lang.date(p.est_made_on.as_deref().unwrap_or_default()),
                ),
            ],
        ),
    };
    let mut facts = vec![
        (lang.t("col-registration"), p.registration_number.clone()),
        (lang.t("field-sex"), lang.key("sex", &p.sex)),
        (lang.t("field-date-of-birth"), dob),
        (lang.t("col-age"), fam.person.age.to_string()),
        (
            lang.t("field-place-of-birth"),
            p.place_of_birth
                .clone()
                .unwrap_or_else(|| lang.t("not-recorded")),
        ),
        (lang.t("col-status"), lang.key("status", &p.status)),
        (lang.t("col-site"), site_text(p.current_site_id)),
        (
            lang.t("field-separation-group"),
            lang.key("group", &p.separation_group),
        ),
    ];
    if let Some(due) = &p.pregnant_due {
        facts.push((lang.t("field-pregnant-due"), lang.date(due)));
    }
    let mut flags = Vec::new();
    for (on, id) in [
        (p.pregnant_due.is_some(), "flag-pregnant"),
        (p.unaccompanied, "flag-unaccompanied"),
        (p.separated, "flag-separated"),
        (p.disability, "flag-disability"),
        (p.serious_medical, "flag-serious-medical"),
    ] {
        if on {
            flags.push(lang.t(id));
        }
    }
    let states: Vec<ClaimState> = file
        .claims
        .iter()
        .filter_map(|c| ClaimState::parse("state", &c.state).ok())
        .collect();
    if homeward_domain::nationality::statelessness_risk(&states) {
        flags.push(lang.t("rep-flag-stateless"));
    }
    let names = file
        .names
        .iter()
        .map(|n| NameLine {
            text: n.text.clone(),
            script: lang.key("script", &n.script),
            kind: lang.key("name-kind", &n.kind),
            source: n.source.clone(),
        })
        .collect();
    let documents = file
        .documents
        .iter()
        .map(|d| {
            (
                lang.key("doc-type", &d.doc_type),
                d.number.clone(),
                country(&d.issuing_country),
                d.expiry
                    .as_deref()
                    .map(|e| lang.date(e))
                    .unwrap_or_default(),
                lang.t(if d.sighted { "yes" } else { "no" }),
            )
        })
        .collect();
    let relatives = fam
        .members
        .iter()
        .map(|m| Relative {
            relation: lang.key("relation", &m.relation),
            id: m.summary.person.id,
            name: m.summary.names.first().cloned().unwrap_or_default(),
            number: m.summary.person.registration_number.clone(),
            site: site_text(m.summary.person.current_site_id),
        })
        .collect();
    let stays = file
        .episodes
        .iter()
        .map(|e| Stay {
            site: site_text(Some(e.site_id)),
            site_id: e.site_id,
            from: lang.date(&e.start_at),
            until: e
                .end_at
                .as_deref()
                .map(|d| lang.date(d))
                .unwrap_or_else(|| lang.t("until-now")),
            authorised_by: e.authorised_by.clone(),
            reason: e.reason.clone(),
            best_interests_ref: e.best_interests_ref.clone().unwrap_or_default(),
        })
        .collect();
    let claims = file
        .claims
        .iter()
        .map(|c| ClaimLine {
            country: country(&c.country_code),
            state: lang.key("claim", &c.state),
            decided: match (&c.decided_by, &c.decided_at) {
                (Some(by), Some(at)) => format!("{by}, {}", lang.date(at)),
                _ => String::new(),
            },
            evidence: file
                .evidence
                .iter()
                .filter(|e| e.claim_id == c.id)
                .map(|e| {
                    (
                        lang.key("evidence", &e.kind),
                        e.reference.clone(),
                        e.note.clone(),
                        lang.date(&e.recorded_at),
                    )
                })
                .collect(),
        })
        .collect();
    let can_view_files = ctx.can(Action::ViewFiles);
    let photos = if can_view_files {
        app.person_files_for(&ctx.principal, PersonId(id))
            .await
            .map_err(|e| ctx.err(e))?
            .into_iter()
            .map(|f| PhotoLine {
                id: f.id,
                kind: lang.key("file-kind", &f.kind),
                label: f.label,
                image: f.media_type.starts_with("image/"),
                added: lang.date(&f.uploaded_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    render(&FilePage {
        id,
        number: p.registration_number.clone(),
        title_name: file
            .names
            .first()
            .map(|n| n.text.clone())
            .unwrap_or_default(),
        facts,
        flags,
        names,
        documents,
        father: father_text(&lang, &fam),
        relatives,
        stays,
        claims,
        synthetic: p.synthetic,
        can_link: ctx.can(Action::WriteRegistry),
        forms,
        can_view_files,
        can_upload: ctx.can(Action::UploadFiles),
        photos,
        l: ctx.layout,
    })
}

#[derive(Deserialize)]
pub struct LinkForm {
    other: String,
    relation: String,
}

/// Records a family link: the other person is this person's child, mother or father.
pub async fn link(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    form: Result<Form<LinkForm>, FormRejection>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::WriteRegistry)?;
    let lang = ctx.lang().clone();
    // Read only once the role may link: a refused role gets 403 whatever it sent.
    let Form(f) = form.map_err(|_| PageError::BadRequest(lang.clone()))?;
    if !app
        .can_see(&ctx.principal, PersonId(id))
        .await
        .map_err(|e| ctx.err(e))?
    {
        return Err(PageError::NotFound(lang));
    }
    let other = find_person(&app, &ctx, &f.other).await?;
    let relation = f.relation.trim().to_owned();
    let result = match (other, relation.as_str()) {
        (Some(other), "child" | "mother" | "father") => app
            .add_link(
                &homeward_app::Actor::named(&ctx.principal.username),
                &LinkDraft {
                    from: other,
                    to: id,
                    relation: relation.clone(),
                    ..LinkDraft::default()
                },
            )
            .await
            .map(|_| ()),
        (None, _) => Err(AppError::Invalid(homeward_domain::Invalid::one(
            "other",
            "HW-WEB-0001",
            "no person with this registration number",
        ))),
        _ => Err(AppError::Invalid(homeward_domain::Invalid::one(
            "relation",
            "HW-WEB-0002",
            "choose child, mother or father",
        ))),
    };
    match result {
        Ok(()) => {
            let mut r = Redirect::to(&format!("/persons/{id}?linked=1#family")).into_response();
            *r.status_mut() = StatusCode::SEE_OTHER;
            Ok(r)
        }
        Err(AppError::Invalid(inv)) => {
            let errors = inv.0.iter().map(|e| ShownError::of(e, &lang)).collect();
            let forms = FileForms {
                link_errors: errors,
                link_number: f.other,
                link_relation: relation,
                ..FileForms::default()
            };
            let mut r = show_file(ctx, &app, id, forms).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(PageError::from_app(e, &lang)),
    }
}

/// Adds a photo or a document scan to a person file (a multipart form: `kind`, `label`, `file`).
/// The content decides the type, not the name; image metadata is stripped before it is kept.
pub async fn upload(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::UploadFiles)?;
    let lang = ctx.lang().clone();
    let mut form = form.map_err(|_| PageError::BadRequest(lang.clone()))?;
    let (mut kind, mut label, mut bytes) = (String::new(), String::new(), Vec::new());
    let unreadable = |lang: &Lang| PageError::BadRequest(lang.clone());
    while let Some(field) = form.next_field().await.map_err(|_| unreadable(&lang))? {
        match field.name().unwrap_or_default() {
            "kind" => kind = field.text().await.map_err(|_| unreadable(&lang))?,
            "label" => label = field.text().await.map_err(|_| unreadable(&lang))?,
            "file" => bytes = field.bytes().await.map_err(|_| unreadable(&lang))?.to_vec(),
            _ => {}
        }
    }
    match app
        .add_person_file(
            &ctx.principal,
            PersonId(id),
            kind.trim(),
            label.trim(),
            &bytes,
        )
        .await
    {
        Ok(_) => {
            let mut r = Redirect::to(&format!("/persons/{id}?uploaded=1#photos")).into_response();
            *r.status_mut() = StatusCode::SEE_OTHER;
            Ok(r)
        }
        Err(AppError::Invalid(inv)) => {
            let forms = FileForms {
                photo_errors: inv.0.iter().map(|e| ShownError::of(e, &lang)).collect(),
                ..FileForms::default()
            };
            let mut r = show_file(ctx, &app, id, forms).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(PageError::from_app(e, &lang)),
    }
}

/// Percent-encodes a path and query for use as one query value.
pub(super) fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A person the principal may see, by registration number (`HW-000123`) or id.
async fn find_person(app: &App, ctx: &Ctx, text: &str) -> Result<Option<i64>, PageError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let id = match app.store().person_by_number(t).await {
        Ok(p) => Some(p.id),
        Err(homeward_store::StoreError::NotFound(_)) => t.parse::<i64>().ok(),
        Err(e) => return Err(ctx.err(e.into())),
    };
    match id {
        Some(i)
            if app
                .can_see(&ctx.principal, PersonId(i))
                .await
                .map_err(|e| ctx.err(e))? =>
        {
            match app.store().person(PersonId(i)).await {
                Ok(_) => Ok(Some(i)),
                Err(_) => Ok(None),
            }
        }
        _ => Ok(None),
    }
}
