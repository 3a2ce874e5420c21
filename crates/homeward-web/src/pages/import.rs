//! The import page: a registration spreadsheet (CSV or XLSX, Arabic headers allowed) uploaded,
//! its columns mapped (a choice per column, saved for the next file with the same headers when
//! the import commits), checked row by row with the possible duplicates shown, then committed
//! all or nothing, or with the invalid rows left out when the user says so.
//!
//! The file waits between the steps in the database (`homeward_app::import_staging`), found
//! by a random token the forms carry, and only for the user who uploaded it. Only roles that
//! may register persons reach any of it; `authorize` is asked before the body is read.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::FormRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use homeward_app::import::{ImportReport, MAX_IMPORT_BYTES, header_field, read_table};
use homeward_app::{App, AppError};
use homeward_domain::access::Action;
use homeward_domain::error::FieldError;

use super::{Ctx, Lang, Layout, PageError, ShownError, render, same_origin};

/// The routes of this module.
pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/import",
            get(form)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    MAX_IMPORT_BYTES + 64 * 1024,
                )),
        )
        .route("/import/check", post(check))
        .route("/import/commit", post(commit))
        .route("/import/discard", post(discard))
}

impl Layout {
    /// May import spreadsheets (every role that may register persons).
    pub fn imp_can_import(&self) -> bool {
        self.can_write
    }
}

/// The fields a column may be read as (the identity engine's vocabulary the import keeps).
pub const FIELDS: [&str; 12] = [
    "id",
    "given_name",
    "family_name",
    "full_name",
    "sex",
    "date_of_birth",
    "age",
    "nationality",
    "place_of_birth",
    "mother_name",
    "father_name",
    "document_number",
];

/// One column of the file with the field it is read as.
pub struct Column {
    /// Position (form field `c{index}`, header in `h{index}`).
    pub index: usize,
    /// The header as written.
    pub header: String,
    /// The field chosen (empty: ignored).
    pub field: String,
    /// The header maps by itself, so the column cannot be ignored.
    pub fixed: bool,
}

/// A problem of a row, shown.
pub struct Issue {
    pub row: u64,
    pub field: String,
    pub code: String,
    pub message: String,
}

/// A possible duplicate, shown.
pub struct Duplicate {
    pub row: u64,
    pub number: String,
    pub names: Vec<String>,
    pub percent: u32,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    l: Layout,
    /// The staged file's token ("" before an upload).
    token: String,
    file_name: String,
    errors: Vec<ShownError>,
    columns: Vec<Column>,
    fields: Vec<(String, String)>,
    /// Whether a report is shown.
    checked: bool,
    rows: usize,
    valid: usize,
    invalid_rows: usize,
    mapping_source: String,
    issues: Vec<Issue>,
    duplicates: Vec<Duplicate>,
    duplicates_checked: usize,
    not_stored: Vec<String>,
    /// After a commit attempt: "refused", "nothing" or "" (none yet).
    outcome: String,
    /// After a commit that wrote: how many, first and last registration numbers.
    committed: usize,
    first: String,
    last: String,
    /// The file is no longer kept.
    gone: bool,
}

impl ImportPage {
    fn new(ctx: Ctx) -> Self {
        let lang = ctx.lang().clone();
        ImportPage {
            fields: FIELDS
                .iter()
                .map(|f| ((*f).to_owned(), lang.t(&format!("imp-field-{f}"))))
                .collect(),
            l: ctx.layout,
            token: String::new(),
            file_name: String::new(),
            errors: Vec::new(),
            columns: Vec::new(),
            checked: false,
            rows: 0,
            valid: 0,
            invalid_rows: 0,
            mapping_source: String::new(),
            issues: Vec::new(),
            duplicates: Vec::new(),
            duplicates_checked: 0,
            not_stored: Vec::new(),
            outcome: String::new(),
            committed: 0,
            first: String::new(),
            last: String::new(),
            gone: false,
        }
    }

