//! Access control, proven route by route: every JSON route (read from the OpenAPI document the
//! server serves, so a new route is walked as soon as it is documented) and every page route
//! (read from the router's source), for every role and for a signed-out caller, on an object the
//! role may see, on one of another country (or another user), and on one that does not exist.
//!
//! What each route needs is written down once, in [`EXPECTATIONS`]; what each role may do comes
//! from the one authorisation function (`authorize` and `person_scope`). A route without an entry
//! fails the walk. A refusal must look the same whether the record is hidden or missing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use homeward_app::identity::TracingDraft;
use homeward_app::repatriation::{ConsentDraft, OpenCase};
use homeward_app::{Actor, App, ManualClock};
use homeward_domain::access::{Action, Principal, Role, Scope, authorize, person_scope};
use homeward_domain::country::CountryCode;
use homeward_domain::person::PersonId;
use homeward_store::registry::PersonFilter;
use http_body_util::BodyExt;
use tower::ServiceExt;

use Action::*;

/// What a route needs of its caller.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (their own account).
    Signed,
    /// Every one of these actions.
    All(&'static [Action]),
    /// At least one of these actions.
    Any(&'static [Action]),
    /// Every one of these actions; without them the record answers like a missing one (404),
    /// so a role that may not see such records never learns one exists.
    Quiet(&'static [Action]),
}

/// Whether the route's object is limited beyond the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scoped {
    /// Any object (or no object at all).
    No,
    /// Only objects within `person_scope` (a person, or what belongs to one, or a country's).
    Person,
    /// Only the caller's own objects (their list matches, their sessions).
    Owner,
}

use Need::{All, Any, Public, Quiet, Signed};
use Scoped::{No, Owner, Person};

/// One entry per route: method, path template (as the router writes it), need, scoping.
/// JSON routes are written with their `/api/v1` prefix, pages as they are.
const EXPECTATIONS: &[(&str, &str, Need, Scoped)] = &[
    // registry
    ("GET", "/api/v1/persons", All(&[ReadPersons]), No),
    ("POST", "/api/v1/persons", All(&[WriteRegistry]), No),
    ("GET", "/api/v1/persons/{id}", All(&[ReadPersons]), Person),
    ("PUT", "/api/v1/persons/{id}", All(&[WriteRegistry]), Person),
    (
        "POST",
        "/api/v1/persons/{id}/names",
        All(&[WriteRegistry]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/documents",
        All(&[WriteRegistry]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/moves",
        All(&[MovePersons]),
        Person,
    ),
    (
        "GET",
        "/api/v1/persons/{id}/site",
        All(&[ReadPersons]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/claims",
        All(&[VerifyNationality]),
        Person,
    ),
    (
        "POST",
        "/api/v1/claims/{id}/decision",
        All(&[VerifyNationality]),
        Person,
    ),
    (
        "POST",
        "/api/v1/claims/{id}/evidence",
        All(&[VerifyNationality]),
        Person,
    ),
    ("POST", "/api/v1/family-links", All(&[WriteRegistry]), No),
    (
        "GET",
        "/api/v1/persons/{id}/family",
        All(&[ReadPersons]),
        Person,
    ),
    ("GET", "/api/v1/search", All(&[ReadPersons]), No),
    ("GET", "/api/v1/sites", All(&[ReadSites]), No),
    ("POST", "/api/v1/sites", All(&[Administer]), No),
    (
        "GET",
        "/api/v1/sites/{id}/persons",
        All(&[ReadPersons, ReadSites]),
        No,
    ),
    ("GET", "/api/v1/countries", All(&[ReadSites]), No),
    (
        "POST",
        "/api/v1/countries/{code}/stances",
        All(&[Administer]),
        No,
    ),
    ("GET", "/api/v1/stats", All(&[ReadStats]), No),
    ("GET", "/api/v1/openapi.json", Public, No),
    // session and account
    ("POST", "/api/v1/session", Public, No),
    ("DELETE", "/api/v1/session", Public, No),
    ("POST", "/api/v1/account/confirm", Signed, No),
    ("GET", "/api/v1/account/sessions", Signed, No),
    ("DELETE", "/api/v1/account/sessions/{id}", Signed, Owner),
    ("POST", "/api/v1/account/second-factor", Signed, No),
    ("POST", "/api/v1/account/second-factor/confirm", Signed, No),
    // files
    (
        "GET",
        "/api/v1/persons/{id}/files",
        All(&[ViewFiles]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/files",
        All(&[UploadFiles]),
        Person,
    ),
    ("GET", "/api/v1/files/{id}", All(&[ViewFiles]), Person),
    // custody
    (
        "GET",
        "/api/v1/persons/{id}/placement",
        All(&[MovePersons]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/placement-decisions",
        All(&[MovePersons]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/births",
        All(&[WriteRegistry]),
        Person,
    ),
    ("GET", "/api/v1/placement-rules", All(&[ReadSites]), No),
    ("POST", "/api/v1/placement-rules", All(&[Administer]), No),
    ("POST", "/api/v1/transfers", All(&[MovePersons]), No),
    (
        "POST",
        "/api/v1/transfers/{id}/authorise",
        All(&[MovePersons]),
        No,
    ),
    (
        "POST",
        "/api/v1/transfers/{id}/carry-out",
        All(&[MovePersons]),
        No,
    ),
    (
        "POST",
        "/api/v1/sites/{id}/roll-calls",
        All(&[MovePersons]),
        No,
    ),
    (
        "POST",
        "/api/v1/roll-call-incidents/{id}/resolve",
        All(&[MovePersons]),
        No,
    ),
    ("GET", "/api/v1/tasks", All(&[MovePersons]), No),
    // identity
    (
        "POST",
        "/api/v1/identity/dedupe-runs",
        All(&[ReviewDuplicates]),
        No,
    ),
    (
        "GET",
        "/api/v1/identity/reviews",
        All(&[ReviewDuplicates]),
        No,
    ),
    (
        "GET",
        "/api/v1/identity/reviews/{id}",
        All(&[ReviewDuplicates]),
        No,
    ),
    (
        "POST",
        "/api/v1/identity/reviews/{id}/decision",
        All(&[ReviewDuplicates]),
        No,
    ),
    (
        "POST",
        "/api/v1/identity/merges/{id}/undo",
        All(&[ReviewDuplicates]),
        No,
    ),
    (
        "GET",
        "/api/v1/identity/persons/{id}/merged",
        All(&[ReadPersons]),
        Person,
    ),
    (
        "GET",
        "/api/v1/identity/tracing-requests",
        All(&[TraceRequests]),
        No,
    ),
    (
        "POST",
        "/api/v1/identity/tracing-requests",
        All(&[TraceRequests]),
        No,
    ),
    (
        "GET",
        "/api/v1/identity/tracing-requests/{id}",
        All(&[TraceRequests]),
        No,
    ),
    (
        "POST",
        "/api/v1/identity/tracing-requests/{id}/outcome",
        All(&[TraceRequests]),
        No,
    ),
    ("GET", "/api/v1/identity/lists", All(&[MatchLists]), No),
    ("POST", "/api/v1/identity/lists", All(&[MatchLists]), No),
    (
        "GET",
        "/api/v1/identity/lists/{id}",
        All(&[MatchLists]),
        Owner,
    ),
    (
        "GET",
        "/api/v1/identity/lists/{id}/results.csv",
        All(&[MatchLists]),
        Owner,
    ),
    // repatriation
    ("GET", "/api/v1/cases", All(&[ReadCases]), No),
    ("POST", "/api/v1/cases", All(&[ManageCases]), No),
    ("GET", "/api/v1/cases/{id}", All(&[ReadCases]), Person),
    (
        "POST",
        "/api/v1/cases/{id}/steps",
        Any(&[ManageCases, RecordCountryDecision]),
        Person,
    ),
    (
        "POST",
        "/api/v1/cases/{id}/best-interests",
        All(&[RecordBestInterests]),
        Person,
    ),
    (
        "GET",
        "/api/v1/persons/{id}/consents",
        All(&[RecordConsent]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/consents",
        All(&[RecordConsent]),
        Person,
    ),
    (
        "POST",
        "/api/v1/consents/{id}/approval",
        All(&[RecordConsent]),
        Person,
    ),
    (
        "GET",
        "/api/v1/persons/{id}/disclosures",
        All(&[ReadDisclosures]),
        Person,
    ),
    (
        "GET",
        "/api/v1/embassy-queue/{code}",
        All(&[ReadCases]),
        Person,
    ),
    (
        "GET",
        "/api/v1/embassy-queue/{code}/notification-list",
        All(&[ExportEmbassyList]),
        Person,
    ),
    (
        "GET",
        "/api/v1/country-profiles",
        Any(&[ReadCases, Administer]),
        No,
    ),
    (
        "POST",
        "/api/v1/countries/{code}/requirements",
        All(&[Administer]),
        No,
    ),
    (
        "POST",
        "/api/v1/countries/{code}/agreements",
        All(&[Administer]),
        No,
    ),
    (
        "GET",
        "/api/v1/persons/{id}/dossier.pdf",
        All(&[ReadPersons, ExportEmbassyList]),
        Person,
    ),
    (
        "GET",
        "/api/v1/persons/{id}/verification",
        All(&[VerifyNationality]),
        Person,
    ),
    // courts and protection
    (
        "GET",
        "/api/v1/persons/{id}/languages",
        All(&[ReadPersons]),
        Person,
    ),
    (
        "PUT",
        "/api/v1/persons/{id}/languages",
        Any(&[WriteRegistry, ManageLegalCases]),
        Person,
    ),
    (
        "GET",
        "/api/v1/persons/{id}/legal-cases",
        All(&[ReadLegalCases]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/legal-cases",
        All(&[ManageLegalCases]),
        Person,
    ),
    (
        "GET",
        "/api/v1/legal-cases/{id}",
        All(&[ReadLegalCases]),
        Person,
    ),
    (
        "PUT",
        "/api/v1/legal-cases/{id}",
        All(&[ManageLegalCases]),
        Person,
    ),
    (
        "POST",
        "/api/v1/legal-cases/{id}/hearings",
        All(&[ManageLegalCases]),
        Person,
    ),
    (
        "GET",
        "/api/v1/detention-limits",
        All(&[ReadLegalCases]),
        No,
    ),
    ("GET", "/api/v1/incidents", All(&[ReadIncidents]), No),
    ("POST", "/api/v1/incidents", All(&[ReportIncidents]), No),
    ("GET", "/api/v1/incidents/{id}", Quiet(&[ReadIncidents]), No),
    (
        "POST",
        "/api/v1/incidents/{id}/actions",
        Quiet(&[ReadIncidents, ManageIncidents]),
        No,
    ),
    (
        "GET",
        "/persons/{id}/legal-cases",
        All(&[ReadLegalCases]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/legal-cases",
        All(&[ManageLegalCases]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/languages",
        Any(&[WriteRegistry, ManageLegalCases]),
        Person,
    ),
    ("GET", "/legal-cases", All(&[ReadLegalCases]), No),
    ("GET", "/legal-cases/{id}", All(&[ReadLegalCases]), Person),
    (
        "POST",
        "/legal-cases/{id}",
        All(&[ManageLegalCases]),
        Person,
    ),
    (
        "POST",
        "/legal-cases/{id}/hearings",
        All(&[ManageLegalCases]),
        Person,
    ),
    ("GET", "/incidents", All(&[ReadIncidents]), No),
    ("POST", "/incidents", All(&[ReportIncidents]), No),
    ("GET", "/incidents/new", All(&[ReportIncidents]), No),
    ("GET", "/incidents/{id}", Quiet(&[ReadIncidents]), No),
    (
        "POST",
        "/incidents/{id}/actions",
        Quiet(&[ReadIncidents, ManageIncidents]),
        No,
    ),
    // pages: reports
    ("GET", "/dashboard", All(&[ReadStats]), No),
    ("GET", "/dashboard/sitrep.pdf", All(&[ReadStats]), No),
    ("GET", "/exports", Any(&[ReadAudit, ManageUsers]), No),
    ("GET", "/dashboard.csv", All(&[ReadStats]), No),
    ("GET", "/dashboard.xlsx", All(&[ReadStats]), No),
    ("GET", "/persons.xlsx", All(&[ReadPersons, Export]), No),
    // pages: bulk import (the staged file is found by its token, for its uploader only)
    ("GET", "/import", All(&[WriteRegistry]), No),
    ("POST", "/import", All(&[WriteRegistry]), No),
    ("POST", "/import/check", All(&[WriteRegistry]), No),
    ("POST", "/import/commit", All(&[WriteRegistry]), No),
    ("POST", "/import/discard", All(&[WriteRegistry]), No),
    // pages: session and account
    ("GET", "/healthz", Public, No),
    ("GET", "/", Signed, No),
    ("GET", "/sign-in", Public, No),
    ("POST", "/sign-in", Public, No),
    ("POST", "/sign-out", Public, No),
    ("POST", "/language", Public, No),
    ("GET", "/assets/{file}", Public, No),
    ("GET", "/account", Signed, No),
    ("POST", "/account/sessions/end", Signed, No),
    ("GET", "/account/second-factor", Signed, No),
    ("POST", "/account/second-factor/start", Signed, No),
    ("POST", "/account/second-factor/confirm", Signed, No),
    ("GET", "/account/confirm", Signed, No),
    ("POST", "/account/confirm", Signed, No),
    // pages: registry
    ("GET", "/search", All(&[ReadPersons]), No),
    ("GET", "/persons", All(&[ReadPersons]), No),
    ("GET", "/persons.csv", All(&[ReadPersons, Export]), No),
    ("GET", "/persons/new", All(&[WriteRegistry]), No),
    ("POST", "/persons/new", All(&[WriteRegistry]), No),
    ("GET", "/persons/{id}", All(&[ReadPersons]), Person),
    ("POST", "/persons/{id}/links", All(&[WriteRegistry]), Person),
    ("POST", "/persons/{id}/files", All(&[UploadFiles]), Person),
    ("GET", "/persons/{id}/family", All(&[ReadPersons]), Person),
    ("GET", "/sites", All(&[ReadSites]), No),
    ("GET", "/sites/{id}", All(&[ReadSites]), No),
    // pages: custody
    (
        "GET",
        "/persons/{id}/placement",
        All(&[MovePersons]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/placement",
        All(&[MovePersons]),
        Person,
    ),
    ("GET", "/placement-rules", All(&[ReadSites]), No),
    ("POST", "/placement-rules", All(&[Administer]), No),
    ("GET", "/persons/{id}/birth", All(&[WriteRegistry]), Person),
    ("POST", "/persons/{id}/birth", All(&[WriteRegistry]), Person),
    ("GET", "/transfers", All(&[MovePersons]), No),
    ("GET", "/transfers/new", All(&[MovePersons]), No),
    ("POST", "/transfers/new", All(&[MovePersons]), No),
    ("GET", "/transfers/{id}", All(&[MovePersons]), No),
    ("POST", "/transfers/{id}/authorise", All(&[MovePersons]), No),
    ("POST", "/transfers/{id}/carry-out", All(&[MovePersons]), No),
    ("GET", "/sites/{id}/roll-call", All(&[MovePersons]), No),
    ("POST", "/sites/{id}/roll-call", All(&[MovePersons]), No),
    (
        "POST",
        "/roll-call-incidents/{id}/resolve",
        All(&[MovePersons]),
        No,
    ),
    (
        "GET",
        "/tasks",
        Any(&[MovePersons, Administer, ReadLegalCases]),
        No,
    ),
    ("POST", "/tasks/daily-review", All(&[Administer]), No),
    // care and health
    ("GET", "/api/v1/persons/{id}/care", All(&[ReadCare]), Person),
    (
        "POST",
        "/api/v1/persons/{id}/care-plans",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/care-plans/{id}/reviews",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/best-interests",
        All(&[WriteCare]),
        Person,
    ),
    (
        "GET",
        "/api/v1/best-interests/{id}",
        All(&[ReadCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/best-interests/{id}/assessment",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/best-interests/{id}/decision",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/best-interests/{id}/implementation",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/best-interests/{id}/case-determination",
        All(&[RecordBestInterests, ReadCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/programmes",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/enrolments/{id}/sessions",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/schooling",
        All(&[WriteCare]),
        Person,
    ),
    (
        "GET",
        "/api/v1/persons/{id}/health",
        All(&[ReadHealth]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/health/conditions",
        All(&[WriteHealth]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/health/fitness",
        All(&[WriteHealth]),
        Person,
    ),
    (
        "POST",
        "/api/v1/persons/{id}/health/pregnancy",
        All(&[WriteHealth]),
        Person,
    ),
    (
        "GET",
        "/api/v1/persons/{id}/fitness-to-travel",
        All(&[ReadFitnessToTravel]),
        Person,
    ),
    ("GET", "/api/v1/monitor/care", All(&[ReadMonitorView]), No),
    ("GET", "/persons/{id}/care", All(&[ReadCare]), Person),
    (
        "POST",
        "/persons/{id}/care/plans",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/care/plans/{id}/reviews",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/care/procedures",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/care/procedures/{id}/assess",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/care/procedures/{id}/decide",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/care/procedures/{id}/implement",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/care/programmes",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/care/enrolments/{id}/sessions",
        All(&[WriteCare]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/care/schooling",
        All(&[WriteCare]),
        Person,
    ),
    ("GET", "/persons/{id}/health", All(&[ReadHealth]), Person),
    (
        "POST",
        "/persons/{id}/health/condition",
        All(&[WriteHealth]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/health/fitness",
        All(&[WriteHealth]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/health/pregnancy",
        All(&[WriteHealth]),
        Person,
    ),
    (
        "GET",
        "/persons/{id}/fitness",
        All(&[ReadFitnessToTravel]),
        Person,
    ),
    ("GET", "/monitor", All(&[ReadMonitorView]), No),
    ("GET", "/where", All(&[ReadPersons, ReadSites]), No),
    ("GET", "/sites/{id}/on", All(&[ReadSites, ReadPersons]), No),
    // pages: identity
    ("GET", "/identity/reviews", All(&[ReviewDuplicates]), No),
    (
        "POST",
        "/identity/reviews/run",
        All(&[ReviewDuplicates]),
        No,
    ),
    (
        "GET",
        "/identity/reviews/{id}",
        All(&[ReviewDuplicates]),
        No,
    ),
    (
        "POST",
        "/identity/reviews/{id}",
        All(&[ReviewDuplicates]),
        No,
    ),
    (
        "POST",
        "/identity/merges/{id}/undo",
        All(&[ReviewDuplicates]),
        No,
    ),
    ("GET", "/identity/tracing", All(&[TraceRequests]), No),
    ("GET", "/identity/tracing/new", All(&[TraceRequests]), No),
    ("POST", "/identity/tracing/new", All(&[TraceRequests]), No),
    ("GET", "/identity/tracing/{id}", All(&[TraceRequests]), No),
    (
        "POST",
        "/identity/tracing/{id}/outcome",
        All(&[TraceRequests]),
        No,
    ),
    ("GET", "/identity/lists", All(&[MatchLists]), No),
    ("POST", "/identity/lists", All(&[MatchLists]), No),
    ("GET", "/identity/lists/{id}", All(&[MatchLists]), Owner),
    (
        "GET",
        "/identity/lists/{id}/results.csv",
        All(&[MatchLists]),
        Owner,
    ),
    // pages: repatriation
    ("GET", "/cases", All(&[ReadCases]), No),
    ("GET", "/cases/new", All(&[ManageCases]), No),
    ("POST", "/cases/new", All(&[ManageCases]), No),
    ("GET", "/cases/{id}", All(&[ReadCases]), Person),
    (
        "POST",
        "/cases/{id}/steps",
        Any(&[ManageCases, RecordCountryDecision]),
        Person,
    ),
    (
        "POST",
        "/cases/{id}/best-interests",
        All(&[RecordBestInterests]),
        Person,
    ),
    (
        "GET",
        "/persons/{id}/disclosures",
        All(&[ReadDisclosures]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/disclosures",
        All(&[RecordConsent]),
        Person,
    ),
    (
        "POST",
        "/consents/{id}/approve",
        All(&[RecordConsent]),
        Person,
    ),
    ("GET", "/embassy-queue", All(&[ReadCases]), No),
    ("GET", "/embassy-queue/{code}", All(&[ReadCases]), Person),
    (
        "GET",
        "/embassy-queue/{code}/notification-list",
        All(&[ExportEmbassyList]),
        Person,
    ),
    (
        "GET",
        "/persons/{id}/dossier",
        All(&[ReadPersons, ExportEmbassyList]),
        Person,
    ),
    (
        "GET",
        "/persons/{id}/verification",
        All(&[VerifyNationality]),
        Person,
    ),
    (
        "POST",
        "/persons/{id}/verification",
        All(&[VerifyNationality]),
        Person,
    ),
    (
        "POST",
        "/claims/{id}/evidence",
        All(&[VerifyNationality]),
        Person,
    ),
    (
        "POST",
        "/claims/{id}/decision",
        All(&[VerifyNationality]),
        Person,
    ),
    (
        "GET",
        "/repatriation/countries",
        Any(&[ReadCases, Administer]),
        No,
    ),
    (
        "GET",
        "/repatriation/countries/{code}",
        Any(&[ReadCases, Administer]),
        No,
    ),
    (
        "POST",
        "/repatriation/countries/{code}",
        All(&[Administer]),
        No,
    ),
];

/// Routes that end the caller's own session: walked with a throw-away session of the role.
const ENDS_SESSION: &[(&str, &str)] = &[("DELETE", "/api/v1/session"), ("POST", "/sign-out")];

/// Objects the walk cannot make on the demo data (a merge needs a confirmed pair): allowed roles
/// may get "not found" for them, as for a missing one.
const UNSEEDED: &[&str] = &["/merges/"];

/// Who walks: every role (the consular officer bound to France) and a signed-out caller.
const WALKERS: &[(Option<Role>, &str, Option<&str>)] = &[
    (Some(Role::Registrar), "walk-registrar", None),
    (Some(Role::CaseWorker), "walk-caseworker", None),
    (Some(Role::JudicialLiaison), "walk-judicial", None),
    (Some(Role::ConsularOfficer), "walk-consul-fr", Some("FR")),
    (Some(Role::Monitor), "walk-monitor", None),
    (Some(Role::Administrator), "walk-admin", None),
    (Some(Role::Auditor), "walk-auditor", None),
    (None, "anonymous", None),
];

const OWN_COUNTRY: &str = "FR";
const OTHER_COUNTRY: &str = "RU";
const HOST: &str = "homeward.test";

/// Which of a route's objects a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Which {
    /// One the role may see (its own country's, its own).
    Own,
    /// One of another country, or another user's.
    Other,
    /// One that does not exist.
    Missing,
}

/// The objects of the walk: for each kind of path parameter, own and other.
struct World {
    app: App,
    clock: ManualClock,
    /// kind → (own, other), for objects that belong to a country (own = French).
    objects: BTreeMap<&'static str, (String, String)>,
    /// (kind, username) → that user's own object, for objects that belong to a user.
    owned: BTreeMap<(&'static str, String), String>,
    /// username → session token.
    tokens: BTreeMap<String, String>,
}

/// The kind of object a path parameter names, from the segment before it.
fn kind_of(prev: &str, param: &str) -> Option<&'static str> {
    Some(match (prev, param) {
        ("persons", _) => "person",
        ("claims", _) => "claim",
        ("files", _) => "file",
        ("cases", _) => "case",
        ("consents", _) => "consent",
        ("sites", _) => "site",
        ("countries" | "embassy-queue", _) => "country",
        ("transfers", _) => "transfer",
        ("roll-call-incidents", _) => "incident",
        ("legal-cases", _) => "legal_case",
        ("incidents", _) => "protection_incident",
        ("reviews", _) => "review",
        ("merges", _) => "merge",
        ("tracing-requests" | "tracing", _) => "tracing",
        ("lists", _) => "list",
        ("sessions", _) => "session",
        ("assets", _) => "asset",
        ("care-plans" | "plans", _) => "care_plan",
        ("best-interests" | "procedures", _) => "procedure",
        ("enrolments", _) => "enrolment",
        _ => return None,
    })
}

fn missing_of(kind: &str) -> &'static str {
    match kind {
        // A real country with no case and no claimant: known to exist, holding nothing.
        "country" => "IS",
        "asset" => "no-such-file.css",
        "session" => "0000000000000000",
        _ => "987654321",
    }
}

fn principal_of(role: Role, name: &str, country: Option<&str>) -> Principal {
    Principal {
        user_id: 0,
        username: name.into(),
        role,
        country: country.map(|c| CountryCode::parse("country", c).expect("a country")),
        site: None,
    }
}

fn worker() -> Principal {
    principal_of(Role::CaseWorker, "walk-setup", None)
}

/// A demo person of `country` who is in custody, with their first claim.
async fn person_of(app: &App, country: &str) -> (i64, i64) {
    let page = app
        .store()
        .list_persons(
            &PersonFilter {
                nationality: Some(country.into()),
                ..PersonFilter::default()
            },
            50,
            0,
        )
        .await
        .expect("list");
    for p in &page.items {
        let file = app.store().person_file(p.person_id()).await.expect("file");
        if p.current_site_id.is_some()
            && let Some(c) = file.claims.iter().find(|c| c.country_code == country)
        {
            return (p.id, c.id);
        }
    }
    panic!("the demo data has no {country} person in custody");
}

/// Advances the clock past the current TOTP step and signs `name` in again (a second device).
async fn fresh_session(w: &World, name: &str) -> String {
    w.clock.advance(chrono::Duration::seconds(31));
    let user = w.app.store().user_by_name(name).await.expect("user");
    let code = match &user.totp_secret {
        Some(secret) if user.totp_enabled_at.is_some() => {
            let now = u64::try_from(w.app.now().and_utc().timestamp()).expect("after 1970");
            Some(
                homeward_app::auth::totp_for(secret, name)
                    .expect("totp")
                    .generate(now)
                    .to_string(),
            )
        }
        _ => None,
    };
    w.app
        .sign_in_with(&homeward_app::auth::SignIn {
            username: name,
            password: homeward_testkit::TEST_PASSWORD,
            code: code.as_deref(),
            agent: "second device",
        })
        .await
        .expect("sign in again")
        .0
}

async fn build_world(db: &homeward_testkit::TestDb) -> World {
    let clock = ManualClock::new(homeward_testkit::test_now());
    let app = homeward_testkit::app_with_clock(db, clock.clone()).await;
    app.load_demo(
        &Actor::named("demo"),
        7,
        120,
        homeward_testkit::test_now().date(),
    )
    .await
    .expect("demo data");
    let mut tokens = BTreeMap::new();
    for (role, name, country) in WALKERS {
        if let Some(role) = role {
            let t = homeward_testkit::account(&app, name, role.key(), *country).await;
            tokens.insert((*name).to_owned(), t);
        }
    }
    let mut objects = BTreeMap::new();
    let mut owned = BTreeMap::new();
    let (fr, fr_claim) = person_of(&app, OWN_COUNTRY).await;
    let (ru, ru_claim) = person_of(&app, OTHER_COUNTRY).await;
    objects.insert("person", (fr.to_string(), ru.to_string()));
    objects.insert("claim", (fr_claim.to_string(), ru_claim.to_string()));
    objects.insert(
        "country",
        (OWN_COUNTRY.to_owned(), OTHER_COUNTRY.to_owned()),
    );
    let w = worker();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    let mut files = Vec::new();
    let mut cases = Vec::new();
    let mut consents = Vec::new();
    for (person, country) in [(fr, OWN_COUNTRY), (ru, OTHER_COUNTRY)] {
        let f = app
            .add_person_file(&w, PersonId(person), "photo", "face", &png)
            .await
            .expect("a photo");
        files.push(f.id.to_string());
        let case = app
            .open_case(
                &w,
                &OpenCase {
                    country: country.into(),
                    members: vec![person],
                    label: "walk".into(),
                },
            )
            .await
            .expect("a case");
        cases.push(case.case.id.to_string());
        let consent = app
            .record_consent(
                &w,
                PersonId(person),
                &ConsentDraft {
                    country: country.into(),
                    kind: "legal_basis".into(),
                    legal_basis: "court order 1/2018".into(),
                    ..ConsentDraft::default()
                },
            )
            .await
            .expect("a legal basis");
        consents.push(consent.id.to_string());
    }
    objects.insert("file", (files[0].clone(), files[1].clone()));
    objects.insert("case", (cases[0].clone(), cases[1].clone()));
    objects.insert("consent", (consents[0].clone(), consents[1].clone()));

    // Objects that do not belong to a country: own and other are two of them.
    let sites = app.store().sites().await.expect("sites");
    let camp: Vec<i64> = sites.iter().map(|s| s.id).take(2).collect();
    objects.insert("site", (camp[0].to_string(), camp[1].to_string()));
    let actor = Actor::named("walk-setup");
    let site_of_fr = app
        .store()
        .person(PersonId(fr))
        .await
        .expect("person")
        .current_site_id
        .expect("in custody");
    let target = sites
        .iter()
        .find(|s| s.id != site_of_fr && s.kind == "camp")
        .map_or(camp[1], |s| s.id);
    let mut transfers = Vec::new();
    for p in [fr, ru] {
        let (t, _) = app
            .request_transfer(&actor, target, &[p], "walk")
            .await
            .expect("a transfer");
        transfers.push(t.id.to_string());
    }
    objects.insert("transfer", (transfers[0].clone(), transfers[1].clone()));
    let mut incidents = Vec::new();
    for s in &camp {
        let (_, incident) = app
            .roll_call(&actor, *s, Some(100_000), None)
            .await
            .expect("a roll call");
        incidents.push(
            incident
                .expect("a wrong count opens an incident")
                .id
                .to_string(),
        );
    }
    objects.insert("incident", (incidents[0].clone(), incidents[1].clone()));
    // courts and protection: a legal case and a protection incident for each of the two
    let mut legal = Vec::new();
    let mut protection = Vec::new();
    for p in [fr, ru] {
        let c = app
            .open_legal_case(
                &worker(),
                p,
                &homeward_domain::courts::LegalCaseDraft {
                    charges: "walk".into(),
                    court: "walk court".into(),
                    case_number: format!("W-{p}"),
                    ..Default::default()
                },
            )
            .await
            .expect("a legal case");
        legal.push(c.case.id.to_string());
        let i = app
            .report_incident(
                &worker(),
                &homeward_app::courts::IncidentDraft {
                    person: p.to_string(),
                    kind: "threats".into(),
                    narrative: "walk".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("a protection incident");
        protection.push(i.incident.id.to_string());
    }
    objects.insert("legal_case", (legal[0].clone(), legal[1].clone()));
    objects.insert(
        "protection_incident",
        (protection[0].clone(), protection[1].clone()),
    );
    let mut tracing = Vec::new();
    for name in ["Svetlana Ivanova", "Amina Saleh"] {
        let t = app
            .add_tracing(
                &w,
                &TracingDraft {
                    names: name.into(),
                    sex: "female".into(),
                    year_of_birth: "1990".into(),
                    requester_name: "A sister".into(),
                    relationship: "sister".into(),
                    channel: "icrc".into(),
                    contact: "ICRC ref 1".into(),
                    ..TracingDraft::default()
                },
            )
            .await
            .expect("a tracing request");
        tracing.push(t.id.to_string());
    }
    objects.insert("tracing", (tracing[0].clone(), tracing[1].clone()));
    let run = app.run_dedupe(&w, 0.5).await.expect("a dedupe run");
    let reviews = app
        .reviews_for(&w, None, 10)
        .await
        .expect("the review queue");
    let review = |i: usize| {
        reviews.get(i).map_or_else(
            || missing_of("review").to_owned(),
            |r| r.review.id.to_string(),
        )
    };
    assert!(run.proposed > 0 || reviews.len() < 2, "dedupe: {run:?}");
    objects.insert("review", (review(0), review(1)));
    // A merge exists only after a confirmed pair; a missing merge stands in for both.
    objects.insert(
        "merge",
        (
            missing_of("merge").to_owned(),
            missing_of("merge").to_owned(),
        ),
    );
    objects.insert("asset", ("app.css".to_owned(), "app.js".to_owned()));

    // care: a plan, a procedure and an enrolment of a French and of a Russian child.
    let mut care: Vec<(String, String, String)> = Vec::new();
    for country in [OWN_COUNTRY, OTHER_COUNTRY] {
        let today = app.today();
        let born = (
            today - chrono::Days::new(16 * 366),
            today - chrono::Days::new(5 * 366),
        );
        let kids = app
            .store()
            .list_persons(
                &PersonFilter {
                    nationality: Some(country.into()),
                    born_between: Some(born),
                    ..PersonFilter::default()
                },
                1,
                0,
            )
            .await
            .expect("children");
        let kid = PersonId(kids.items.first().expect("a child of the country").id);
        let plan = app
            .open_care_plan(
                &worker(),
                kid,
                &homeward_domain::care::CarePlanDraft {
                    goals: vec!["school".into()],
                    next_review_due: (today + chrono::Days::new(30)).to_string(),
                },
            )
            .await
            .expect("care plan");
        let procedure = app
            .open_procedure(
                &worker(),
                kid,
                &homeward_app::care::ProcedureDraft {
                    question: "placement".into(),
                    question_detail: "where".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("procedure");
        let enrolment = app
            .enrol(&worker(), kid, "education", &today.to_string())
            .await
            .expect("enrolment");
        care.push((
            plan.plan.id.to_string(),
            procedure.id.to_string(),
            enrolment.id.to_string(),
        ));
    }
    objects.insert("care_plan", (care[0].0.clone(), care[1].0.clone()));
    objects.insert("procedure", (care[0].1.clone(), care[1].1.clone()));
    objects.insert("enrolment", (care[0].2.clone(), care[1].2.clone()));

    // Objects of a user: each user's own list matches and sessions.
    let list = "nr,surname,given_name,date_of_birth\n1,Ivanova,Svetlana,1990-03-07\n";
    let maps = vec!["nr=id, surname=family_name".to_owned()];
    for (role, name, country) in WALKERS {
        let Some(role) = role else { continue };
        let p = principal_of(*role, name, *country);
        if authorize(&p, MatchLists).is_ok() {
            let row = app
                .match_list(&p, "walk.csv", list.as_bytes(), &maps)
                .await
                .expect("a list match");
            owned.insert(("list", (*name).to_owned()), row.id.to_string());
        }
        let token = &tokens[*name];
        let sessions = app.my_sessions(token).await.expect("sessions");
        owned.insert(("session", (*name).to_owned()), sessions[0].id.clone());
    }
    World {
        app,
        clock,
        objects,
        owned,
        tokens,
    }
}

/// One route as the walk sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: String,
    path: String,
}

/// The JSON routes, from the OpenAPI document the server serves.
async fn api_routes(router: &Router) -> BTreeSet<Route> {
    let (s, body) = send(router, "GET", "/api/v1/openapi.json", None, &[]).await;
    assert_eq!(s, StatusCode::OK, "the OpenAPI document is served");
    let doc: serde_json::Value = serde_json::from_slice(&body).expect("OpenAPI JSON");
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                out.insert(Route {
                    method: method.to_uppercase(),
                    path: path.clone(),
                });
            }
        }
    }
    out
}

/// `.route("path", get(..).post(..))` calls in a source file: (path, methods).
fn routes_in_source(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let Some(q1) = rest.find('"') else { break };
        let after = &rest[q1 + 1..];
        let Some(q2) = after.find('"') else { break };
        let path = after[..q2].to_owned();
        // The method router runs to the parenthesis that closes `.route(`.
        let mut depth = 1usize;
        let mut end = 0;
        for (i, ch) in rest.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let call = &rest[..end];
        let mut methods = Vec::new();
        for m in ["get", "post", "put", "delete", "patch"] {
            let starts = [format!("({m}("), format!(" {m}("), format!(".{m}(")];
            if starts.iter().any(|s| call.contains(s.as_str())) {
                methods.push(m.to_uppercase());
            }
        }
        out.push((path, methods));
        rest = &rest[end..];
    }
    out
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The page routes, read from the router's source (every `.route` under `src/pages` and the
/// top-level ones in `src/lib.rs`), and the JSON routes declared in `src/api*.rs`.
fn source_routes() -> (BTreeSet<Route>, BTreeSet<Route>) {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut page_files = vec![src.join("lib.rs")];
    rust_files(&src.join("pages"), &mut page_files);
    let mut pages = BTreeSet::new();
    for f in &page_files {
        let text = std::fs::read_to_string(f).expect("source");
        for (path, methods) in routes_in_source(&text) {
            for method in methods {
                pages.insert(Route {
                    method,
                    path: path.clone(),
                });
            }
        }
    }
    let mut api = BTreeSet::new();
    for e in std::fs::read_dir(&src).expect("src").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("api") && name.ends_with(".rs") {
            let text = std::fs::read_to_string(e.path()).expect("source");
            for (path, methods) in routes_in_source(&text) {
                for method in methods {
                    api.insert(Route {
                        method,
                        path: format!("/api/v1{path}"),
                    });
                }
            }
        }
    }
    (pages, api)
}

async fn send(
    router: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    extra: &[(&str, &str)],
) -> (StatusCode, Vec<u8>) {
    let api = uri.starts_with("/api/");
    let mut req = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("a method"))
        .uri(uri)
        .header("host", HOST)
        .header("origin", format!("http://{HOST}"));
    if let Some(t) = token {
        req = if api {
            req.header("authorization", format!("Bearer {t}"))
        } else {
            req.header("cookie", format!("{}={t}", homeward_web::auth::COOKIE_NAME))
        };
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let body = if method == "GET" {
        Body::empty()
    } else if api {
        req = req.header("content-type", "application/json");
        Body::from("{}")
    } else {
        req = req.header("content-type", "application/x-www-form-urlencoded");
        Body::empty()
    };
    let resp = router
        .clone()
        .oneshot(req.body(body).expect("a request"))
        .await
        .expect("a response");
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut bytes = resp
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes()
        .to_vec();
    if let Some(l) = location {
        bytes.extend_from_slice(format!("\nlocation: {l}").as_bytes());
    }
    (status, bytes)
}

/// Fills a path template's parameters with the objects `which` names for `user`.
fn fill(w: &World, path: &str, user: &str, which: Which) -> Result<String, String> {
    let mut out = String::new();
    let mut prev = "";
    for seg in path.split('/').skip(1) {
        out.push('/');
        if let Some(param) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let kind = kind_of(prev, param).ok_or_else(|| {
                format!(
                    "no object for the parameter {{{param}}} after '{prev}' in {path}: teach \
                     kind_of and build_world in tests/access_walk.rs about it"
                )
            })?;
            let value = match which {
                Which::Missing => missing_of(kind).to_owned(),
                _ if matches!(kind, "list" | "session") => {
                    let mine = w.owned.get(&(kind, user.to_owned()));
                    let theirs = w
                        .owned
                        .iter()
                        .find(|((k, u), _)| *k == kind && u != user)
                        .map(|(_, v)| v);
                    let v = if which == Which::Own { mine } else { theirs };
                    v.or(theirs)
                        .cloned()
                        .unwrap_or_else(|| missing_of(kind).into())
                }
                _ => {
                    let (own, other) = &w.objects[kind];
                    if which == Which::Own {
                        own.clone()
                    } else {
                        other.clone()
                    }
                }
            };
            out.push_str(&value);
            prev = "";
        } else {
            out.push_str(seg);
            prev = seg;
        }
    }
    Ok(out)
}

/// What the walk expects of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Let through (any answer but a refusal of the caller).
    Allow,
    /// Not signed in: 401 (API) or a redirect to the sign-in page.
    SignIn,
    /// The role may not do this: 403, whatever the object.
    Forbidden,
    /// The object is outside the role's scope: exactly what a missing object gets.
    Hidden,
}

fn expected(need: Need, scoped: Scoped, p: Option<&Principal>, which: Which) -> Want {
    let Some(p) = p else {
        return if matches!(need, Need::Public) {
            if which == Which::Missing {
                Want::Hidden
            } else {
                Want::Allow
            }
        } else {
            Want::SignIn
        };
    };
    let may = match need {
        Need::Public | Need::Signed => true,
        Need::All(a) => a.iter().all(|a| authorize(p, *a).is_ok()),
        Need::Any(a) => a.iter().any(|a| authorize(p, *a).is_ok()),
        Need::Quiet(a) => a.iter().all(|a| authorize(p, *a).is_ok()),
    };
    if !may {
        return if matches!(need, Need::Quiet(_)) {
            Want::Hidden
        } else {
            Want::Forbidden
        };
    }
    let visible = match (scoped, which) {
        (_, Which::Missing) => false,
        (Scoped::No, _) | (_, Which::Own) => true,
        (Scoped::Person, Which::Other) => person_scope(p) == Scope::All,
        (Scoped::Owner, Which::Other) => false,
    };
    if visible { Want::Allow } else { Want::Hidden }
}

#[tokio::test]
async fn every_route_for_every_role_on_own_and_other_objects() {
    for db in homeward_testkit::backends().await {
        let started = std::time::Instant::now();
        let w = build_world(&db).await;
        eprintln!("{}: world built in {:?}", db.backend, started.elapsed());
        let probe = homeward_web::router(w.app.clone());
        let mut api = api_routes(&probe).await;
        // The document does not describe itself.
        api.insert(Route {
            method: "GET".into(),
            path: "/api/v1/openapi.json".into(),
        });
        let (pages, declared_api) = source_routes();
        let mut failures = Vec::new();

        // Every declared JSON route is in the OpenAPI document (else the walk would miss it).
        for r in declared_api.difference(&api) {
            failures.push(format!(
                "{} {} is routed but missing from the OpenAPI document: annotate it with \
                 #[utoipa::path] and list it in its module's doc()",
                r.method, r.path
            ));
        }
        let table: BTreeMap<(&str, &str), (Need, Scoped)> = EXPECTATIONS
            .iter()
            .map(|(m, p, n, s)| ((*m, *p), (*n, *s)))
            .collect();
        assert_eq!(table.len(), EXPECTATIONS.len(), "a route listed twice");
        let routes: Vec<Route> = api.iter().chain(pages.iter()).cloned().collect();
        for r in &routes {
            if !table.contains_key(&(r.method.as_str(), r.path.as_str())) {
                failures.push(format!(
                    "{} {} has no expectation: add an entry to EXPECTATIONS in \
                     tests/access_walk.rs saying which Action(s) it needs and whether it is \
                     person-scoped",
                    r.method, r.path
                ));
            }
        }
        let walked: BTreeSet<(&str, &str)> = routes
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        for key in table.keys() {
            if !walked.contains(key) {
                failures.push(format!(
                    "{} {} is in EXPECTATIONS but no longer routed: remove its entry",
                    key.0, key.1
                ));
            }
        }

        let mut requests = 0usize;
        for (role, name, country) in WALKERS {
            let principal = role.map(|r| principal_of(r, name, *country));
            // A router of its own per walker, so the rate limits of one do not meet another's.
            let router = homeward_web::router(w.app.clone());
            for r in &routes {
                let Some(&(need, scoped)) = table.get(&(r.method.as_str(), r.path.as_str())) else {
                    continue;
                };
                let has_object = r.path.contains('{');
                let whiches: &[Which] = if has_object {
                    &[Which::Own, Which::Other, Which::Missing]
                } else {
                    &[Which::Own]
                };
                let mut answers = BTreeMap::new();
                for &which in whiches {
                    let uri = match fill(&w, &r.path, name, which) {
                        Ok(u) => u,
                        Err(e) => {
                            failures.push(e);
                            break;
                        }
                    };
                    let ends_session = ENDS_SESSION.contains(&(r.method.as_str(), r.path.as_str()));
                    let own_session = r.path.contains("/sessions/{id}") && which == Which::Own;
                    let token = match role {
                        None => None,
                        Some(_) if ends_session => Some(fresh_session(&w, name).await),
                        Some(_) => Some(w.tokens[*name].clone()),
                    };
                    // Ending one's own session: the current one is kept, a second device's ends.
                    let uri = if own_session && role.is_some() {
                        let second = fresh_session(&w, name).await;
                        let (_, row) = w.app.session_details(&second).await.expect("session");
                        uri.replace(&w.owned[&("session", (*name).to_owned())], &row.id)
                    } else {
                        uri
                    };
                    let (status, body) =
                        send(&router, &r.method, &uri, token.as_deref(), &[]).await;
                    requests += 1;
                    let want = expected(need, scoped, principal.as_ref(), which);
                    let api = r.path.starts_with("/api/");
                    let get = r.method == "GET";
                    let signs_in = String::from_utf8_lossy(&body).ends_with("location: /sign-in");
                    // A body or query that cannot be read may be refused before the record is
                    // looked at: the same answer for every object, so it tells nothing. Never
                    // before the role is asked, though: a role that may not do this gets 403
                    // whatever it sends, so the walk's empty body must not come back as 400.
                    let unread = matches!(
                        status,
                        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
                    ) && (!get
                        || String::from_utf8_lossy(&body).contains("deserialize"));
                    let ok = !status.is_server_error()
                        && status != StatusCode::TOO_MANY_REQUESTS
                        && match want {
                            Want::Allow => {
                                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                                    && (status != StatusCode::NOT_FOUND
                                        || UNSEEDED.iter().any(|k| r.path.contains(k)))
                                    && (!signs_in || matches!(need, Need::Public))
                            }
                            Want::SignIn if api => status == StatusCode::UNAUTHORIZED,
                            Want::SignIn => status == StatusCode::SEE_OTHER && signs_in,
                            Want::Forbidden => status == StatusCode::FORBIDDEN,
                            Want::Hidden => {
                                status == StatusCode::NOT_FOUND
                                    || unread
                                    // every country has a queue, empty when no case waits
                                    || (which == Which::Missing
                                        && r.path.contains("{code}")
                                        && status.is_success())
                            }
                        };
                    if !ok {
                        let text = String::from_utf8_lossy(&body);
                        failures.push(format!(
                            "{}: {} {} as {} ({which:?} object): expected {want:?}, got {status}: {}",
                            db.backend,
                            r.method,
                            uri,
                            name,
                            text.chars().take(160).collect::<String>()
                        ));
                    }
                    answers.insert(which, (want, status, body));
                }
                // No existence oracle: a refused object answers exactly like a missing one.
                if let Some((_, ms, mb)) = answers.get(&Which::Missing) {
                    for which in [Which::Own, Which::Other] {
                        if let Some((want, s, b)) = answers.get(&which)
                            && matches!(want, Want::Forbidden | Want::Hidden | Want::SignIn)
                            && (s != ms || b != mb)
                        {
                            failures.push(format!(
                                "{}: {} {} as {name}: the {which:?} object is refused with {s} \
                                 but a missing one with {ms}, or with another body: a hidden \
                                 record must answer exactly like a missing one",
                                db.backend, r.method, r.path
                            ));
                        }
                    }
                }
            }
        }
        let mut report = String::new();
        for f in &failures {
            let _ = writeln!(report, "  {f}");
        }
        assert!(
            failures.is_empty(),
            "{} of {requests} checks failed on {}:\n{report}",
            failures.len(),
            db.backend
        );
        assert!(
            requests > routes.len() * WALKERS.len(),
            "every route walked for every walker"
        );
        eprintln!(
            "{}: {} routes × {} walkers, {requests} requests in {:?}",
            db.backend,
            routes.len(),
            WALKERS.len(),
            started.elapsed()
        );
    }
}

/// A consular officer who types another country's ids into the address gets nothing more than
/// someone typing ids that do not exist, and leaves nothing changed.
#[tokio::test]
async fn a_consular_officer_with_another_countrys_ids_learns_nothing() {
    for db in homeward_testkit::backends().await {
        let w = build_world(&db).await;
        let router = homeward_web::router(w.app.clone());
        let token = w.tokens["walk-consul-fr"].clone();
        let before = w
            .app
            .store()
            .audit_recent(1_000_000)
            .await
            .expect("audit")
            .len();
        let (_, ru) = &w.objects["person"];
        let (_, ru_claim) = &w.objects["claim"];
        let (_, ru_case) = &w.objects["case"];
        let (_, ru_file) = &w.objects["file"];
        let (_, ru_consent) = &w.objects["consent"];
        let missing = missing_of("person");
        for (method, template, id) in [
            ("GET", "/api/v1/persons/{}", ru),
            ("GET", "/api/v1/persons/{}/family", ru),
            ("GET", "/api/v1/persons/{}/files", ru),
            ("GET", "/api/v1/persons/{}/site", ru),
            ("GET", "/api/v1/identity/persons/{}/merged", ru),
            ("POST", "/api/v1/persons/{}/claims", ru),
            ("GET", "/persons/{}", ru),
            ("GET", "/persons/{}/family", ru),
            ("POST", "/api/v1/claims/{}/decision", ru_claim),
            ("POST", "/api/v1/claims/{}/evidence", ru_claim),
            ("GET", "/api/v1/cases/{}", ru_case),
            ("POST", "/api/v1/cases/{}/steps", ru_case),
            ("GET", "/api/v1/files/{}", ru_file),
            ("POST", "/api/v1/consents/{}/approval", ru_consent),
        ] {
            let (s_other, b_other) = send(
                &router,
                method,
                &template.replace("{}", id),
                Some(&token),
                &[],
            )
            .await;
            let (s_none, b_none) = send(
                &router,
                method,
                &template.replace("{}", missing),
                Some(&token),
                &[],
            )
            .await;
            assert!(
                matches!(
                    s_other,
                    StatusCode::NOT_FOUND
                        | StatusCode::FORBIDDEN
                        | StatusCode::BAD_REQUEST
                        | StatusCode::UNPROCESSABLE_ENTITY
                ),
                "{}: {method} {template} with a Russian id: {s_other}",
                db.backend
            );
            assert_eq!(
                (s_other, b_other),
                (s_none, b_none),
                "{}: {method} {template}: another country's id answers like a missing one",
                db.backend
            );
        }
        // Lists and searches never include them either.
        let (s, body) = send(&router, "GET", "/api/v1/persons", Some(&token), &[]).await;
        assert_eq!(s, StatusCode::OK);
        let list: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let ids: Vec<String> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["person"]["id"].to_string())
            .collect();
        assert!(!ids.contains(ru), "{}: a Russian person listed", db.backend);
        assert!(ids.contains(&w.objects["person"].0), "{}", db.backend);
        let (s, body) = send(&router, "GET", "/api/v1/cases", Some(&token), &[]).await;
        assert_eq!(s, StatusCode::OK);
        let cases: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert!(
            !cases.to_string().contains(&format!("\"id\":{ru_case},")),
            "{}: a Russian case listed",
            db.backend
        );
        // Refused requests changed nothing (reads of their own persons may be logged, writes
        // none): the audit trail holds no new event.
        let after = w
            .app
            .store()
            .audit_recent(1_000_000)
            .await
            .expect("audit")
            .len();
        assert_eq!(before, after, "{}: a refused request wrote", db.backend);
    }
}
