//! Registry use-cases: persons, names, documents, family links, custody moves, sites, claims.

use chrono::{NaiveDate, NaiveDateTime};
use homeward_domain::country::{CountryCode, Stance};
use homeward_domain::custody::{MoveRequest, Mover, check_move};
use homeward_domain::date::parse_date;
use homeward_domain::error::{Errors, FieldError, Invalid};
use homeward_domain::family::{
    Basis, Confidence, ExistingParent, LinkEnd, NewLink, Relation, check_link,
};
use homeward_domain::nationality::{ClaimState, EvidenceKind};
use homeward_domain::person::{
    DocumentDraft, NameKind, NameVariant, PersonDraft, PersonFacts, PersonId, Sex,
};
use homeward_domain::site::{SiteId, SiteKind};
use homeward_store::WriteTx;
use homeward_store::audit::NewEvent;
use homeward_store::registry::{NewEpisode, NewSite, PersonFile};
use homeward_store::rows::{ClaimRow, EpisodeRow, EvidenceRow, LinkRow, PersonRow, SiteRow};
use serde_json::{Value, json};

use crate::{Actor, App, AppError};

/// A name as a form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct NameDraft {
    /// The name as written.
    pub text: String,
    /// Name kind key (default `as_registered`).
    pub kind: Option<String>,
    /// Where it comes from (default `registration interview`).
    pub source: Option<String>,
}

/// A placement as a form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct MoveDraft {
    /// Destination site id.
    pub site: i64,
    /// When, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` (default: now).
    pub at: Option<String>,
    /// Who authorised it.
    pub authorised_by: String,
    /// Why.
    pub reason: String,
    /// Best-interests decision reference, to separate a young child from the mother.
    pub best_interests_ref: Option<String>,
    /// Accept going over the site's capacity.
    pub confirm_over_capacity: bool,
}

/// A new person with everything a registrar records at intake.
#[derive(Debug, Clone, Default)]
pub struct RegisterPerson {
    /// Identity facts.
    pub person: PersonDraft,
    /// At least one name.
    pub names: Vec<NameDraft>,
    /// Documents, if any.
    pub documents: Vec<DocumentDraft>,
    /// Claimed nationalities, ISO alpha-2 codes.
    pub nationalities: Vec<String>,
    /// The first placement, if the person is placed at intake.
    pub placement: Option<MoveDraft>,
}

/// A family link as a form or the API sends it: `from` is the `relation` of `to`
/// (`child` reads "from is the child of to").
#[derive(Debug, Clone, Default)]
pub struct LinkDraft {
    /// First person.
    pub from: i64,
    /// Second person.
    pub to: i64,
    /// `mother`, `father`, `child`, `sibling` or `spouse`.
    pub relation: String,
    /// Basis key (default `declared`).
    pub basis: Option<String>,
    /// Confidence key (default `probable`).
    pub confidence: Option<String>,
    /// Evidence reference.
    pub evidence_ref: Option<String>,
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn parse_moment(field: &str, text: &str) -> Result<NaiveDateTime, FieldError> {
    let t = text.trim();
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S"))
        .or_else(|_| parse_date(field, t).map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .map_err(|_| {
            FieldError::new(
                field,
                "HW-DATE-0009",
                format!(
                    "'{text}' is not a date or moment: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"
                ),
            )
        })
}

fn parse_names(names: &[NameDraft], actor: &Actor, errors: &mut Errors) -> Vec<NameVariant> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let field = format!("names[{i}]");
        let kind = match n.kind.as_deref().filter(|k| !k.trim().is_empty()) {
            Some(k) => errors.take(NameKind::parse("kind", k).map_err(|e| e.within(&field))),
            None => Some(NameKind::AsRegistered),
        };
        let source = n.source.as_deref().unwrap_or("registration interview");
        let name = errors.take(
            NameVariant::new(
                &n.text,
                kind.unwrap_or(NameKind::Alias),
                &actor.name,
                source,
            )
            .map_err(|e| e.within(&field)),
        );
        if let (Some(name), Some(_)) = (name, kind) {
            out.push(name);
        }
    }
    out
}

fn event<'a>(
    actor: &'a Actor,
    at: NaiveDateTime,
    action: &'a str,
    entity_type: &'a str,
    entity_id: impl ToString,
    before: Option<Value>,
    after: Option<Value>,
) -> NewEvent<'a> {
    NewEvent {
        actor: &actor.name,
        at,
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        before,
        after,
    }
}