    fn with_report(mut self, r: ImportReport, lang: &Lang) -> Self {
        self.file_name = r.file_name.clone();
        self.columns = r
            .mapping
            .iter()
            .enumerate()
            .map(|(index, (header, field))| Column {
                index,
                header: header.clone(),
                field: field.clone().unwrap_or_default(),
                fixed: header_field(header).is_some(),
            })
            .collect();
        self.checked = true;
        self.rows = r.rows;
        self.valid = r.valid;
        self.invalid_rows = r.invalid_rows;
        self.mapping_source = lang.t(&format!("imp-source-{}", r.mapping_source));
        self.issues = r
            .issues
            .into_iter()
            .map(|i| Issue {
                row: i.row,
                field: i.field,
                message: lang.try_t(&i.code).unwrap_or(i.message),
                code: i.code,
            })
            .collect();
        self.duplicates = r
            .duplicates
            .into_iter()
            .map(|d| Duplicate {
                row: d.row,
                number: d.registration_number,
                names: d.names,
                percent: percent(d.probability),
            })
            .collect();
        self.duplicates_checked = r.duplicates_checked;
        self.not_stored = r.not_stored;
        if let Some((first, last)) = r.registered {
            self.first = first;
            self.last = last;
        }
        self.committed = r.committed;
        self
    }

    /// The chosen field of column `i` is `f`.
    fn is(&self, c: &Column, f: &str) -> bool {
        c.field == f
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn percent(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * 100.0).round() as u32
}

fn shown(errors: &[FieldError], lang: &Lang) -> Vec<ShownError> {
    errors.iter().map(|e| ShownError::of(e, lang)).collect()
}

/// The form of the mapping and commit steps: the token, `h{i}` headers, `c{i}` fields and the
/// skip choice.
struct StepForm {
    token: String,
    columns: Vec<(usize, String, String)>,
    skip_invalid: bool,
}

impl StepForm {
    fn read(pairs: Vec<(String, String)>) -> Self {
        let mut token = String::new();
        let mut headers = std::collections::BTreeMap::new();
        let mut fields = std::collections::BTreeMap::new();
        let mut skip_invalid = false;
        for (k, v) in pairs {
            if k == "token" {
                token = v.trim().to_owned();
            } else if k == "skip_invalid" {
                skip_invalid = v == "yes";
            } else if let Some(i) = k.strip_prefix('h').and_then(|i| i.parse::<usize>().ok()) {
                headers.insert(i, v);
            } else if let Some(i) = k.strip_prefix('c').and_then(|i| i.parse::<usize>().ok()) {
                fields.insert(i, v);
            }
        }
        let columns = headers
            .into_iter()
            .map(|(i, h)| {
                let f = fields.remove(&i).unwrap_or_default();
                (i, h, f)
            })
            .collect();
        Self {
            token,
            columns,
            skip_invalid,
        }
    }

    /// The mapping as the import reads it: `COLUMN=FIELD` for every column given a field of
    /// the vocabulary.
    fn mappings(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|(_, _, f)| FIELDS.contains(&f.as_str()))
            .map(|(_, h, f)| format!("{}={f}", h.trim()))
            .collect()
    }

    /// The columns as submitted, for showing the form again after a refusal.
    fn shown_columns(&self) -> Vec<Column> {
        self.columns
            .iter()
            .map(|(index, header, field)| Column {
                index: *index,
                header: header.clone(),
                field: field.clone(),
                fixed: header_field(header).is_some(),
            })
            .collect()
    }
}

async fn form(ctx: Ctx) -> Result<Response, PageError> {
    ctx.may(Action::WriteRegistry)?;
    render(&ImportPage::new(ctx))
}

