//! Who may do what: roles, the signed-in principal, and the one authorisation function.
//!
//! Every handler and job asks [`authorize`]; nothing else decides access. Object-level scoping
//! (a consular officer sees only persons who claim their country) is expressed as a [`Scope`]
//! that the store applies inside its queries, so a record outside the scope is never read.

use crate::country::{CountryCode, parse_key};
use crate::error::FieldError;
use crate::site::SiteId;

/// The roles of the people who use homeward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Camp or centre intake: registration, names, documents, photos, family links.
    Registrar,
    /// Ministry social worker: placement, care, best-interests procedure, health.
    CaseWorker,
    /// Court cases, counsel, interpreters, hearings; never care notes or incidents.
    JudicialLiaison,
    /// One embassy: only persons who claim or hold that country's nationality.
    ConsularOfficer,
    /// Human-rights body: incidents, aggregate figures, visits.
    Monitor,
    /// Users, sites, countries and their stance, policy rules.
    Administrator,
    /// Reads the audit trail; changes nothing.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::Registrar,
        Role::CaseWorker,
        Role::JudicialLiaison,
        Role::ConsularOfficer,
        Role::Monitor,
        Role::Administrator,
        Role::Auditor,
    ];

    /// The key stored and used on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Role::Registrar => "registrar",
            Role::CaseWorker => "case_worker",
            Role::JudicialLiaison => "judicial_liaison",
            Role::ConsularOfficer => "consular_officer",
            Role::Monitor => "monitor",
            Role::Administrator => "administrator",
            Role::Auditor => "auditor",
        }
    }

    /// Parses a key (also with a hyphen: `case-worker`).
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, &text.replace('-', "_"), &Self::ALL, Self::key)
    }
}

/// A signed-in user as every request sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id.
    pub user_id: i64,
    /// Sign-in name, recorded on audit events.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The country a consular officer is bound to.
    pub country: Option<CountryCode>,
    /// The site a registrar or case worker works at, if bound to one.
    pub site: Option<SiteId>,
}

/// What a principal asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See persons: lists, search, the person file.
    ReadPersons,
    /// Register persons and change identity data, names, documents, family links.
    WriteRegistry,
    /// Move persons between sites.
    MovePersons,
    /// Record nationality evidence and decisions.
    VerifyNationality,
    /// See sites and their occupancy.
    ReadSites,
    /// Create and change sites, countries and stances.
    Administer,
    /// See aggregate figures.
    ReadStats,
    /// Download lists as files.
    Export,
    /// Read the audit trail.
    ReadAudit,
    /// Manage user accounts.
    ManageUsers,
    /// See photos and document scans.
    ViewFiles,
    /// Add photos and document scans.
    UploadFiles,
    // repatriation
    /// See repatriation cases, their timeline and the embassy work queue.
    ReadCases,
    /// Open repatriation cases and move them through every step.
    ManageCases,
    /// Record a country's own steps on its cases: verification results, its decision, travel
    /// documents and the handover (a consular officer, for their own country only).
    RecordCountryDecision,
    /// Record best-interests determinations.
    RecordBestInterests,
    /// Record consent to disclosure, or a legal basis approved by a second user.
    RecordConsent,
    /// See the register of disclosures to embassies.
    ReadDisclosures,
    /// Download a country's notification list.
    ExportEmbassyList,
    // identity
    /// Run the batch dedupe of the registry, confirm or reject its pairs, merge persons and
    /// undo merges.
    ReviewDuplicates,
    /// Record tracing requests, see them with their candidates and record their outcome
    /// (never consular officers).
    TraceRequests,
    /// Match a country's list of nationals against the registry (a consular officer sees
    /// matches only among persons in their scope).
    MatchLists,
    // courts and protection
    /// See legal cases, their hearings and the detention limits near (judicial liaison, case
    /// workers).
    ReadLegalCases,
    /// Open and change legal cases, record hearings and the languages a person speaks.
    ManageLegalCases,
    /// See protection incidents and their follow-up (case workers and monitors only: never
    /// judicial liaison, consular officers, registrars, administrators or auditors).
    ReadIncidents,
    /// Report a protection incident.
    ReportIncidents,
    /// Record follow-up actions on an incident and change its status.
    ManageIncidents,
    // care and health
    /// See care plans, best-interests procedures, programmes, schooling and their care notes.
    ReadCare,
    /// Record care plans, reviews, best-interests procedures, programmes and schooling.
    WriteCare,
    /// See health records (pregnancy, chronic conditions, disabilities).
    ReadHealth,
    /// Record health facts and fitness to travel.
    WriteHealth,
    /// See fitness to travel and essential medical needs, nothing more (a consular officer,
    /// within their country's scope).
    ReadFitnessToTravel,
    /// See the monitors' view: aggregate care and protection figures, no identities.
    ReadMonitorView,
}

/// Which persons a principal may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every person.
    All,
    /// Only persons with a nationality claim for this country.
    Country(CountryCode),
    /// No individual person at all (aggregates only).
    None,
}

/// Refused: the caller may not do this (the message never says whether a record exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not allowed")]
pub struct Denied;

