//! The repatriation dossier of a person or a family for one country's embassy.
//!
//! The data is gathered the way the principal may see it (a consular officer only sees persons
//! of their country, and never the custody history), laid out by `homeward_pdf::dossier`, and
//! released only when a consent or an approved legal basis is on record: each person included
//! gets a disclosure in the register, written in the same transaction, so a dossier exists
//! exactly when its disclosures do. Family members without a basis are left out and named.

use std::collections::BTreeMap;

use homeward_domain::Invalid;
use homeward_domain::access::{Action, Principal, Role, authorize};
use homeward_domain::country::CountryCode;
use homeward_domain::person::PersonId;
use homeward_pdf::dossier::{
    self as layout, ClaimEntry, CustodyEntry, DocumentEntry, Dossier, EvidenceEntry, Lang,
    NameEntry, PersonEntry, Photo, Relative,
};
use homeward_store::registry::PersonFile;
use homeward_store::rows::PersonRow;

use crate::repatriation::{DisclosureDraft, record_disclosure_in};
use crate::{Actor, App, AppError};

/// What to produce.
#[derive(Debug, Clone)]
pub struct DossierRequest {
    /// The subject.
    pub person: PersonId,
    /// `ar`, `en`, `fr` or `ru`: Arabic alone, or that language beside Arabic.
    pub lang: String,
    /// The receiving country (ISO alpha-2); when empty, the consular officer's own country or
    /// the subject's only claimed nationality.
    pub to_country: Option<String>,
    /// Include the family members the principal may see (mother, father, children, siblings).
    pub family: bool,
}

/// A produced dossier.
#[derive(Debug, Clone)]
pub struct DossierOutput {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// The receiving country.
    pub to_country: String,
    /// Registration numbers of the persons in the dossier (the subject first).
    pub included: Vec<String>,
    /// Registration numbers of family members left out: no consent, no legal basis.
    pub withheld: Vec<String>,
    /// Ids of the disclosures recorded, one per person included.
    pub disclosures: Vec<i64>,
}

fn country_text(code: &str, lang: Lang) -> String {
    match CountryCode::parse("country", code) {
        Ok(c) => {
            let info = c.info();
            let name = if lang == Lang::Ar {
                info.name_ar
            } else {
                info.name_en
            };
            format!("{name} ({code})")
        }
        Err(_) => code.to_owned(),
    }
}

