//! Courts and protection: legal cases, hearings under the fair-trial safeguards, pre-trial
//! detention limits, and confidential protection incidents.
//!
//! Legal cases are for judicial liaison and case workers. Protection incidents are for case
//! workers (protection staff) and monitors only: to every other role an incident answers exactly
//! like one that does not exist, and every view of one is written to the access log. The
//! account of an incident never goes into the audit trail (which auditors read): its event
//! carries a keyed digest of the text instead (HMAC-SHA256 under a key derived from the field
//! key ring, [`crate::sealed::KeyRing::mac`]), so the record can still be proven unaltered by
//! whoever holds the keys, while whoever holds only the audit trail cannot confirm a guessed
//! account. Events written before this carry `*_sha256` fields; they keep them.
//!
//! A hearing recorded with an allegation of coercion or ill-treatment opens a protection
//! incident in the same transaction: both commit together or neither does.

use chrono::{NaiveDate, NaiveDateTime};
use homeward_domain::access::{Action, Principal, Role, authorize};
use homeward_domain::courts::{
    HearingDraft, HearingFacts, IncidentKind, IncidentStatus, LegalCase, LegalCaseDraft,
    check_hearing, check_narrative, parse_language,
};
use homeward_domain::date::parse_date;
use homeward_domain::error::{Errors, FieldError, Invalid};
use homeward_domain::person::PersonId;
use homeward_store::audit::NewEvent;
use homeward_store::courts::{
    CaseFields, DetentionLimitRow, HearingRow, LegalCaseRow, NewHearing, NewProtectionIncident,
    ProtectionActionRow, ProtectionFilter, ProtectionIncidentRow,
};
use homeward_store::{StoreError, WriteTx};
use serde::Serialize;
use serde_json::{Value, json};

use crate::sealed::KeyRing;
use crate::{App, AppError};

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

/// The context an incident's account is digested under (bound to the incident).
pub fn narrative_mac_context(incident_id: i64) -> String {
    format!("protection_incidents.report_narrative:{incident_id}")
}

/// The context a follow-up note is digested under (bound to the action).
pub fn action_note_mac_context(action_id: i64) -> String {
    format!("protection_incident_actions.action_note:{action_id}")
}

/// An incident as the audit trail keeps it: every field but the account, which is replaced by
/// its keyed digest (`report_narrative_mac`).
fn incident_audit(keys: &KeyRing, i: &ProtectionIncidentRow) -> Value {
    let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("report_narrative");
        o.insert(
            "report_narrative_mac".into(),
            json!(keys.mac(&narrative_mac_context(i.id), &i.report_narrative)),
        );
    }
    v
}

fn fields_of(c: &LegalCase) -> CaseFields {
    CaseFields {
        charges: c.charges.clone(),
        court: c.court.clone(),
        case_number: c.case_number.clone(),
        counsel: c.counsel.key().to_owned(),
        counsel_name: c.counsel_name.clone(),
        interpreter_language: c.interpreter_language.clone(),
        detained_since: c.detained_since,
        detention_limit_days: c.detention_limit_days,
        detention_limit: c.detention_limit(),
        verdict: c.verdict.key().to_owned(),
        verdict_date: c.verdict_date,
        sentence: c.sentence.clone(),
        appeal: c.appeal.key().to_owned(),
        appeal_date: c.appeal_date,
    }
}

/// A legal case with what its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct LegalCaseView {
    /// The case.
    pub case: LegalCaseRow,
    /// The person's registration number.
    pub registration_number: String,
    /// The person's names as recorded.
    pub names: Vec<String>,
    /// The person's age today.
    pub age: u32,
    /// The languages the person speaks.
    pub languages: Vec<String>,
    /// The hearings, in date order.
    pub hearings: Vec<HearingRow>,
    /// Days left before the pre-trial detention limit (negative: past it), while no verdict.
    pub detention_days_left: Option<i64>,
}

/// A hearing recorded, and whether an allegation opened a protection incident.
#[derive(Debug, Clone, Serialize)]
pub struct HearingRecorded {
    /// The hearing.
    pub hearing: HearingRow,
    /// A protection incident was opened for an allegation made at the hearing. Its id is not
    /// given: the recorder's role may not be one that sees incidents.
    pub incident_opened: bool,
}

/// A case nearing (or past) its pre-trial detention limit without a verdict.
#[derive(Debug, Clone, Serialize)]
pub struct DetentionAlert {
    /// The case and person.
    #[serde(flatten)]
    pub limit: DetentionLimitRow,
    /// Days left from today (0: today is the last day; negative: past the limit).
    pub days_left: i64,
}

