//! Pages for identity resolution at work: the duplicate review queue, tracing requests and
//! countries' lists of nationals matched in bulk.
//!
//! Every handler asks [`authorize`](homeward_domain::access::authorize) first (through
//! [`Ctx::may`]); every POST checks its origin; refused input is shown again beside its field
//! in the reader's language and changes nothing.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use homeward_app::identity::{
    CHANNELS, CandidateView, FieldReason, ListResult, MAX_LIST_BYTES, OUTCOMES, ReviewView,
    TracingDraft,
};
use homeward_app::views::PersonSummary;
use homeward_app::{App, AppError};
use homeward_domain::access::Action;
use homeward_domain::error::FieldError;
use homeward_store::identity::{ListMatchRow, TracingRow};
use serde::Deserialize;

use super::{Ctx, Lang, Layout, PageError, ShownError, render, same_origin};

/// This module's page routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/identity/reviews", get(reviews))
        .route("/identity/reviews/run", post(run))
        .route("/identity/reviews/{id}", get(review).post(decide))
        .route("/identity/merges/{id}/undo", post(undo))
        .route("/identity/tracing", get(tracing_list))
        .route("/identity/tracing/new", get(tracing_form).post(tracing_add))
        .route("/identity/tracing/{id}", get(tracing_page))
        .route("/identity/tracing/{id}/outcome", post(tracing_outcome))
        .route(
            "/identity/lists",
            get(lists)
                .post(list_upload)
                .layer(DefaultBodyLimit::max(MAX_LIST_BYTES + 64 * 1024)),
        )
        .route("/identity/lists/{id}", get(list_page))
        .route("/identity/lists/{id}/results.csv", get(list_csv))
}

impl Layout {
    /// May use the review queue and tracing requests (registrars, case workers, administrators).
    pub fn ide_can_review(&self) -> bool {
        self.can_write || self.can_admin
    }

    /// May match lists of nationals (case workers, administrators, consular officers: the
    /// only role that reads persons without seeing sites).
    pub fn ide_can_lists(&self) -> bool {
        self.can_export || self.can_admin || (self.can_read && !self.can_sites)
    }
}

/// Field errors in the reader's language: an `ide-err-` message for the code when there is
/// one, else the shared message, else the English message from the rules.
fn shown(errors: &[FieldError], lang: &Lang) -> Vec<ShownError> {
    errors
        .iter()
        .map(|e| {
            let mut s = ShownError::of(e, lang);
            let id = format!("ide-err-{}", e.code);
            // The engine's detail (naming the line and column) is kept inside the message.
            let detail = e
                .message
                .split_once(": ")
                .map_or(e.message.as_str(), |(_, d)| d);
            let m = lang.ta(&id, &[("detail", detail.to_owned())]);
            if m != id {
                s.message = m;
            }
            s
        })
        .collect()
}

fn see_other(to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r
}

fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

/// An app error on a form: field errors to show again (422), or a page error.
fn refused(ctx: &Ctx, e: AppError) -> Result<Vec<ShownError>, PageError> {
    match e {
        AppError::Invalid(inv) => Ok(shown(&inv.0, ctx.lang())),
        AppError::Conflict(_) => Ok(shown(
            &[FieldError::new(
                "version",
                "HW-WEB-0110",
                "someone else changed this record in the meantime: look again and retry",
            )],
            ctx.lang(),
        )),
        other => Err(ctx.err(other)),
    }
}

fn errs_of(errors: &[ShownError], field: &str) -> Vec<ShownError> {
    errors
        .iter()
        .filter(|e| e.field == field)
        .cloned()
        .collect()
}

/// One reason of a score as a reader sees it.
pub struct ReasonLine {
    pub field: String,
    pub level: String,
    pub weight: String,
    pub detail: String,
    pub positive: bool,
}

fn level_text(lang: &Lang, label: &str) -> String {
    let head = label.split(':').next().unwrap_or(label).trim();
    let slug: String = head
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    lang.try_t(&format!("ide-lvl-{slug}"))
        .unwrap_or_else(|| label.to_owned())
}

