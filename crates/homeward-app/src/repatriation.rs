//! Nationality verification and repatriation: cases and their state machine,
//! consent and the disclosure register, the embassy work queue and dossiers.
//!
//! Every use-case here asks [`authorize`] first and reads cases through the principal's scope:
//! a consular officer sees and works only on their own country's cases, and a case of another
//! country answers exactly like one that does not exist. Every change writes its audit event in
//! the same transaction. Every release of a person's data to an embassy goes into the
//! disclosure register, with the consent or the approved legal basis it rests on.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use homeward_domain::access::{Action, Principal, Role, Scope, authorize, person_scope};
use homeward_domain::country::{CountryCode, Requirement, Stance, StanceChange, stance_on};
use homeward_domain::date::parse_date;
use homeward_domain::error::{Errors, FieldError, Invalid};
use homeward_domain::nationality::ClaimState;
use homeward_domain::person::{PersonId, Status};
use homeward_domain::repatriation::{
    BidDraft, CaseState, ConsentGiver, ReturnRisk, StepDetails, UnityMember, check_consent_giver,
    check_details, check_legal_basis, children_needing_determination,
};
use homeward_store::WriteTx;
use homeward_store::audit::NewEvent;
use homeward_store::repatriation::{
    AgreementRow, BidRow, CaseDetails, CaseFilter, CaseRow, ConsentRow, DisclosureRow, MemberRow,
    NewConsent, NewDisclosure, RequirementRow, TransitionRow,
};
use homeward_store::rows::{ClaimRow, EvidenceRow, PersonRow};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{Actor, App, AppError};

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn event<'a>(
    actor: &'a str,
    at: NaiveDateTime,
    action: &'a str,
    entity_type: &'a str,
    entity_id: impl ToString,
    before: Option<Value>,
    after: Option<Value>,
) -> NewEvent<'a> {
    NewEvent {
        actor,
        at,
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        before,
        after,
    }
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::Store(homeward_store::StoreError::Corrupt(e.to_string()))
}

fn state_of(case: &CaseRow) -> Result<CaseState, AppError> {
    CaseState::parse("state", &case.state).map_err(corrupt)
}

/// A new case: a country and the persons (one, or a family group).
#[derive(Debug, Clone, Default)]
pub struct OpenCase {
    /// ISO alpha-2 code of the country.
    pub country: String,
    /// Person ids.
    pub members: Vec<i64>,
    /// A short label (e.g. the family's name).
    pub label: String,
}

/// One step of a case, as a form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct StepDraft {
    /// The state to move to.
    pub to: String,
    /// The case version read.
    pub version: i64,
    /// Free note.
    pub note: String,
    /// Return-risk assessment: a risk of torture was found.
    pub risk_torture: Option<bool>,
    /// A risk of the death penalty was found.
    pub risk_death_penalty: Option<bool>,
    /// A risk of persecution was found.
    pub risk_persecution: Option<bool>,
    /// Travel document kind and number.
    pub travel_document: Option<String>,
    /// Handover date, `YYYY-MM-DD`.
    pub handover_date: Option<String>,
    /// Handover place.
    pub handover_place: Option<String>,
    /// The country's receiving official.
    pub receiving_official: Option<String>,
}

/// A case member with what the case pages need.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    /// The stored membership.
    pub member: MemberRow,
    /// The person.
    pub person: PersonRow,
    /// Names as written.
    pub names: Vec<String>,
    /// Age today.
    pub age: u32,
    /// The person's claims.
    pub claims: Vec<ClaimRow>,
    /// The child's mother, when recorded.
    pub mother: Option<i64>,
    /// A best-interests determination is needed before this child moves towards handover.
    pub needs_determination: bool,
    /// The latest determination for this child in this case.
    pub determination: Option<BidRow>,
}

/// The legal situation of a mother shown beside her child's determination: her own cases
/// and her claims.
#[derive(Debug, Clone, Serialize)]
pub struct MotherSituation {
    /// The mother.
    pub person: PersonRow,
    /// Her names.
    pub names: Vec<String>,
    /// Her claims.
    pub claims: Vec<ClaimRow>,
    /// Her repatriation cases (in this case or others) and whether she was accepted there.
    pub cases: Vec<(CaseRow, Option<bool>)>,
}

/// A case with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    /// The case.
    pub case: CaseRow,
    /// Its members.
    pub members: Vec<MemberView>,
    /// The timeline, oldest first.
    pub timeline: Vec<TransitionRow>,
    /// Every determination recorded in the case.
    pub determinations: Vec<BidRow>,
    /// The country's stance today.
    pub stance: String,
    /// The states the case may move to next.
    pub next: Vec<String>,
    /// Who the case waits for.
    pub waiting_for: String,
    /// The mothers of the case's children, with their own situation.
    pub mothers: Vec<MotherSituation>,
}

/// A line of an embassy's work queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueLine {
    /// The case.
    pub case: CaseRow,
    /// Its members: registration number and names.
    pub members: Vec<(i64, String, Vec<String>)>,
    /// What the case waits for (a key).
    pub waiting_for: String,
    /// Since when (the moment it entered its state).
    pub waiting_since: String,
    /// Whole days waited until today.
    pub days_waiting: i64,
}

/// A row of a country's notification list.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationRow {
    /// Registration number.
    pub registration_number: String,
    /// Every name as written, joined.
    pub names: String,
    /// Sex key.
    pub sex: String,
    /// Date of birth as known (exact, year or estimate).
    pub date_of_birth: String,
    /// State of the claim for this country.
    pub claim_state: String,
    /// The case number, if any.
    pub case_id: Option<i64>,
    /// The case state, if any.
    pub case_state: String,
    /// What the case waits for.
    pub waiting_for: String,
    /// Since when.
    pub waiting_since: String,
}

/// A country's notification list and how many persons were withheld for want of consent or
/// an approved legal basis.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationList {
    /// The country.
    pub country: String,
    /// The rows released.
    pub rows: Vec<NotificationRow>,
    /// Persons left out: no consent and no approved legal basis.
    pub withheld: usize,
}

/// A consent record as a form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct ConsentDraft {
    /// The country whose embassy would receive the data.
    pub country: String,
    /// `consent` (the person, guardian or panel agreed or refused) or `legal_basis`.
    pub kind: String,
    /// For consent: `person`, `guardian` or `best_interests_panel`.
    pub given_by: String,
    /// For consent: the name of who gave or refused it.
    pub given_by_name: String,
    /// For consent: agreed (`true`) or refused.
    pub agreed: bool,
    /// For a legal basis: the basis (law, court order).
    pub legal_basis: String,
    /// Note.
    pub note: String,
}

