//! JSON handlers under `/api/v1`: wire shapes in, one use-case call, rows out.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveTime;
use homeward_app::App;
use homeward_app::registry::{
    LinkDraft, MoveDraft, NameDraft, RegisterPerson, born_between_for_band,
};
use homeward_domain::access::{Action, Scope, person_scope};
use homeward_domain::date::parse_date;
use homeward_domain::error::Invalid;
use homeward_domain::person::{DocumentDraft, PersonDraft, PersonId};
use homeward_domain::site::{SeparationGroup, SiteId, SiteKind};
use homeward_store::registry::{NewSite, PersonFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::error::{ApiError, Path};

/// What a JSON handler answers.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
/// A JSON body as axum hands it over (a rejection becomes a 400 naming the problem).
pub(crate) type Body = Result<Json<Value>, JsonRejection>;

/// Reads a JSON value into `T`, naming the path of the first bad field (`placement.site_id`).
fn parse<T: serde::de::DeserializeOwned>(value: Value, prefix: &str) -> ApiResult<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = match (prefix.is_empty(), path.as_str()) {
            (true, ".") => "body".to_owned(),
            (true, p) => p.to_owned(),
            (false, ".") => prefix.to_owned(),
            (false, p) => format!("{prefix}.{p}"),
        };
        let message = format!("{field}: {}", e.into_inner());
        ApiError::BadRequest(Invalid::one(field, "HW-API-0001", message))
    })
}

/// Reads a request body into `T`, naming the path of the first bad field; every JSON
/// module of the API reads its bodies through this one.
pub(crate) fn read_body<T: serde::de::DeserializeOwned>(b: Body) -> ApiResult<T> {
    let Json(v) = b?;
    parse(v, "")
}