fn reason_lines(lang: &Lang, reasons: &[FieldReason]) -> Vec<ReasonLine> {
    reasons
        .iter()
        .map(|r| ReasonLine {
            field: lang.key("ide-field", &r.field),
            level: level_text(lang, &r.level_label),
            weight: format!("{:+.1}", r.weight),
            detail: r.reason.clone(),
            positive: r.weight >= 0.0,
        })
        .collect()
}

fn percent(p: f64) -> String {
    format!("{:.1}", p * 100.0)
}

/// A person as one side of a pair or a candidate.
pub struct PersonLine {
    pub id: i64,
    pub number: String,
    pub names: Vec<String>,
    pub sex: String,
    pub birth: String,
    pub nationalities: String,
    pub site: String,
}

fn person_line(lang: &Lang, s: &PersonSummary) -> PersonLine {
    PersonLine {
        id: s.person.id,
        number: s.person.registration_number.clone(),
        names: s.names.clone(),
        sex: lang.key("sex", &s.person.sex),
        birth: s.person.birth_approx.clone(),
        nationalities: s.nationalities.join(", "),
        site: s.site.clone().unwrap_or_default(),
    }
}

/// A candidate with its explanation.
pub struct CandidateLine {
    pub id: i64,
    pub number: String,
    pub names: Vec<String>,
    pub sex: String,
    pub birth: String,
    pub nationalities: String,
    pub percent: String,
    pub reasons: Vec<ReasonLine>,
}

fn candidate_line(lang: &Lang, c: &CandidateView) -> CandidateLine {
    CandidateLine {
        id: c.person_id,
        number: c.registration_number.clone(),
        names: c.names.clone(),
        sex: lang.key("sex", &c.sex),
        birth: c.birth.clone(),
        nationalities: c.nationalities.join(", "),
        percent: percent(c.probability),
        reasons: reason_lines(lang, &c.reasons),
    }
}

// ----- review queue -----

pub struct ReviewLine {
    pub id: i64,
    pub percent: String,
    pub state: String,
    pub left: PersonLine,
    pub right: PersonLine,
}

#[derive(Template)]
#[template(path = "identity_reviews.html")]
struct ReviewsPage {
    l: Layout,
    state: String,
    states: Vec<(String, String)>,
    items: Vec<ReviewLine>,
    ran: String,
    threshold: String,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default)]
pub struct ReviewsQuery {
    state: Option<String>,
    proposed: Option<String>,
}

async fn show_reviews(
    ctx: Ctx,
    app: &App,
    state: &str,
    ran: String,
    threshold: String,
    errors: Vec<ShownError>,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let views = app
        .reviews_for(&ctx.principal, Some(state), 500)
        .await
        .map_err(|e| ctx.err(e))?;
    let items = views
        .iter()
        .map(|v| ReviewLine {
            id: v.review.id,
            percent: percent(v.review.probability),
            state: lang.key("ide-state", &v.review.state),
            left: person_line(&lang, &v.left),
            right: person_line(&lang, &v.right),
        })
        .collect();
    let states = ["pending", "confirmed", "rejected", "all"]
        .iter()
        .map(|s| ((*s).to_owned(), lang.key("ide-state", s)))
        .collect();
    render(&ReviewsPage {
        l: ctx.layout,
        state: state.to_owned(),
        states,
        items,
        ran,
        threshold,
        errors,
    })
}

async fn reviews(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<ReviewsQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReviewDuplicates)?;
    let state = match q.state.as_deref() {
        Some(s @ ("pending" | "confirmed" | "rejected" | "all")) => s.to_owned(),
        _ => "pending".to_owned(),
    };
    let ran = q
        .proposed
        .map(|n| ctx.lang().ta("ide-run-done", &[("count", n)]))
        .unwrap_or_default();
    show_reviews(ctx, &app, &state, ran, "0.5".into(), Vec::new()).await
}

#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    threshold: String,
}

async fn run(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<RunForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ReviewDuplicates)?;
    let threshold = match f.threshold.trim().replace(',', ".").parse::<f64>() {
        Ok(t) => Ok(t),
        Err(_) => Err(AppError::Invalid(homeward_domain::error::Invalid::one(
            "threshold",
            "HW-IDE-0020",
            "threshold: a probability between 0.05 and 1",
        ))),
    };
    let result = match threshold {
        Ok(t) => app.run_dedupe(&ctx.principal, t).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(run) => Ok(see_other(&format!(
            "/identity/reviews?proposed={}",
            run.proposed
        ))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = show_reviews(ctx, &app, "pending", String::new(), f.threshold, errors).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Template)]