/// A date of birth as known: `1990-04-02`, `1990`, or `~27 (2018-02-01)` for an estimate
/// made on that day.
fn dob_text(p: &PersonRow) -> String {
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

fn date_part(s: &str) -> String {
    s.get(..10).unwrap_or(s).to_owned()
}

fn is_consent_refusal(e: &AppError) -> bool {
    matches!(e, AppError::Invalid(Invalid(errors)) if errors.iter().any(|f| f.field == "consent"))
}

impl App {
    /// Produces the dossier and records its disclosures; see the module documentation.
    pub async fn dossier(
        &self,
        p: &Principal,
        actor: &Actor,
        req: &DossierRequest,
    ) -> Result<DossierOutput, AppError> {
        authorize(p, Action::ReadPersons)?;
        authorize(p, Action::ExportEmbassyList)?;
        let Some(lang) = Lang::parse(&req.lang) else {
            return Err(Invalid::one("lang", "HW-DOSSIER-0001", "lang is ar, en, fr or ru").into());
        };
        if !self.can_see(p, req.person).await? {
            return Err(AppError::NotFound("person".into()));
        }
        let subject = self.store().person_file(req.person).await?;
        let to_country = self.dossier_country(p, req, &subject)?;

        // Who goes in: the subject, then the family members the principal may see.
        let mut files = vec![("self".to_owned(), subject)];
        if req.family {
            let family = self.family_of_file(p, &files[0].1).await?;
            for m in family.members {
                let file = self
                    .store()
                    .person_file(PersonId(m.summary.person.id))
                    .await?;
                files.push((m.relation, file));
            }
        }
        let sites: BTreeMap<i64, (String, String)> = self
            .store()
            .sites()
            .await?
            .into_iter()
            .map(|s| (s.id, (s.name_ar, s.name_en)))
            .collect();
        let sees_custody = p.role != Role::ConsularOfficer;
        let sees_photos = authorize(p, Action::ViewFiles).is_ok();
        let mut entries = Vec::with_capacity(files.len());
        for (relation, file) in &files {
            let photos = if sees_photos {
                self.dossier_photos(file.person.id).await?
            } else {
                Vec::new()
            };
            let mut entry = self.person_entry(
                p,
                relation,
                file,
                &files,
                photos,
                &sites,
                lang,
                sees_custody,
            );
            // care: fitness to travel and essential medical needs, nothing more of health.
            if authorize(p, Action::ReadFitnessToTravel).is_ok() {
                entry.fitness = self.dossier_fitness(&file.person).await?;
            }
            entries.push(entry);
        }

        // Disclosures first, in one transaction: who may be released decides who is printed.
        let now = self.now();
        let what = format!(
            "repatriation dossier (pdf, {}){}",
            lang.code(),
            if req.family { ", family" } else { "" }
        );
        let case_id = self.open_case_of(req.person.0, &to_country).await?;
        let mut tx = self.store().begin().await?;
        let mut included = Vec::new();
        let mut withheld = Vec::new();
        let mut disclosures = Vec::new();
        for (k, (_, file)) in files.iter().enumerate() {
            let draft = DisclosureDraft {
                person: PersonId(file.person.id),
                to_country: to_country.clone(),
                what: what.clone(),
                case_id: if k == 0 { case_id } else { None },
                channel: "dossier".to_owned(),
            };
            match record_disclosure_in(&mut tx, actor, now, &draft).await {
                Ok(row) => {
                    disclosures.push(row.id);
                    included.push(k);
                }
                Err(e) if k > 0 && is_consent_refusal(&e) => {
                    withheld.push(file.person.registration_number.clone());
                }
                Err(e) => return Err(e),
            }
        }
        let persons: Vec<PersonEntry> = included.iter().map(|&k| entries[k].clone()).collect();
        let dossier = Dossier {
            for_country: Some(country_text(&to_country, lang)),
            prepared_on: now.date().to_string(),
            reference: files[0].1.person.registration_number.clone(),
            synthetic: included.iter().any(|&k| files[k].1.person.synthetic),
            persons,
        };
        let doc = layout::build(&dossier, lang);
        let pdf = tokio::task::spawn_blocking(move || homeward_pdf::render(&doc))
            .await
            .map_err(|e| AppError::Internal(format!("dossier rendering stopped: {e}")))?
            .map_err(|e| AppError::Internal(format!("dossier rendering failed: {e}")))?;
        crate::reports::record_export_in(
            &mut tx,
            p,
            &homeward_store::reports::NewExport {
                username: &p.username,
                role: p.role.key(),
                what: if req.family {
                    "dossier-family"
                } else {
                    "dossier"
                },
                format: "pdf",
                row_count: i64::try_from(included.len()).unwrap_or(i64::MAX),
                fields: &format!("repatriation dossier ({})", lang.code()),
                scope: &to_country,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        for &k in &included {
            self.store()
                .log_access(
                    now,
                    &p.username,
                    "dossier",
                    "person",
                    &files[k].1.person.id.to_string(),
                    &format!("dossier for {to_country}"),
                )
                .await?;
        }
        Ok(DossierOutput {
            pdf,
            to_country,
            included: included
                .iter()
                .map(|&k| files[k].1.person.registration_number.clone())
                .collect(),
            withheld,
            disclosures,
        })
    }

    /// The latest fitness-to-travel assessment with the essential medical needs in its note.
    async fn dossier_fitness(
        &self,
        person: &homeward_store::rows::PersonRow,
    ) -> Result<Option<homeward_pdf::dossier::Fitness>, AppError> {
        let t = self.travel_health_of(person).await?;
        Ok(t.fitness.map(|f| {
            let mut note = f.fitness_note;
            if !t.essential_needs.is_empty() {
                if !note.is_empty() {
                    note.push_str("; ");
                }
                note.push_str(&t.essential_needs.join("; "));
            }
            homeward_pdf::dossier::Fitness {
                fit: f.fit,
                assessed_on: f.assessed_on,
                note,
            }
        }))
    }

    /// The receiving country: asked for, or the officer's own, or the only one claimed.
    fn dossier_country(
        &self,
        p: &Principal,
        req: &DossierRequest,
        subject: &PersonFile,
    ) -> Result<String, AppError> {
        let asked = req
            .to_country
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let code = match (asked, &p.country) {
            (Some(c), _) => CountryCode::parse("to_country", c)?.as_str().to_owned(),
            (None, Some(own)) => own.as_str().to_owned(),
            (None, None) => {
                let mut claimed: Vec<&str> = subject
                    .claims
                    .iter()
                    .map(|c| c.country_code.as_str())
                    .collect();
                claimed.sort_unstable();
                claimed.dedup();
                match claimed.as_slice() {
                    [one] => (*one).to_owned(),
                    [] => {
                        return Err(Invalid::one(
                            "to_country",
                            "HW-DOSSIER-0002",
                            "the person claims no nationality: name the receiving country",
                        )
                        .into());
                    }
                    many => {
                        return Err(Invalid::one(
                            "to_country",
                            "HW-DOSSIER-0003",
                            format!(
                                "the person claims {}: name the receiving country",
                                many.join(", ")
                            ),
                        )
                        .into());
                    }
                }
            }
        };
        // A consular officer only ever produces dossiers for their own embassy.
        if let Some(own) = &p.country
            && own.as_str() != code
        {
            return Err(AppError::NotFound("person".into()));
        }
        Ok(code)
    }

    /// The person's photos (JPEG or PNG) that can be printed.
    async fn dossier_photos(&self, person: i64) -> Result<Vec<Photo>, AppError> {
        let mut out = Vec::new();
        for f in self.store().files_of(person).await? {
            if f.kind != "photo" || !matches!(f.media_type.as_str(), "image/jpeg" | "image/png") {
                continue;
            }
            let (_, bytes) = self.store().file(f.id).await?;
            if homeward_pdf::image_readable(&bytes) {
                out.push(Photo {
                    bytes,
                    label: format!("{} {}", f.label, date_part(&f.uploaded_at))
                        .trim()
                        .to_owned(),
                });
            }
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn person_entry(
        &self,
        p: &Principal,
        relation: &str,
        file: &PersonFile,
        all: &[(String, PersonFile)],
        photos: Vec<Photo>,
        sites: &BTreeMap<i64, (String, String)>,
        lang: Lang,
        sees_custody: bool,
    ) -> PersonEntry {
        let person = &file.person;
        let id = person.id;
        let name_of = |f: &PersonFile| f.names.first().map(|n| n.text.clone()).unwrap_or_default();
        // Relatives among the persons in this dossier, as the principal may see them.
        let mut relatives = Vec::new();
        for l in &file.links {
            let (rel, other) = if l.to_person == id {
                (l.relation.clone(), l.from_person)
            } else if l.relation == "mother" || l.relation == "father" {
                ("child".to_owned(), l.to_person)
            } else {
                (l.relation.clone(), l.to_person)
            };
            if let Some((_, f)) = all.iter().find(|(_, f)| f.person.id == other) {
                relatives.push(Relative {
                    relation: rel,
                    registration_number: f.person.registration_number.clone(),
                    name: name_of(f),
                });
            }
        }
        let claims = file
            .claims
            .iter()
            .filter(|c| {
                p.country
                    .as_ref()
                    .is_none_or(|own| own.as_str() == c.country_code)
            })
            .map(|c| ClaimEntry {
                country: country_text(&c.country_code, lang),
                state: c.state.clone(),
                decided: c.decided_by.as_ref().map(|by| {
                    format!(
                        "{by}, {}",
                        date_part(c.decided_at.as_deref().unwrap_or_default())
                    )
                }),
                evidence: file
                    .evidence
                    .iter()
                    .filter(|e| e.claim_id == c.id)
                    .map(|e| EvidenceEntry {
                        kind: e.kind.clone(),
                        reference: e.reference.clone(),
                        note: e.note.clone(),
                        recorded_on: date_part(&e.recorded_at),
                    })
                    .collect(),
            })
            .collect();
        let custody = sees_custody.then(|| {
            file.episodes
                .iter()
                .map(|e| {
                    let site = sites.get(&e.site_id).map_or_else(
                        || e.site_id.to_string(),
                        |(ar, en)| {
                            if lang == Lang::Ar {
                                ar.clone()
                            } else {
                                en.clone()
                            }
                        },
                    );
                    CustodyEntry {
                        site,
                        from: date_part(&e.start_at),
                        to: e.end_at.as_deref().map(date_part),
                        reason: e.reason.clone(),
                    }
                })
                .collect()
        });
        PersonEntry {
            registration_number: person.registration_number.clone(),
            relation: relation.to_owned(),
            name: name_of(file),
            sex: person.sex.clone(),
            date_of_birth: dob_text(person),
            place_of_birth: person
                .place_of_birth
                .clone()
                .filter(|s| !s.trim().is_empty()),
            status: person.status.clone(),
            names: file
                .names
                .iter()
                .map(|n| NameEntry {
                    text: n.text.clone(),
                    script: n.script.clone(),
                    kind: n.kind.clone(),
                    source: n.source.clone(),
                })
                .collect(),
            documents: file
                .documents
                .iter()
                .map(|d| DocumentEntry {
                    doc_type: d.doc_type.clone(),
                    number: d.number.clone(),
                    issuing_country: country_text(&d.issuing_country, lang),
                    expiry: d.expiry.clone(),
                    sighted: d.sighted,
                })
                .collect(),
            photos,
            claims,
            relatives,
            father_unknown: person.father_unknown,
            father_name: person.father_name.clone().filter(|s| !s.trim().is_empty()),
            custody,
            // Filled from the care module's record by the caller; none yet says so.
            fitness: None,
        }
    }
}
