//! Loads the synthetic demo population into an empty registry.
//!
//! The people come from `homeward-demo` (pure and seeded); this module turns them into domain
//! records, checks each placement with the same custody rules as a real move, and writes
//! everything in one transaction with an audit event per person, so a failed load leaves
//! nothing behind. Every record is marked synthetic.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use homeward_demo as demo;
use homeward_domain::country::{CountryCode, Stance};
use homeward_domain::custody::{MoveRequest, Mover, check_move};
use homeward_domain::date::DateOfBirth;
use homeward_domain::error::Invalid;
use homeward_domain::family::{Basis, Confidence, NewLink, Relation};
use homeward_domain::nationality::ClaimState;
use homeward_domain::person::{
    DocType, Document, NameKind, NameVariant, PersonFacts, PersonId, Sex, Status, Vulnerability,
    registration_number,
};
use homeward_domain::site::{SeparationGroup, SiteId, SiteKind};
use homeward_store::audit::NewEvent;
use homeward_store::bulk::BulkPerson;
use homeward_store::registry::{NewEpisode, NewSite};
use serde::Serialize;

use crate::{Actor, App, AppError};

/// What a demo load created.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    /// The seed used.
    pub seed: u64,
    /// The day ages were computed for.
    pub as_of: String,
    /// Sites created.
    pub sites: usize,
    /// Persons created.
    pub persons: usize,
}

/// A stance per demo country: plausible, synthetic, for demonstration only.
const STANCES: &[(&str, Stance)] = &[
    ("TR", Stance::CaseByCase),
    ("RU", Stance::ChildrenOnly),
    ("TJ", Stance::ChildrenOnly),
    ("AZ", Stance::CaseByCase),
    ("UZ", Stance::AcceptsAll),
    ("KZ", Stance::AcceptsAll),
    ("KG", Stance::AcceptsAll),
    ("GE", Stance::CaseByCase),
    ("UA", Stance::Unknown),
    ("FR", Stance::ChildrenOnly),
    ("DE", Stance::CaseByCase),
    ("BE", Stance::ChildrenOnly),
    ("NL", Stance::None),
    ("SE", Stance::CaseByCase),
    ("GB", Stance::None),
    ("TN", Stance::CaseByCase),
    ("MA", Stance::CaseByCase),
    ("EG", Stance::None),
    ("SY", Stance::Unknown),
    ("LB", Stance::Unknown),
    ("JO", Stance::None),
];

fn site_kind(k: demo::SiteKind) -> SiteKind {
    match k {
        demo::SiteKind::Camp => SiteKind::Camp,
        demo::SiteKind::CampSection => SiteKind::CampSection,
        demo::SiteKind::DetentionCentre => SiteKind::DetentionCentre,
        demo::SiteKind::Orphanage => SiteKind::Orphanage,
        demo::SiteKind::JuvenileFacility => SiteKind::JuvenileFacility,
        demo::SiteKind::Hospital => SiteKind::Hospital,
    }
}

fn group(g: demo::SeparationGroup) -> SeparationGroup {
    match g {
        demo::SeparationGroup::ForeignFamilies => SeparationGroup::ForeignFamilies,
        demo::SeparationGroup::DisplacedIraqiFamilies => SeparationGroup::DisplacedIraqiFamilies,
    }
}

fn name_kind(k: demo::NameKind) -> NameKind {
    match k {
        demo::NameKind::AsRegistered => NameKind::AsRegistered,
        demo::NameKind::Passport => NameKind::Passport,
        demo::NameKind::SelfDeclared => NameKind::SelfDeclared,
        demo::NameKind::Kunya => NameKind::Kunya,
        demo::NameKind::MaidenName => NameKind::MaidenName,
        demo::NameKind::Alias => NameKind::Alias,
    }
}

fn doc_type(k: demo::DocType) -> DocType {
    match k {
        demo::DocType::Passport => DocType::Passport,
        demo::DocType::NationalId => DocType::NationalId,
        demo::DocType::BirthCertificate => DocType::BirthCertificate,
        demo::DocType::Other => DocType::Other,
    }
}

fn birth(b: &demo::Birth) -> DateOfBirth {
    match b {
        demo::Birth::Exact(d) => DateOfBirth::Exact(*d),
        demo::Birth::Year(y) => DateOfBirth::Year(*y),
        demo::Birth::Estimated {
            age_years,
            basis,
            made_on,
        } => DateOfBirth::Estimated {
            age_years: *age_years,
            basis: (*basis).to_owned(),
            made_on: *made_on,
        },
    }
}