/// Splits `keys` out of a JSON object, so the rest can be read as the person's own fields.
fn take(value: &mut Value, key: &str) -> Option<Value> {
    value.as_object_mut().and_then(|o| o.remove(key))
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/persons", get(list_persons).post(register_person))
        .route("/persons/{id}", get(person_file).put(update_person))
        .route("/persons/{id}/names", post(add_name))
        .route("/persons/{id}/documents", post(add_document))
        .route("/persons/{id}/moves", post(move_person))
        .route("/persons/{id}/site", get(site_on_date))
        .route("/persons/{id}/claims", post(add_claim))
        .route("/claims/{id}/decision", post(decide_claim))
        .route("/claims/{id}/evidence", post(add_evidence))
        .route("/family-links", post(add_link))
        .route("/sites", get(list_sites).post(create_site))
        .route("/sites/{id}/persons", get(persons_at_site))
        .route("/countries", get(countries))
        .route("/countries/{code}/stances", post(set_stance))
        .route("/stats", get(stats))
        .route("/session", post(sign_in).delete(sign_out))
        .route("/search", get(search))
        .route("/persons/{id}/placement", get(propose_placement))
        .route("/persons/{id}/placement-decisions", post(decide_placement))
        .route("/persons/{id}/births", post(register_birth))
        .route("/placement-rules", get(list_rules).post(add_rule))
        .route("/transfers", post(request_transfer))
        .route("/transfers/{id}/authorise", post(authorise_transfer))
        .route("/transfers/{id}/carry-out", post(carry_out_transfer))
        .route("/sites/{id}/roll-calls", post(roll_call))
        .route("/roll-call-incidents/{id}/resolve", post(resolve_incident))
        .route("/tasks", get(tasks))
        .route(
            "/persons/{id}/files",
            get(list_files)
                .post(upload_file)
                .layer(axum::extract::DefaultBodyLimit::max(
                    homeward_domain::upload::MAX_BYTES + 1,
                )),
        )
        .route("/files/{id}", get(download_file))
        .route("/openapi.json", get(openapi_json))
        .route("/persons/{id}/family", get(family))
        .merge(crate::api_account::routes())
        .merge(crate::api_identity::routes())
        .merge(crate::api_repatriation::routes())
        .merge(crate::api_care::routes())
        .merge(crate::api_courts::routes())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NameIn {
    text: String,
    kind: Option<String>,
    source: Option<String>,
}

impl NameIn {
    fn draft(self) -> NameDraft {
        NameDraft {
            text: self.text,
            kind: self.kind,
            source: self.source,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DocumentIn {
    doc_type: String,
    number: String,
    issuing_country: String,
    expiry: Option<String>,
    #[serde(default)]
    sighted: bool,
}

impl DocumentIn {
    fn draft(self) -> DocumentDraft {
        DocumentDraft {
            doc_type: self.doc_type,
            number: self.number,
            issuing_country: self.issuing_country,
            expiry: self.expiry,
            sighted: self.sighted,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct MoveIn {
    site_id: i64,
    at: Option<String>,
    authorised_by: String,
    reason: String,
    best_interests_ref: Option<String>,
    #[serde(default)]
    confirm_over_capacity: bool,
}

impl MoveIn {
    fn draft(self) -> MoveDraft {
        MoveDraft {
            site: self.site_id,
            at: self.at,
            authorised_by: self.authorised_by,
            reason: self.reason,
            best_interests_ref: self.best_interests_ref,
            confirm_over_capacity: self.confirm_over_capacity,
        }
    }
}

struct RegisterIn {
    person: PersonIn,
    names: Vec<NameIn>,
    documents: Vec<DocumentIn>,
    nationalities: Vec<String>,
    placement: Option<MoveIn>,
}

/// Identity fields of a person: the register and update bodies besides their own keys.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PersonIn {
    sex: String,
    date_of_birth: Option<String>,
    year_of_birth: Option<i32>,
    estimated_age: Option<u8>,
    age_basis: Option<String>,
    age_estimated_on: Option<String>,
    place_of_birth: Option<String>,
    status: Option<String>,
    pregnant_expected_delivery: Option<String>,
    #[serde(default)]
    disability: bool,
    #[serde(default)]
    serious_medical_condition: bool,
    #[serde(default)]
    unaccompanied: bool,
    #[serde(default)]
    separated: bool,
    #[serde(default)]
    father_unknown: bool,
    father_name: Option<String>,
    separation_group: Option<String>,
}

impl PersonIn {
    fn draft(self) -> PersonDraft {
        PersonDraft {
            sex: self.sex,
            date_of_birth: self.date_of_birth,
            year_of_birth: self.year_of_birth,
            estimated_age: self.estimated_age,
            age_basis: self.age_basis,
            age_estimated_on: self.age_estimated_on,
            place_of_birth: self.place_of_birth,
            status: self.status,
            pregnant_expected_delivery: self.pregnant_expected_delivery,
            disability: self.disability,
            serious_medical_condition: self.serious_medical_condition,
            unaccompanied: self.unaccompanied,
            separated: self.separated,
            father_unknown: self.father_unknown,
            father_name: self.father_name,
            separation_group: self.separation_group,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/persons",
    tag = "persons",
    summary = "Register a person with names, documents, nationality claims and an optional first placement",
    request_body = RegisterDoc,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn register_person(
    auth: Auth,

    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::WriteRegistry)?;
    let Json(mut v) = raw?;
    let names: Vec<NameIn> = take(&mut v, "names").map_or(Ok(Vec::new()), |n| parse(n, "names"))?;
    let documents: Vec<DocumentIn> =
        take(&mut v, "documents").map_or(Ok(Vec::new()), |d| parse(d, "documents"))?;
    let nationalities: Vec<String> =
        take(&mut v, "nationalities").map_or(Ok(Vec::new()), |n| parse(n, "nationalities"))?;
    let placement: Option<MoveIn> = take(&mut v, "placement")
        .filter(|p| !p.is_null())
        .map(|p| parse(p, "placement"))
        .transpose()?;
    let person: PersonIn = parse(v, "")?;
    let body = RegisterIn {
        person,
        names,
        documents,
        nationalities,
        placement,
    };
    let cmd = RegisterPerson {
        person: body.person.draft(),
        names: body.names.into_iter().map(NameIn::draft).collect(),
        documents: body.documents.into_iter().map(DocumentIn::draft).collect(),
        nationalities: body.nationalities,
        placement: body.placement.map(MoveIn::draft),
    };
    let file = app.register_person(&auth.actor(), &cmd).await?;
    Ok((StatusCode::CREATED, Json(json!(file))))
}

#[utoipa::path(
    put,
    path = "/api/v1/persons/{id}",
    tag = "persons",
    summary = "Replace identity facts (send the version you read)",
    params(("id" = i64, Path, description = "internal id")),
    request_body = UpdateDoc,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn update_person(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may(Action::WriteRegistry)?;
    let Json(mut v) = raw?;
    let version: i64 = match take(&mut v, "version") {
        Some(n) => parse(n, "version")?,
        None => {
            return Err(Invalid::one(
                "version",
                "HW-API-0004",
                "give the version you read, to detect concurrent changes",
            )
            .into());
        }
    };
    let person: PersonIn = parse(v, "")?;
    let row = app
        .update_person(&auth.actor(), PersonId(id), version, &person.draft())
        .await?;
    Ok(Json(json!(row)))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}",
    tag = "persons",
    summary = "The person file (every view is logged)",
    params(("id" = i64, Path, description = "internal id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn person_file(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let file = app.person_file_for(&auth.0, PersonId(id), "api").await?;
    Ok(Json(json!(file)))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    site: Option<i64>,
    nationality: Option<String>,
    sex: Option<String>,
    age_band: Option<String>,
    status: Option<String>,
    pregnant: Option<bool>,
    unaccompanied: Option<bool>,
    claim_state: Option<String>,
    registration_number: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
    /// Keyset paging: persons with an internal id above this one (the `next_after` of the
    /// previous page); as fast deep in the registry as on its first page. Not with `page`.
    after: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/persons",
    tag = "persons",
    summary = "List persons with filters and paging",
    params(ListQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_persons(
    auth: Auth,

    State(app): State<App>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadPersons)?;
    let Query(q) = q?;
    let born_between = match q.age_band.as_deref() {
        Some(b) => Some(born_between_for_band(b, app.today())?),
        None => None,
    };
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=500).contains(&per_page) {
        return Err(Invalid::one("per_page", "HW-API-0003", "per_page must be 1 to 500").into());
    }
    if q.after.is_some() && q.page.is_some() {
        return Err(Invalid::one(
            "after",
            "HW-API-0004",
            "after: give either after (the next_after of the previous page) or page, not both",
        )
        .into());
    }
    let page = q.page.unwrap_or(1).max(1);
    let filter = PersonFilter {
        site: q.site.map(SiteId),
        nationality: q.nationality,
        sex: q.sex,
        born_between,
        status: q.status,
        pregnant: q.pregnant,
        unaccompanied: q.unaccompanied,
        claim_state: q.claim_state,
        registration_number: q.registration_number,
        scope_country: None,
        after_id: q.after,
    };
    let offset = if q.after.is_some() {
        0
    } else {
        (page - 1) * per_page
    };
    let found = app
        .list_persons_for(&auth.0, filter, per_page, offset)
        .await?;
    // The cursor of the next page, when this one is full.
    let next_after = (found.items.len() as i64 == per_page)
        .then(|| found.items.last().map(|p| p.person.id))
        .flatten();
    Ok(Json(json!({
        "page": page,
        "per_page": per_page,
        "total": found.total,
        "next_after": next_after,
        "items": found.items,
    })))
}

#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/names",
    tag = "persons",
    summary = "Add a name variant",
    params(("id" = i64, Path, description = "internal id")),
    request_body = NameIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_name(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::WriteRegistry)?;
    let body: NameIn = read_body(raw)?;
    let row = app
        .add_name(&auth.actor(), PersonId(id), &body.draft())
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/documents",
    tag = "persons",
    summary = "Add a document",
    params(("id" = i64, Path, description = "internal id")),
    request_body = DocumentIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_document(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::WriteRegistry)?;
    let body: DocumentIn = read_body(raw)?;
    let row = app
        .add_document(&auth.actor(), PersonId(id), &body.draft())
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/moves",
    tag = "custody",
    summary = "Move a person to a site (custody rules apply)",
    params(("id" = i64, Path, description = "internal id")),
    request_body = MoveIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn move_person(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::MovePersons)?;
    let body: MoveIn = read_body(raw)?;
    let row = app
        .move_person(&auth.actor(), PersonId(id), &body.draft())
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DateQuery {
    date: Option<String>,
}

fn moment_of(app: &App, date: Option<&str>) -> ApiResult<chrono::NaiveDateTime> {
    Ok(match date {
        // The end of the day: "where was X on D" means where X was when D ended.
        Some(d) => parse_date("date", d)?
            .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)),
        None => app.now(),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/site",
    tag = "custody",
    summary = "Where was this person on a date",
    params(("id" = i64, Path, description = "internal id"), DateQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn site_on_date(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    q: Result<Query<DateQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadPersons)?;
    let Query(q) = q?;
    let at = moment_of(&app, q.date.as_deref())?;
    let person = visible_person(&app, &auth, id).await?;
    let site = app.store().site_of_person_at(PersonId(id), at).await?;
    Ok(Json(json!({
        "registration_number": person.registration_number,
        "at": at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "site": site,
    })))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}/persons",
    tag = "custody",
    summary = "Who was at a site on a date",
    params(("id" = i64, Path, description = "internal id"), DateQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn persons_at_site(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    q: Result<Query<DateQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadPersons)?;
    auth.may(Action::ReadSites)?;
    let Query(q) = q?;
    let at = moment_of(&app, q.date.as_deref())?;
    let site = app.store().site(SiteId(id)).await?;
    let persons = app.store().persons_at_site(SiteId(id), at).await?;
    Ok(Json(json!({
        "site": site,
        "at": at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "count": persons.len(),
        "persons": persons,
    })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ClaimIn {
    country: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/claims",
    tag = "nationality",
    summary = "Add a nationality claim",
    params(("id" = i64, Path, description = "internal id")),
    request_body = ClaimIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_claim(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::VerifyNationality)?;
    let body: ClaimIn = read_body(raw)?;
    visible_person(&app, &auth, id).await?;
    if let Scope::Country(c) = person_scope(&auth.0)
        && !body.country.trim().eq_ignore_ascii_case(c.as_str())
    {
        return Err(homeward_app::AppError::Forbidden.into());
    }
    let row = app
        .add_claim(&auth.actor(), PersonId(id), &body.country)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionIn {
    version: i64,
    state: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/claims/{id}/decision",
    tag = "nationality",
    summary = "Move a claim through verification",
    params(("id" = i64, Path, description = "internal id")),
    request_body = DecisionIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn decide_claim(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may(Action::VerifyNationality)?;
    let body: DecisionIn = read_body(raw)?;
    visible_claim(&app, &auth, id).await?;
    Ok(Json(json!(
        app.decide_claim(&auth.actor(), id, body.version, &body.state)
            .await?
    )))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EvidenceIn {
    kind: String,
    reference: String,
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/claims/{id}/evidence",
    tag = "nationality",
    summary = "Add evidence to a claim",
    params(("id" = i64, Path, description = "internal id")),
    request_body = EvidenceIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_evidence(
    auth: Auth,

    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::VerifyNationality)?;
    let body: EvidenceIn = read_body(raw)?;
    visible_claim(&app, &auth, id).await?;
    let row = app
        .add_evidence(&auth.actor(), id, &body.kind, &body.reference, &body.note)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LinkIn {
    from_person: i64,
    to_person: i64,
    relation: String,
    basis: Option<String>,
    confidence: Option<String>,
    evidence_ref: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/family-links",
    tag = "persons",
    summary = "Record a family link",
    request_body = LinkIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_link(
    auth: Auth,
    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::WriteRegistry)?;
    let b: LinkIn = read_body(raw)?;
    let draft = LinkDraft {
        from: b.from_person,
        to: b.to_person,
        relation: b.relation,
        basis: b.basis,
        confidence: b.confidence,
        evidence_ref: b.evidence_ref,
    };
    let row = app.add_link(&auth.actor(), &draft).await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites",
    tag = "sites",
    summary = "Sites with occupancy",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_sites(auth: Auth, State(app): State<App>) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadSites)?;
    let sites = app.store().sites().await?;
    let counts = app.store().count_by_site().await?;
    let items: Vec<Value> = sites
        .into_iter()
        .map(|s| {
            let n = counts
                .iter()
                .find(|(k, _)| *k == s.code)
                .map_or(0, |(_, n)| *n);
            json!({ "site": s, "occupancy": n })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SiteIn {
    code: String,
    name_en: String,
    #[serde(default)]
    name_ar: String,
    kind: String,
    parent_id: Option<i64>,
    capacity: u32,
    separation_group: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/sites",
    tag = "sites",
    summary = "Create a site",
    request_body = SiteIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn create_site(
    auth: Auth,
    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::Administer)?;
    let b: SiteIn = read_body(raw)?;
    let mut errors = homeward_domain::error::Errors::new();
    let kind = errors.take(SiteKind::parse("kind", &b.kind));
    let group = match b.separation_group.as_deref() {
        Some(g) => errors
            .take(SeparationGroup::parse("separation_group", g))
            .map(Some),
        None => Some(None),
    };
    errors.finish()?;
    let (Some(kind), Some(separation_group)) = (kind, group) else {
        return Err(Invalid::one("kind", "HW-SITE-0000", "incomplete site").into());
    };
    let site = NewSite {
        code: b.code.trim().to_owned(),
        name_en: b.name_en.trim().to_owned(),
        name_ar: b.name_ar.trim().to_owned(),
        kind,
        parent: b.parent_id.map(SiteId),
        capacity: b.capacity,
        separation_group,
        synthetic: false,
    };
    let row = app.create_site(&auth.actor(), &site).await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    get,
    path = "/api/v1/countries",
    tag = "countries",
    summary = "Countries with their dated stances",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn countries(auth: Auth, State(app): State<App>) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadSites)?;
    let stances = app.store().stances().await?;
    let items: Vec<Value> = app
        .store()
        .countries()
        .await?
        .into_iter()
        .map(|(code, en, ar)| {
            let history: Vec<_> = stances.iter().filter(|s| s.country_code == code).collect();
            json!({ "code": code, "name_en": en, "name_ar": ar, "stances": history })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StanceIn {
    stance: String,
    effective_from: String,
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/countries/{code}/stances",
    tag = "countries",
    summary = "Record a country stance from a date",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2")),
    request_body = StanceIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn set_stance(
    auth: Auth,

    State(app): State<App>,
    Path(code): Path<String>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::Administer)?;
    let b: StanceIn = read_body(raw)?;
    let row = app
        .set_stance(&auth.actor(), &code, &b.stance, &b.effective_from, &b.note)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "reports",
    summary = "Headline figures",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn stats(auth: Auth, State(app): State<App>) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadStats)?;
    Ok(Json(json!(app.stats().await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SignInIn {
    username: String,
    password: String,
    /// The second factor's current code, or a recovery code, when the account has one.
    code: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "session",
    summary = "Sign in: returns a session token and sets the session cookie",
    request_body = SignInIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody))
)]
async fn sign_in(
    State(app): State<App>,
    headers: axum::http::HeaderMap,
    raw: Body,
) -> ApiResult<impl axum::response::IntoResponse> {
    let b: SignInIn = read_body(raw)?;
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (token, p) = app
        .sign_in_with(&homeward_app::auth::SignIn {
            username: &b.username,
            password: &b.password,
            code: b.code.as_deref(),
            agent,
        })
        .await?;
    let cookie = format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        crate::auth::COOKIE_NAME,
        homeward_app::auth::SESSION_HOURS * 3600
    );
    Ok((
        [(axum::http::header::SET_COOKIE, cookie)],
        Json(
            json!({ "token": token, "username": p.username, "role": p.role.key(),
                     "country": p.country.map(|c| c.to_string()) }),
        ),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "session",
    summary = "Sign out",
    responses((status = 204, description = "done"), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn sign_out(State(app): State<App>, req: axum::extract::Request) -> ApiResult<StatusCode> {
    let (parts, _) = req.into_parts();
    if let Some(t) = crate::auth::token(&parts) {
        app.sign_out(&t).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The person, if the caller's scope lets them see it; otherwise "not found", exactly as for
/// a person who does not exist, so a hidden record is never confirmed.
async fn visible_person(
    app: &App,
    auth: &Auth,
    id: i64,
) -> ApiResult<homeward_store::rows::PersonRow> {
    let person = app.store().person(PersonId(id)).await?;
    let visible = app.can_see(&auth.0, PersonId(id)).await?;
    if visible {
        Ok(person)
    } else {
        Err(homeward_app::AppError::NotFound("person".into()).into())
    }
}

/// A claim the caller may work on: its person is visible, and a consular officer only works on
/// their own country's claims.
async fn visible_claim(app: &App, auth: &Auth, id: i64) -> ApiResult<()> {
    let claim = app.store().claim(id).await?;
    visible_person(app, auth, claim.person_id).await?;
    if let Scope::Country(c) = person_scope(&auth.0)
        && claim.country_code != c.as_str()
    {
        return Err(homeward_app::AppError::NotFound("claim".into()).into());
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: String,
    limit: Option<usize>,
}

#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "persons",
    summary = "Search names in any script, registration and document numbers",
    params(SearchQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn search(
    auth: Auth,
    State(app): State<App>,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadPersons)?;
    let Query(q) = q?;
    let hits = app
        .search(&auth.0, &q.q, q.limit.unwrap_or(20).clamp(1, 100))
        .await?;
    Ok(Json(json!({ "query": q.q, "items": hits })))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/family",
    tag = "persons",
    summary = "The family view with the site of each member",
    params(("id" = i64, Path, description = "internal id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn family(auth: Auth, State(app): State<App>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.family_for(&auth.0, PersonId(id)).await?)))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/placement",
    tag = "placement",
    summary = "Placement proposed by the rules in force on a date",
    params(("id" = i64, Path, description = "internal id"), DateQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn propose_placement(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    q: Result<Query<DateQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::MovePersons)?;
    let Query(q) = q?;
    let on = match q.date.as_deref() {
        Some(d) => parse_date("date", d)?,
        None => app.today(),
    };
    Ok(Json(json!(app.propose_placement(PersonId(id), on).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionPlacementIn {
    date: Option<String>,
    chosen: Option<String>,
    #[serde(default)]
    reason: String,
    best_interests_ref: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/placement-decisions",
    tag = "placement",
    summary = "Confirm or override the proposal",
    params(("id" = i64, Path, description = "internal id")),
    request_body = DecisionPlacementIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn decide_placement(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::MovePersons)?;
    let b: DecisionPlacementIn = read_body(raw)?;
    let on = match b.date.as_deref() {
        Some(d) => parse_date("date", d)?,
        None => app.today(),
    };
    let row = app
        .decide_placement(
            &auth.actor(),
            PersonId(id),
            on,
            b.chosen.as_deref(),
            &b.reason,
            b.best_interests_ref.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BirthIn {
    sex: String,
    date_of_birth: String,
    #[serde(default)]
    names: Vec<NameIn>,
    #[serde(default)]
    father_unknown: bool,
    father_name: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/births",
    tag = "placement",
    summary = "Register a baby born in custody from the file of the mother",
    params(("id" = i64, Path, description = "internal id")),
    request_body = BirthIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn register_birth(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::WriteRegistry)?;
    let b: BirthIn = read_body(raw)?;
    let draft = homeward_app::placement::BirthDraft {
        sex: b.sex,
        date_of_birth: b.date_of_birth,
        names: b.names.into_iter().map(NameIn::draft).collect(),
        father_unknown: b.father_unknown,
        father_name: b.father_name,
    };
    let file = app
        .register_birth(&auth.actor(), PersonId(id), &draft)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(file))))
}

#[utoipa::path(
    get,
    path = "/api/v1/placement-rules",
    tag = "placement",
    summary = "Every placement rule version",
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_rules(auth: Auth, State(app): State<App>) -> ApiResult<Json<Value>> {
    auth.may(Action::ReadSites)?;
    let items: Vec<Value> = app
        .rules()
        .await?
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "version": r.version, "effective_from": r.effective_from.to_string(),
                "retired": r.retired, "priority": r.priority, "min_age": r.min_age,
                "max_age": r.max_age, "sex": r.sex.map(homeward_domain::person::Sex::key),
                "nationality": r.nationality.key(), "outcome": r.outcome.key(),
                "description_en": r.description_en, "description_ar": r.description_ar,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RuleIn {
    id: String,
    effective_from: String,
    #[serde(default)]
    retired: bool,
    priority: u32,
    min_age: u32,
    max_age: u32,
    sex: Option<String>,
    nationality: String,
    outcome: String,
    description_en: String,
    #[serde(default)]
    description_ar: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/placement-rules",
    tag = "placement",
    summary = "Add a placement rule version",
    request_body = RuleIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn add_rule(
    auth: Auth,
    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::Administer)?;
    let b: RuleIn = read_body(raw)?;
    let draft = homeward_app::placement::RuleDraft {
        id: b.id,
        effective_from: b.effective_from,
        retired: b.retired,
        priority: b.priority,
        min_age: b.min_age,
        max_age: b.max_age,
        sex: b.sex,
        nationality: b.nationality,
        outcome: b.outcome,
        description_en: b.description_en,
        description_ar: b.description_ar,
    };
    let r = app.add_rule_version(&auth.actor(), &draft).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": r.id, "version": r.version })),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TransferIn {
    to_site_id: i64,
    persons: Vec<i64>,
    reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/transfers",
    tag = "custody",
    summary = "Request a transfer (lists family members left behind)",
    request_body = TransferIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn request_transfer(
    auth: Auth,
    State(app): State<App>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::MovePersons)?;
    let b: TransferIn = read_body(raw)?;
    let (t, left) = app
        .request_transfer(&auth.actor(), b.to_site_id, &b.persons, &b.reason)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "transfer": t, "family_left_behind": left })),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StepIn {
    version: i64,
    #[serde(default)]
    confirm_over_capacity: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/transfers/{id}/authorise",
    tag = "custody",
    summary = "Authorise a transfer",
    params(("id" = i64, Path, description = "internal id")),
    request_body = StepIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn authorise_transfer(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may(Action::MovePersons)?;
    let b: StepIn = read_body(raw)?;
    Ok(Json(json!(
        app.authorise_transfer(&auth.actor(), id, b.version).await?
    )))
}

#[utoipa::path(
    post,
    path = "/api/v1/transfers/{id}/carry-out",
    tag = "custody",
    summary = "Carry out an authorised transfer, all or none",
    params(("id" = i64, Path, description = "internal id")),
    request_body = StepIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn carry_out_transfer(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may(Action::MovePersons)?;
    let b: StepIn = read_body(raw)?;
    let t = app
        .carry_out_transfer(&auth.actor(), id, b.version, b.confirm_over_capacity)
        .await?;
    Ok(Json(json!(t)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RollCallIn {
    counted: Option<i64>,
    present: Option<Vec<i64>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{id}/roll-calls",
    tag = "custody",
    summary = "Record a roll call",
    params(("id" = i64, Path, description = "internal id")),
    request_body = RollCallIn,
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn roll_call(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::MovePersons)?;
    let b: RollCallIn = read_body(raw)?;
    let (call, incident) = app
        .roll_call(&auth.actor(), id, b.counted, b.present.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "roll_call": call, "incident": incident })),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResolveIn {
    resolution: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/roll-call-incidents/{id}/resolve",
    tag = "custody",
    summary = "Resolve a roll-call difference",
    params(("id" = i64, Path, description = "internal id")),
    request_body = ResolveIn,
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn resolve_incident(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    raw: Body,
) -> ApiResult<Json<Value>> {
    auth.may(Action::MovePersons)?;
    let b: ResolveIn = read_body(raw)?;
    Ok(Json(json!(
        app.resolve_roll_call_incident(&auth.actor(), id, &b.resolution)
            .await?
    )))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TaskQuery {
    team: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks",
    tag = "custody",
    summary = "Open tasks of a team",
    params(TaskQuery),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn tasks(
    auth: Auth,
    State(app): State<App>,
    q: Result<Query<TaskQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    auth.may(Action::MovePersons)?;
    let Query(q) = q?;
    Ok(Json(
        json!({ "items": app.store().tasks(q.team.as_deref()).await? }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    kind: String,
    #[serde(default)]
    label: String,
}

/// Uploads a photo or scan as the raw request body; the type is read from the content.
#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/files",
    tag = "files",
    summary = "Upload a photo or scan (raw body; type read from content)",
    params(("id" = i64, Path, description = "internal id"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn upload_file(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
    q: Result<Query<UploadQuery>, QueryRejection>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.may(Action::UploadFiles)?;
    let Query(q) = q?;
    let row = app
        .add_person_file(&auth.0, PersonId(id), &q.kind, &q.label, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/files",
    tag = "files",
    summary = "Photos and scans of a person",
    params(("id" = i64, Path, description = "internal id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn list_files(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.person_files_for(&auth.0, PersonId(id)).await? }),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/files/{id}",
    tag = "files",
    summary = "One photo or scan (every view is logged)",
    params(("id" = i64, Path, description = "internal id")),
    responses((status = 200, description = "done", body = serde_json::Value), (status = 400, description = "unreadable input", body = ErrorBody), (status = 401, description = "no session", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody), (status = 404, description = "not found", body = ErrorBody), (status = 409, description = "changed by someone else", body = ErrorBody), (status = 422, description = "refused: every bad field named", body = ErrorBody)),
    security(("session" = []))
)]
async fn download_file(
    auth: Auth,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (row, content) = app.file_for(&auth.0, id).await?;
    let ext = match row.media_type.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "pdf",
    };
    Ok((
        [
            (header::CONTENT_TYPE, row.media_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"file-{id}.{ext}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        content,
    )
        .into_response())
}

/// The error body every refusal uses.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// `bad_request`, `invalid`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `internal`.
    error: String,
    /// A readable summary.
    message: String,
    /// Every bad field, for 400 and 422.
    fields: Option<Vec<FieldErrorBody>>,
}

/// One bad field.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    /// The field's name in the request, e.g. `documents[0].issuing_country`.
    field: String,
    /// A stable code support staff can search for, e.g. `HW-CUSTODY-0005`.
    code: String,
    /// A readable message.
    message: String,
}

/// The registration body: identity fields plus names, documents, claims and placement.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct RegisterDoc {
    #[serde(flatten)]
    person: PersonIn,
    names: Vec<NameIn>,
    documents: Option<Vec<DocumentIn>>,
    nationalities: Option<Vec<String>>,
    placement: Option<MoveIn>,
}

/// The update body: the version read and the identity fields.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct UpdateDoc {
    version: i64,
    #[serde(flatten)]
    person: PersonIn,
}

struct SessionScheme;

impl utoipa::Modify for SessionScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::COOKIE_NAME))),
        );
    }
}

/// The OpenAPI document of this API, generated from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "homeward API",
        description = "Case management and repatriation registry. Every route but sign-in needs a session (cookie or Bearer token)."
    ),
    paths(register_person, update_person, person_file, list_persons, add_name, add_document, move_person, site_on_date, persons_at_site, add_claim, decide_claim, add_evidence, add_link, list_sites, create_site, countries, set_stance, stats, sign_in, sign_out, search, family, propose_placement, decide_placement, register_birth, list_rules, add_rule, request_transfer, authorise_transfer, carry_out_transfer, roll_call, resolve_incident, tasks, upload_file, list_files, download_file),
    components(schemas(ErrorBody, FieldErrorBody, RegisterDoc, UpdateDoc)),
    modifiers(&SessionScheme)
)]
pub struct ApiDoc;

/// The whole document: this module's routes and those of the feature modules.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::api_account::doc());
    doc.merge(crate::api_identity::doc());
    doc.merge(crate::api_repatriation::doc());
    doc.merge(crate::api_care::doc());
    doc.merge(crate::api_courts::doc());
    flatten_all_of(&mut doc);
    document_refusals(&mut doc);
    doc
}

/// Makes each `allOf` body schema one object: a `#[serde(flatten)]` of a struct that denies
/// unknown fields comes out as `allOf` of two closed objects, which no body can satisfy (each
/// forbids the other's fields). The server reads such a body as one object, so that is what
/// the document says: the fields of every part, none other.
fn flatten_all_of(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{AdditionalProperties, Object, Schema};
    use utoipa::openapi::{RefOr, Type};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let names: Vec<String> = components
        .schemas
        .iter()
        .filter(|(_, s)| matches!(s, RefOr::T(Schema::AllOf(_))))
        .map(|(n, _)| n.clone())
        .collect();
    for name in &names {
        let Some(RefOr::T(Schema::AllOf(all))) = components.schemas.get(name) else {
            continue;
        };
        let mut merged = Object::with_type(Type::Object);
        merged.description.clone_from(&all.description);
        let mut closed = false;
        for part in &all.items {
            let part = match part {
                RefOr::Ref(r) => r
                    .ref_location
                    .rsplit('/')
                    .next()
                    .and_then(|n| components.schemas.get(n)),
                RefOr::T(_) => Some(part),
            };
            let Some(RefOr::T(Schema::Object(o))) = part else {
                continue;
            };
            for (k, v) in &o.properties {
                merged.properties.insert(k.clone(), v.clone());
            }
            for r in &o.required {
                if !merged.required.contains(r) {
                    merged.required.push(r.clone());
                }
            }
            closed |= matches!(
                o.additional_properties.as_deref(),
                Some(AdditionalProperties::FreeForm(false))
            );
        }
        if closed {
            merged.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
        components
            .schemas
            .insert(name.clone(), RefOr::T(Schema::Object(merged)));
    }
}

/// Adds to every operation the refusals the error layer can give it and its annotation does
/// not list, all with the one error body ([`ErrorBody`]), so the document says what the server
/// answers: 400 where a path parameter, the query or the body can be unreadable (`/cases/abc`,
/// a number past 64 bits, a field of the wrong type); 401 and 403 where a session is needed
/// (none; a role without the action, or a second factor still to set up); 404 where the path
/// names a record (missing, or outside the caller's scope: the same answer); 422 where the query
/// or body is checked field by field; 429 over the rate limit; 500 when the server fails.
fn document_refusals(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let refusal = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let params = op.parameters.as_deref().unwrap_or_default();
            let in_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
            let in_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let body = op.request_body.is_some();
            let signed = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let wanted = [
                ("400", in_path || in_query || body, "unreadable input"),
                ("401", signed, "no session"),
                ("403", signed, "role not allowed"),
                ("404", in_path, "not found, or not yours to see"),
                ("422", in_query || body, "refused: every bad field named"),
                (
                    "429",
                    true,
                    "too many requests: try again after Retry-After seconds",
                ),
                ("500", true, "the server failed; nothing was changed"),
            ];
            for (status, applies, description) in wanted {
                if applies && !op.responses.responses.contains_key(status) {
                    op.responses
                        .responses
                        .insert(status.to_owned(), refusal(description).into());
                }
            }
        }
    }
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