impl App {
    /// Registers a person with names, documents, claims and an optional first placement.
    pub async fn register_person(
        &self,
        actor: &Actor,
        cmd: &RegisterPerson,
    ) -> Result<PersonFile, AppError> {
        let now = self.now();
        let today = now.date();
        let mut errors = Errors::new();
        let facts = match cmd.person.parse(today) {
            Ok(f) => Some(f),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        if cmd.names.is_empty() {
            errors.push(FieldError::new(
                "names",
                "HW-NAME-0002",
                "give at least one name, as written at registration",
            ));
        }
        let names = parse_names(&cmd.names, actor, &mut errors);
        let mut documents = Vec::new();
        for (i, d) in cmd.documents.iter().enumerate() {
            match d.parse() {
                Ok(doc) => documents.push(doc),
                Err(Invalid(es)) => {
                    for e in es {
                        errors.push(e.within(&format!("documents[{i}]")));
                    }
                }
            }
        }
        let mut countries = Vec::new();
        for (i, c) in cmd.nationalities.iter().enumerate() {
            if let Some(code) = errors.take(CountryCode::parse(&format!("nationalities[{i}]"), c))
                && !countries.contains(&code)
            {
                countries.push(code);
            }
        }
        errors.finish()?;
        let Some(facts) = facts else {
            return Err(Invalid::one("person", "HW-PERSON-0000", "incomplete person").into());
        };
        let mut tx = self.store().begin().await?;
        let person = tx.insert_person(&facts, false, now).await?;
        let id = person.person_id();
        for n in &names {
            tx.add_name(id, n, now).await?;
        }
        for d in &documents {
            tx.add_document(id, d, now).await?;
        }
        for c in &countries {
            tx.add_claim(id, c.as_str(), ClaimState::Claimed, now)
                .await?;
        }
        if let Some(p) = &cmd.placement {
            self.move_in(&mut tx, actor, id, p)
                .await
                .map_err(|e| prefix_error(e, "placement"))?;
        }
        let file = tx.person_file(id).await?;
        tx.audit(event(
            actor,
            now,
            "person.register",
            "person",
            id,
            None,
            Some(to_json(&file)),
        ))
        .await?;
        tx.commit().await?;
        Ok(file)
    }

    /// Replaces a person's identity facts, refusing when `version` is no longer current.
    pub async fn update_person(
        &self,
        actor: &Actor,
        id: PersonId,
        version: i64,
        draft: &PersonDraft,
    ) -> Result<PersonRow, AppError> {
        let now = self.now();
        let facts = draft.parse(now.date())?;
        let mut tx = self.store().begin().await?;
        let before = tx.person(id).await?;
        let links = tx.links_of(id).await?;
        if facts.father_unknown
            && links
                .iter()
                .any(|l| l.relation == "father" && l.to_person == id.0)
        {
            return Err(Invalid::one(
                "father_unknown",
                "HW-PERSON-0006",
                "a father is linked to this person: remove the link before marking him unknown",
            )
            .into());
        }
        let after = tx.update_person(id, version, &facts, now).await?;
        recheck_parent_links(&mut tx, &links).await?;
        tx.audit(event(
            actor,
            now,
            "person.update",
            "person",
            id,
            Some(to_json(&before)),
            Some(to_json(&after)),
        ))
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Adds a name variant to a person.
    pub async fn add_name(
        &self,
        actor: &Actor,
        id: PersonId,
        draft: &NameDraft,
    ) -> Result<homeward_store::rows::NameRow, AppError> {
        let now = self.now();
        let mut errors = Errors::new();
        let names = parse_names(std::slice::from_ref(draft), actor, &mut errors);
        errors.finish()?;
        let mut tx = self.store().begin().await?;
        tx.person(id).await?;
        let mut row = None;
        for n in &names {
            row = Some(tx.add_name(id, n, now).await?);
        }
        let Some(row) = row else {
            return Err(Invalid::one("text", "HW-NAME-0001", "a name cannot be empty").into());
        };
        tx.audit(event(
            actor,
            now,
            "name.add",
            "person",
            id,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a document to a person.
    pub async fn add_document(
        &self,
        actor: &Actor,
        id: PersonId,
        draft: &DocumentDraft,
    ) -> Result<homeward_store::rows::DocumentRow, AppError> {
        let now = self.now();
        let doc = draft.parse()?;
        let mut tx = self.store().begin().await?;
        tx.person(id).await?;
        let row = tx.add_document(id, &doc, now).await?;
        tx.audit(event(
            actor,
            now,
            "document.add",
            "person",
            id,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records a family link after checking it against both persons and the existing tree.
    pub async fn add_link(&self, actor: &Actor, draft: &LinkDraft) -> Result<LinkRow, AppError> {
        let now = self.now();
        let mut errors = Errors::new();
        let relation_text = draft.relation.trim().to_ascii_lowercase();
        let child_form = relation_text == "child";
        let relation = if child_form {
            Some(Relation::Mother)
        } else {
            errors.take(
                Relation::parse("relation", &relation_text).map_err(|mut e| {
                    e.message.push_str(", child");
                    e
                }),
            )
        };
        let basis = errors.take(Basis::parse(
            "basis",
            draft.basis.as_deref().unwrap_or("declared"),
        ));
        let confidence = errors.take(Confidence::parse(
            "confidence",
            draft.confidence.as_deref().unwrap_or("probable"),
        ));
        errors.finish()?;
        let (Some(mut relation), Some(basis), Some(confidence)) = (relation, basis, confidence)
        else {
            return Err(Invalid::one("relation", "HW-FAMILY-0000", "incomplete link").into());
        };
        let (mut from, mut to) = (PersonId(draft.from), PersonId(draft.to));
        let mut tx = self.store().begin().await?;
        if child_form {
            std::mem::swap(&mut from, &mut to);
            let parent = tx.person(from).await?;
            relation = if parent.sex == Sex::Female.key() {
                Relation::Mother
            } else {
                Relation::Father
            };
        }
        let link = NewLink {
            from,
            to,
            relation,
            basis,
            confidence,
            evidence_ref: draft.evidence_ref.clone().filter(|r| !r.trim().is_empty()),
        };
        check_new_link(&mut tx, &link).await?;
        let row = tx.add_link(&link, &actor.name, now).await?;
        tx.audit(event(
            actor,
            now,
            "family_link.add",
            "person",
            to.0,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        let row = tx.opened_link(row)?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves a held person to a site, checked by the custody rules.
    pub async fn move_person(
        &self,
        actor: &Actor,
        id: PersonId,
        draft: &MoveDraft,
    ) -> Result<EpisodeRow, AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let before = tx.person(id).await?;
        if let Some(r) = draft.best_interests_ref.as_deref() {
            crate::care::check_reference(&mut tx, &[id.0], r).await?;
        }
        let episode = self.move_in(&mut tx, actor, id, draft).await?;
        tx.audit(event(
            actor,
            now,
            "custody.move",
            "person",
            id,
            Some(json!({ "site_id": before.current_site_id })),
            Some(to_json(&episode)),
        ))
        .await?;
        tx.commit().await?;
        Ok(episode)
    }

    /// A move inside an open transaction, checked by the custody rules.
    pub(crate) async fn move_in(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        id: PersonId,
        draft: &MoveDraft,
    ) -> Result<EpisodeRow, AppError> {
        let at = match draft.at.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => parse_moment("at", s)?,
            None => self.now(),
        };
        let person = tx.person(id).await?;
        let facts = person.facts()?;
        if !facts.status.is_held() {
            return Err(Invalid::one(
                "status",
                "HW-CUSTODY-0009",
                format!(
                    "this person is {}, not in custody: they cannot be moved",
                    facts.status.key()
                ),
            )
            .into());
        }
        let site = match tx.site(SiteId(draft.site)).await {
            Ok(s) => s.site()?,
            Err(homeward_store::StoreError::NotFound(_)) => {
                return Err(Invalid::one("site", "HW-CUSTODY-0010", "no such site").into());
            }
            Err(e) => return Err(e.into()),
        };
        let mother_site_after = mother_site(tx, id).await?;
        let already_there = person.current_site_id == Some(site.id.0);
        let occupancy_after = tx.occupancy(site.id).await? + u32::from(!already_there);
        let mover = Mover {
            id,
            sex: facts.sex,
            age: facts.date_of_birth.age_on(at.date()),
            separation_group: facts.separation_group,
            mother_site_after,
        };
        let request = MoveRequest {
            to: site.id,
            at,
            authorised_by: draft.authorised_by.clone(),
            reason: draft.reason.clone(),
            best_interests_ref: draft.best_interests_ref.clone(),
            confirm_over_capacity: draft.confirm_over_capacity,
        };
        check_move(&mover, &request, &site, occupancy_after)?;
        let episode = tx
            .move_person(&NewEpisode {
                person: id,
                site: site.id,
                at,
                authorised_by: draft.authorised_by.trim(),
                reason: draft.reason.trim(),
                best_interests_ref: draft.best_interests_ref.as_deref(),
                recorded_by: &actor.name,
            })
            .await?;
        Ok(episode)
    }

    /// Creates a site.
    pub async fn create_site(&self, actor: &Actor, site: &NewSite) -> Result<SiteRow, AppError> {
        let now = self.now();
        let mut errors = Errors::new();
        if site.code.trim().is_empty() {
            errors.push(FieldError::new(
                "code",
                "HW-SITE-0001",
                "a site needs a short code",
            ));
        }
        if site.name_en.trim().is_empty() && site.name_ar.trim().is_empty() {
            errors.push(FieldError::new(
                "name_en",
                "HW-SITE-0002",
                "a site needs a name",
            ));
        }
        errors.finish()?;
        let mut tx = self.store().begin().await?;
        if let Some(parent) = site.parent {
            let p = tx.site(parent).await.map_err(|_| {
                AppError::from(Invalid::one(
                    "parent_id",
                    "HW-SITE-0003",
                    "no such parent site",
                ))
            })?;
            if p.kind != SiteKind::Camp.key() {
                return Err(Invalid::one(
                    "parent_id",
                    "HW-SITE-0004",
                    "only a camp can have sections",
                )
                .into());
            }
        }
        let row = tx.insert_site(site, now).await?;
        tx.audit(event(
            actor,
            now,
            "site.create",
            "site",
            row.id,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records a country's stance on repatriation from a date.
    pub async fn set_stance(
        &self,
        actor: &Actor,
        country: &str,
        stance: &str,
        effective_from: &str,
        note: &str,
    ) -> Result<homeward_store::rows::StanceRow, AppError> {
        let now = self.now();
        let mut errors = Errors::new();
        let code = errors.take(CountryCode::parse("country", country));
        let stance = errors.take(Stance::parse("stance", stance));
        let from = errors.take(parse_date("effective_from", effective_from));
        errors.finish()?;
        let (Some(code), Some(stance), Some(from)) = (code, stance, from) else {
            return Err(Invalid::one("stance", "HW-COUNTRY-0000", "incomplete stance").into());
        };
        let mut tx = self.store().begin().await?;
        let row = tx
            .add_stance(code.as_str(), stance, from, note, &actor.name, now)
            .await?;
        tx.audit(event(
            actor,
            now,
            "country.stance",
            "country",
            code,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a nationality claim to a person.
    pub async fn add_claim(
        &self,
        actor: &Actor,
        id: PersonId,
        country: &str,
    ) -> Result<ClaimRow, AppError> {
        let now = self.now();
        let code = CountryCode::parse("country", country)?;
        let mut tx = self.store().begin().await?;
        tx.person(id).await?;
        let row = tx
            .add_claim(id, code.as_str(), ClaimState::Claimed, now)
            .await?;
        tx.audit(event(
            actor,
            now,
            "claim.add",
            "person",
            id,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves a claim through verification (claimed → under verification → confirmed/rejected).
    pub async fn decide_claim(
        &self,
        actor: &Actor,
        claim_id: i64,
        version: i64,
        state: &str,
    ) -> Result<ClaimRow, AppError> {
        let now = self.now();
        let next = ClaimState::parse("state", state)?;
        let mut tx = self.store().begin().await?;
        let before = tx.claim(claim_id).await?;
        let current = ClaimState::parse("state", &before.state)
            .map_err(|e| AppError::Store(homeward_store::StoreError::Corrupt(e.to_string())))?;
        current.transition(next)?;
        let after = tx
            .set_claim_state(claim_id, version, next, &actor.name, now)
            .await?;
        tx.audit(event(
            actor,
            now,
            "claim.decide",
            "person",
            after.person_id,
            Some(to_json(&before)),
            Some(to_json(&after)),
        ))
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Adds a piece of evidence to a claim.
    pub async fn add_evidence(
        &self,
        actor: &Actor,
        claim_id: i64,
        kind: &str,
        reference: &str,
        note: &str,
    ) -> Result<EvidenceRow, AppError> {
        let now = self.now();
        let mut errors = Errors::new();
        let kind = errors.take(EvidenceKind::parse("kind", kind));
        if reference.trim().is_empty() {
            errors.push(FieldError::new(
                "reference",
                "HW-EVIDENCE-0001",
                "give the reference of the evidence (document number, letter, result id)",
            ));
        }
        errors.finish()?;
        let Some(kind) = kind else {
            return Err(Invalid::one("kind", "HW-EVIDENCE-0000", "incomplete evidence").into());
        };
        let mut tx = self.store().begin().await?;
        let claim = tx.claim(claim_id).await?;
        let row = tx
            .add_evidence(claim_id, kind, reference.trim(), note, &actor.name, now)
            .await?;
        tx.audit(event(
            actor,
            now,
            "claim.evidence",
            "person",
            claim.person_id,
            None,
            Some(to_json(&row)),
        ))
        .await?;
        let row = tx.opened_evidence(row)?;
        tx.commit().await?;
        Ok(row)
    }
}

/// Puts every field of a refusal under `parent` (`placement.site`).
pub(crate) fn prefix_error(e: AppError, parent: &str) -> AppError {
    match e {
        AppError::Invalid(Invalid(es)) => {
            AppError::Invalid(Invalid(es.into_iter().map(|e| e.within(parent)).collect()))
        }
        other => other,
    }
}

async fn mother_site(tx: &mut WriteTx, child: PersonId) -> Result<Option<SiteId>, AppError> {
    let links = tx.links_of(child).await?;
    let Some(mother) = links
        .iter()
        .find(|l| l.relation == Relation::Mother.key() && l.to_person == child.0)
        .map(|l| PersonId(l.from_person))
    else {
        return Ok(None);
    };
    Ok(tx.person(mother).await?.current_site_id.map(SiteId))
}

async fn link_end(tx: &mut WriteTx, id: PersonId) -> Result<LinkEnd, AppError> {
    let p = tx.person(id).await.map_err(|e| match e {
        homeward_store::StoreError::NotFound(_) => AppError::from(Invalid::one(
            "person",
            "HW-FAMILY-0007",
            format!("no person {id}"),
        )),
        other => other.into(),
    })?;
    let facts: PersonFacts = p.facts()?;
    Ok(LinkEnd {
        id,
        sex: facts.sex,
        date_of_birth: facts.date_of_birth,
        father_unknown: facts.father_unknown,
    })
}

async fn check_new_link(tx: &mut WriteTx, link: &NewLink) -> Result<(), AppError> {
    let from = link_end(tx, link.from).await?;
    let to = link_end(tx, link.to).await?;
    let parents: Vec<ExistingParent> = tx
        .links_of(link.to)
        .await?
        .iter()
        .filter(|l| l.to_person == link.to.0)
        .filter_map(|l| {
            Some(ExistingParent {
                relation: Relation::parse("r", &l.relation)
                    .ok()
                    .filter(|r| r.is_parent())?,
                confidence: Confidence::parse("c", &l.confidence).ok()?,
                parent: PersonId(l.from_person),
            })
        })
        .collect();
    let ancestors = tx.ancestors_of(link.from).await?;
    check_link(link, &from, &to, &parents, &ancestors)?;
    Ok(())
}

async fn recheck_parent_links(tx: &mut WriteTx, links: &[LinkRow]) -> Result<(), AppError> {
    for l in links
        .iter()
        .filter(|l| l.relation == "mother" || l.relation == "father")
    {
        let (from, to) = (PersonId(l.from_person), PersonId(l.to_person));
        let relation = Relation::parse("relation", &l.relation)?;
        let link = NewLink {
            from,
            to,
            relation,
            basis: Basis::Declared,
            confidence: Confidence::Possible,
            evidence_ref: None,
        };
        let a = link_end(tx, from).await?;
        let b = link_end(tx, to).await?;
        check_link(&link, &a, &b, &[], &[]).map_err(Invalid::from)?;
    }
    Ok(())
}

/// Groups the age band filter into a birth-date range on a day (best-guess birth dates).
pub fn born_between_for_band(band: &str, on: NaiveDate) -> Result<(NaiveDate, NaiveDate), Invalid> {
    let years = |n: u32| {
        on.checked_sub_months(chrono::Months::new(12 * n))
            .unwrap_or(on)
    };
    let day = chrono::Days::new(1);
    match band {
        "0-3" => Ok((years(4) + day, on)),
        "4-14" => Ok((years(15) + day, years(4))),
        "15-17" => Ok((years(18) + day, years(15))),
        "adult" => Ok((
            NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN),
            years(18),
        )),
        other => Err(Invalid::one(
            "age_band",
            "HW-VALUE-0002",
            format!("'{other}' is not an age band: use 0-3, 4-14, 15-17 or adult"),
        )),
    }
}
