//! The placement protocol in use: proposals with explanations, decisions, births in custody,
//! transfers, roll calls and the daily review that fills the teams' task lists.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use homeward_domain::date::{DateOfBirth, parse_date};
use homeward_domain::error::{Errors, FieldError, Invalid};
use homeward_domain::family::{Basis, Confidence, NewLink, Relation};
use homeward_domain::nationality::ClaimState;
use homeward_domain::person::{
    NameKind, NameVariant, PersonFacts, PersonId, Sex, Status, Vulnerability,
};
use homeward_domain::placement::{
    Facts, NationalityCondition, Outcome, Proposal, RuleVersion, propose, seed_rules,
};
use homeward_domain::site::{SiteId, SiteKind};
use homeward_store::audit::NewEvent;
use homeward_store::custody::{DecisionRow, IncidentRow, NewDecision, RollCallRow, TransferRow};
use homeward_store::registry::{NewEpisode, PersonFile};
use serde::Serialize;
use serde_json::json;

use crate::registry::{MoveDraft, NameDraft};
use crate::{Actor, App, AppError};

/// A proposal as the command line and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    /// The person's registration number.
    pub registration_number: String,
    /// The date judged.
    pub date: String,
    /// The proposed site kind.
    pub placement: String,
    /// The rule that decided: id and version.
    pub rule: RuleRef,
    /// The facts used.
    pub facts: serde_json::Value,
    /// Why, in words.
    pub explanation: String,
}

/// A rule and the version of it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRef {
    /// Rule id.
    pub id: String,
    /// Version in force on the date.
    pub version: u32,
}

fn end_of(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
}

fn view(number: &str, p: &Proposal) -> ProposalView {
    ProposalView {
        registration_number: number.to_owned(),
        date: p.facts.on.format("%Y-%m-%d").to_string(),
        placement: p.placement.key().to_owned(),
        rule: RuleRef {
            id: p.rule_id.clone(),
            version: p.rule_version,
        },
        facts: json!({
            "age": p.facts.age,
            "age_estimated": p.facts.age_estimated,
            "sex": p.facts.sex.key(),
            "nationalities": p.facts.nationalities,
            "mother_site": p.facts.mother_site.map(SiteKind::key),
        }),
        explanation: p.explanation.clone(),
    }
}

/// A rule version as an administrator sends it.
#[derive(Debug, Clone, Default)]
pub struct RuleDraft {
    /// Rule id (new or existing).
    pub id: String,
    /// First day in force, `YYYY-MM-DD`.
    pub effective_from: String,
    /// Retire the rule from that day.
    pub retired: bool,
    /// Order among rules (lower first).
    pub priority: u32,
    /// Youngest age.
    pub min_age: u32,
    /// Oldest age.
    pub max_age: u32,
    /// `female`, `male` or empty.
    pub sex: Option<String>,
    /// `any`, `iraqi_or_palestinian` or `foreign`.
    pub nationality: String,
    /// `with_mother` or a site kind.
    pub outcome: String,
    /// Source and meaning, English.
    pub description_en: String,
    /// Source and meaning, Arabic.
    pub description_ar: String,
}

/// A newborn registered from the mother's file.
#[derive(Debug, Clone, Default)]
pub struct BirthDraft {
    /// `female` or `male`.
    pub sex: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// The child's names.
    pub names: Vec<NameDraft>,
    /// Father explicitly unknown.
    pub father_unknown: bool,
    /// Declared father's name.
    pub father_name: Option<String>,
}

/// What a transfer would do, shown before it is requested.
#[derive(Debug, Clone, Default)]
pub struct TransferPreview {
    /// Family members of those moved who would stay behind (held persons only).
    pub left_behind: Vec<i64>,
    /// What the custody rules would refuse if it were carried out now, each field prefixed
    /// with the person (`persons[ID].site`).
    pub refusals: Vec<FieldError>,
}

struct MovePlan<'a> {
    to_site: i64,
    persons: &'a [i64],
    authorised_by: String,
    reason: String,
    best_interests_ref: Option<&'a str>,
    confirm_over_capacity: bool,
}