/// A protection incident to report.
#[derive(Debug, Clone, Default)]
pub struct IncidentDraft {
    /// The person: their registration number (or the numeric person id).
    pub person: String,
    /// `ill_treatment`, `coerced_confession`, `separation`, `threats` or `abuse_in_custody`.
    pub kind: String,
    /// The day it happened (YYYY-MM-DD), if known.
    pub occurred_on: String,
    /// The account.
    pub narrative: String,
}

/// A protection incident as a reader with the right to see it sees it.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    /// The incident.
    pub incident: ProtectionIncidentRow,
    /// The person's registration number.
    pub registration_number: String,
    /// The person's names: for case workers only (monitors see identities only where a case
    /// needs them, and the registration number is enough to follow one up).
    pub names: Vec<String>,
    /// Follow-up actions, in order.
    pub actions: Vec<ProtectionActionRow>,
    /// The statuses it may move to.
    pub statuses: Vec<String>,
}

/// One line of the incident list (no account: that is read on the incident itself).
#[derive(Debug, Clone, Serialize)]
pub struct IncidentLine {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Status.
    pub status: String,
    /// `report` or `hearing`.
    pub source: String,
    /// The person's registration number.
    pub registration_number: String,
    /// When it happened.
    pub occurred_on: Option<String>,
    /// When it was reported.
    pub reported_at: String,
    /// Version, for follow-up.
    pub version: i64,
}

impl App {
    async fn visible_person(&self, p: &Principal, id: i64) -> Result<(), AppError> {
        if !self.can_see(p, PersonId(id)).await? {
            return Err(AppError::NotFound("person".into()));
        }
        Ok(())
    }

    /// Replaces the languages a person speaks (ISO 639 codes). Registrars and case workers
    /// (who write the registry) and judicial liaison (who learns them at court) may.
    pub async fn set_languages(
        &self,
        p: &Principal,
        person: i64,
        languages: &[String],
    ) -> Result<Vec<String>, AppError> {
        if authorize(p, Action::WriteRegistry).is_err() {
            authorize(p, Action::ManageLegalCases)?;
        }
        self.visible_person(p, person).await?;
        let mut errors = Errors::new();
        let mut codes: Vec<String> = Vec::new();
        for (i, l) in languages.iter().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            if let Some(c) = errors.take(parse_language(&format!("languages[{i}]"), l))
                && !codes.contains(&c)
            {
                codes.push(c);
            }
        }
        errors.finish()?;
        codes.sort();
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.person(PersonId(person)).await?;
        let before = tx.languages_of(person).await?;
        tx.set_languages(person, &codes, &p.username, now).await?;
        tx.audit(event(
            &p.username,
            now,
            "person.languages",
            "person",
            person,
            Some(json!({ "languages": before })),
            Some(json!({ "languages": codes })),
        ))
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// The languages a person speaks, for anyone who may see the person.
    pub async fn languages_for(&self, p: &Principal, person: i64) -> Result<Vec<String>, AppError> {
        authorize(p, Action::ReadPersons)?;
        self.visible_person(p, person).await?;
        self.store().person(PersonId(person)).await?;
        Ok(self
            .store()
            .languages_of(person)
            .await?
            .into_iter()
            .map(|l| l.language)
            .collect())
    }

    /// Opens a legal case for a person.
    pub async fn open_legal_case(
        &self,
        p: &Principal,
        person: i64,
        draft: &LegalCaseDraft,
    ) -> Result<LegalCaseView, AppError> {
        authorize(p, Action::ManageLegalCases)?;
        self.visible_person(p, person).await?;
        let case = draft.parse()?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.person(PersonId(person)).await?;
        let row = tx
            .insert_legal_case(person, &fields_of(&case), &p.username, now)
            .await
            .map_err(|e| match e {
                StoreError::Constraint(_) => AppError::Invalid(Invalid::one(
                    "case_number",
                    "HW-COURT-0030",
                    "this person already has a case with this number at this court",
                )),
                other => other.into(),
            })?;
        tx.audit(event(
            &p.username,
            now,
            "legal_case.open",
            "legal_case",
            row.id,
            None,
            Some(json!(row)),
        ))
        .await?;
        tx.commit().await?;
        self.legal_case_view(row).await
    }

