//! JSON handlers under `/api/v1` for nationality verification and repatriation: cases and their state machine,
//! consent and the disclosure register, the embassy work queue and dossiers.
//!
//! Every handler reads the caller's principal and calls one app use-case, which asks
//! `authorize` and applies the caller's scope (a consular officer: their own country only).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use homeward_app::App;
use homeward_app::dossier::DossierRequest;
use homeward_app::repatriation::{ConsentDraft, NotificationList, OpenCase, StepDraft};
use homeward_domain::access::Action;
use homeward_domain::error::Invalid;
use homeward_domain::person::PersonId;
use homeward_domain::repatriation::{BidDraft, PanelMember};
use homeward_store::repatriation::CaseFilter;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::ErrorBody;
use crate::auth::Auth;
use crate::error::{ApiError, Path};

use crate::api::{ApiResult, Body, read_body};

/// This module's routes, merged into `/api/v1`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/cases", get(list_cases).post(open_case))
        .route("/cases/{id}", get(case))
        .route("/cases/{id}/steps", post(move_case))
        .route("/cases/{id}/best-interests", post(best_interests))
        .route("/persons/{id}/consents", get(consents).post(add_consent))
        .route("/consents/{id}/approval", post(approve))
        .route("/persons/{id}/disclosures", get(disclosures))
        .route("/persons/{id}/dossier.pdf", get(dossier))
        .route("/persons/{id}/verification", get(verification))
        .route("/embassy-queue/{code}", get(queue))
        .route(
            "/embassy-queue/{code}/notification-list",
            get(notification_list),
        )
        .route("/country-profiles", get(country_profiles))
        .route("/countries/{code}/requirements", post(add_requirement))
        .route("/countries/{code}/agreements", post(add_agreement))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CaseQuery {
    country: Option<String>,
    state: Option<String>,
    person: Option<i64>,
    #[serde(default)]
    open_only: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "repatriation",
    summary = "Repatriation cases the caller may see, the longest waiting first",
    params(CaseQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_cases(
    auth: Auth,
    State(app): State<App>,
    q: Result<Query<CaseQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadCases)?;
    let Query(q) = q?;
    let items = app
        .cases_for(
            &auth.0,
            CaseFilter {
                country: q.country,
                state: q.state,
                person: q.person,
                open_only: q.open_only,
            },
        )
        .await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CaseIn {
    /// ISO 3166-1 alpha-2.
    country: String,
    /// Person ids: one person or a family group.
    members: Vec<i64>,
    #[serde(default)]
    label: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases",
    tag = "repatriation",
    summary = "Open a case for one person or a family group",
    request_body = CaseIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn open_case(
    auth: Auth,
    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::ManageCases)?;
    let b: CaseIn = read_body(raw)?;
    let view = app
        .open_case(
            &auth.0,
            &OpenCase {
                country: b.country,
                members: b.members,
                label: b.label,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(view))))
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    tag = "repatriation",
    summary = "A case with its members, timeline, determinations and the mothers' own situation",
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn case(auth: Auth, State(app): State<App>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.case_for(&auth.0, id).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StepIn {
    /// The state to move to.
    to: String,
    /// The case version read.
    version: i64,
    #[serde(default)]
    note: String,
    risk_torture: Option<bool>,
    risk_death_penalty: Option<bool>,
    risk_persecution: Option<bool>,
    travel_document: Option<String>,
    handover_date: Option<String>,
    handover_place: Option<String>,
    receiving_official: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/steps",
    tag = "repatriation",
    summary = "Move a case one step (an illegal step is refused with the reason)",
    params(("id" = i64, Path, description = "case id")),
    request_body = StepIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn move_case(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may_any(&[Action::ManageCases, Action::RecordCountryDecision])?;
    let b: StepIn = read_body(raw)?;
    let row = app
        .move_case(
            &auth.0,
            id,
            &StepDraft {
                to: b.to,
                version: b.version,
                note: b.note,
                risk_torture: b.risk_torture,
                risk_death_penalty: b.risk_death_penalty,
                risk_persecution: b.risk_persecution,
                travel_document: b.travel_document,
                handover_date: b.handover_date,
                handover_place: b.handover_place,
                receiving_official: b.receiving_official,
            },
        )
        .await?;
    Ok(Json(json!(row)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PanelIn {
    name: String,
    role: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BidIn {
    child_id: i64,
    assessment: String,
    panel: Vec<PanelIn>,
    /// `return`, `return_without_mother` or `remain`.
    decision: String,
    decided_on: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/best-interests",
    tag = "repatriation",
    summary = "Record a best-interests determination for a child of the case",
    params(("id" = i64, Path, description = "case id")),
    request_body = BidIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn best_interests(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::RecordBestInterests)?;
    let b: BidIn = read_body(raw)?;
    let draft = BidDraft {
        assessment: b.assessment,
        panel: b
            .panel
            .into_iter()
            .map(|m| PanelMember {
                name: m.name,
                role: m.role,
            })
            .collect(),
        decision: b.decision,
        decided_on: b.decided_on,
    };
    let row = app
        .record_best_interests(&auth.0, id, b.child_id, &draft)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/consents",
    tag = "repatriation",
    summary = "Consent and legal-basis records of a person",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn consents(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let items = app.consents_for(&auth.0, PersonId(id)).await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ConsentIn {
    country: String,
    /// `consent` or `legal_basis`.
    kind: String,
    #[serde(default)]
    given_by: String,
    #[serde(default)]
    given_by_name: String,
    #[serde(default)]
    agreed: bool,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/consents",
    tag = "repatriation",
    summary = "Record consent (or its refusal) to release data to an embassy, or propose a legal basis",
    params(("id" = i64, Path, description = "person id")),
    request_body = ConsentIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_consent(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::RecordConsent)?;
    let b: ConsentIn = read_body(raw)?;
    let row = app
        .record_consent(
            &auth.0,
            PersonId(id),
            &ConsentDraft {
                country: b.country,
                kind: b.kind,
                given_by: b.given_by,
                given_by_name: b.given_by_name,
                agreed: b.agreed,
                legal_basis: b.legal_basis,
                note: b.note,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    post,
    path = "/api/v1/consents/{id}/approval",
    tag = "repatriation",
    summary = "Approve a proposed legal basis as the second approver (a different user)",
    params(("id" = i64, Path, description = "consent record id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn approve(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.approve_legal_basis(&auth.0, id).await?)))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/disclosures",
    tag = "repatriation",
    summary = "The disclosure register of a person: what went to which embassy, when, under which case",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn disclosures(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let items = app.disclosures_for(&auth.0, PersonId(id)).await?;
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/verification",
    tag = "repatriation",
    summary = "Nationality verification of a person: claims with who decided them and when, evidence, and the statelessness risk when every claim is rejected (not given to consular officers, who see their own country's claims only)",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody)),
    security(("session" = []))
)]
async fn verification(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        app.verification_for(&auth.0, PersonId(id)).await?
    )))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DossierQuery {
    /// `ar` (Arabic only), or `en`, `fr` or `ru` beside Arabic.
    lang: Option<String>,
    /// The receiving country (ISO alpha-2); default: a consular officer's own, or the
    /// person's only claimed nationality.
    to: Option<String>,
    /// Include the family members the caller may see.
    #[serde(default)]
    family: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/dossier.pdf",
    tag = "repatriation",
    summary = "The repatriation dossier of a person (or family) for one embassy as PDF; needs the password given again recently; each person included is written to the disclosure register, members without consent or legal basis are left out (x-withheld)",
    params(("id" = i64, Path, description = "person id"), DossierQuery),
    responses((status = 200, description = "the PDF"), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed, or the password must be confirmed again", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn dossier(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    q: Result<Query<DossierQuery>, QueryRejection>,
) -> ApiResult<Response> {
    auth.may(Action::ReadPersons)?;
    auth.may(Action::ExportEmbassyList)?;
    let Query(q) = q?;
    // A person outside the caller's scope answers like a missing one, before anything else.
    if !app.can_see(&auth.0, PersonId(id)).await? {
        return Err(homeward_app::AppError::NotFound("person".into()).into());
    }
    // A release to an embassy is sensitive: the password must have been given recently.
    let token = crate::auth::token_of(&headers).unwrap_or_default();
    app.require_confirmation(&token).await?;
    let req = DossierRequest {
        person: PersonId(id),
        lang: q.lang.unwrap_or_else(|| "ar".into()),
        to_country: q.to,
        family: q.family,
    };
    let out = app.dossier(&auth.0, &auth.actor(), &req).await?;
    let number = out.included.first().cloned().unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"dossier-{number}-{}-{}.pdf\"",
                    out.to_country,
                    req.lang.trim()
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::HeaderName::from_static("x-withheld"),
                out.withheld.join(" "),
            ),
        ],
        out.pdf,
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/embassy-queue/{code}",
    tag = "repatriation",
    summary = "A country's work queue: open cases, who waits for what, oldest first",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn queue(
    auth: Auth,
    State(app): State<App>,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let items = app.embassy_queue(&auth.0, &code).await?;
    Ok(Json(
        json!({ "country": code.to_ascii_uppercase(), "items": items }),
    ))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    /// `csv` (default), `xlsx` or `pdf`.
    format: Option<String>,
    /// For `pdf`: `ar` or `en` (default).
    lang: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/embassy-queue/{code}/notification-list",
    tag = "repatriation",
    summary = "The country's notification list as CSV, XLSX or PDF; only persons with consent or an approved legal basis, each release registered",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2"), FormatQuery),
    responses((status = 200, description = "the file"), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn notification_list(
    auth: Auth,
    State(app): State<App>,
    Path(code): Path<String>,
    q: Result<Query<FormatQuery>, QueryRejection>,
) -> ApiResult<Response> {
    auth.may(Action::ExportEmbassyList)?;
    let Query(q) = q?;
    let format = q
        .format
        .unwrap_or_else(|| "csv".into())
        .to_ascii_lowercase();
    if !matches!(format.as_str(), "csv" | "xlsx" | "pdf") {
        return Err(Invalid::one("format", "HW-VALUE-0001", "format is csv, xlsx or pdf").into());
    }
    let lang = match q.lang.as_deref().map(str::trim) {
        None | Some("" | "en") => crate::pages::Lang::english(),
        Some(tag) => crate::pages::Lang::from_tag(tag)
            .filter(|l| l.code() == tag)
            .ok_or_else(|| Invalid::one("lang", "HW-VALUE-0001", "lang is ar or en"))?,
    };
    let list = app.notification_list(&auth.0, &code, &format).await?;
    if format == "pdf" {
        return pdf_response(&list, &lang).map_err(internal);
    }
    file_response(&list, &format)
}

/// The notification list as a download in `format` (`csv` or `xlsx`).
pub(crate) fn file_response(list: &NotificationList, format: &str) -> ApiResult<Response> {
    let name = format!("notification-list-{}.{format}", list.country);
    let (body, media) = if format == "xlsx" {
        (
            notification_xlsx(list)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    } else {
        (notification_csv(list)?, "text/csv; charset=utf-8")
    };
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::HeaderName::from_static("x-withheld"),
                list.withheld.to_string(),
            ),
        ],
        body,
    )
        .into_response())
}

/// A cell a spreadsheet would read as a formula gets a leading apostrophe, so it stays text.
pub(crate) fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

const HEADERS: [&str; 9] = [
    "registration_number",
    "names",
    "sex",
    "date_of_birth",
    "claim_state",
    "case",
    "case_state",
    "waiting_for",
    "waiting_since",
];

fn cells(r: &homeward_app::repatriation::NotificationRow) -> [String; 9] {
    [
        r.registration_number.clone(),
        r.names.clone(),
        r.sex.clone(),
        r.date_of_birth.clone(),
        r.claim_state.clone(),
        r.case_id.map(|c| c.to_string()).unwrap_or_default(),
        r.case_state.clone(),
        r.waiting_for.clone(),
        r.waiting_since.clone(),
    ]
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::App(homeward_app::AppError::Internal(e.to_string()))
}

/// CSV with a UTF-8 byte-order mark (so spreadsheet programs read Arabic and Cyrillic).
pub(crate) fn notification_csv(list: &NotificationList) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(HEADERS).map_err(internal)?;
    for r in &list.rows {
        w.write_record(cells(r).iter().map(|c| neutralise(c)))
            .map_err(internal)?;
    }
    w.into_inner().map_err(internal)
}

/// An XLSX workbook with one sheet; every cell is written as text.
pub(crate) fn notification_xlsx(list: &NotificationList) -> ApiResult<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(list.country.as_str()).map_err(internal)?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string(0, u16::try_from(c).unwrap_or(0), *h)
            .map_err(internal)?;
    }
    for (i, r) in list.rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(internal)?;
        for (c, v) in cells(r).iter().enumerate() {
            sheet
                .write_string(row, u16::try_from(c).unwrap_or(0), neutralise(v))
                .map_err(internal)?;
        }
    }
    book.save_to_buffer().map_err(internal)
}

/// A country's name in the reader's language, with its code.
pub(crate) fn country_text(code: &str, lang: &crate::pages::Lang) -> String {
    match homeward_domain::country::CountryCode::parse("country", code) {
        Ok(c) => {
            let info = c.info();
            let name = if lang.code() == "ar" {
                info.name_ar
            } else {
                info.name_en
            };
            format!("{name} ({code})")
        }
        Err(_) => code.to_owned(),
    }
}

/// The notification list as a PDF file.
pub(crate) fn pdf_response(
    list: &NotificationList,
    lang: &crate::pages::Lang,
) -> Result<Response, homeward_pdf::PdfError> {
    let pdf = notification_pdf(list, lang)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"notification-list-{}.pdf\"",
                    list.country
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::HeaderName::from_static("x-withheld"),
                list.withheld.to_string(),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// The notification list laid out as a PDF table in the reader's language (Arabic shaped and
/// right to left), names as written.
pub(crate) fn notification_pdf(
    list: &NotificationList,
    lang: &crate::pages::Lang,
) -> Result<Vec<u8>, homeward_pdf::PdfError> {
    use homeward_pdf::{Block, Column, Direction, Document};
    let col = |id: &str, weight: f32| Column {
        title: lang.t(id),
        weight,
    };
    let rows = list
        .rows
        .iter()
        .map(|r| {
            vec![
                r.registration_number.clone(),
                r.names.clone(),
                lang.key("sex", &r.sex),
                r.date_of_birth.clone(),
                lang.key("claim", &r.claim_state),
                r.case_id.map(|c| format!("#{c}")).unwrap_or_default(),
                if r.case_state.is_empty() {
                    String::new()
                } else {
                    lang.key("rep-state", &r.case_state)
                },
                r.waiting_since.clone(),
            ]
        })
        .collect();
    let title = format!(
        "{}: {}",
        lang.t("rep-notification-list"),
        country_text(&list.country, lang)
    );
    let doc = Document {
        title: title.clone(),
        lang: lang.code().to_owned(),
        direction: if lang.dir() == "rtl" {
            Direction::Rtl
        } else {
            Direction::Ltr
        },
        header: "homeward".to_owned(),
        mark: lang.t("rep-confidential"),
        footer: lang.t("rep-pdf-footer"),
        page_label: String::new(),
        blocks: vec![
            Block::Title(title),
            Block::para(format!(
                "{}: {} · {}: {}",
                lang.t("rep-listed"),
                list.rows.len(),
                lang.t("rep-withheld"),
                list.withheld
            )),
            Block::Space(6.0),
            Block::Table {
                columns: vec![
                    col("col-registration", 1.9),
                    col("col-names", 2.1),
                    col("col-sex", 0.9),
                    col("rep-born", 1.7),
                    col("col-claim-state", 1.1),
                    col("rep-case", 0.8),
                    col("rep-state", 1.3),
                    col("rep-since", 1.5),
                ],
                rows,
            },
        ],
    };
    homeward_pdf::render(&doc)
}

#[utoipa::path(
    get,
    path = "/api/v1/country-profiles",
    tag = "repatriation",
    summary = "Countries with their stance history, requirements and agreements",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)),
    security(("session" = []))
)]
async fn country_profiles(auth: Auth, State(app): State<App>) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.country_profiles(&auth.0).await? }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RequirementIn {
    /// `dna_test`, `sighted_documents`, `court_decision`, `birth_record`, `embassy_interview`, `security_clearance`.
    requirement: String,
    /// `all`, `children` or `adults`.
    #[serde(default = "all")]
    applies_to: String,
    effective_from: String,
    #[serde(default)]
    note: String,
}

fn all() -> String {
    "all".into()
}

#[utoipa::path(
    post,
    path = "/api/v1/countries/{code}/requirements",
    tag = "countries",
    summary = "Record a requirement of a country from a date",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2")),
    request_body = RequirementIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_requirement(
    auth: Auth,
    State(app): State<App>,
    Path(code): Path<String>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::Administer)?;
    let b: RequirementIn = read_body(raw)?;
    let row = app
        .add_requirement(
            &auth.0,
            &code,
            &b.requirement,
            &b.applies_to,
            &b.effective_from,
            &b.note,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AgreementIn {
    concluded_on: String,
    title: String,
    #[serde(default)]
    summary: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/countries/{code}/agreements",
    tag = "countries",
    summary = "Record an agreement or statement in a country's dated history",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2")),
    request_body = AgreementIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_agreement(
    auth: Auth,
    State(app): State<App>,
    Path(code): Path<String>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::Administer)?;
    let b: AgreementIn = read_body(raw)?;
    let row = app
        .add_agreement(&auth.0, &code, &b.concluded_on, &b.title, &b.summary)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_cases,
        open_case,
        case,
        move_case,
        best_interests,
        consents,
        add_consent,
        approve,
        disclosures,
        dossier,
        verification,
        queue,
        notification_list,
        country_profiles,
        add_requirement,
        add_agreement
    ),
    components(schemas(CaseIn, StepIn, BidIn, PanelIn, ConsentIn, RequirementIn, AgreementIn))
)]
struct Doc;

/// This module's part of the OpenAPI document.
pub fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    Doc::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeward_app::repatriation::NotificationRow;

    fn list() -> NotificationList {
        NotificationList {
            country: "FR".into(),
            rows: vec![NotificationRow {
                registration_number: "HW-2018-000001".into(),
                names: "=HYPERLINK(\"http://x\") / سفيتلانا".into(),
                sex: "female".into(),
                date_of_birth: "1990-04-02".into(),
                claim_state: "confirmed".into(),
                case_id: Some(3),
                case_state: "accepted".into(),
                waiting_for: "risk_assessment".into(),
                waiting_since: "2018-01-30".into(),
            }],
            withheld: 1,
        }
    }

    #[test]
    fn csv_starts_with_a_bom_and_neutralises_formulas() {
        let bytes = notification_csv(&list()).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert!(row[1].starts_with("'=HYPERLINK"), "{}", &row[1]);
        assert!(row[1].contains("سفيتلانا"));
        assert_eq!(neutralise("-1+2"), "'-1+2");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("HW-1"), "HW-1");
    }

    #[test]
    fn xlsx_is_a_zip_workbook_with_text_cells() {
        let bytes = notification_xlsx(&list()).unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
