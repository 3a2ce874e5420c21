//! Pages for courts and protection: a person's legal cases and the languages they speak, a
//! case with its hearings and the record-hearing form (the fair-trial safeguards shown beside
//! their fields), cases nearing their pre-trial detention limit, and the protection incidents
//! (list, report, follow-up) for case workers and monitors only.
//!
//! Every handler asks [`authorize`](homeward_domain::access::authorize) through the app's
//! use-cases; every POST checks its origin; refused input is shown again beside its field in
//! the reader's language and changes nothing. An incident asked for by a role that may not see
//! incidents answers "not found", exactly like one that does not exist.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use homeward_app::courts::{IncidentDraft, IncidentLine, IncidentView, LegalCaseView};
use homeward_app::{App, AppError};
use homeward_domain::access::Action;
use homeward_domain::courts::{
    Appeal, Counsel, HearingDraft, IncidentKind, IncidentStatus, LegalCaseDraft, Verdict,
};
use homeward_domain::error::FieldError;
use homeward_domain::person::PersonId;
use homeward_store::courts::{LegalCaseRow, ProtectionFilter};
use serde::Deserialize;

use super::{Ctx, Lang, Layout, PageError, ShownError, render, same_origin};

/// This module's page routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/persons/{id}/legal-cases",
            get(person_cases).post(open_case),
        )
        .route("/persons/{id}/languages", post(set_languages))
        .route("/legal-cases", get(limits))
        .route("/legal-cases/{id}", get(case_page).post(update_case))
        .route("/legal-cases/{id}/hearings", post(record_hearing))
        .route("/incidents", get(incidents).post(report))
        .route("/incidents/new", get(report_form))
        .route("/incidents/{id}", get(incident_page))
        .route("/incidents/{id}/actions", post(follow_up))
}

impl Layout {
    /// May see legal cases (judicial liaison and case workers): the navigation entry only, the
    /// server decides with `authorize`. A case worker is the one role that exports; judicial
    /// liaison reads persons and sites and writes nothing else.
    pub fn crt_can_cases(&self) -> bool {
        self.can_export || (self.can_read && self.can_sites && !self.can_write && !self.can_admin)
    }

    /// May see protection incidents (case workers and monitors, the one role that sees sites
    /// but no person).
    pub fn crt_can_incidents(&self) -> bool {
        self.can_export || (self.can_sites && !self.can_read)
    }

    /// A stored key in words (`crt-verdict-pending`), or the key itself.
    pub fn crt_key(&self, prefix: &str, key: &str) -> String {
        self.lang.key(prefix, key)
    }
}