#[template(path = "identity_review.html")]
struct ReviewPage {
    l: Layout,
    id: i64,
    version: i64,
    pending: bool,
    state: String,
    decided: String,
    percent: String,
    left: PersonLine,
    right: PersonLine,
    reasons: Vec<ReasonLine>,
    merge_id: i64,
    merged_note: String,
    errors: Vec<ShownError>,
    done: bool,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn show_review(
    ctx: Ctx,
    app: &App,
    id: i64,
    errors: Vec<ShownError>,
    done: bool,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let v: ReviewView = app
        .review_for(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let (merge_id, merged_note) = match &v.merge {
        Some(m) => {
            let (survivor, merged) = if m.survivor_id == v.left.person.id {
                (&v.left, &v.right)
            } else {
                (&v.right, &v.left)
            };
            (
                m.id,
                lang.ta(
                    "ide-merged-note",
                    &[
                        ("merged", merged.person.registration_number.clone()),
                        ("survivor", survivor.person.registration_number.clone()),
                        ("by", m.merged_by.clone()),
                        ("date", lang.moment(&m.merged_at)),
                    ],
                ),
            )
        }
        None => (0, String::new()),
    };
    let decided = match (&v.review.decided_by, &v.review.decided_at) {
        (Some(by), Some(at)) => format!("{by}, {}", lang.moment(at)),
        _ => String::new(),
    };
    render(&ReviewPage {
        id,
        version: v.review.version,
        pending: v.review.state == "pending",
        state: lang.key("ide-state", &v.review.state),
        decided,
        percent: percent(v.review.probability),
        left: person_line(&lang, &v.left),
        right: person_line(&lang, &v.right),
        reasons: reason_lines(&lang, &v.reasons),
        merge_id,
        merged_note,
        errors,
        done,
        l: ctx.layout,
    })
}

async fn review(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReviewDuplicates)?;
    show_review(ctx, &app, id, Vec::new(), q.done.is_some()).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    survivor: String,
    #[serde(default)]
    version: String,
}

async fn decide(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<DecideForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ReviewDuplicates)?;
    let survivor = f.survivor.trim().parse::<i64>().ok();
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    match app
        .decide_review(&ctx.principal, id, f.decision.trim(), survivor, version)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/identity/reviews/{id}?done=1"))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = show_review(ctx, &app, id, errors, false).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Deserialize)]
pub struct UndoForm {
    #[serde(default)]
    review: String,
}

async fn undo(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<UndoForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ReviewDuplicates)?;
    let review = f.review.trim().parse::<i64>().ok();
    match app.undo_merge(&ctx.principal, id).await {
        Ok(m) => Ok(see_other(&format!(
            "/identity/reviews/{}?done=1",
            m.review_id.or(review).unwrap_or_default()
        ))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            match review {
                Some(r) => {
                    let page = show_review(ctx, &app, r, errors, false).await?;
                    Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
                }
                None => Err(PageError::BadRequest(ctx.lang().clone())),
            }
        }
    }
}

// ----- tracing requests -----

pub struct TracingLine {
    pub id: i64,
    pub names: String,
    pub requester: String,
    pub channel: String,
    pub state: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "identity_tracing.html")]
struct TracingListPage {
    l: Layout,
    items: Vec<TracingLine>,
}

async fn tracing_list(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    ctx.may(Action::TraceRequests)?;
    let lang = ctx.lang().clone();
    let items = app
        .tracing_list(&ctx.principal, None)
        .await
        .map_err(|e| ctx.err(e))?
        .into_iter()
        .map(|t| TracingLine {
            id: t.id,
            names: t.sought_names.replace('\n', " · "),
            requester: format!("{} ({})", t.requester_name, t.relationship),
            channel: lang.key("ide-channel", &t.channel),
            state: lang.key("ide-tstate", &t.state),
            created: lang.moment(&t.created_at),
        })
        .collect();
    render(&TracingListPage {
        l: ctx.layout,
        items,
    })
}

#[derive(Template)]
#[template(path = "identity_tracing_new.html")]
struct TracingForm {
    l: Layout,
    d: TracingDraft,
    channels: Vec<(String, String)>,
    errors: Vec<ShownError>,
}