/// The one authorisation function: may `p` do `action`? Deny by default.
pub fn authorize(p: &Principal, action: Action) -> Result<(), Denied> {
    use Action::*;
    use Role::*;
    let allowed = match (p.role, action) {
        (
            Registrar,
            ReadPersons | WriteRegistry | MovePersons | ReadSites | ReadStats | ViewFiles
            | UploadFiles,
        ) => true,
        (
            CaseWorker,
            ReadPersons | WriteRegistry | MovePersons | ReadSites | ReadStats | Export
            | VerifyNationality | ViewFiles | UploadFiles,
        ) => true,
        (JudicialLiaison, ReadPersons | ReadSites | ReadStats) => true,
        (ConsularOfficer, ReadPersons | VerifyNationality | ReadStats | ViewFiles) => {
            p.country.is_some()
        }
        (Monitor, ReadStats | ReadSites) => true,
        (Administrator, Administer | ManageUsers | ReadSites | ReadStats | ReadPersons) => true,
        (Auditor, ReadAudit | ReadStats) => true,
        // repatriation
        (
            CaseWorker,
            ReadCases | ManageCases | RecordBestInterests | RecordConsent | ReadDisclosures
            | ExportEmbassyList,
        ) => true,
        (ConsularOfficer, ReadCases | RecordCountryDecision | ExportEmbassyList) => {
            p.country.is_some()
        }
        // identity
        (Registrar | CaseWorker | Administrator, ReviewDuplicates | TraceRequests) => true,
        (CaseWorker | Administrator, MatchLists) => true,
        (ConsularOfficer, MatchLists) => p.country.is_some(),
        // courts and protection
        (JudicialLiaison | CaseWorker, ReadLegalCases | ManageLegalCases) => true,
        (CaseWorker | Monitor, ReadIncidents | ReportIncidents | ManageIncidents) => true,
        // care and health: case workers only; an embassy sees fitness to travel alone
        (
            CaseWorker,
            ReadCare | WriteCare | ReadHealth | WriteHealth | ReadFitnessToTravel | ReadMonitorView,
        ) => true,
        (ConsularOfficer, ReadFitnessToTravel) => p.country.is_some(),
        (Monitor | Administrator, ReadMonitorView) => true,
        _ => false,
    };
    if allowed { Ok(()) } else { Err(Denied) }
}

/// The persons `p` may see at all; apply it inside every person query.
pub fn person_scope(p: &Principal) -> Scope {
    match (p.role, &p.country) {
        (Role::ConsularOfficer, Some(c)) => Scope::Country(c.clone()),
        (Role::ConsularOfficer, None) | (Role::Monitor | Role::Auditor, _) => Scope::None,
        _ => Scope::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, country: Option<&str>) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            role,
            country: country.map(|c| CountryCode::parse("c", c).unwrap()),
            site: None,
        }
    }

    #[test]
    fn a_consular_officer_sees_only_their_country() {
        let fr = who(Role::ConsularOfficer, Some("FR"));
        assert!(authorize(&fr, Action::ReadPersons).is_ok());
        assert!(authorize(&fr, Action::WriteRegistry).is_err());
        assert_eq!(
            person_scope(&fr),
            Scope::Country(CountryCode::parse("c", "FR").unwrap())
        );
        let unbound = who(Role::ConsularOfficer, None);
        assert!(authorize(&unbound, Action::ReadPersons).is_err());
        assert_eq!(person_scope(&unbound), Scope::None);
    }

    #[test]
    fn monitors_and_auditors_see_no_individual_person() {
        for r in [Role::Monitor, Role::Auditor] {
            assert!(authorize(&who(r, None), Action::ReadPersons).is_err());
            assert_eq!(person_scope(&who(r, None)), Scope::None);
        }
        assert!(authorize(&who(Role::Auditor, None), Action::ReadAudit).is_ok());
        assert!(authorize(&who(Role::Registrar, None), Action::ReadAudit).is_err());
    }

    #[test]
    fn incidents_are_for_protection_staff_and_monitors_only() {
        for r in Role::ALL {
            let p = who(r, Some("FR"));
            let sees = authorize(&p, Action::ReadIncidents).is_ok();
            assert_eq!(sees, matches!(r, Role::CaseWorker | Role::Monitor), "{r:?}");
        }
        let judge = who(Role::JudicialLiaison, None);
        assert!(authorize(&judge, Action::ManageLegalCases).is_ok());
        assert!(authorize(&who(Role::Registrar, None), Action::ReadLegalCases).is_err());
        assert!(authorize(&who(Role::Monitor, None), Action::ReadLegalCases).is_err());
    }

    #[test]
    fn care_notes_and_health_are_for_case_workers_only() {
        for r in Role::ALL {
            let p = who(r, Some("FR"));
            for a in [
                Action::ReadCare,
                Action::WriteCare,
                Action::ReadHealth,
                Action::WriteHealth,
            ] {
                assert_eq!(
                    authorize(&p, a).is_ok(),
                    r == Role::CaseWorker,
                    "{r:?} {a:?}"
                );
            }
            assert_eq!(
                authorize(&p, Action::ReadFitnessToTravel).is_ok(),
                matches!(r, Role::CaseWorker | Role::ConsularOfficer),
                "{r:?}"
            );
        }
        let unbound = who(Role::ConsularOfficer, None);
        assert!(authorize(&unbound, Action::ReadFitnessToTravel).is_err());
    }

    #[test]
    fn roles_parse_with_hyphens_or_underscores() {
        assert_eq!(
            Role::parse("role", "case-worker").unwrap(),
            Role::CaseWorker
        );
        assert!(Role::parse("role", "boss").is_err());
    }
}