impl App {
    /// Seeds the protocol rules into an empty rule table (audited); returns how many.
    pub(crate) async fn seed_rules_if_empty(&self) -> Result<usize, AppError> {
        if !self.store().rules().await?.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let rules = seed_rules();
        let mut tx = self.store().begin().await?;
        for r in &rules {
            tx.insert_rule(r, "system", now).await?;
        }
        tx.audit(NewEvent {
            actor: "system",
            at: now,
            action: "placement_rules.seed",
            entity_type: "placement_rule",
            entity_id: "*".into(),
            before: None,
            after: Some(json!({ "versions": rules.len() })),
        })
        .await?;
        tx.commit().await?;
        Ok(rules.len())
    }

    /// Every rule version.
    pub async fn rules(&self) -> Result<Vec<RuleVersion>, AppError> {
        Ok(self.store().rules().await?)
    }

    /// Adds a rule version (administrators); the version number follows the last one.
    pub async fn add_rule_version(
        &self,
        actor: &Actor,
        d: &RuleDraft,
    ) -> Result<RuleVersion, AppError> {
        let mut errors = Errors::new();
        if d.id.trim().is_empty() {
            errors.push(FieldError::new("id", "HW-RULE-0001", "a rule needs an id"));
        }
        let from = errors.take(parse_date("effective_from", &d.effective_from));
        let sex = match d.sex.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => errors.take(Sex::parse("sex", s)).map(Some),
            None => Some(None),
        };
        let nationality = errors.take(NationalityCondition::parse("nationality", &d.nationality));
        let outcome = errors.take(Outcome::parse("outcome", &d.outcome));
        if d.min_age > d.max_age {
            errors.push(FieldError::new(
                "min_age",
                "HW-RULE-0002",
                "min_age is above max_age",
            ));
        }
        if d.description_en.trim().is_empty() {
            errors.push(FieldError::new(
                "description_en",
                "HW-RULE-0003",
                "say what the rule is and its legal source",
            ));
        }
        errors.finish()?;
        let (Some(from), Some(sex), Some(nationality), Some(outcome)) =
            (from, sex, nationality, outcome)
        else {
            return Err(AppError::Internal("rule fields checked above".into()));
        };
        let version = self
            .store()
            .rules()
            .await?
            .iter()
            .filter(|r| r.id == d.id.trim())
            .map(|r| r.version)
            .max()
            .unwrap_or(0)
            + 1;
        let rule = RuleVersion {
            id: d.id.trim().to_owned(),
            version,
            effective_from: from,
            retired: d.retired,
            priority: d.priority,
            min_age: d.min_age,
            max_age: d.max_age,
            sex,
            nationality,
            outcome,
            description_en: d.description_en.trim().to_owned(),
            description_ar: d.description_ar.trim().to_owned(),
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.insert_rule(&rule, &actor.name, now).await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "placement_rule.add_version",
            entity_type: "placement_rule",
            entity_id: format!("{}@{}", rule.id, rule.version),
            before: None,
            after: Some(
                json!({ "id": rule.id, "version": rule.version, "effective_from": d.effective_from,
                "retired": rule.retired, "outcome": rule.outcome.key(), "min_age": rule.min_age,
                "max_age": rule.max_age, "nationality": rule.nationality.key(),
                "description_en": rule.description_en }),
            ),
        })
        .await?;
        tx.commit().await?;
        Ok(rule)
    }

    async fn facts_on(&self, file: &PersonFile, on: NaiveDate) -> Result<Facts, AppError> {
        let facts = file.person.facts()?;
        let mother = file
            .links
            .iter()
            .find(|l| l.relation == Relation::Mother.key() && l.to_person == file.person.id)
            .map(|l| PersonId(l.from_person));
        let mother_site = match mother {
            Some(m) => self
                .store()
                .site_of_person_at(m, end_of(on))
                .await?
                .and_then(|s| SiteKind::parse("kind", &s.kind).ok()),
            None => None,
        };
        Ok(Facts {
            on,
            age: facts.date_of_birth.age_on(on),
            age_estimated: facts.date_of_birth.is_estimate(),
            sex: facts.sex,
            nationalities: file.claims.iter().map(|c| c.country_code.clone()).collect(),
            mother_site,
        })
    }

    /// The placement the rules in force on `on` propose for a person, with the explanation.
    pub async fn propose_placement(
        &self,
        id: PersonId,
        on: NaiveDate,
    ) -> Result<ProposalView, AppError> {
        let file = self.store().person_file(id).await?;
        let facts = self.facts_on(&file, on).await?;
        let rules = self.store().rules().await?;
        let p = propose(&rules, facts).ok_or_else(|| {
            AppError::Invalid(Invalid::one(
                "date",
                "HW-RULE-0004",
                format!("no placement rule was in force on {on} for this person"),
            ))
        })?;
        Ok(view(&file.person.registration_number, &p))
    }

    /// Confirms the proposal for a person on a date, or overrides it with a written reason
    /// (and, for a child, a best-interests decision reference). The decision keeps the rule
    /// version it was made under.
    pub async fn decide_placement(
        &self,
        actor: &Actor,
        id: PersonId,
        on: NaiveDate,
        chosen: Option<&str>,
        reason: &str,
        best_interests_ref: Option<&str>,
    ) -> Result<DecisionRow, AppError> {
        let proposal = self.propose_placement(id, on).await?;
        let chosen_kind = match chosen.filter(|c| !c.trim().is_empty()) {
            Some(c) => SiteKind::parse("chosen", c)?.key().to_owned(),
            None => proposal.placement.clone(),
        };
        let overridden = chosen_kind != proposal.placement;
        let age = proposal.facts["age"].as_u64().unwrap_or(0);
        let mut errors = Errors::new();
        if overridden && reason.trim().is_empty() {
            errors.push(FieldError::new(
                "reason",
                "HW-RULE-0005",
                "an override of the proposed placement needs a written reason",
            ));
        }
        let bid = best_interests_ref.map(str::trim).filter(|b| !b.is_empty());
        if overridden && age < 18 && bid.is_none() {
            errors.push(FieldError::new(
                "best_interests_ref",
                "HW-RULE-0006",
                "overriding the placement of a child needs a best-interests decision reference",
            ));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if let Some(r) = bid
            && overridden
        {
            match crate::care::check_reference(&mut tx, &[id.0], r).await {
                Ok(()) => {}
                Err(AppError::Invalid(inv)) => errors.extend(inv),
                Err(e) => return Err(e),
            }
        }
        errors.finish()?;
        let row = tx
            .insert_decision(
                &NewDecision {
                    person_id: id.0,
                    decided_for: on,
                    proposed: &proposal.placement,
                    rule_id: &proposal.rule.id,
                    rule_version: proposal.rule.version,
                    explanation: &proposal.explanation,
                    decision: if overridden {
                        "overridden"
                    } else {
                        "confirmed"
                    },
                    chosen: &chosen_kind,
                    reason: reason.trim(),
                    best_interests_ref: bid,
                    decided_by: &actor.name,
                },
                now,
            )
            .await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "placement.decide",
            entity_type: "person",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Registers a baby born in custody from the mother's file: linked to her, placed with her,
    /// with nationality claims proposed from hers.
    pub async fn register_birth(
        &self,
        actor: &Actor,
        mother: PersonId,
        d: &BirthDraft,
    ) -> Result<PersonFile, AppError> {
        let now = self.now();
        let mut errors = Errors::new();
        let sex = errors.take(Sex::parse("sex", &d.sex));
        let born = errors.take(parse_date("date_of_birth", &d.date_of_birth));
        if born.is_some_and(|b| b > now.date()) {
            errors.push(FieldError::new(
                "date_of_birth",
                "HW-DATE-0002",
                "a birth cannot be in the future",
            ));
        }
        let mut names = Vec::new();
        for (i, n) in d.names.iter().enumerate() {
            let kind = NameKind::parse("kind", n.kind.as_deref().unwrap_or("as_registered"))
                .map_err(|e| e.within(&format!("names[{i}]")));
            if let Some(kind) = errors.take(kind)
                && let Some(v) = errors.take(
                    NameVariant::new(&n.text, kind, &actor.name, "birth registration")
                        .map_err(|e| e.within(&format!("names[{i}]"))),
                )
            {
                names.push(v);
            }
        }
        if d.names.is_empty() {
            errors.push(FieldError::new(
                "names",
                "HW-NAME-0002",
                "give the child's name (a provisional one is fine)",
            ));
        }
        errors.finish()?;
        let (Some(sex), Some(born)) = (sex, born) else {
            return Err(AppError::Internal("birth fields checked above".into()));
        };
        let mut tx = self.store().begin().await?;
        let mother_row = tx.person(mother).await?;
        let mother_facts = mother_row.facts()?;
        if mother_facts.sex != Sex::Female {
            return Err(Invalid::one(
                "mother",
                "HW-FAMILY-0002",
                "a mother must be registered as female",
            )
            .into());
        }
        let Some(site) = mother_row
            .current_site_id
            .filter(|_| mother_facts.status.is_held())
        else {
            return Err(Invalid::one(
                "mother",
                "HW-BIRTH-0001",
                "the mother is not in custody: register the child as a new person instead",
            )
            .into());
        };
        let site_row = tx.site(SiteId(site)).await?;
        let facts = PersonFacts {
            sex,
            date_of_birth: DateOfBirth::Exact(born),
            place_of_birth: Some(format!("{} (born in custody)", site_row.name_en)),
            status: Status::Placed,
            vulnerability: Vulnerability::default(),
            father_unknown: d.father_unknown,
            father_name: d.father_name.clone().filter(|f| !f.trim().is_empty()),
            separation_group: mother_facts.separation_group,
        }
        .check(now.date())?;
        let child = tx.insert_person(&facts, false, now).await?;
        let id = child.person_id();
        for n in &names {
            tx.add_name(id, n, now).await?;
        }
        let link = NewLink {
            from: mother,
            to: id,
            relation: Relation::Mother,
            basis: Basis::Observed,
            confidence: Confidence::Confirmed,
            evidence_ref: Some("birth in custody".into()),
        };
        tx.add_link(&link, &actor.name, now).await?;
        let claims = tx.person_file(mother).await?.claims;
        for c in claims
            .iter()
            .filter(|c| c.state != ClaimState::Rejected.key())
        {
            tx.add_claim(id, &c.country_code, ClaimState::Claimed, now)
                .await?;
        }
        tx.move_person(&NewEpisode {
            person: id,
            site: SiteId(site),
            at: born.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN)),
            authorised_by: &actor.name,
            reason: "born in custody: placed with the mother",
            best_interests_ref: None,
            recorded_by: &actor.name,
        })
        .await?;
        if mother_facts
            .vulnerability
            .pregnant_expected_delivery
            .is_some()
        {
            let mut after = mother_facts.clone();
            after.vulnerability.pregnant_expected_delivery = None;
            tx.update_person(mother, mother_row.version, &after, now)
                .await?;
        }
        let file = tx.person_file(id).await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "person.birth",
            entity_type: "person",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&file).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(file)
    }

    /// Requests a transfer of persons into a site; returns it with the family members of those
    /// moved who would stay behind, so the person authorising sees who is affected.
    pub async fn request_transfer(
        &self,
        actor: &Actor,
        to_site: i64,
        persons: &[i64],
        reason: &str,
    ) -> Result<(TransferRow, Vec<i64>), AppError> {
        if persons.is_empty() {
            return Err(
                Invalid::one("persons", "HW-TRANSFER-0001", "name at least one person").into(),
            );
        }
        if reason.trim().is_empty() {
            return Err(
                Invalid::one("reason", "HW-TRANSFER-0002", "say why they are transferred").into(),
            );
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.site(SiteId(to_site)).await.map_err(|_| {
            AppError::from(Invalid::one("to_site", "HW-TRANSFER-0003", "no such site"))
        })?;
        for p in persons {
            tx.person(PersonId(*p)).await?;
        }
        let id = tx
            .insert_transfer(to_site, persons, reason.trim(), &actor.name, now)
            .await?;
        let row = tx.transfer(id).await?;
        let left_behind = family_left_behind(&mut tx, persons).await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "transfer.request",
            entity_type: "transfer",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok((row, left_behind))
    }

    /// Authorises a requested transfer.
    pub async fn authorise_transfer(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<TransferRow, AppError> {
        self.transfer_step(actor, id, version, "requested", "authorised")
            .await
    }

    /// Carries out an authorised transfer: every person is moved under the custody rules, all
    /// or none.
    pub async fn carry_out_transfer(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        confirm_over_capacity: bool,
    ) -> Result<TransferRow, AppError> {
        self.carry_out_transfer_with(actor, id, version, confirm_over_capacity, None)
            .await
    }

    /// Carries out an authorised transfer, with the best-interests decision reference that
    /// allows a young child to be separated from the mother when the transfer does that.
    pub async fn carry_out_transfer_with(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        confirm_over_capacity: bool,
        best_interests_ref: Option<&str>,
    ) -> Result<TransferRow, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let t = tx.transfer(id).await?;
        if t.state != "authorised" {
            return Err(Invalid::one(
                "state",
                "HW-TRANSFER-0004",
                format!(
                    "a transfer is carried out once authorised; this one is {}",
                    t.state
                ),
            )
            .into());
        }
        let plan = MovePlan {
            to_site: t.to_site_id,
            persons: &t.persons,
            authorised_by: t.authorised_by.clone().unwrap_or_default(),
            reason: format!("transfer {id}: {}", t.reason),
            best_interests_ref,
            confirm_over_capacity,
        };
        self.move_all(&mut tx, actor, &plan).await?;
        tx.set_transfer_state(id, version, "carried_out", &actor.name, now)
            .await?;
        let row = tx.transfer(id).await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "transfer.carry_out",
            entity_type: "transfer",
            entity_id: id.to_string(),
            before: Some(serde_json::to_value(&t).unwrap_or_default()),
            after: Some(serde_json::to_value(&row).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// What a transfer of `persons` into `to_site` would do, before anything is requested:
    /// the family members who would stay behind, and every refusal the custody rules would
    /// give if it were carried out now (the moves are tried and rolled back; nothing is kept).
    pub async fn preview_transfer(
        &self,
        actor: &Actor,
        to_site: i64,
        persons: &[i64],
        confirm_over_capacity: bool,
        best_interests_ref: Option<&str>,
    ) -> Result<TransferPreview, AppError> {
        let mut tx = self.store().begin().await?;
        let left_behind = family_left_behind(&mut tx, persons).await?;
        let plan = MovePlan {
            to_site,
            persons,
            authorised_by: actor.name.clone(),
            reason: "preview".into(),
            best_interests_ref,
            confirm_over_capacity,
        };
        let refusals = match self.move_all(&mut tx, actor, &plan).await {
            Ok(()) => Vec::new(),
            Err(AppError::Invalid(inv)) => inv.0,
            Err(e) => return Err(e),
        };
        tx.rollback().await?;
        Ok(TransferPreview {
            left_behind,
            refusals,
        })
    }

    /// Moves every person of a transfer, mothers first so a young child moved with her finds
    /// her at the destination; a refused move names the person (`persons[ID].field`).
    async fn move_all(
        &self,
        tx: &mut homeward_store::WriteTx,
        actor: &Actor,
        plan: &MovePlan<'_>,
    ) -> Result<(), AppError> {
        if let Some(r) = plan.best_interests_ref {
            crate::care::check_reference(tx, plan.persons, r).await?;
        }
        let mut order = plan.persons.to_vec();
        let mut mothers = Vec::new();
        for p in plan.persons {
            for l in tx.links_of(PersonId(*p)).await? {
                if l.relation == "mother" && plan.persons.contains(&l.to_person) {
                    mothers.push(l.from_person);
                }
            }
        }
        order.sort_by_key(|p| (!mothers.contains(p), *p));
        let mut refused = Vec::new();
        for p in order {
            let draft = MoveDraft {
                site: plan.to_site,
                at: None,
                authorised_by: plan.authorised_by.clone(),
                reason: plan.reason.clone(),
                best_interests_ref: plan.best_interests_ref.map(str::to_owned),
                confirm_over_capacity: plan.confirm_over_capacity,
            };
            match self.move_in(tx, actor, PersonId(p), &draft).await {
                Ok(_) => {}
                Err(AppError::Invalid(inv)) => refused.extend(
                    inv.0
                        .into_iter()
                        .map(|e| e.within(&format!("persons[{p}]"))),
                ),
                Err(e) => return Err(e),
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(Invalid(refused).into())
        }
    }

    async fn transfer_step(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        from: &str,
        to: &str,
    ) -> Result<TransferRow, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.transfer(id).await?;
        if before.state != from {
            return Err(Invalid::one(
                "state",
                "HW-TRANSFER-0005",
                format!(
                    "only a {from} transfer can become {to}; this one is {}",
                    before.state
                ),
            )
            .into());
        }
        tx.set_transfer_state(id, version, to, &actor.name, now)
            .await?;
        let after = tx.transfer(id).await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "transfer.authorise",
            entity_type: "transfer",
            entity_id: id.to_string(),
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records a roll call at a site: a head count, or the list of those present. A difference
    /// from the register opens an incident that must be resolved.
    pub async fn roll_call(
        &self,
        actor: &Actor,
        site: i64,
        counted: Option<i64>,
        present: Option<&[i64]>,
    ) -> Result<(RollCallRow, Option<IncidentRow>), AppError> {
        let now = self.now();
        let on_register: Vec<i64> = self
            .store()
            .persons_at_site(SiteId(site), now)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let (method, counted, absent) = match (counted, present) {
            (_, Some(list)) => {
                let absent: Vec<String> = on_register
                    .iter()
                    .filter(|p| !list.contains(p))
                    .map(i64::to_string)
                    .collect();
                (
                    "tick_list",
                    i64::try_from(list.len()).unwrap_or(i64::MAX),
                    absent.join(","),
                )
            }
            (Some(n), None) if n >= 0 => ("count", n, String::new()),
            _ => {
                return Err(Invalid::one(
                    "counted",
                    "HW-ROLL-0001",
                    "give the head count or the list of those present",
                )
                .into());
            }
        };
        let expected = i64::try_from(on_register.len()).unwrap_or(i64::MAX);
        let mut tx = self.store().begin().await?;
        tx.site(SiteId(site)).await?;
        let (call, incident) = tx
            .insert_roll_call(&homeward_store::custody::NewRollCall {
                site_id: site,
                at: now,
                method,
                expected,
                counted,
                absent: &absent,
                by: &actor.name,
            })
            .await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "roll_call.record",
            entity_type: "site",
            entity_id: site.to_string(),
            before: None,
            after: Some(json!({ "roll_call": call, "incident": incident })),
        })
        .await?;
        tx.commit().await?;
        Ok((call, incident))
    }

    /// Resolves a roll-call incident with what was found.
    pub async fn resolve_roll_call_incident(
        &self,
        actor: &Actor,
        id: i64,
        resolution: &str,
    ) -> Result<IncidentRow, AppError> {
        if resolution.trim().is_empty() {
            return Err(Invalid::one(
                "resolution",
                "HW-ROLL-0002",
                "say how the difference was explained",
            )
            .into());
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let row = tx
            .resolve_incident(id, resolution.trim(), &actor.name, now)
            .await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "roll_call.resolve",
            entity_type: "roll_call_incident",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The daily review: children about to turn 4 or 15, estimated ages due for reassessment,
    /// deliveries near, long stays without review. Each becomes a task once (idempotent).
    /// Returns the number of new tasks.
    pub async fn run_due_jobs(&self) -> Result<usize, AppError> {
        self.daily_review("system").await
    }

    /// The daily review run on demand by a signed-in user (recorded as theirs).
    pub async fn run_daily_review(&self, actor: &Actor) -> Result<usize, AppError> {
        self.daily_review(&actor.name).await
    }

    async fn daily_review(&self, by: &str) -> Result<usize, AppError> {
        let now = self.now();
        let today = now.date();
        let horizon = today + Days::new(30);
        let mut tasks: Vec<(String, String, i64, NaiveDate, String, String)> = Vec::new();
        let stays: std::collections::BTreeMap<i64, String> =
            self.store().current_stays().await?.into_iter().collect();
        let mut offset = 0;
        loop {
            let page = self
                .store()
                .list_persons(
                    &homeward_store::registry::PersonFilter::default(),
                    5000,
                    offset,
                )
                .await?;
            if page.items.is_empty() {
                break;
            }
            offset += i64::try_from(page.items.len()).unwrap_or(i64::MAX);
            for p in page.items {
                let f = p.facts()?;
                if !f.status.is_held() {
                    continue;
                }
                let dob = &f.date_of_birth;
                for (birthday, team) in [(4, "case_workers"), (15, "case_workers")] {
                    let (now_age, soon_age) = (dob.age_on(today), dob.age_on(horizon));
                    if now_age < birthday && soon_age >= birthday {
                        tasks.push((
                            format!("turns_{birthday}"),
                            team.to_owned(),
                            p.id,
                            horizon,
                            format!(
                                "{} turns {birthday} within 30 days: review the placement",
                                p.registration_number
                            ),
                            format!("turns_{birthday}:{}", p.id),
                        ));
                    }
                }
                if let DateOfBirth::Estimated { made_on, .. } = dob
                    && *made_on + Days::new(365) <= today
                {
                    tasks.push((
                        "age_reassessment".into(),
                        "case_workers".into(),
                        p.id,
                        today,
                        format!(
                            "{}: age estimated on {made_on}, due for reassessment",
                            p.registration_number
                        ),
                        format!("age_reassessment:{}:{}", p.id, today.format("%Y")),
                    ));
                }
                if let Some(due) = f.vulnerability.pregnant_expected_delivery
                    && due <= horizon
                {
                    tasks.push((
                        "delivery_near".into(),
                        "health".into(),
                        p.id,
                        due,
                        format!("{}: expected delivery on {due}", p.registration_number),
                        format!("delivery_near:{}:{due}", p.id),
                    ));
                }
                if let Some(start) = stays.get(&p.id)
                    && start
                        .get(..10)
                        .and_then(|d| parse_date("start", d).ok())
                        .is_some_and(|d| d + Days::new(365) <= today)
                {
                    let is_child = dob.age_on(today) < 18;
                    tasks.push((
                        "long_stay_review".into(),
                        if is_child {
                            "case_workers"
                        } else {
                            "registrars"
                        }
                        .into(),
                        p.id,
                        today,
                        format!(
                            "{}: in the same site since {}, no review since",
                            p.registration_number,
                            &start[..10]
                        ),
                        format!("long_stay_review:{}:{}", p.id, today.format("%Y-%m")),
                    ));
                }
            }
        }
        // care: overdue care plan reviews, pending best-interests decisions
        tasks.extend(self.care_tasks(today).await?);
        let mut added = 0;
        let mut tx = self.store().begin().await?;
        for (kind, team, person, due, detail, key) in &tasks {
            let task = homeward_store::custody::NewTask {
                kind,
                team,
                person_id: Some(*person),
                due: *due,
                detail,
                dedupe_key: key,
            };
            if tx.insert_task(&task, now).await? {
                added += 1;
            }
        }
        tx.audit(NewEvent {
            actor: by,
            at: now,
            action: "jobs.daily_review",
            entity_type: "job",
            entity_id: today.format("%Y-%m-%d").to_string(),
            before: None,
            after: Some(json!({ "new_tasks": added })),
        })
        .await?;
        tx.commit().await?;
        Ok(added)
    }
}

async fn family_left_behind(
    tx: &mut homeward_store::WriteTx,
    persons: &[i64],
) -> Result<Vec<i64>, AppError> {
    let mut out = Vec::new();
    for p in persons {
        for l in tx.links_of(PersonId(*p)).await? {
            let other = if l.from_person == *p {
                l.to_person
            } else {
                l.from_person
            };
            if !persons.contains(&other) && !out.contains(&other) {
                let row = tx.person(PersonId(other)).await?;
                if row.facts()?.status.is_held() {
                    out.push(other);
                }
            }
        }
    }
    Ok(out)
}