/// Field errors in the reader's language: a `crt-err-` message for the code when there is
/// one, else the shared message, else the English message from the rules.
fn shown(errors: &[FieldError], lang: &Lang) -> Vec<ShownError> {
    errors
        .iter()
        .map(|e| {
            let mut s = ShownError::of(e, lang);
            if let Some(m) = lang.try_t(&format!("crt-err-{}", e.code)) {
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

/// An app error on a form: field errors to show again, or a page error.
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

/// One form field, ready for the generic field template.
pub struct Field {
    /// The element id (form prefix and name).
    pub id: String,
    /// The name sent.
    pub name: String,
    /// The label.
    pub label: String,
    /// `text`, `date`, `textarea`, `select` or `checkbox`.
    pub kind: &'static str,
    /// The value shown.
    pub value: String,
    /// For a checkbox.
    pub checked: bool,
    /// For a select: (value, label).
    pub options: Vec<(String, String)>,
    /// A hint below the field.
    pub hint: String,
    /// Errors for this field.
    pub errors: Vec<ShownError>,
}

struct Fields<'a> {
    prefix: &'static str,
    lang: &'a Lang,
    errors: &'a [ShownError],
    out: Vec<Field>,
}

impl<'a> Fields<'a> {
    fn new(prefix: &'static str, lang: &'a Lang, errors: &'a [ShownError]) -> Self {
        Self {
            prefix,
            lang,
            errors,
            out: Vec::new(),
        }
    }

    fn push(&mut self, name: &str, kind: &'static str, value: &str, checked: bool) -> &mut Field {
        self.out.push(Field {
            id: format!("{}-{name}", self.prefix),
            name: name.to_owned(),
            label: self.lang.t(&format!("crt-f-{name}")),
            kind,
            value: value.to_owned(),
            checked,
            options: Vec::new(),
            hint: self
                .lang
                .try_t(&format!("crt-hint-{name}"))
                .unwrap_or_default(),
            errors: self
                .errors
                .iter()
                .filter(|e| e.field == name)
                .cloned()
                .collect(),
        });
        self.out.last_mut().expect("just pushed")
    }

    fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.push(name, "text", value, false);
        self
    }

    fn date(&mut self, name: &str, value: &str) -> &mut Self {
        self.push(name, "date", value, false);
        self
    }

    fn area(&mut self, name: &str, value: &str) -> &mut Self {
        self.push(name, "textarea", value, false);
        self
    }

    fn check(&mut self, name: &str, checked: bool) -> &mut Self {
        self.push(name, "checkbox", "true", checked);
        self
    }

    fn select(&mut self, name: &str, value: &str, keys: &[&'static str], words: &str) -> &mut Self {
        let lang = self.lang;
        let f = self.push(name, "select", value, false);
        f.options = keys
            .iter()
            .map(|k| ((*k).to_owned(), lang.key(words, k)))
            .collect();
        self
    }

    fn done(&mut self) -> Vec<Field> {
        std::mem::take(&mut self.out)
    }
}

fn keys<T: Copy>(all: &[T], key: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| key(*v)).collect()
}

/// The legal-case form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    charges: String,
    court: String,
    case_number: String,
    counsel: String,
    counsel_name: String,
    interpreter_language: String,
    detained_since: String,
    detention_limit_days: String,
    verdict: String,
    verdict_date: String,
    sentence: String,
    appeal: String,
    appeal_date: String,
    version: String,
}

impl CaseForm {
    fn of(c: &LegalCaseRow) -> Self {
        Self {
            charges: c.charges.clone(),
            court: c.court.clone(),
            case_number: c.case_number.clone(),
            counsel: c.counsel.clone(),
            counsel_name: c.counsel_name.clone().unwrap_or_default(),
            interpreter_language: c.interpreter_language.clone().unwrap_or_default(),
            detained_since: c.detained_since.clone().unwrap_or_default(),
            detention_limit_days: c
                .detention_limit_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            verdict: c.verdict.clone(),
            verdict_date: c.verdict_date.clone().unwrap_or_default(),
            sentence: c.sentence.clone().unwrap_or_default(),
            appeal: c.appeal.clone(),
            appeal_date: c.appeal_date.clone().unwrap_or_default(),
            version: c.version.to_string(),
        }
    }

    /// The draft, or the field error of an unreadable number of days.
    fn draft(&self) -> Result<LegalCaseDraft, FieldError> {
        let days = self.detention_limit_days.trim();
        let detention_limit_days = if days.is_empty() {
            None
        } else {
            Some(days.parse::<i64>().map_err(|_| {
                FieldError::new(
                    "detention_limit_days",
                    "HW-COURT-0024",
                    "the detention limit is a number of days between 1 and 3650",
                )
            })?)
        };
        Ok(LegalCaseDraft {
            charges: self.charges.clone(),
            court: self.court.clone(),
            case_number: self.case_number.clone(),
            counsel: self.counsel.clone(),
            counsel_name: self.counsel_name.clone(),
            interpreter_language: self.interpreter_language.clone(),
            detained_since: self.detained_since.clone(),
            detention_limit_days,
            verdict: self.verdict.clone(),
            verdict_date: self.verdict_date.clone(),
            sentence: self.sentence.clone(),
            appeal: self.appeal.clone(),
            appeal_date: self.appeal_date.clone(),
        })
    }

    fn fields(&self, prefix: &'static str, lang: &Lang, errors: &[ShownError]) -> Vec<Field> {
        let mut f = Fields::new(prefix, lang, errors);
        f.area("charges", &self.charges)
            .text("court", &self.court)
            .text("case_number", &self.case_number)
            .select(
                "counsel",
                &self.counsel,
                &keys(&Counsel::ALL, Counsel::key),
                "crt-counsel",
            )
            .text("counsel_name", &self.counsel_name)
            .text("interpreter_language", &self.interpreter_language)
            .date("detained_since", &self.detained_since)
            .text("detention_limit_days", &self.detention_limit_days)
            .select(
                "verdict",
                &self.verdict,
                &keys(&Verdict::ALL, Verdict::key),
                "crt-verdict",
            )
            .date("verdict_date", &self.verdict_date)
            .text("sentence", &self.sentence)
            .select(
                "appeal",
                &self.appeal,
                &keys(&Appeal::ALL, Appeal::key),
                "crt-appeal",
            )
            .date("appeal_date", &self.appeal_date);
        f.done()
    }
}

#[derive(Template)]
#[template(path = "crt_person.html")]
struct PersonCases {
    l: Layout,
    id: i64,
    number: String,
    name: String,
    languages: String,
    cases: Vec<LegalCaseRow>,
    can_manage: bool,
    case_fields: Vec<Field>,
    language_errors: Vec<ShownError>,
    errors: Vec<ShownError>,
}

async fn show_person(
    ctx: Ctx,
    app: &App,
    id: i64,
    form: CaseForm,
    errors: Vec<ShownError>,
    language_errors: Vec<ShownError>,
) -> Result<Response, PageError> {
    let cases = app
        .legal_cases_for(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let person = app
        .store()
        .person_file(PersonId(id))
        .await
        .map_err(|e| ctx.err(e.into()))?;
    let languages = app
        .languages_for(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?
        .join(", ");
    let case_fields = form.fields("case", ctx.lang(), &errors);
    render(&PersonCases {
        id,
        number: person.person.registration_number.clone(),
        name: person
            .names
            .first()
            .map(|n| n.text.clone())
            .unwrap_or_default(),
        languages,
        cases,
        can_manage: ctx.can(Action::ManageLegalCases),
        case_fields,
        language_errors,
        errors,
        l: ctx.layout,
    })
}

async fn person_cases(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadLegalCases)?;
    show_person(ctx, &app, id, CaseForm::default(), Vec::new(), Vec::new()).await
}

async fn open_case(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<CaseForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ManageLegalCases)?;
    let result = match form.draft() {
        Ok(d) => app.open_legal_case(&ctx.principal, id, &d).await,
        Err(e) => Err(AppError::Invalid(e.into())),
    };
    match result {
        Ok(v) => Ok(see_other(&format!("/legal-cases/{}", v.case.id))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = show_person(ctx, &app, id, form, errors, Vec::new()).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Debug, Deserialize)]
struct LanguagesForm {
    #[serde(default)]
    languages: String,
    #[serde(default)]
    back: String,
}

async fn set_languages(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<LanguagesForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let list: Vec<String> = form
        .languages
        .split([',', ' ', '،'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    match app.set_languages(&ctx.principal, id, &list).await {
        Ok(_) => {
            // Back to the page the form was on: a case of this person, or their case list.
            let back = form.back.trim();
            let to = if back.starts_with("/legal-cases/")
                && back[13..].chars().all(|c| c.is_ascii_digit())
            {
                back.to_owned()
            } else {
                format!("/persons/{id}/legal-cases")
            };
            Ok(see_other(&to))
        }
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = show_person(ctx, &app, id, CaseForm::default(), Vec::new(), errors).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// The record-hearing form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HearingForm {
    hearing_date: String,
    held: bool,
    summary: String,
    next_date: String,
    counsel_present: bool,
    counsel_waiver_reason: String,
    interpreter_language: String,
    interpreter_name: String,
    interpreter_waiver_reason: String,
    guardian_present: bool,
    social_worker_present: bool,
    allegation: String,
    allegation_narrative: String,
}

impl HearingForm {
    fn draft(&self) -> HearingDraft {
        HearingDraft {
            hearing_date: self.hearing_date.clone(),
            held: self.held,
            summary: self.summary.clone(),
            next_date: self.next_date.clone(),
            counsel_present: self.counsel_present,
            counsel_waiver_reason: self.counsel_waiver_reason.clone(),
            interpreter_language: self.interpreter_language.clone(),
            interpreter_name: self.interpreter_name.clone(),
            interpreter_waiver_reason: self.interpreter_waiver_reason.clone(),
            guardian_present: self.guardian_present,
            social_worker_present: self.social_worker_present,
            allegation: self.allegation.clone(),
            allegation_narrative: self.allegation_narrative.clone(),
        }
    }

    fn fields(&self, lang: &Lang, errors: &[ShownError]) -> Vec<Field> {
        let mut kinds: Vec<&'static str> = vec![""];
        kinds.extend(
            IncidentKind::ALL
                .iter()
                .filter(|k| k.alleged_at_hearing())
                .map(|k| k.key()),
        );
        let mut f = Fields::new("hearing", lang, errors);
        f.date("hearing_date", &self.hearing_date)
            .check("held", self.held)
            .area("summary", &self.summary)
            .date("next_date", &self.next_date)
            .check("counsel_present", self.counsel_present)
            .text("counsel_waiver_reason", &self.counsel_waiver_reason)
            .text("interpreter_language", &self.interpreter_language)
            .text("interpreter_name", &self.interpreter_name)
            .text("interpreter_waiver_reason", &self.interpreter_waiver_reason)
            .check("guardian_present", self.guardian_present)
            .check("social_worker_present", self.social_worker_present)
            .select("allegation", &self.allegation, &kinds, "crt-kind")
            .area("allegation_narrative", &self.allegation_narrative);
        f.done()
    }
}

/// A hearing as its row is shown.
pub struct HearingLine {
    date: String,
    held: bool,
    summary: String,
    next: String,
    safeguards: Vec<String>,
    allegation: String,
}

#[derive(Template)]
#[template(path = "crt_case.html")]
struct CasePage {
    l: Layout,
    v: LegalCaseView,
    facts: Vec<(String, String)>,
    hearings: Vec<HearingLine>,
    can_manage: bool,
    recorded: bool,
    incident_opened: bool,
    hearing_fields: Vec<Field>,
    case_fields: Vec<Field>,
    version: i64,
    days_note: String,
    days_warn: bool,
    errors: Vec<ShownError>,
}

/// Days before a detention limit in words (or how long past it).
fn days_text(lang: &Lang, days: i64) -> String {
    if days < 0 {
        lang.ta("crt-days-past", &[("days", (-days).to_string())])
    } else {
        lang.ta("crt-days-left", &[("days", days.to_string())])
    }
}

#[derive(Debug, Default, Deserialize)]
struct CaseQuery {
    #[serde(default)]
    recorded: Option<String>,
}

fn case_facts(v: &LegalCaseView, lang: &Lang) -> Vec<(String, String)> {
    let c = &v.case;
    let mut out = vec![
        (lang.t("crt-f-charges"), c.charges.clone()),
        (lang.t("crt-f-court"), c.court.clone()),
        (lang.t("crt-f-case_number"), c.case_number.clone()),
        (
            lang.t("crt-f-counsel"),
            match &c.counsel_name {
                Some(n) => format!("{} — {n}", lang.key("crt-counsel", &c.counsel)),
                None => lang.key("crt-counsel", &c.counsel),
            },
        ),
    ];
    if let Some(l) = &c.interpreter_language {
        out.push((lang.t("crt-f-interpreter_language"), l.clone()));
    }
    if let Some(d) = &c.detained_since {
        out.push((lang.t("crt-f-detained_since"), lang.date(d)));
    }
    if let Some(d) = &c.detention_limit {
        out.push((lang.t("crt-detention-limit"), lang.date(d)));
    }
    let mut verdict = lang.key("crt-verdict", &c.verdict);
    if let Some(d) = &c.verdict_date {
        verdict = format!("{verdict} ({})", lang.date(d));
    }
    out.push((lang.t("crt-f-verdict"), verdict));
    if let Some(s) = &c.sentence {
        out.push((lang.t("crt-f-sentence"), s.clone()));
    }
    if c.appeal != "none" {
        let mut a = lang.key("crt-appeal", &c.appeal);
        if let Some(d) = &c.appeal_date {
            a = format!("{a} ({})", lang.date(d));
        }
        out.push((lang.t("crt-f-appeal"), a));
    }
    out
}

async fn show_case(
    ctx: Ctx,
    app: &App,
    id: i64,
    hearing: HearingForm,
    case_form: Option<CaseForm>,
    errors: Vec<ShownError>,
    flags: (bool, bool),
) -> Result<Response, PageError> {
    let v = app
        .legal_case_for(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let lang = ctx.lang().clone();
    let hearings = v
        .hearings
        .iter()
        .map(|h| {
            let mut safeguards = Vec::new();
            if h.counsel_present {
                safeguards.push(lang.t("crt-sg-counsel"));
            } else if let Some(r) = &h.counsel_waiver_reason {
                safeguards.push(format!("{}: {r}", lang.t("crt-sg-counsel-waived")));
            }
            if let Some(l) = &h.interpreter_language {
                safeguards.push(format!("{} ({l})", lang.t("crt-sg-interpreter")));
            } else if let Some(r) = &h.interpreter_waiver_reason {
                safeguards.push(format!("{}: {r}", lang.t("crt-sg-interpreter-waived")));
            }
            if h.guardian_present {
                safeguards.push(lang.t("crt-f-guardian_present"));
            }
            if h.social_worker_present {
                safeguards.push(lang.t("crt-f-social_worker_present"));
            }
            if h.minor {
                safeguards.push(lang.t("crt-sg-minor"));
            }
            HearingLine {
                date: lang.date(&h.hearing_date),
                held: h.held,
                summary: h.summary.clone(),
                next: h
                    .next_date
                    .as_deref()
                    .map(|d| lang.date(d))
                    .unwrap_or_default(),
                safeguards,
                allegation: h
                    .allegation
                    .as_deref()
                    .map(|k| lang.key("crt-kind", k))
                    .unwrap_or_default(),
            }
        })
        .collect();
    // The errors go to the form that was sent: the case form when it came back, else the
    // hearing form.
    let (case_errors, hearing_errors) = if case_form.is_some() {
        (errors.clone(), Vec::new())
    } else {
        (Vec::new(), errors.clone())
    };
    let case_form = case_form.unwrap_or_else(|| CaseForm::of(&v.case));
    render(&CasePage {
        facts: case_facts(&v, &lang),
        hearings,
        can_manage: ctx.can(Action::ManageLegalCases),
        recorded: flags.0,
        incident_opened: flags.1,
        hearing_fields: hearing.fields(&lang, &hearing_errors),
        case_fields: case_form.fields("case", &lang, &case_errors),
        version: v.case.version,
        days_note: v
            .detention_days_left
            .map(|d| days_text(&lang, d))
            .unwrap_or_default(),
        days_warn: v.detention_days_left.is_some_and(|d| d <= 14),
        v,
        errors,
        l: ctx.layout,
    })
}

async fn case_page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadLegalCases)?;
    let flags = match q.recorded.as_deref() {
        Some("incident") => (true, true),
        Some(_) => (true, false),
        None => (false, false),
    };
    let form = HearingForm {
        held: true,
        ..HearingForm::default()
    };
    show_case(ctx, &app, id, form, None, Vec::new(), flags).await
}

async fn record_hearing(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<HearingForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ManageLegalCases)?;
    match app.record_hearing(&ctx.principal, id, &form.draft()).await {
        Ok(r) => Ok(see_other(&format!(
            "/legal-cases/{id}?recorded={}#hearings",
            if r.incident_opened { "incident" } else { "yes" }
        ))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = show_case(ctx, &app, id, form, None, errors, (false, false)).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

async fn update_case(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<CaseForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ManageLegalCases)?;
    let version = form.version.trim().parse::<i64>().unwrap_or(0);
    let result = match form.draft() {
        Ok(d) => app.update_legal_case(&ctx.principal, id, version, &d).await,
        Err(e) => Err(AppError::Invalid(e.into())),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/legal-cases/{id}"))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let hearing = HearingForm {
                held: true,
                ..HearingForm::default()
            };
            let r = show_case(ctx, &app, id, hearing, Some(form), errors, (false, false)).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// A detention limit as a line.
pub struct LimitLine {
    case_id: i64,
    person_id: i64,
    number: String,
    court: String,
    case_number: String,
    limit: String,
    days_left: i64,
    left: String,
}

#[derive(Template)]
#[template(path = "crt_limits.html")]
struct LimitsPage {
    l: Layout,
    days: i64,
    lines: Vec<LimitLine>,
}

#[derive(Debug, Default, Deserialize)]
struct DaysQuery {
    days: Option<i64>,
}

async fn limits(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<DaysQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadLegalCases)?;
    let days = q.days.unwrap_or(30).clamp(0, 3650);
    let lang = ctx.lang().clone();
    let lines = app
        .detention_limits_near(&ctx.principal, days)
        .await
        .map_err(|e| ctx.err(e))?
        .into_iter()
        .map(|a| LimitLine {
            case_id: a.limit.case_id,
            person_id: a.limit.person_id,
            number: a.limit.registration_number,
            court: a.limit.court,
            case_number: a.limit.case_number,
            limit: lang.date(&a.limit.detention_limit),
            days_left: a.days_left,
            left: days_text(&lang, a.days_left),
        })
        .collect();
    render(&LimitsPage {
        l: ctx.layout,
        days,
        lines,
    })
}

#[derive(Template)]
#[template(path = "crt_incidents.html")]
struct IncidentsPage {
    l: Layout,
    lines: Vec<IncidentLine>,
    status: String,
    statuses: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct IncidentQuery {
    status: Option<String>,
}

async fn incidents(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<IncidentQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadIncidents)?;
    let status = super::non_blank(&q.status);
    let lines = app
        .incidents_for(
            &ctx.principal,
            &ProtectionFilter {
                status: status.clone(),
                ..ProtectionFilter::default()
            },
        )
        .await
        .map_err(|e| ctx.err(e))?;
    let lang = ctx.lang().clone();
    render(&IncidentsPage {
        l: ctx.layout,
        lines,
        status: status.unwrap_or_default(),
        statuses: IncidentStatus::ALL
            .iter()
            .map(|s| (s.key().to_owned(), lang.key("crt-status", s.key())))
            .collect(),
    })
}

/// The report form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    person: String,
    kind: String,
    occurred_on: String,
    narrative: String,
}

#[derive(Template)]
#[template(path = "crt_report.html")]
struct ReportPage {
    l: Layout,
    fields: Vec<Field>,
    errors: Vec<ShownError>,
}

fn report_page(
    ctx: Ctx,
    form: &ReportForm,
    errors: Vec<ShownError>,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let mut kinds: Vec<&'static str> = vec![""];
    kinds.extend(keys(&IncidentKind::ALL, IncidentKind::key));
    let mut f = Fields::new("report", &lang, &errors);
    f.text("person", &form.person)
        .select("kind", &form.kind, &kinds, "crt-kind")
        .date("occurred_on", &form.occurred_on)
        .area("narrative", &form.narrative);
    let fields = f.done();
    render(&ReportPage {
        l: ctx.layout,
        fields,
        errors,
    })
}

async fn report_form(ctx: Ctx) -> Result<Response, PageError> {
    ctx.may(Action::ReportIncidents)?;
    report_page(ctx, &ReportForm::default(), Vec::new())
}

async fn report(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(form): Form<ReportForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ReportIncidents)?;
    let draft = IncidentDraft {
        person: form.person.clone(),
        kind: form.kind.clone(),
        occurred_on: form.occurred_on.clone(),
        narrative: form.narrative.clone(),
    };
    match app.report_incident(&ctx.principal, &draft).await {
        Ok(v) => Ok(see_other(&format!("/incidents/{}", v.incident.id))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = report_page(ctx, &form, errors)?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Template)]
#[template(path = "crt_incident.html")]
struct IncidentPage {
    l: Layout,
    v: IncidentView,
    can_manage: bool,
    fields: Vec<Field>,
    errors: Vec<ShownError>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ActionForm {
    version: String,
    note: String,
    status: String,
}

async fn show_incident(
    ctx: Ctx,
    app: &App,
    id: i64,
    form: ActionForm,
    errors: Vec<ShownError>,
) -> Result<Response, PageError> {
    let v = app
        .incident_for(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let lang = ctx.lang().clone();
    let statuses: Vec<&'static str> = IncidentStatus::ALL
        .iter()
        .map(|s| s.key())
        .filter(|k| v.statuses.iter().any(|s| s == k))
        .collect();
    let status = if form.status.is_empty() {
        v.incident.status.clone()
    } else {
        form.status.clone()
    };
    let mut f = Fields::new("action", &lang, &errors);
    f.area("note", &form.note)
        .select("status", &status, &statuses, "crt-status");
    let fields = f.done();
    render(&IncidentPage {
        can_manage: ctx.can(Action::ManageIncidents),
        v,
        fields,
        errors,
        l: ctx.layout,
    })
}

async fn incident_page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    // No role check here: the use-case answers "not found" to roles that may not see
    // incidents, exactly like a missing one.
    show_incident(ctx, &app, id, ActionForm::default(), Vec::new()).await
}

async fn follow_up(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let version = form.version.trim().parse::<i64>().unwrap_or(0);
    match app
        .follow_up_incident(&ctx.principal, id, version, &form.note, &form.status)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/incidents/{id}"))),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let r = show_incident(ctx, &app, id, form, errors).await?;
            Ok(with_status(r, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}