/// A claim's verification state, spread deterministically so the demo shows every stage.
fn claim_state(index: usize) -> ClaimState {
    match index % 10 {
        0..=4 => ClaimState::Claimed,
        5..=7 => ClaimState::UnderVerification,
        8 => ClaimState::Confirmed,
        _ => ClaimState::Rejected,
    }
}

/// Who authorised the demo placements, and why.
const AUTHORISED_BY: &str = "camp administration (demo)";
const REASON: &str = "placement under the age protocol";
/// Persons written per batch of multi-row statements.
const WRITE_BATCH: usize = 2_000;

/// One demo person, checked and ready to write.
struct Prepared<'a> {
    id: PersonId,
    facts: PersonFacts,
    names: Vec<NameVariant>,
    documents: Vec<Document>,
    claim: Option<(CountryCode, ClaimState)>,
    link: Option<NewLink>,
    site: SiteId,
    site_code: &'a str,
    at: chrono::NaiveDateTime,
}

fn bad(msg: String) -> AppError {
    AppError::Invalid(Invalid::one("demo", "HW-DEMO-0001", msg))
}

impl App {
    /// Whether the registry holds no person yet.
    pub async fn is_empty(&self) -> Result<bool, AppError> {
        Ok(self.store().count_persons().await? == 0)
    }