    /// Changes a legal case (counsel, interpreter, detention, verdict, sentence, appeal) when
    /// `version` is still the current one.
    pub async fn update_legal_case(
        &self,
        p: &Principal,
        id: i64,
        version: i64,
        draft: &LegalCaseDraft,
    ) -> Result<LegalCaseView, AppError> {
        authorize(p, Action::ManageLegalCases)?;
        let case = draft.parse()?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.legal_case(id).await?;
        self.visible_person(p, before.person_id).await?;
        let row = tx
            .update_legal_case(id, version, &fields_of(&case), now)
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "legal_case.update",
            "legal_case",
            id,
            Some(json!(before)),
            Some(json!(row)),
        ))
        .await?;
        tx.commit().await?;
        self.legal_case_view(row).await
    }

    /// A person's legal cases; the view is written to the access log.
    pub async fn legal_cases_for(
        &self,
        p: &Principal,
        person: i64,
    ) -> Result<Vec<LegalCaseRow>, AppError> {
        authorize(p, Action::ReadLegalCases)?;
        self.visible_person(p, person).await?;
        self.store().person(PersonId(person)).await?;
        let rows = self.store().legal_cases_of(person).await?;
        self.store()
            .log_access(
                self.now(),
                &p.username,
                "list",
                "legal_case",
                &format!("person:{person}"),
                "legal cases of a person",
            )
            .await?;
        Ok(rows)
    }

    /// A legal case with its hearings; the view is written to the access log.
    pub async fn legal_case_for(&self, p: &Principal, id: i64) -> Result<LegalCaseView, AppError> {
        authorize(p, Action::ReadLegalCases)?;
        let row = self.store().legal_case(id).await?;
        self.visible_person(p, row.person_id).await?;
        self.store()
            .log_access(
                self.now(),
                &p.username,
                "view",
                "legal_case",
                &id.to_string(),
                "legal case",
            )
            .await?;
        self.legal_case_view(row).await
    }

    async fn legal_case_view(&self, case: LegalCaseRow) -> Result<LegalCaseView, AppError> {
        let store = self.store();
        let file = store.person_file(PersonId(case.person_id)).await?;
        let today = self.today();
        let detention_days_left = match (&case.detention_limit, case.verdict.as_str()) {
            (Some(limit), "pending") => parse_date("detention_limit", limit)
                .ok()
                .map(|d| (d - today).num_days()),
            _ => None,
        };
        Ok(LegalCaseView {
            registration_number: file.person.registration_number.clone(),
            names: file.names.iter().map(|n| n.text.clone()).collect(),
            age: file.person.age_on(today)?,
            languages: store
                .languages_of(case.person_id)
                .await?
                .into_iter()
                .map(|l| l.language)
                .collect(),
            hearings: store.hearings_of(case.id).await?,
            detention_days_left,
            case,
        })
    }

    /// Records a hearing under the fair-trial safeguards. A held hearing needs counsel and an
    /// interpreter in a language the person speaks (or waivers with their reasons); a minor's
    /// needs a guardian or social worker present. An allegation of coercion or ill-treatment
    /// opens a protection incident in the same transaction.
    pub async fn record_hearing(
        &self,
        p: &Principal,
        case_id: i64,
        draft: &HearingDraft,
    ) -> Result<HearingRecorded, AppError> {
        authorize(p, Action::ManageLegalCases)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let case = tx.legal_case(case_id).await?;
        self.visible_person(p, case.person_id).await?;
        let person = tx.person(PersonId(case.person_id)).await?;
        // The age on the hearing date decides whether the minor's safeguard applies; an
        // unreadable date is reported by the check below.
        let on = parse_date("hearing_date", &draft.hearing_date).unwrap_or(self.today());
        let facts = HearingFacts {
            age_on_hearing: person.age_on(on)?,
            languages: tx.languages_of(case.person_id).await?,
            today: self.today(),
        };
        let h = check_hearing(draft, &facts)?;
        let allegation = h.allegation.as_ref().map(|(k, _)| k.key());
        let hearing = tx
            .insert_hearing(
                &NewHearing {
                    case_id,
                    hearing_date: h.hearing_date,
                    held: h.held,
                    summary: &h.summary,
                    next_date: h.next_date,
                    counsel_present: h.counsel_present,
                    counsel_waiver_reason: h.counsel_waiver_reason.as_deref(),
                    interpreter_language: h.interpreter_language.as_deref(),
                    interpreter_name: h.interpreter_name.as_deref(),
                    interpreter_waiver_reason: h.interpreter_waiver_reason.as_deref(),
                    guardian_present: h.guardian_present,
                    social_worker_present: h.social_worker_present,
                    minor: h.minor,
                    allegation,
                    recorded_by: &p.username,
                },
                now,
            )
            .await?;
        tx.audit(event(
            &p.username,
            now,
            "legal_case.hearing",
            "legal_case",
            case_id,
            None,
            Some(json!(hearing)),
        ))
        .await?;
        let mut incident_opened = false;
        if let Some((kind, narrative)) = &h.allegation {
            self.open_incident_in(
                &mut tx,
                &NewProtectionIncident {
                    person_id: case.person_id,
                    kind: kind.key(),
                    occurred_on: Some(h.hearing_date),
                    site_id: person.current_site_id,
                    source: "hearing",
                    legal_case_id: Some(case_id),
                    hearing_id: Some(hearing.id),
                    report_narrative: narrative,
                    reported_by: &p.username,
                },
                now,
            )
            .await?;
            incident_opened = true;
        }
        tx.commit().await?;
        Ok(HearingRecorded {
            hearing,
            incident_opened,
        })
    }

    /// Cases with no verdict whose pre-trial detention limit falls within `days` from today
    /// (those already past it first), for the task lists and alerts of judicial liaison and
    /// case workers.
    pub async fn detention_limits_near(
        &self,
        p: &Principal,
        days: i64,
    ) -> Result<Vec<DetentionAlert>, AppError> {
        authorize(p, Action::ReadLegalCases)?;
        let today = self.today();
        let until = today + chrono::Duration::days(days.clamp(0, 3650));
        let mut out = Vec::new();
        for limit in self.store().detention_limits_until(until).await? {
            if !self.can_see(p, PersonId(limit.person_id)).await? {
                continue;
            }
            let d: NaiveDate = parse_date("detention_limit", &limit.detention_limit)
                .map_err(|e| AppError::Store(StoreError::Corrupt(e.to_string())))?;
            out.push(DetentionAlert {
                days_left: (d - today).num_days(),
                limit,
            });
        }
        Ok(out)
    }

    async fn open_incident_in(
        &self,
        tx: &mut WriteTx,
        new: &NewProtectionIncident<'_>,
        now: NaiveDateTime,
    ) -> Result<ProtectionIncidentRow, AppError> {
        let row = tx.insert_protection_incident(new, now).await?;
        tx.audit(event(
            new.reported_by,
            now,
            "protection_incident.open",
            "protection_incident",
            row.id,
            None,
            Some(incident_audit(&self.keys, &row)),
        ))
        .await?;
        Ok(row)
    }

    /// Reports a protection incident (case workers and monitors).
    pub async fn report_incident(
        &self,
        p: &Principal,
        draft: &IncidentDraft,
    ) -> Result<IncidentView, AppError> {
        authorize(p, Action::ReportIncidents)?;
        let mut errors = Errors::new();
        let kind = errors.take(IncidentKind::parse("kind", &draft.kind));
        let occurred_on = if draft.occurred_on.trim().is_empty() {
            None
        } else {
            errors.take(parse_date("occurred_on", &draft.occurred_on))
        };
        if let Some(d) = occurred_on
            && d > self.today()
        {
            errors.push(FieldError::new(
                "occurred_on",
                "HW-PROT-0005",
                "the day it happened cannot be in the future",
            ));
        }
        let narrative = errors.take(check_narrative("narrative", &draft.narrative));
        let key = draft.person.trim();
        let person = if key.is_empty() {
            errors.push(FieldError::new(
                "person",
                "HW-PROT-0006",
                "give the registration number of the person concerned",
            ));
            None
        } else {
            let found = match key.parse::<i64>() {
                Ok(id) => self.store().person(PersonId(id)).await,
                Err(_) => self.store().person_by_number(key).await,
            };
            match found {
                Ok(p) => Some(p),
                Err(StoreError::NotFound(_)) => {
                    errors.push(FieldError::new(
                        "person",
                        "HW-PROT-0006",
                        format!("no person with registration number '{key}'"),
                    ));
                    None
                }
                Err(e) => return Err(e.into()),
            }
        };
        errors.finish()?;
        let (Some(kind), Some(narrative), Some(person)) = (kind, narrative, person) else {
            return Err(Invalid::one("kind", "HW-PROT-0000", "incomplete report").into());
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let row = self
            .open_incident_in(
                &mut tx,
                &NewProtectionIncident {
                    person_id: person.id,
                    kind: kind.key(),
                    occurred_on,
                    site_id: person.current_site_id,
                    source: "report",
                    legal_case_id: None,
                    hearing_id: None,
                    report_narrative: &narrative,
                    reported_by: &p.username,
                },
                now,
            )
            .await?;
        tx.commit().await?;
        self.incident_for(p, row.id).await
    }

    /// Protection incidents (case workers and monitors only); each listed incident is written
    /// to the access log.
    pub async fn incidents_for(
        &self,
        p: &Principal,
        filter: &ProtectionFilter,
    ) -> Result<Vec<IncidentLine>, AppError> {
        authorize(p, Action::ReadIncidents)?;
        let rows = self.store().protection_incidents(filter).await?;
        let now = self.now();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let person = self.store().person(PersonId(r.person_id)).await?;
            self.store()
                .log_access(
                    now,
                    &p.username,
                    "list",
                    "protection_incident",
                    &r.id.to_string(),
                    "incident list",
                )
                .await?;
            out.push(IncidentLine {
                id: r.id,
                kind: r.kind,
                status: r.status,
                source: r.source,
                registration_number: person.registration_number,
                occurred_on: r.occurred_on,
                reported_at: r.reported_at,
                version: r.version,
            });
        }
        Ok(out)
    }

    /// A protection incident with its follow-up; the view is written to the access log. To a
    /// role that may not see incidents it answers "not found", exactly like a missing one.
    pub async fn incident_for(&self, p: &Principal, id: i64) -> Result<IncidentView, AppError> {
        if authorize(p, Action::ReadIncidents).is_err() {
            return Err(AppError::NotFound("incident".into()));
        }
        let incident = self.store().protection_incident(id).await?;
        self.store()
            .log_access(
                self.now(),
                &p.username,
                "view",
                "protection_incident",
                &id.to_string(),
                "incident",
            )
            .await?;
        let file = self
            .store()
            .person_file(PersonId(incident.person_id))
            .await?;
        let names = if p.role == Role::CaseWorker {
            file.names.iter().map(|n| n.text.clone()).collect()
        } else {
            Vec::new()
        };
        let current = IncidentStatus::parse("status", &incident.status)
            .map_err(|e| AppError::Store(StoreError::Corrupt(e.to_string())))?;
        Ok(IncidentView {
            actions: self.store().protection_actions(id).await?,
            registration_number: file.person.registration_number,
            names,
            statuses: IncidentStatus::ALL
                .iter()
                .filter(|s| **s != IncidentStatus::Open || current == IncidentStatus::Open)
                .map(|s| s.key().to_owned())
                .collect(),
            incident,
        })
    }

    /// Records a follow-up action on an incident and its status after it. A closed incident
    /// takes notes but can only be reopened (to `under_review`), never moved back to `open`.
    pub async fn follow_up_incident(
        &self,
        p: &Principal,
        id: i64,
        version: i64,
        note: &str,
        status: &str,
    ) -> Result<IncidentView, AppError> {
        if authorize(p, Action::ManageIncidents).is_err() {
            // Whoever may not see incidents must not learn that this one exists.
            authorize(p, Action::ReadIncidents)
                .map_err(|_| AppError::NotFound("incident".into()))?;
            return Err(AppError::Forbidden);
        }
        let mut errors = Errors::new();
        let note = errors.take(check_narrative("note", note));
        let to = errors.take(IncidentStatus::parse("status", status));
        errors.finish()?;
        let (Some(note), Some(to)) = (note, to) else {
            return Err(Invalid::one("note", "HW-PROT-0000", "incomplete action").into());
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.protection_incident(id).await?;
        if to == IncidentStatus::Open && before.status != IncidentStatus::Open.key() {
            return Err(Invalid::one(
                "status",
                "HW-PROT-0007",
                "an incident that was acted on cannot go back to open: choose under review",
            )
            .into());
        }
        let (after, action) = tx
            .add_protection_action(id, version, &note, to.key(), &p.username, now)
            .await?;
        let mut audit_after = incident_audit(&self.keys, &after);
        if let Some(o) = audit_after.as_object_mut() {
            o.insert("action_id".into(), json!(action.id));
            o.insert(
                "action_note_mac".into(),
                json!(
                    self.keys
                        .mac(&action_note_mac_context(action.id), &action.action_note)
                ),
            );
        }
        tx.audit(event(
            &p.username,
            now,
            "protection_incident.follow_up",
            "protection_incident",
            id,
            Some(incident_audit(&self.keys, &before)),
            Some(audit_after),
        ))
        .await?;
        tx.commit().await?;
        self.incident_for(p, id).await
    }
}