/// A disclosure to record: what of whose data goes to which country, under which case.
#[derive(Debug, Clone)]
pub struct DisclosureDraft {
    /// The person whose data is released.
    pub person: PersonId,
    /// The receiving country (ISO alpha-2).
    pub to_country: String,
    /// What is released, e.g. `dossier (pdf, fr)`.
    pub what: String,
    /// The case it is released under, if any (the open case of the person for the country is
    /// found when `None`).
    pub case_id: Option<i64>,
    /// How: `dossier`, `export csv`, `web`, `api`.
    pub channel: String,
}

/// A country's repatriation profile: stance history, requirements, agreements.
#[derive(Debug, Clone, Serialize)]
pub struct CountryProfile {
    /// Code.
    pub code: String,
    /// English name.
    pub name_en: String,
    /// Arabic name.
    pub name_ar: String,
    /// The stance in force today.
    pub stance: String,
    /// Every dated stance.
    pub stances: Vec<homeward_store::rows::StanceRow>,
    /// Requirements.
    pub requirements: Vec<RequirementRow>,
    /// Agreements and statements.
    pub agreements: Vec<AgreementRow>,
}

fn optional_date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, FieldError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => parse_date(field, t).map(Some),
        None => Ok(None),
    }
}

fn blank_none(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn child_on(p: &PersonRow, on: NaiveDate) -> Result<bool, AppError> {
    Ok(p.age_on(on)? < 18)
}

/// The basis in force for releasing a person's data to a country: a consent that agreed, or
/// else an approved legal basis. A refusal of consent stands unless a legal basis is approved.
async fn basis_in(
    tx: &mut WriteTx,
    person_id: i64,
    country: &str,
) -> Result<Option<ConsentRow>, AppError> {
    if let Some(c) = tx.standing_consent(person_id, country).await?
        && c.agreed
    {
        return Ok(Some(c));
    }
    Ok(tx.approved_legal_basis(person_id, country).await?)
}

/// Records a disclosure inside an open write transaction, with its audit event. Refused
/// (`HW-REPAT-0036`, field `consent`) when neither consent nor an approved legal basis is on
/// record for the person and the country; nothing is then written.
pub async fn record_disclosure_in(
    tx: &mut WriteTx,
    actor: &Actor,
    at: NaiveDateTime,
    d: &DisclosureDraft,
) -> Result<DisclosureRow, AppError> {
    let country = CountryCode::parse("to_country", &d.to_country)?;
    let mut errors = Errors::new();
    if d.what.trim().is_empty() {
        errors.push(FieldError::new(
            "what",
            "HW-REPAT-0037",
            "say what is released",
        ));
    }
    errors.finish()?;
    tx.person(d.person).await?;
    let Some(basis) = basis_in(tx, d.person.0, country.as_str()).await? else {
        return Err(Invalid::one(
            "consent",
            "HW-REPAT-0036",
            format!(
                "no consent and no approved legal basis is recorded for releasing this \
                 person's data to {}: record one first",
                country.as_str()
            ),
        )
        .into());
    };
    let case_id = match d.case_id {
        Some(c) => Some(tx.case(c).await?.id),
        None => None,
    };
    let row = tx
        .insert_disclosure(
            &NewDisclosure {
                person_id: d.person.0,
                to_country: country.as_str(),
                what: d.what.trim(),
                case_id,
                channel: d.channel.trim(),
                disclosed_by: &actor.name,
                basis: &basis.kind,
                consent_id: Some(basis.id),
            },
            at,
        )
        .await?;
    tx.audit(event(
        &actor.name,
        at,
        "disclosure.record",
        "person",
        d.person.0,
        None,
        Some(to_json(&row)),
    ))
    .await?;
    Ok(row)
}

/// The columns of a notification list, as the register of exports names them.
pub const NOTIFICATION_FIELDS: &str = "registration_number,names,sex,date_of_birth,claim_state,\
                                       case,case_state,waiting_for,waiting_since";

impl App {
    /// Records one release of a person's data to an embassy (a dossier, an export), in its own
    /// transaction with its audit event. See [`record_disclosure_in`] for the rule.
    pub async fn record_disclosure(
        &self,
        actor: &Actor,
        d: &DisclosureDraft,
    ) -> Result<DisclosureRow, AppError> {
        let mut tx = self.store().begin().await?;
        let mut d = d.clone();
        if d.case_id.is_none() {
            d.case_id = self.open_case_of(d.person.0, &d.to_country).await?;
        }
        let row = record_disclosure_in(&mut tx, actor, self.now(), &d).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The open case of a person for a country, if any.
    pub async fn open_case_of(&self, person: i64, country: &str) -> Result<Option<i64>, AppError> {
        Ok(self
            .store()
            .cases(&CaseFilter {
                country: Some(country.to_ascii_uppercase()),
                person: Some(person),
                open_only: true,
                ..CaseFilter::default()
            })
            .await?
            .first()
            .map(|c| c.id))
    }

    /// Writes a consular officer's reads of persons into the disclosure register (a page view,
    /// an API read, a list): each under the consent or legal basis found, or `none`.
    /// Other principals' reads are not disclosures and are not written.
    pub async fn log_consular_reads(
        &self,
        p: &Principal,
        persons: &[i64],
        what: &str,
        channel: &str,
    ) -> Result<(), AppError> {
        let Scope::Country(country) = person_scope(p) else {
            return Ok(());
        };
        let now = self.now();
        for &id in persons {
            let store = self.store();
            let basis = match store.standing_consent(id, country.as_str()).await? {
                Some(c) if c.agreed => Some(c),
                _ => store.approved_legal_basis(id, country.as_str()).await?,
            };
            let case_id = self.open_case_of(id, country.as_str()).await?;
            store
                .log_disclosure(
                    &NewDisclosure {
                        person_id: id,
                        to_country: country.as_str(),
                        what,
                        case_id,
                        channel,
                        disclosed_by: &p.username,
                        basis: basis.as_ref().map_or("none", |b| b.kind.as_str()),
                        consent_id: basis.as_ref().map(|b| b.id),
                    },
                    now,
                )
                .await?;
        }
        Ok(())
    }

    /// A case the principal may see: a consular officer only their own country's.
    async fn visible_case(&self, p: &Principal, id: i64) -> Result<CaseRow, AppError> {
        authorize(p, Action::ReadCases)?;
        let case = self.store().case(id).await?;
        match person_scope(p) {
            Scope::All => Ok(case),
            Scope::Country(c) if c.as_str() == case.country_code => Ok(case),
            _ => Err(AppError::NotFound("case".into())),
        }
    }

    async fn stance_today(&self, country: &str) -> Result<Stance, AppError> {
        let changes: Vec<StanceChange> = self
            .store()
            .stances()
            .await?
            .into_iter()
            .filter(|s| s.country_code == country)
            .filter_map(|s| {
                Some(StanceChange {
                    country: CountryCode::parse("c", &s.country_code).ok()?,
                    stance: Stance::parse("s", &s.stance).ok()?,
                    effective_from: parse_date("d", &s.effective_from).ok()?,
                    note: s.note,
                })
            })
            .collect();
        Ok(stance_on(&changes, self.today()))
    }

    /// Opens a case for one person or a family group. Every member must be seen by the
    /// principal, claim the country's nationality, and be in no other open case.
    pub async fn open_case(&self, p: &Principal, cmd: &OpenCase) -> Result<CaseView, AppError> {
        authorize(p, Action::ManageCases)?;
        let now = self.now();
        let mut errors = Errors::new();
        let country = errors.take(CountryCode::parse("country", &cmd.country));
        let mut ids: Vec<i64> = Vec::new();
        for m in &cmd.members {
            if !ids.contains(m) {
                ids.push(*m);
            }
        }
        if ids.is_empty() {
            errors.push(FieldError::new(
                "members",
                "HW-REPAT-0013",
                "a case needs at least one person",
            ));
        }
        errors.finish()?;
        let Some(country) = country else {
            return Err(Invalid::one("country", "HW-REPAT-0000", "incomplete case").into());
        };
        let mut tx = self.store().begin().await?;
        let mut errors = Errors::new();
        for (i, id) in ids.iter().enumerate() {
            let field = format!("members[{i}]");
            if !self.can_see(p, PersonId(*id)).await? {
                errors.push(FieldError::new(
                    field,
                    "HW-REPAT-0017",
                    format!("no person {id}"),
                ));
                continue;
            }
            let file = match tx.person_file(PersonId(*id)).await {
                Ok(f) => f,
                Err(homeward_store::StoreError::NotFound(_)) => {
                    errors.push(FieldError::new(
                        field,
                        "HW-REPAT-0017",
                        format!("no person {id}"),
                    ));
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if !file
                .claims
                .iter()
                .any(|c| c.country_code == country.as_str())
            {
                errors.push(FieldError::new(
                    field.clone(),
                    "HW-REPAT-0014",
                    format!(
                        "{} has no nationality claim for {}: record the claim first",
                        file.person.registration_number,
                        country.as_str()
                    ),
                ));
            }
            let open = self
                .store()
                .cases(&CaseFilter {
                    person: Some(*id),
                    open_only: true,
                    ..CaseFilter::default()
                })
                .await?;
            if let Some(c) = open.first() {
                errors.push(FieldError::new(
                    field,
                    "HW-REPAT-0015",
                    format!(
                        "{} is already in open case {}",
                        file.person.registration_number, c.id
                    ),
                ));
            }
        }
        errors.finish()?;
        let case = tx
            .insert_case(
                country.as_str(),
                CaseState::Identified.key(),
                cmd.label.trim(),
                &p.username,
                now,
            )
            .await?;
        for id in &ids {
            tx.add_case_member(case.id, PersonId(*id)).await?;
        }
        tx.insert_transition(
            case.id,
            None,
            CaseState::Identified.key(),
            &p.username,
            now,
            "case opened",
            "{}",
        )
        .await?;
        tx.audit(event(
            &p.username,
            now,
            "case.open",
            "case",
            case.id,
            None,
            Some(json!({ "case": case, "members": ids })),
        ))
        .await?;
        tx.commit().await?;
        self.case_for(p, case.id).await
    }

    /// Cases the principal may see, the longest waiting first.
    pub async fn cases_for(
        &self,
        p: &Principal,
        mut filter: CaseFilter,
    ) -> Result<Vec<CaseRow>, AppError> {
        authorize(p, Action::ReadCases)?;
        match person_scope(p) {
            Scope::All => {}
            Scope::Country(c) => {
                if filter
                    .country
                    .as_deref()
                    .is_some_and(|f| !f.eq_ignore_ascii_case(c.as_str()))
                {
                    return Ok(Vec::new());
                }
                filter.country = Some(c.to_string());
            }
            Scope::None => return Err(AppError::Forbidden),
        }
        if let Some(person) = filter.person
            && !self.can_see(p, PersonId(person)).await?
        {
            return Err(AppError::NotFound("person".into()));
        }
        Ok(self.store().cases(&filter).await?)
    }

    /// A case with its members, timeline, determinations and the mothers' situation.
    pub async fn case_for(&self, p: &Principal, id: i64) -> Result<CaseView, AppError> {
        let case = self.visible_case(p, id).await?;
        let mut view = self.case_view(&case).await?;
        if let Scope::Country(country) = person_scope(p) {
            // An embassy sees the persons of its country only, and never the assessment of a
            // child's situation nor who sat on the panel: the decision is what its work needs.
            let mut mothers = Vec::new();
            for mut m in std::mem::take(&mut view.mothers) {
                if self.can_see(p, m.person.person_id()).await? {
                    m.cases.retain(|(c, _)| c.country_code == country.as_str());
                    m.claims.retain(|c| c.country_code == country.as_str());
                    mothers.push(m);
                }
            }
            view.mothers = mothers;
            for b in view.determinations.iter_mut().chain(
                view.members
                    .iter_mut()
                    .filter_map(|m| m.determination.as_mut()),
            ) {
                b.assessment.clear();
                b.panel_json = "[]".to_owned();
            }
            let seen: Vec<i64> = view.mothers.iter().map(|m| m.person.id).collect();
            let members: Vec<i64> = view.members.iter().map(|m| m.person.id).collect();
            for m in &mut view.members {
                m.claims.retain(|c| c.country_code == country.as_str());
                if m.mother
                    .is_some_and(|mo| !seen.contains(&mo) && !members.contains(&mo))
                {
                    m.mother = None;
                }
            }
        }
        let ids: Vec<i64> = view.members.iter().map(|m| m.person.id).collect();
        self.log_consular_reads(p, &ids, "case file", "case view")
            .await?;
        Ok(view)
    }

    /// The case view without access checks (the caller has checked them).
    async fn case_view(&self, case: &CaseRow) -> Result<CaseView, AppError> {
        let store = self.store();
        let state = state_of(case)?;
        let today = self.today();
        let stance = self.stance_today(&case.country_code).await?;
        let members_rows = store.case_members(case.id).await?;
        let determinations = store.case_bids(case.id).await?;
        let mut unity = Vec::new();
        let mut members = Vec::new();
        let mut mothers: BTreeMap<i64, ()> = BTreeMap::new();
        for m in &members_rows {
            let file = store.person_file(PersonId(m.person_id)).await?;
            let mother = file
                .links
                .iter()
                .find(|l| l.relation == "mother" && l.to_person == m.person_id)
                .map(|l| l.from_person);
            let mother_nats = match mother {
                Some(mo) => live_countries(&store.claims_of(&[mo]).await?),
                None => Vec::new(),
            };
            let child = child_on(&file.person, today)?;
            if child && let Some(mo) = mother {
                mothers.insert(mo, ());
            }
            if m.accepted != Some(false) {
                unity.push(UnityMember {
                    person_id: m.person_id,
                    child,
                    nationalities: live_countries(&file.claims),
                    mother,
                    mother_nationalities: mother_nats,
                });
            }
            members.push(MemberView {
                member: m.clone(),
                age: file.person.age_on(today)?,
                names: file.names.iter().map(|n| n.text.clone()).collect(),
                claims: file.claims.clone(),
                person: file.person,
                mother,
                needs_determination: false,
                determination: determinations
                    .iter()
                    .rev()
                    .find(|b| b.child_id == m.person_id)
                    .cloned(),
            });
        }
        let needing = children_needing_determination(stance, &unity);
        for m in &mut members {
            m.needs_determination = needing.contains(&m.person.id);
        }
        let mut mother_views = Vec::new();
        for mo in mothers.keys() {
            let file = store.person_file(PersonId(*mo)).await?;
            let mut cases = Vec::new();
            for c in store
                .cases(&CaseFilter {
                    person: Some(*mo),
                    ..CaseFilter::default()
                })
                .await?
            {
                let accepted = store
                    .case_members(c.id)
                    .await?
                    .into_iter()
                    .find(|m| m.person_id == *mo)
                    .and_then(|m| m.accepted);
                cases.push((c, accepted));
            }
            mother_views.push(MotherSituation {
                names: file.names.iter().map(|n| n.text.clone()).collect(),
                claims: file.claims,
                person: file.person,
                cases,
            });
        }
        Ok(CaseView {
            timeline: store.case_timeline(case.id).await?,
            determinations,
            stance: stance.key().to_owned(),
            next: state.next().iter().map(|s| s.key().to_owned()).collect(),
            waiting_for: state.waiting_for().to_owned(),
            case: case.clone(),
            members,
            mothers: mother_views,
        })
    }

    /// Moves a case one step. A consular officer records only their country's steps
    /// (verification results, the decision, travel documents, the handover) on their own
    /// country's cases. Refusals name the field and the reason; nothing is written then.
    pub async fn move_case(
        &self,
        p: &Principal,
        case_id: i64,
        draft: &StepDraft,
    ) -> Result<CaseRow, AppError> {
        let case = self.visible_case(p, case_id).await?;
        let to = CaseState::parse("to", &draft.to)?;
        if p.role == Role::ConsularOfficer {
            authorize(p, Action::RecordCountryDecision)?;
            if !to.consular_may_record() {
                return Err(Invalid::one(
                    "to",
                    "HW-REPAT-0018",
                    format!(
                        "{} is recorded by the case worker, not by the embassy",
                        to.key()
                    ),
                )
                .into());
            }
        } else {
            authorize(p, Action::ManageCases)?;
        }
        let now = self.now();
        let today = now.date();
        let mut errors = Errors::new();
        let handover_date = errors.take(optional_date("handover_date", &draft.handover_date));
        let risk = (draft.risk_torture.is_some()
            || draft.risk_death_penalty.is_some()
            || draft.risk_persecution.is_some())
        .then(|| ReturnRisk {
            torture: draft.risk_torture.unwrap_or(false),
            death_penalty: draft.risk_death_penalty.unwrap_or(false),
            persecution: draft.risk_persecution.unwrap_or(false),
        });
        let details = StepDetails {
            note: draft.note.trim().to_owned(),
            risk,
            travel_document: blank_none(&draft.travel_document),
            handover_date: handover_date.flatten(),
            handover_place: blank_none(&draft.handover_place),
            receiving_official: blank_none(&draft.receiving_official),
        };
        let from = state_of(&case)?;
        errors.take(from.transition(to));
        if let Err(inv) = check_details(to, &details) {
            errors.extend(inv);
        }
        if to == CaseState::HandedOver
            && let Some(d) = details.handover_date
            && d > today
        {
            errors.push(FieldError::new(
                "handover_date",
                "HW-REPAT-0012",
                "a handover is recorded once it has happened: the date is in the future",
            ));
        }
        errors.finish()?;

        let mut tx = self.store().begin().await?;
        let case = tx.case(case_id).await?;
        let members = tx.case_members(case_id).await?;
        let stance = self.stance_today(&case.country_code).await?;
        // Rules that read the members.
        let mut errors = Errors::new();
        let mut files = Vec::new();
        for m in &members {
            files.push(tx.person_file(PersonId(m.person_id)).await?);
        }
        if to == CaseState::NationalityConfirmed {
            for f in &files {
                let confirmed = f.claims.iter().any(|c| {
                    c.country_code == case.country_code && c.state == ClaimState::Confirmed.key()
                });
                if !confirmed {
                    errors.push(FieldError::new(
                        "to",
                        "HW-REPAT-0002",
                        format!(
                            "the {} claim of {} is not confirmed: record the verification \
                             result on the claim first",
                            case.country_code, f.person.registration_number
                        ),
                    ));
                }
            }
        }
        let mut accepted_now: Vec<(i64, bool)> = Vec::new();
        if to == CaseState::Accepted {
            for f in &files {
                let child = child_on(&f.person, today)?;
                let accepted = stance != Stance::ChildrenOnly || child;
                accepted_now.push((f.person.id, accepted));
            }
            if !accepted_now.iter().any(|(_, a)| *a) {
                errors.push(FieldError::new(
                    "to",
                    "HW-REPAT-0016",
                    "the country accepts only children and this case has none",
                ));
            }
        }
        if to.towards_handover() {
            let bids = tx.case_bids(case_id).await?;
            let mut unity = Vec::new();
            for (m, f) in members.iter().zip(&files) {
                if m.accepted == Some(false) {
                    continue;
                }
                let mother = f
                    .links
                    .iter()
                    .find(|l| l.relation == "mother" && l.to_person == m.person_id)
                    .map(|l| l.from_person);
                let mother_nationalities = match mother {
                    Some(mo) => live_countries(&tx.person_file(PersonId(mo)).await?.claims),
                    None => Vec::new(),
                };
                unity.push(UnityMember {
                    person_id: m.person_id,
                    child: child_on(&f.person, today)?,
                    nationalities: live_countries(&f.claims),
                    mother,
                    mother_nationalities,
                });
            }
            for child in children_needing_determination(stance, &unity) {
                let number = files
                    .iter()
                    .find(|f| f.person.id == child)
                    .map(|f| f.person.registration_number.clone())
                    .unwrap_or_default();
                match bids.iter().rev().find(|b| b.child_id == child) {
                    None => errors.push(FieldError::new(
                        "best_interests",
                        "HW-REPAT-0003",
                        format!(
                            "{number} is a child whose family would be split or whose country \
                             accepts only children: record a best-interests determination \
                             before the case moves towards handover"
                        ),
                    )),
                    Some(b) if b.decision == "remain" => errors.push(FieldError::new(
                        "best_interests",
                        "HW-REPAT-0011",
                        format!(
                            "the best-interests determination for {number} decided that the \
                             child remains: the case cannot move towards handover with this child"
                        ),
                    )),
                    Some(_) => {}
                }
            }
        }
        errors.finish()?;

        let stored = CaseDetails {
            handover_date: details
                .handover_date
                .map(|d| d.format("%Y-%m-%d").to_string()),
            handover_place: details.handover_place.clone(),
            receiving_official: details.receiving_official.clone(),
            travel_document: details.travel_document.clone(),
        };
        let after = tx
            .set_case_state(case_id, draft.version, to.key(), &stored, now)
            .await?;
        for (person, accepted) in &accepted_now {
            tx.set_member_accepted(case_id, *person, Some(*accepted))
                .await?;
        }
        let mut closed_episodes = Vec::new();
        if to == CaseState::HandedOver {
            let at = details.handover_date.map_or(now, |d| {
                d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default())
            });
            for m in &members {
                if m.accepted == Some(false) {
                    continue;
                }
                let ep = tx
                    .end_custody(PersonId(m.person_id), Status::HandedOver.key(), at)
                    .await?;
                closed_episodes.push(json!({ "person_id": m.person_id, "episode": ep }));
            }
        }
        let details_json = json!({
            "risk": details.risk.as_ref().map(|r| json!({
                "torture": r.torture, "death_penalty": r.death_penalty, "persecution": r.persecution
            })),
            "travel_document": details.travel_document,
            "handover_date": stored.handover_date,
            "handover_place": details.handover_place,
            "receiving_official": details.receiving_official,
            "accepted": accepted_now.iter().map(|(p, a)| json!({ "person_id": p, "accepted": a })).collect::<Vec<_>>(),
            "custody_closed": closed_episodes,
        });
        let step = tx
            .insert_transition(
                case_id,
                Some(from.key()),
                to.key(),
                &p.username,
                now,
                &details.note,
                &details_json.to_string(),
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "case.move",
            "case",
            case_id,
            Some(to_json(&case)),
            Some(json!({ "case": after, "step": step })),
        ))
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records a best-interests determination for a child of a case.
    pub async fn record_best_interests(
        &self,
        p: &Principal,
        case_id: i64,
        child_id: i64,
        draft: &BidDraft,
    ) -> Result<BidRow, AppError> {
        authorize(p, Action::RecordBestInterests)?;
        self.visible_case(p, case_id).await?;
        let now = self.now();
        let bid = draft.parse(now.date())?;
        let mut tx = self.store().begin().await?;
        let members = tx.case_members(case_id).await?;
        if !members.iter().any(|m| m.person_id == child_id) {
            return Err(Invalid::one(
                "child",
                "HW-REPAT-0026",
                "this person is not a member of the case",
            )
            .into());
        }
        let child = tx.person(PersonId(child_id)).await?;
        if !child_on(&child, now.date())? {
            return Err(Invalid::one(
                "child",
                "HW-REPAT-0027",
                "a best-interests determination is made for a child (under 18)",
            )
            .into());
        }
        let panel: Vec<Value> = bid
            .panel
            .iter()
            .map(|m| json!({ "name": m.name, "role": m.role }))
            .collect();
        let row = tx
            .insert_bid(
                case_id,
                child_id,
                &bid.assessment,
                &Value::Array(panel).to_string(),
                bid.decision.key(),
                bid.decided_on,
                &p.username,
                now,
            )
            .await?;
        // The assessment is sealed in its table; the audit trail keeps only its length.
        let mut after = to_json(&row);
        after["assessment"] = json!({ "withheld_chars": row.assessment.chars().count() });
        tx.audit(event(
            &p.username,
            now,
            "case.best_interests",
            "case",
            case_id,
            None,
            Some(after),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records consent (or its refusal) to releasing a person's data to a country's embassy,
    /// or proposes a legal basis for releasing it without consent (a second user approves).
    pub async fn record_consent(
        &self,
        p: &Principal,
        person: PersonId,
        d: &ConsentDraft,
    ) -> Result<ConsentRow, AppError> {
        authorize(p, Action::RecordConsent)?;
        if !self.can_see(p, person).await? {
            return Err(AppError::NotFound("person".into()));
        }
        let now = self.now();
        let mut errors = Errors::new();
        let country = errors.take(CountryCode::parse("country", &d.country));
        let kind = d.kind.trim();
        let mut giver = None;
        match kind {
            "consent" => {
                giver = errors.take(ConsentGiver::parse("given_by", &d.given_by));
                if d.given_by_name.trim().is_empty() {
                    errors.push(FieldError::new(
                        "given_by_name",
                        "HW-REPAT-0038",
                        "name who gave or refused consent",
                    ));
                }
            }
            "legal_basis" => {
                if d.legal_basis.trim().is_empty() {
                    errors.push(FieldError::new(
                        "legal_basis",
                        "HW-REPAT-0032",
                        "without consent, a disclosure needs a recorded legal basis",
                    ));
                }
            }
            other => errors.push(FieldError::new(
                "kind",
                "HW-VALUE-0001",
                format!("'{other}' is not one of: consent, legal_basis"),
            )),
        }
        errors.finish()?;
        let Some(country) = country else {
            return Err(Invalid::one("country", "HW-REPAT-0000", "incomplete consent").into());
        };
        let mut tx = self.store().begin().await?;
        let row = tx.person(person).await?;
        if let Some(g) = giver {
            check_consent_giver(g, child_on(&row, now.date())?)?;
        }
        let consent = tx
            .insert_consent(
                &NewConsent {
                    person_id: person.0,
                    country: country.as_str(),
                    kind,
                    given_by: giver.map(ConsentGiver::key),
                    given_by_name: d.given_by_name.trim(),
                    agreed: kind == "consent" && d.agreed,
                    legal_basis: (kind == "legal_basis").then(|| d.legal_basis.trim()),
                    approved_by: None,
                    note: d.note.trim(),
                    recorded_by: &p.username,
                },
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "consent.record",
            "person",
            person.0,
            None,
            Some(to_json(&consent)),
        ))
        .await?;
        tx.commit().await?;
        Ok(consent)
    }

    /// Approves a proposed legal basis as the second approver: a different user from the one
    /// who recorded it.
    pub async fn approve_legal_basis(
        &self,
        p: &Principal,
        consent_id: i64,
    ) -> Result<ConsentRow, AppError> {
        authorize(p, Action::RecordConsent)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.consent(consent_id).await?;
        if !self.can_see(p, PersonId(before.person_id)).await? {
            return Err(AppError::NotFound("consent".into()));
        }
        if before.kind != "legal_basis" || before.approved_by.is_some() {
            return Err(Invalid::one(
                "consent",
                "HW-REPAT-0039",
                "only a legal basis waiting for approval can be approved",
            )
            .into());
        }
        check_legal_basis(
            before.legal_basis.as_deref().unwrap_or_default(),
            &p.username,
            &before.recorded_by,
        )?;
        let after = tx.approve_legal_basis(consent_id, &p.username).await?;
        tx.audit(event(
            &p.username,
            now,
            "consent.approve",
            "person",
            after.person_id,
            Some(to_json(&before)),
            Some(to_json(&after)),
        ))
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The consent records of a person the principal may see.
    pub async fn consents_for(
        &self,
        p: &Principal,
        person: PersonId,
    ) -> Result<Vec<ConsentRow>, AppError> {
        authorize(p, Action::RecordConsent)?;
        if !self.can_see(p, person).await? {
            return Err(AppError::NotFound("person".into()));
        }
        Ok(self.store().consents_of(person.0).await?)
    }

    /// The disclosure register of a person: what, to whom, when, under which case.
    pub async fn disclosures_for(
        &self,
        p: &Principal,
        person: PersonId,
    ) -> Result<Vec<DisclosureRow>, AppError> {
        authorize(p, Action::ReadDisclosures)?;
        if !self.can_see(p, person).await? {
            return Err(AppError::NotFound("person".into()));
        }
        self.store().person(person).await?;
        Ok(self.store().disclosures_of(person.0).await?)
    }

    fn country_for(&self, p: &Principal, country: &str) -> Result<CountryCode, AppError> {
        let code = CountryCode::parse("country", country)?;
        match person_scope(p) {
            Scope::All => Ok(code),
            Scope::Country(c) if c == code => Ok(code),
            Scope::Country(_) => Err(AppError::NotFound("country queue".into())),
            Scope::None => Err(AppError::Forbidden),
        }
    }

    /// The embassy work queue of a country: open cases, who waits for what, oldest first.
    pub async fn embassy_queue(
        &self,
        p: &Principal,
        country: &str,
    ) -> Result<Vec<QueueLine>, AppError> {
        authorize(p, Action::ReadCases)?;
        let code = self.country_for(p, country)?;
        let cases = self
            .store()
            .cases(&CaseFilter {
                country: Some(code.to_string()),
                open_only: true,
                ..CaseFilter::default()
            })
            .await?;
        let today = self.today();
        let mut lines = Vec::new();
        let mut shown = Vec::new();
        for case in cases {
            let state = state_of(&case)?;
            let mut members = Vec::new();
            for m in self.store().case_members(case.id).await? {
                let person = self.store().person(PersonId(m.person_id)).await?;
                let names = self
                    .store()
                    .names_of(&[m.person_id])
                    .await?
                    .into_iter()
                    .map(|n| n.text)
                    .collect();
                shown.push(m.person_id);
                members.push((person.id, person.registration_number, names));
            }
            let since = parse_date("since", case.state_since.get(..10).unwrap_or_default())
                .unwrap_or(today);
            lines.push(QueueLine {
                waiting_for: state.waiting_for().to_owned(),
                waiting_since: case.state_since.clone(),
                days_waiting: (today - since).num_days(),
                members,
                case,
            });
        }
        self.log_consular_reads(p, &shown, "work queue entry", "embassy queue")
            .await?;
        Ok(lines)
    }

    /// A country's notification list: every person with a claim for the country (and their
    /// case), released only where consent or an approved legal basis is on record; each
    /// release is written to the disclosure register in one transaction with its audit event.
    pub async fn notification_list(
        &self,
        p: &Principal,
        country: &str,
        format: &str,
    ) -> Result<NotificationList, AppError> {
        authorize(p, Action::ExportEmbassyList)?;
        let code = self.country_for(p, country)?;
        let store = self.store();
        let mut persons = Vec::new();
        let mut offset = 0;
        loop {
            let page = store
                .list_persons(
                    &homeward_store::registry::PersonFilter {
                        nationality: Some(code.to_string()),
                        ..Default::default()
                    },
                    1000,
                    offset,
                )
                .await?;
            if page.items.is_empty() {
                break;
            }
            offset += i64::try_from(page.items.len()).unwrap_or(i64::MAX);
            persons.extend(page.items);
        }
        let now = self.now();
        let actor = Actor::named(&p.username);
        let mut tx = store.begin().await?;
        let mut rows = Vec::new();
        let mut withheld = 0;
        for person in persons {
            if basis_in(&mut tx, person.id, code.as_str()).await?.is_none() {
                withheld += 1;
                continue;
            }
            let file = tx.person_file(person.person_id()).await?;
            let claim = file
                .claims
                .iter()
                .find(|c| c.country_code == code.as_str())
                .map(|c| c.state.clone())
                .unwrap_or_default();
            let case = store
                .cases(&CaseFilter {
                    country: Some(code.to_string()),
                    person: Some(person.id),
                    ..CaseFilter::default()
                })
                .await?
                .pop();
            let waiting = case
                .as_ref()
                .and_then(|c| CaseState::parse("s", &c.state).ok())
                .map(|s| s.waiting_for().to_owned())
                .unwrap_or_default();
            record_disclosure_in(
                &mut tx,
                &actor,
                now,
                &DisclosureDraft {
                    person: person.person_id(),
                    to_country: code.to_string(),
                    what: format!("notification list ({format})"),
                    case_id: case.as_ref().map(|c| c.id),
                    channel: format!("export {format}"),
                },
            )
            .await?;
            rows.push(NotificationRow {
                registration_number: person.registration_number.clone(),
                names: file
                    .names
                    .iter()
                    .map(|n| n.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" / "),
                sex: person.sex.clone(),
                date_of_birth: dob_text(&person),
                claim_state: claim,
                case_id: case.as_ref().map(|c| c.id),
                case_state: case.as_ref().map(|c| c.state.clone()).unwrap_or_default(),
                waiting_for: waiting,
                waiting_since: case
                    .as_ref()
                    .map(|c| c.state_since.get(..10).unwrap_or_default().to_owned())
                    .unwrap_or_default(),
            });
        }
        crate::reports::record_export_in(
            &mut tx,
            p,
            &homeward_store::reports::NewExport {
                username: &p.username,
                role: p.role.key(),
                what: "notification-list",
                format,
                row_count: i64::try_from(rows.len()).unwrap_or(i64::MAX),
                fields: NOTIFICATION_FIELDS,
                scope: code.as_str(),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(NotificationList {
            country: code.to_string(),
            rows,
            withheld,
        })
    }

    /// Every country with a stance, requirement or agreement on record, with its profile.
    pub async fn country_profiles(&self, p: &Principal) -> Result<Vec<CountryProfile>, AppError> {
        if authorize(p, Action::ReadCases).is_err() {
            authorize(p, Action::Administer)?;
        }
        let store = self.store();
        let stances = store.stances().await?;
        let requirements = store.requirements().await?;
        let agreements = store.agreements().await?;
        let mut out = Vec::new();
        for (code, en, ar) in store.countries().await? {
            let s: Vec<_> = stances
                .iter()
                .filter(|x| x.country_code == code)
                .cloned()
                .collect();
            let r: Vec<_> = requirements
                .iter()
                .filter(|x| x.country_code == code)
                .cloned()
                .collect();
            let a: Vec<_> = agreements
                .iter()
                .filter(|x| x.country_code == code)
                .cloned()
                .collect();
            if s.is_empty() && r.is_empty() && a.is_empty() {
                continue;
            }
            out.push(CountryProfile {
                stance: self.stance_today(&code).await?.key().to_owned(),
                code,
                name_en: en,
                name_ar: ar,
                stances: s,
                requirements: r,
                agreements: a,
            });
        }
        Ok(out)
    }

    /// Records a requirement of a country from a date.
    pub async fn add_requirement(
        &self,
        p: &Principal,
        country: &str,
        requirement: &str,
        applies_to: &str,
        effective_from: &str,
        note: &str,
    ) -> Result<RequirementRow, AppError> {
        authorize(p, Action::Administer)?;
        let now = self.now();
        let mut errors = Errors::new();
        let code = errors.take(CountryCode::parse("country", country));
        let req = errors.take(Requirement::parse("requirement", requirement));
        let applies = applies_to.trim();
        if !matches!(applies, "all" | "children" | "adults") {
            errors.push(FieldError::new(
                "applies_to",
                "HW-VALUE-0001",
                format!("'{applies}' is not one of: all, children, adults"),
            ));
        }
        let from = errors.take(parse_date("effective_from", effective_from));
        errors.finish()?;
        let (Some(code), Some(req), Some(from)) = (code, req, from) else {
            return Err(Invalid::one("requirement", "HW-REPAT-0000", "incomplete").into());
        };
        let mut tx = self.store().begin().await?;
        let row = tx
            .insert_requirement(
                code.as_str(),
                req.key(),
                applies,
                from,
                note.trim(),
                &p.username,
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "country.requirement",
            "country",
            code,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records an agreement or statement in a country's dated history.
    pub async fn add_agreement(
        &self,
        p: &Principal,
        country: &str,
        concluded_on: &str,
        title: &str,
        summary: &str,
    ) -> Result<AgreementRow, AppError> {
        authorize(p, Action::Administer)?;
        let now = self.now();
        let mut errors = Errors::new();
        let code = errors.take(CountryCode::parse("country", country));
        let on = errors.take(parse_date("concluded_on", concluded_on));
        if title.trim().is_empty() {
            errors.push(FieldError::new(
                "title",
                "HW-REPAT-0040",
                "give the agreement a title",
            ));
        }
        errors.finish()?;
        let (Some(code), Some(on)) = (code, on) else {
            return Err(Invalid::one("agreement", "HW-REPAT-0000", "incomplete").into());
        };
        let mut tx = self.store().begin().await?;
        let row = tx
            .insert_agreement(
                code.as_str(),
                on,
                title.trim(),
                summary.trim(),
                &p.username,
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "country.agreement",
            "country",
            code,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// A person's nationality verification as the principal may see it.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationView {
    /// The person.
    pub person: PersonRow,
    /// Names as written.
    pub names: Vec<String>,
    /// The claims (a consular officer: their own country's only), each with who decided it
    /// and when.
    pub claims: Vec<ClaimRow>,
    /// The evidence of those claims.
    pub evidence: Vec<EvidenceRow>,
    /// Every claim was rejected: the person risks statelessness. Not given to a consular
    /// officer, who does not see the other countries' claims it rests on.
    pub statelessness_risk: Option<bool>,
}

impl App {
    /// The nationality verification of a person: claims, evidence, decisions, and the
    /// statelessness risk. A consular officer's read goes into the disclosure register.
    pub async fn verification_for(
        &self,
        p: &Principal,
        person: PersonId,
    ) -> Result<VerificationView, AppError> {
        authorize(p, Action::VerifyNationality)?;
        if !self.can_see(p, person).await? {
            return Err(AppError::NotFound("person".into()));
        }
        let file = self.store().person_file(person).await?;
        let states: Vec<ClaimState> = file
            .claims
            .iter()
            .filter_map(|c| ClaimState::parse("state", &c.state).ok())
            .collect();
        let risk = homeward_domain::nationality::statelessness_risk(&states);
        let (claims, evidence, risk) = match person_scope(p) {
            Scope::Country(c) => {
                let claims: Vec<ClaimRow> = file
                    .claims
                    .into_iter()
                    .filter(|x| x.country_code == c.as_str())
                    .collect();
                let ids: Vec<i64> = claims.iter().map(|x| x.id).collect();
                let evidence = file
                    .evidence
                    .into_iter()
                    .filter(|e| ids.contains(&e.claim_id))
                    .collect();
                (claims, evidence, None)
            }
            _ => (file.claims, file.evidence, Some(risk)),
        };
        self.log_consular_reads(p, &[person.0], "nationality verification", "verification")
            .await?;
        Ok(VerificationView {
            names: file.names.into_iter().map(|n| n.text).collect(),
            person: file.person,
            claims,
            evidence,
            statelessness_risk: risk,
        })
    }

    /// A claim the principal may work on: of a person they see, and for a consular officer
    /// of their own country; anything else answers like no claim.
    async fn workable_claim(&self, p: &Principal, claim: i64) -> Result<ClaimRow, AppError> {
        authorize(p, Action::VerifyNationality)?;
        let row = match self.store().claim(claim).await {
            Ok(r) => r,
            Err(homeward_store::StoreError::NotFound(_)) => {
                return Err(AppError::NotFound("claim".into()));
            }
            Err(e) => return Err(e.into()),
        };
        let visible = self.can_see(p, PersonId(row.person_id)).await?
            && match person_scope(p) {
                Scope::Country(c) => row.country_code == c.as_str(),
                _ => true,
            };
        if visible {
            Ok(row)
        } else {
            Err(AppError::NotFound("claim".into()))
        }
    }

    /// Adds a nationality claim as the principal (a consular officer: their own country's).
    pub async fn add_claim_for(
        &self,
        p: &Principal,
        person: PersonId,
        country: &str,
    ) -> Result<ClaimRow, AppError> {
        authorize(p, Action::VerifyNationality)?;
        if !self.can_see(p, person).await? {
            return Err(AppError::NotFound("person".into()));
        }
        if let Scope::Country(c) = person_scope(p)
            && !country.trim().eq_ignore_ascii_case(c.as_str())
        {
            return Err(Invalid::one(
                "country",
                "HW-REPAT-0041",
                format!("an embassy records claims for its own country ({c}) only"),
            )
            .into());
        }
        self.add_claim(&Actor::named(&p.username), person, country)
            .await
    }

    /// Records a verification decision on a claim, with who and when.
    pub async fn decide_claim_for(
        &self,
        p: &Principal,
        claim: i64,
        version: i64,
        state: &str,
    ) -> Result<ClaimRow, AppError> {
        self.workable_claim(p, claim).await?;
        self.decide_claim(&Actor::named(&p.username), claim, version, state)
            .await
    }

    /// Adds an evidence item to a claim.
    pub async fn add_evidence_for(
        &self,
        p: &Principal,
        claim: i64,
        kind: &str,
        reference: &str,
        note: &str,
    ) -> Result<EvidenceRow, AppError> {
        self.workable_claim(p, claim).await?;
        self.add_evidence(&Actor::named(&p.username), claim, kind, reference, note)
            .await
    }
}

/// Countries of the claims that are not rejected.
fn live_countries(claims: &[ClaimRow]) -> Vec<String> {
    let mut out: Vec<String> = claims
        .iter()
        .filter(|c| c.state != ClaimState::Rejected.key())
        .map(|c| c.country_code.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A date of birth as known, for lists: `1990-04-02`, `1990`, or `~27 (2018-02-01)`.
pub fn dob_text(p: &PersonRow) -> String {
    match p.dob_kind.as_str() {
        "exact" => p.dob_date.clone().unwrap_or_default(),
        "year" => p.dob_year.map(|y| y.to_string()).unwrap_or_default(),
        _ => format!(
            "~{} ({})",
            p.est_age.unwrap_or_default(),
            p.est_made_on.clone().unwrap_or_default()
        ),
    }
}

/// Plausible, synthetic requirements and agreement history for the demo countries.
/// A demo country: code, (requirement, applies to) pairs, agreement title.
type DemoProfile = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

const DEMO_PROFILES: &[DemoProfile] = &[
    (
        "TR",
        &[
            ("sighted_documents", "all"),
            ("embassy_interview", "adults"),
        ],
        "Consular cooperation protocol",
    ),
    (
        "RU",
        &[("dna_test", "children"), ("birth_record", "children")],
        "Note verbale on the return of minors",
    ),
    (
        "TJ",
        &[("dna_test", "children"), ("embassy_interview", "all")],
        "Agreement on the return of children",
    ),
    (
        "AZ",
        &[
            ("sighted_documents", "all"),
            ("security_clearance", "adults"),
        ],
        "Case-by-case consular arrangement",
    ),
    (
        "UZ",
        &[("embassy_interview", "all")],
        "Humanitarian return arrangement",
    ),
    (
        "KZ",
        &[("embassy_interview", "all"), ("dna_test", "children")],
        "Humanitarian return arrangement",
    ),
    (
        "KG",
        &[("sighted_documents", "all")],
        "Humanitarian return arrangement",
    ),
    (
        "GE",
        &[("sighted_documents", "all"), ("court_decision", "adults")],
        "Case-by-case consular arrangement",
    ),
    (
        "UA",
        &[("sighted_documents", "all")],
        "Exchange of letters, no commitment",
    ),
    (
        "FR",
        &[("dna_test", "children"), ("court_decision", "children")],
        "Statement: children only, adults tried where held",
    ),
    (
        "DE",
        &[("dna_test", "children"), ("sighted_documents", "adults")],
        "Case-by-case consular arrangement",
    ),
    (
        "BE",
        &[("dna_test", "children"), ("court_decision", "children")],
        "Statement: children under 10 considered",
    ),
    (
        "NL",
        &[("court_decision", "all")],
        "Statement: no organised return",
    ),
    (
        "SE",
        &[("dna_test", "children"), ("embassy_interview", "all")],
        "Case-by-case consular arrangement",
    ),
    (
        "GB",
        &[("court_decision", "all")],
        "Statement: no organised return",
    ),
    (
        "TN",
        &[
            ("sighted_documents", "all"),
            ("security_clearance", "adults"),
        ],
        "Case-by-case consular arrangement",
    ),
    (
        "MA",
        &[
            ("sighted_documents", "all"),
            ("security_clearance", "adults"),
        ],
        "Case-by-case consular arrangement",
    ),
    (
        "EG",
        &[("security_clearance", "all")],
        "Statement: no organised return",
    ),
    (
        "SY",
        &[("sighted_documents", "all")],
        "No contact established",
    ),
    (
        "LB",
        &[("sighted_documents", "all")],
        "No contact established",
    ),
    (
        "JO",
        &[("security_clearance", "all")],
        "Statement: no organised return",
    ),
];

/// Seeds the demo countries' requirements and agreement history inside the demo load's
/// transaction (synthetic, for demonstration only).
pub async fn seed_demo_countries(
    tx: &mut WriteTx,
    actor: &Actor,
    as_of: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let earlier = as_of
        .checked_sub_months(chrono::Months::new(6))
        .unwrap_or(as_of);
    for (code, reqs, agreement) in DEMO_PROFILES {
        for (req, applies) in *reqs {
            tx.insert_requirement(
                code,
                req,
                applies,
                earlier,
                "synthetic demo requirement",
                &actor.name,
                now,
            )
            .await?;
        }
        tx.insert_agreement(
            code,
            earlier,
            agreement,
            "synthetic demo agreement history",
            &actor.name,
            now,
        )
        .await?;
    }
    tx.audit(event(
        &actor.name,
        now,
        "country.demo_profiles",
        "country",
        "*",
        None,
        Some(json!({ "countries": DEMO_PROFILES.len() })),
    ))
    .await?;
    Ok(())
}