    /// Generates the demo population for `seed` with ages as of `as_of` and writes it, all or
    /// nothing. Refuses a registry that already holds persons.
    pub async fn load_demo(
        &self,
        actor: &Actor,
        seed: u64,
        persons: usize,
        as_of: NaiveDate,
    ) -> Result<DemoSummary, AppError> {
        if !self.is_empty().await? {
            return Err(bad(
                "the registry already holds persons: the demo loads only into an empty database"
                    .into(),
            ));
        }
        let population = demo::generate(&demo::DemoConfig {
            seed,
            persons,
            as_of,
        });
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut sites: BTreeMap<&str, (SiteId, homeward_domain::site::Site)> = BTreeMap::new();
        for s in &population.sites {
            let parent = s.parent.and_then(|p| sites.get(p)).map(|(id, _)| *id);
            let row = tx
                .insert_site(
                    &NewSite {
                        code: s.code.to_owned(),
                        name_en: s.name_en.to_owned(),
                        name_ar: s.name_ar.to_owned(),
                        kind: site_kind(s.kind),
                        parent,
                        capacity: s.capacity,
                        separation_group: Some(group(s.separation_group)),
                        synthetic: true,
                    },
                    now,
                )
                .await?;
            let site = row.site()?;
            sites.insert(s.code, (site.id, site));
        }
        for (code, stance) in STANCES {
            tx.add_stance(
                code,
                *stance,
                as_of,
                "synthetic demo stance",
                &actor.name,
                now,
            )
            .await?;
        }
        // Every person is checked first (facts, names, documents, placement under the custody
        // rules), then written in batches of multi-row statements under reserved ids.
        let ids = tx.reserve_person_ids(population.persons.len()).await?;
        let mut prepared: Vec<Prepared> = Vec::with_capacity(population.persons.len());
        let mut site_of: Vec<SiteId> = Vec::with_capacity(population.persons.len());
        let mut occupancy: BTreeMap<SiteId, u32> = BTreeMap::new();
        for (p, &id) in population.persons.iter().zip(&ids) {
            let facts = PersonFacts {
                sex: match p.sex {
                    demo::Sex::Female => Sex::Female,
                    demo::Sex::Male => Sex::Male,
                },
                date_of_birth: birth(&p.birth),
                place_of_birth: p.place_of_birth.map(str::to_owned),
                status: Status::Placed,
                vulnerability: Vulnerability {
                    pregnant_expected_delivery: p.pregnant_expected_delivery,
                    disability: p.disability,
                    serious_medical_condition: p.serious_medical_condition,
                    unaccompanied: p.unaccompanied,
                    separated: false,
                },
                father_unknown: p.father_unknown,
                father_name: p.father_name.clone(),
                separation_group: SeparationGroup::ForeignFamilies,
            }
            .check(as_of)?;
            let mut names = Vec::with_capacity(p.names.len());
            for n in &p.names {
                names.push(
                    NameVariant::new(&n.text, name_kind(n.kind), n.recorded_by, n.source)
                        .map_err(Invalid::from)?,
                );
            }
            let mut documents = Vec::with_capacity(p.documents.len());
            for d in &p.documents {
                documents.push(Document {
                    doc_type: doc_type(d.doc_type),
                    number: d.number.clone(),
                    issuing_country: CountryCode::parse("issuing_country", d.issuing_country)?,
                    expiry: d.expiry,
                    sighted: d.sighted,
                });
            }
            let claim = p
                .nationality
                .map(|code| CountryCode::parse("nationality", code))
                .transpose()?
                .map(|c| (c, claim_state(p.index)));
            let mother = p.mother.filter(|m| *m < prepared.len()).map(|m| ids[m]);
            let link = mother.map(|m| NewLink {
                from: m,
                to: id,
                relation: Relation::Mother,
                basis: if p.documents.is_empty() {
                    Basis::Observed
                } else {
                    Basis::Document
                },
                confidence: if p.documents.is_empty() {
                    Confidence::Probable
                } else {
                    Confidence::Confirmed
                },
                evidence_ref: None,
            });
            let Some((site_id, site)) = sites.get(p.site) else {
                return Err(bad(format!(
                    "person {} is placed at unknown site {}",
                    p.index, p.site
                )));
            };
            let at = p
                .admitted_on
                .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
            let count = occupancy.entry(*site_id).or_default();
            *count += 1;
            let mover = Mover {
                id,
                sex: facts.sex,
                age: facts.date_of_birth.age_on(as_of),
                separation_group: facts.separation_group,
                mother_site_after: p.mother.and_then(|m| site_of.get(m).copied()),
            };
            let request = MoveRequest {
                to: *site_id,
                at,
                authorised_by: AUTHORISED_BY.into(),
                reason: REASON.into(),
                best_interests_ref: None,
                confirm_over_capacity: true,
            };
            check_move(&mover, &request, site, *count).map_err(|e| {
                bad(format!(
                    "demo person {} breaks a custody rule: {e}",
                    p.index
                ))
            })?;
            site_of.push(*site_id);
            prepared.push(Prepared {
                id,
                facts,
                names,
                documents,
                claim,
                link,
                site: *site_id,
                site_code: p.site,
                at,
            });
        }
        for batch in prepared.chunks(WRITE_BATCH) {
            let people: Vec<BulkPerson<'_>> = batch
                .iter()
                .map(|p| BulkPerson {
                    id: p.id,
                    facts: &p.facts,
                    synthetic: true,
                    current_site: Some(p.site),
                })
                .collect();
            tx.insert_persons(&people, now).await?;
            let names: Vec<_> = batch
                .iter()
                .flat_map(|p| p.names.iter().map(move |n| (p.id, n)))
                .collect();
            tx.add_names(&names, now).await?;
            let docs: Vec<_> = batch
                .iter()
                .flat_map(|p| p.documents.iter().map(move |d| (p.id, d)))
                .collect();
            tx.add_documents(&docs, now).await?;
            let claims: Vec<_> = batch
                .iter()
                .filter_map(|p| p.claim.as_ref().map(|(c, st)| (p.id, c.as_str(), *st)))
                .collect();
            tx.add_claims(&claims, now).await?;
            let links: Vec<NewLink> = batch.iter().filter_map(|p| p.link.clone()).collect();
            tx.add_links(&links, &actor.name, now).await?;
            let episodes: Vec<NewEpisode<'_>> = batch
                .iter()
                .map(|p| NewEpisode {
                    person: p.id,
                    site: p.site,
                    at: p.at,
                    authorised_by: AUTHORISED_BY,
                    reason: REASON,
                    best_interests_ref: None,
                    recorded_by: &actor.name,
                })
                .collect();
            tx.open_first_episodes(&episodes).await?;
            let events: Vec<NewEvent<'_>> = batch
                .iter()
                .map(|p| NewEvent {
                    actor: &actor.name,
                    at: now,
                    action: "person.register",
                    entity_type: "person",
                    entity_id: p.id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({
                        "registration_number": registration_number(p.id),
                        "synthetic": true,
                        "site": p.site_code,
                    })),
                })
                .collect();
            tx.audit_many(events).await?;
        }
        // repatriation: the demo countries' requirements and agreement history.
        crate::repatriation::seed_demo_countries(&mut tx, actor, as_of, now).await?;
        let summary = DemoSummary {
            seed,
            as_of: as_of.format("%Y-%m-%d").to_string(),
            sites: sites.len(),
            persons: prepared.len(),
        };
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "demo.load",
            entity_type: "registry",
            entity_id: "demo".into(),
            before: None,
            after: Some(serde_json::to_value(&summary).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(summary)
    }
}