impl TracingForm {
    fn bad(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    fn errs(&self, field: &str) -> Vec<ShownError> {
        errs_of(&self.errors, field)
    }
}

fn channels(lang: &Lang) -> Vec<(String, String)> {
    CHANNELS
        .iter()
        .map(|c| ((*c).to_owned(), lang.key("ide-channel", c)))
        .collect()
}

async fn tracing_form(ctx: Ctx) -> Result<Response, PageError> {
    ctx.may(Action::TraceRequests)?;
    let channels = channels(ctx.lang());
    render(&TracingForm {
        l: ctx.layout,
        d: TracingDraft::default(),
        channels,
        errors: Vec::new(),
    })
}

async fn tracing_add(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(d): Form<TracingDraft>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::TraceRequests)?;
    match app.add_tracing(&ctx.principal, &d).await {
        Ok(row) => Ok(see_other(&format!("/identity/tracing/{}", row.id))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let channels = channels(ctx.lang());
            let r = render(&TracingForm {
                l: ctx.layout,
                d,
                channels,
                errors,
            })?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Template)]
#[template(path = "identity_tracing_request.html")]
struct TracingPage {
    l: Layout,
    t: TracingRow,
    facts: Vec<(String, String)>,
    state: String,
    open: bool,
    outcome_text: String,
    candidates: Vec<CandidateLine>,
    outcomes: Vec<(String, String)>,
    chosen: String,
    person: String,
    note: String,
    errors: Vec<ShownError>,
}

impl TracingPage {
    fn bad(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    fn errs(&self, field: &str) -> Vec<ShownError> {
        errs_of(&self.errors, field)
    }
}

async fn show_tracing(
    ctx: Ctx,
    app: &App,
    id: i64,
    form: (String, String, String),
    errors: Vec<ShownError>,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let v = app
        .tracing_for(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let t = v.request;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let facts: Vec<(String, String)> = vec![
        (
            lang.t("ide-sex"),
            t.sex
                .as_deref()
                .map(|s| lang.key("sex", s))
                .unwrap_or_default(),
        ),
        (
            lang.t("ide-year-of-birth"),
            t.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        ),
        (
            lang.t("ide-age"),
            t.age.map(|a| a.to_string()).unwrap_or_default(),
        ),
        (lang.t("ide-place"), opt(&t.place)),
        (lang.t("ide-mother-name"), opt(&t.mother_name)),
        (lang.t("ide-father-name"), opt(&t.father_name)),
        (lang.t("ide-nationality"), opt(&t.nationality)),
        (lang.t("ide-requester"), t.requester_name.clone()),
        (lang.t("ide-relationship"), t.relationship.clone()),
        (lang.t("ide-channel"), lang.key("ide-channel", &t.channel)),
        (lang.t("ide-contact"), t.contact.clone()),
        (lang.t("ide-note"), t.note.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let outcome_text = match (&t.decided_by, &t.decided_at) {
        (Some(by), Some(at)) => format!(
            "{} · {by}, {}{}",
            lang.key("ide-tstate", &t.state),
            lang.moment(at),
            t.outcome_note
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(|n| format!(" · {n}"))
                .unwrap_or_default()
        ),
        _ => String::new(),
    };
    let (chosen, person, note) = form;
    render(&TracingPage {
        facts,
        state: lang.key("ide-tstate", &t.state),
        open: t.state == "open",
        outcome_text,
        candidates: v
            .candidates
            .iter()
            .map(|c| candidate_line(&lang, c))
            .collect(),
        outcomes: OUTCOMES
            .iter()
            .map(|o| ((*o).to_owned(), lang.key("ide-tstate", o)))
            .collect(),
        chosen,
        person,
        note,
        errors,
        t,
        l: ctx.layout,
    })
}

async fn tracing_page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ctx.may(Action::TraceRequests)?;
    show_tracing(ctx, &app, id, Default::default(), Vec::new()).await
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
}

async fn tracing_outcome(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<OutcomeForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::TraceRequests)?;
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    match app
        .tracing_outcome(
            &ctx.principal,
            id,
            f.outcome.trim(),
            Some(f.person.as_str()),
            &f.note,
            version,
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!("/identity/tracing/{id}"))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = show_tracing(ctx, &app, id, (f.outcome, f.person, f.note), errors).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

// ----- lists of nationals -----

pub struct RunLine {
    pub id: i64,
    pub file_name: String,
    pub rows: i64,
    pub matched: i64,
    pub created: String,
}

#[derive(Template)]
#[template(path = "identity_lists.html")]
struct ListsPage {
    l: Layout,
    runs: Vec<RunLine>,
    map: String,
    scope_note: String,
    errors: Vec<ShownError>,
}

impl ListsPage {
    fn bad(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    fn errs(&self, field: &str) -> Vec<ShownError> {
        errs_of(&self.errors, field)
    }
}

async fn show_lists(
    ctx: Ctx,
    app: &App,
    map: String,
    errors: Vec<ShownError>,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let runs = app
        .list_matches_for(&ctx.principal)
        .await
        .map_err(|e| ctx.err(e))?
        .into_iter()
        .map(|r: ListMatchRow| RunLine {
            id: r.id,
            file_name: r.file_name,
            rows: r.row_count,
            matched: r.matched_count,
            created: lang.moment(&r.created_at),
        })
        .collect();
    let scope_note = match &ctx.principal.country {
        Some(c) if ctx.principal.role == homeward_domain::access::Role::ConsularOfficer => {
            lang.ta("ide-lists-scope", &[("country", c.to_string())])
        }
        _ => String::new(),
    };
    render(&ListsPage {
        l: ctx.layout,
        runs,
        map,
        scope_note,
        errors,
    })
}

async fn lists(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    ctx.may(Action::MatchLists)?;
    show_lists(ctx, &app, String::new(), Vec::new()).await
}

async fn list_upload(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::MatchLists)?;
    let lang = ctx.lang().clone();
    // Read only once the role may match lists: a refused role gets 403 whatever it sent.
    let mut form = form.map_err(|_| PageError::BadRequest(lang.clone()))?;
    let unreadable = |lang: &Lang| PageError::BadRequest(lang.clone());
    let (mut name, mut bytes, mut map) = (String::new(), Vec::new(), String::new());
    while let Some(field) = form.next_field().await.map_err(|_| unreadable(&lang))? {
        match field.name().unwrap_or_default() {
            "file" => {
                name = field.file_name().unwrap_or_default().to_owned();
                bytes = field.bytes().await.map_err(|_| unreadable(&lang))?.to_vec();
            }
            "map" => map = field.text().await.map_err(|_| unreadable(&lang))?,
            _ => {}
        }
    }
    match app
        .match_list(&ctx.principal, &name, &bytes, std::slice::from_ref(&map))
        .await
    {
        Ok(row) => Ok(see_other(&format!("/identity/lists/{}", row.id))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = show_lists(ctx, &app, map, errors).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

pub struct ResultLine {
    pub line: u64,
    pub list_id: String,
    pub names: String,
    pub birth: String,
    pub candidates: Vec<CandidateLine>,
}

#[derive(Template)]
#[template(path = "identity_list.html")]
struct ListPage {
    l: Layout,
    id: i64,
    file_name: String,
    rows: i64,
    matched: i64,
    scope_note: String,
    results: Vec<ResultLine>,
}

async fn list_page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ctx.may(Action::MatchLists)?;
    let lang = ctx.lang().clone();
    let (row, results) = app
        .list_match_for(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let results = results
        .iter()
        .map(|r: &ListResult| ResultLine {
            line: r.line,
            list_id: r.list_id.clone(),
            names: r.list_names.join(" / "),
            birth: r.list_birth.clone(),
            candidates: r
                .candidates
                .iter()
                .map(|c| candidate_line(&lang, c))
                .collect(),
        })
        .collect();
    let scope_note = row
        .scope_country
        .as_ref()
        .map(|c| lang.ta("ide-lists-scope", &[("country", c.clone())]))
        .unwrap_or_default();
    render(&ListPage {
        l: ctx.layout,
        id,
        file_name: row.file_name,
        rows: row.row_count,
        matched: row.matched_count,
        scope_note,
        results,
    })
}

async fn list_csv(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ctx.may(Action::MatchLists)?;
    let text = app
        .list_match_csv(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(crate::api_identity::csv_response(id, text))
}