async fn upload(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::WriteRegistry)?;
    let lang = ctx.lang().clone();
    let mut form = body.map_err(|_| PageError::BadRequest(lang.clone()))?;
    let (mut name, mut bytes) = (String::new(), Vec::new());
    let too_big = |lang: &Lang| {
        ShownError::of(
            &FieldError::new(
                "file",
                "HW-IMP-0002",
                format!(
                    "file: larger than {} MB; split it",
                    MAX_IMPORT_BYTES / (1024 * 1024)
                ),
            ),
            lang,
        )
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                let mut page = ImportPage::new(ctx);
                page.errors = vec![too_big(&lang)];
                return status(render(&page), StatusCode::PAYLOAD_TOO_LARGE);
            }
            Err(_) => return Err(PageError::BadRequest(lang)),
        };
        if field.name() == Some("file") {
            name = field.file_name().unwrap_or_default().to_owned();
            bytes = match field.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    let mut page = ImportPage::new(ctx);
                    page.errors = vec![too_big(&lang)];
                    return status(render(&page), StatusCode::PAYLOAD_TOO_LARGE);
                }
                Err(_) => return Err(PageError::BadRequest(lang)),
            };
        }
    }
    let token = match app.stage_import(&ctx.principal, &name, bytes).await {
        Ok(t) => t,
        Err(AppError::Invalid(inv)) => {
            let mut page = ImportPage::new(ctx);
            page.errors = shown(&inv.0, &lang);
            return status(render(&page), StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Err(ctx.err(e)),
    };
    dry_run(ctx, &app, token, Vec::new(), Vec::new()).await
}

/// Runs the dry run of a staged file and shows its report; a refused mapping is shown with
/// the columns as submitted.
async fn dry_run(
    ctx: Ctx,
    app: &App,
    token: String,
    mappings: Vec<String>,
    submitted: Vec<Column>,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    match app
        .check_staged_import(&ctx.principal, &token, mappings)
        .await
    {
        Ok(r) => {
            let mut page = ImportPage::new(ctx).with_report(r, &lang);
            page.token = token;
            render(&page)
        }
        Err(AppError::Invalid(inv)) => {
            let columns = if submitted.is_empty() {
                file_columns(&ctx, app, &token).await?
            } else {
                submitted
            };
            let mut page = ImportPage::new(ctx);
            page.errors = shown(&inv.0, &lang);
            page.columns = columns;
            page.token = token;
            status(render(&page), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::NotFound(_)) => gone(ctx),
        Err(e) => Err(ctx.err(e)),
    }
}

/// The staged file's columns as its headers map them by themselves (for a file whose
/// mapping was refused before anything was chosen, e.g. no column holds a name).
async fn file_columns(ctx: &Ctx, app: &App, token: &str) -> Result<Vec<Column>, PageError> {
    let f = app
        .staged_import(&ctx.principal, token)
        .await
        .map_err(|e| ctx.err(e))?;
    let headers = match read_table(&f.content) {
        Ok((h, _)) => h,
        Err(_) => Vec::new(),
    };
    Ok(headers
        .into_iter()
        .enumerate()
        .map(|(index, header)| {
            let auto = header_field(&header);
            Column {
                index,
                field: auto.map(|f| f.name().to_owned()).unwrap_or_default(),
                fixed: auto.is_some(),
                header,
            }
        })
        .collect())
}

fn gone(ctx: Ctx) -> Result<Response, PageError> {
    let mut page = ImportPage::new(ctx);
    page.gone = true;
    status(render(&page), StatusCode::NOT_FOUND)
}

fn status(r: Result<Response, PageError>, s: StatusCode) -> Result<Response, PageError> {
    r.map(|mut r| {
        *r.status_mut() = s;
        r
    })
}

async fn check(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::WriteRegistry)?;
    let f = read_form(&ctx, body)?;
    let mappings = f.mappings();
    let submitted = f.shown_columns();
    dry_run(ctx, &app, f.token, mappings, submitted).await
}

fn read_form(
    ctx: &Ctx,
    body: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<StepForm, PageError> {
    let Form(pairs) = body.map_err(|_| PageError::BadRequest(ctx.lang().clone()))?;
    let f = StepForm::read(pairs);
    if f.token.is_empty() {
        return Err(PageError::BadRequest(ctx.lang().clone()));
    }
    Ok(f)
}

async fn commit(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::WriteRegistry)?;
    let f = read_form(&ctx, body)?;
    let lang = ctx.lang().clone();
    let mappings = f.mappings();
    match app
        .commit_staged_import(&ctx.principal, &f.token, mappings, f.skip_invalid)
        .await
    {
        Ok(r) => {
            let refused = r.refused(f.skip_invalid);
            let nothing = r.committed == 0;
            let mut page = ImportPage::new(ctx).with_report(r, &lang);
            if refused {
                page.outcome = "refused".into();
                page.token = f.token;
                status(render(&page), StatusCode::UNPROCESSABLE_ENTITY)
            } else if nothing {
                page.outcome = "nothing".into();
                page.token = f.token;
                status(render(&page), StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                page.outcome = "committed".into();
                render(&page)
            }
        }
        Err(AppError::Invalid(inv)) => {
            let mut page = ImportPage::new(ctx);
            page.errors = shown(&inv.0, &lang);
            page.columns = f.shown_columns();
            page.token = f.token;
            status(render(&page), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::NotFound(_)) => gone(ctx),
        Err(e) => Err(ctx.err(e)),
    }
}

async fn discard(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::WriteRegistry)?;
    let f = read_form(&ctx, body)?;
    app.discard_staged_import(&ctx.principal, &f.token)
        .await
        .map_err(|e| ctx.err(e))?;
    let mut r = Redirect::to("/import").into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    Ok(r)
}
