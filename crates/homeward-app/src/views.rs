//! What a signed-in person may read: scoped person lists and files, search across scripts,
//! possible duplicates at registration, and the family view.
//!
//! Every read of individual persons goes through here, so the scope of the principal (a
//! consular officer sees only claimants of their country) is applied in one place, and every
//! view of a person file is written to the access log.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::Datelike;
use homeward_domain::access::{Action, Principal, Scope, authorize, person_scope};
use homeward_domain::date::DateOfBirth;
use homeward_domain::person::PersonId;
use homeward_linkage::{BirthDate, Index, LinkageConfig, Model, PersonName, Record};
use homeward_store::registry::{Page, PersonFile, PersonFilter};
use homeward_store::rows::PersonRow;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::registry::RegisterPerson;
use crate::{App, AppError};

/// One line of a person list: enough to recognise someone without opening the file.
#[derive(Debug, Clone, Serialize)]
pub struct PersonSummary {
    /// The stored person.
    pub person: PersonRow,
    /// Every name variant, as written.
    pub names: Vec<String>,
    /// Claimed nationalities (ISO alpha-2).
    pub nationalities: Vec<String>,
    /// Current site code.
    pub site: Option<String>,
    /// Age in whole years today.
    pub age: u32,
}

/// A search or duplicate candidate with why it looks alike.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The person.
    pub summary: PersonSummary,
    /// How likely it is the same person (1.0 for an exact number match).
    pub probability: f64,
    /// Readable reasons, field by field.
    pub reasons: Vec<String>,
}

/// A member of a family view.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// Relation to the person viewed: mother, father, child, sibling, spouse.
    pub relation: String,
    /// The member.
    pub summary: PersonSummary,
}

/// A person and their recorded family.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyView {
    /// The person viewed.
    pub person: PersonSummary,
    /// Linked relatives the viewer may see.
    pub members: Vec<Member>,
    /// The father is recorded as unknown (not merely unrecorded).
    pub father_unknown: bool,
    /// The declared father's name, when he is not in the registry.
    pub father_name: Option<String>,
}

/// The search index over the registry and the search epoch it was built at.
pub(crate) struct SearchCache {
    built_at: i64,
    ids: Vec<i64>,
    index: Index,
}

/// The search index in use and the rebuild under way, if any.
#[derive(Default)]
pub(crate) struct SearchState {
    current: Option<Arc<SearchCache>>,
    building: Option<tokio::sync::watch::Receiver<bool>>,
    failed: Option<String>,
}

/// Shared, lazily rebuilt search index.
pub(crate) type SearchSlot = Arc<Mutex<SearchState>>;

pub(crate) fn birth(d: &DateOfBirth) -> BirthDate {
    match d {
        DateOfBirth::Exact(d) => BirthDate::Day {
            year: d.year(),
            month: u8::try_from(d.month()).unwrap_or(1),
            day: u8::try_from(d.day()).unwrap_or(1),
        },
        DateOfBirth::Year(y) => BirthDate::Year { year: *y },
        DateOfBirth::Estimated { .. } => BirthDate::Estimated {
            year: d.approximate().year(),
            tolerance: 2,
        },
    }
}

pub(crate) fn sex(s: &str) -> Option<homeward_linkage::Sex> {
    homeward_linkage::Sex::parse(s)
}

fn scope_filter(p: &Principal, f: &mut PersonFilter) -> Result<(), AppError> {
    match person_scope(p) {
        Scope::All => Ok(()),
        Scope::Country(c) => {
            f.scope_country = Some(c.to_string());
            Ok(())
        }
        Scope::None => Err(AppError::Forbidden),
    }
}

impl App {
    pub(crate) async fn summaries(
        &self,
        rows: Vec<PersonRow>,
    ) -> Result<Vec<PersonSummary>, AppError> {
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let mut site_ids: Vec<i64> = rows.iter().filter_map(|p| p.current_site_id).collect();
        site_ids.sort_unstable();
        site_ids.dedup();
        let texts = self.store().summary_texts_of(&ids, &site_ids).await?;
        let sites: BTreeMap<i64, String> = texts.site_codes.into_iter().collect();
        let mut names: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (id, text) in texts.names {
            names.entry(id).or_default().push(text);
        }
        let mut claims: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (id, country) in texts.countries {
            claims.entry(id).or_default().push(country);
        }
        let today = self.today();
        rows.into_iter()
            .map(|p| {
                Ok(PersonSummary {
                    names: names.remove(&p.id).unwrap_or_default(),
                    nationalities: claims.remove(&p.id).unwrap_or_default(),
                    site: p.current_site_id.and_then(|s| sites.get(&s).cloned()),
                    age: p.age_on(today)?,
                    person: p,
                })
            })
            .collect()
    }

    /// Whether `p` may see the person `id` at all.
    pub async fn can_see(&self, p: &Principal, id: PersonId) -> Result<bool, AppError> {
        Ok(match person_scope(p) {
            // A person that does not exist is seen by no one, so every caller answers "not
            // found" for it exactly as for a hidden one.
            Scope::All => match self.store().person(id).await {
                Ok(_) => true,
                Err(homeward_store::StoreError::NotFound(_)) => false,
                Err(e) => return Err(e.into()),
            },
            Scope::Country(c) => self.claimants_of(c, &[id.0]).await?.contains(&id.0),
            Scope::None => false,
        })
    }

    /// The rows of persons the principal may see, in their order: the batched form of
    /// [`App::can_see`] for rows already read.
    async fn visible(
        &self,
        p: &Principal,
        mut rows: Vec<PersonRow>,
    ) -> Result<Vec<PersonRow>, AppError> {
        match person_scope(p) {
            Scope::All => {}
            Scope::None => rows.clear(),
            Scope::Country(c) => {
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                let seen = self.claimants_of(c, &ids).await?;
                rows.retain(|r| seen.contains(&r.id));
            }
        }
        Ok(rows)
    }

    /// Which of `ids` claim the nationality of `country`: the persons a consular officer of
    /// that country may see.
    async fn claimants_of(
        &self,
        country: homeward_domain::country::CountryCode,
        ids: &[i64],
    ) -> Result<BTreeSet<i64>, AppError> {
        Ok(self
            .store()
            .claims_of(ids)
            .await?
            .into_iter()
            .filter(|k| k.country_code == country.as_str())
            .map(|k| k.person_id)
            .collect())
    }

    /// A page of persons the principal may see.
    pub async fn list_persons_for(
        &self,
        p: &Principal,
        mut filter: PersonFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<PersonSummary>, AppError> {
        authorize(p, Action::ReadPersons)?;
        scope_filter(p, &mut filter)?;
        let page = self.store().list_persons(&filter, limit, offset).await?;
        // repatriation: a consular officer's read is a disclosure to their embassy.
        let listed: Vec<i64> = page.items.iter().map(|p| p.id).collect();
        self.log_consular_reads(p, &listed, "person list entry", "person list")
            .await?;
        Ok(Page {
            total: page.total,
            items: self.summaries(page.items).await?,
        })
    }

    /// A person file, if the principal may see it; the view is written to the access log.
    /// A person outside the scope is "not found", exactly like one that does not exist.
    pub async fn person_file_for(
        &self,
        p: &Principal,
        id: PersonId,
        channel: &str,
    ) -> Result<PersonFile, AppError> {
        authorize(p, Action::ReadPersons)?;
        let file = match person_scope(p) {
            // Everyone is in scope: reading the file is the existence check (one read of the
            // person instead of two).
            Scope::All => match self.store().person_file(id).await {
                Err(homeward_store::StoreError::NotFound(_)) => {
                    return Err(AppError::NotFound("person".into()));
                }
                r => r?,
            },
            _ => {
                if !self.can_see(p, id).await? {
                    return Err(AppError::NotFound("person".into()));
                }
                self.store().person_file(id).await?
            }
        };
        self.store()
            .log_access(
                self.now(),
                &p.username,
                "view",
                "person",
                &id.to_string(),
                channel,
            )
            .await?;
        // repatriation: a consular officer's read is a disclosure to their embassy.
        self.log_consular_reads(p, &[id.0], "person file", channel)
            .await?;
        Ok(file)
    }

    /// The family of a person as the principal may see it, each member with their site.
    pub async fn family_for(&self, p: &Principal, id: PersonId) -> Result<FamilyView, AppError> {
        let file = self.person_file_for(p, id, "family view").await?;
        self.family_of_file(p, &file).await
    }

    /// The family around a person file the principal has already been given (and whose view
    /// is already logged), so one page showing both writes one access-log entry.
    pub async fn family_of_file(
        &self,
        p: &Principal,
        file: &PersonFile,
    ) -> Result<FamilyView, AppError> {
        let id = PersonId(file.person.id);
        let mut rels: Vec<(String, i64)> = Vec::new();
        for l in &file.links {
            let (rel, other) = if l.to_person == id.0 {
                (l.relation.clone(), l.from_person)
            } else if l.relation == "mother" || l.relation == "father" {
                ("child".to_owned(), l.to_person)
            } else {
                (l.relation.clone(), l.to_person)
            };
            rels.push((rel, other));
        }
        // Siblings through a shared mother or father.
        for (rel, parent) in rels.clone() {
            if rel == "mother" || rel == "father" {
                let parent_file = match self.store().person_file(PersonId(parent)).await {
                    Err(homeward_store::StoreError::NotFound(_)) => continue,
                    r => r?,
                };
                for l in parent_file.links {
                    let known = rels.iter().any(|(_, o)| *o == l.to_person);
                    if l.from_person == parent && l.to_person != id.0 && !known {
                        rels.push(("sibling".to_owned(), l.to_person));
                    }
                }
            }
        }
        let mut members = Vec::new();
        for (relation, other) in rels {
            if !self.can_see(p, PersonId(other)).await? {
                continue;
            }
            // A relative merged into another record is not shown here.
            let row = match self.store().person(PersonId(other)).await {
                Err(homeward_store::StoreError::NotFound(_)) => continue,
                r => r?,
            };
            let summary = self.summaries(vec![row]).await?.remove(0);
            members.push(Member { relation, summary });
        }
        let person = self.summaries(vec![file.person.clone()]).await?.remove(0);
        Ok(FamilyView {
            father_unknown: file.person.father_unknown,
            father_name: file.person.father_name.clone(),
            person,
            members,
        })
    }

    pub(crate) async fn all_records(&self) -> Result<(Vec<i64>, Vec<Record>), AppError> {
        let store = self.store();
        let rows = store.persons_matching(&PersonFilter::default()).await?;
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let mut names: BTreeMap<i64, Vec<PersonName>> = BTreeMap::new();
        for n in store.names_of(&ids).await? {
            names
                .entry(n.person_id)
                .or_default()
                .push(PersonName::full(n.text));
        }
        // The names of a record merged into a person find that person too.
        for m in store.active_merges().await? {
            for n in store.names_of(&[m.merged_id]).await? {
                names
                    .entry(m.survivor_id)
                    .or_default()
                    .push(PersonName::full(n.text));
            }
        }
        let mut claims: BTreeMap<i64, String> = BTreeMap::new();
        for c in store.claims_of(&ids).await? {
            claims.entry(c.person_id).or_insert(c.country_code);
        }
        let mut docs: BTreeMap<i64, String> = BTreeMap::new();
        for d in store.documents_of(&ids).await? {
            docs.entry(d.person_id).or_insert(d.number);
        }
        let mut records = Vec::with_capacity(rows.len());
        for p in &rows {
            records.push(Record {
                id: p.id.to_string(),
                names: names.remove(&p.id).unwrap_or_default(),
                sex: sex(&p.sex),
                date_of_birth: Some(birth(&p.date_of_birth()?)),
                nationality: claims.remove(&p.id),
                place_of_birth: p.place_of_birth.clone(),
                father_name: p.father_name.clone(),
                document_number: docs.remove(&p.id),
                ..Record::default()
            });
        }
        Ok((ids, records))
    }

    /// Builds the search index of the whole registry as it is now.
    async fn build_index(&self) -> Result<SearchCache, AppError> {
        let head = self.store().search_epoch().await?;
        let (ids, records) = self.all_records().await?;
        let config = LinkageConfig::standard();
        let index = tokio::task::spawn_blocking(move || {
            let model = Model::train(&config, &records, None);
            Index::build(&config, &records, model)
        })
        .await
        .map_err(|e| AppError::Internal(format!("search index: {e}")))?;
        Ok(SearchCache {
            built_at: head,
            ids,
            index,
        })
    }

    /// Runs `f` with an index of the whole registry, rebuilt when anything changed since.
    ///
    /// One rebuild runs at a time, in the background. The request that finds the index out of
    /// date starts it and waits for it (a few milliseconds on a small registry, so a person
    /// just registered is found at once); requests arriving while it runs are answered from
    /// the previous index rather than queueing behind a rebuild that takes minutes at a
    /// million persons. What they find is read again from the database before it is shown.
    pub(crate) async fn with_index<T>(
        &self,
        f: impl FnOnce(&[i64], &Index) -> T,
    ) -> Result<T, AppError> {
        let current = self.current_index().await?;
        Ok(f(&current.ids, &current.index))
    }

    /// The index to answer from now (see [`App::with_index`]).
    async fn current_index(&self) -> Result<Arc<SearchCache>, AppError> {
        // Stale only when something the index holds changed, not on every audit event.
        let head = self.store().search_epoch().await?;
        let (current, wait) = {
            let mut slot = self.search.lock().await;
            let stale = slot.current.as_ref().is_none_or(|c| c.built_at != head);
            let mut wait = None;
            if stale && slot.building.is_none() {
                let (done, rx) = tokio::sync::watch::channel(false);
                slot.building = Some(rx.clone());
                wait = Some(rx);
                let app = self.clone();
                tokio::spawn(async move {
                    let built = app.build_index().await;
                    let mut slot = app.search.lock().await;
                    match built {
                        Ok(cache) => {
                            slot.current = Some(Arc::new(cache));
                            slot.failed = None;
                        }
                        Err(e) => slot.failed = Some(e.to_string()),
                    }
                    slot.building = None;
                    drop(slot);
                    let _ = done.send(true);
                });
            } else if stale && slot.current.is_none() {
                // No index at all yet: every request waits for the first one.
                wait = slot.building.clone();
            }
            (slot.current.clone(), wait)
        };
        let current = match wait {
            Some(mut rx) => {
                let _ = rx.wait_for(|done| *done).await;
                let slot = self.search.lock().await;
                slot.current.clone().or(current).ok_or_else(|| {
                    AppError::Internal(format!(
                        "the search index could not be built: {}",
                        slot.failed.as_deref().unwrap_or("unknown cause")
                    ))
                })?
            }
            None => current.ok_or_else(|| AppError::Internal("no search index".into()))?,
        };
        Ok(current)
    }

    async fn hits(
        &self,
        p: &Principal,
        query: &Record,
        limit: usize,
    ) -> Result<Vec<Hit>, AppError> {
        // A consular officer sees only some of the candidates, so more are ranked for them;
        // everyone else sees every indexed person but one merged since the index was built.
        let wanted = match person_scope(p) {
            Scope::All => limit.saturating_add(5),
            _ => limit.saturating_mul(4).max(20),
        };
        // Ranking takes a millisecond or so of computation: on a blocking thread, so the
        // server's workers keep answering other requests meanwhile.
        let current = self.current_index().await?;
        let query = query.clone();
        let candidates = tokio::task::spawn_blocking(move || current.index.query(&query, wanted))
            .await
            .map_err(|e| AppError::Internal(format!("search: {e}")))?;
        // The candidates' rows, visibility and summaries in a few batched reads rather than
        // several queries per candidate.
        let ids: Vec<i64> = candidates
            .iter()
            .filter_map(|c| c.id.parse::<i64>().ok())
            .collect();
        let mut rows: BTreeMap<i64, PersonRow> = self
            .visible(p, self.store().persons_by_ids(&ids).await?)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let mut shown = Vec::new();
        for c in candidates {
            let Some(row) = c.id.parse::<i64>().ok().and_then(|id| rows.remove(&id)) else {
                continue;
            };
            shown.push((c, row));
            if shown.len() >= limit {
                break;
            }
        }
        let (candidates, rows): (Vec<_>, Vec<_>) = shown.into_iter().unzip();
        let summaries = self.summaries(rows).await?;
        let mut hits = Vec::new();
        for (c, summary) in candidates.into_iter().zip(summaries) {
            let reasons = c
                .explanation
                .fields
                .iter()
                .filter(|f| f.level > 0)
                .map(|f| f.reason.clone())
                .collect();
            hits.push(Hit {
                summary,
                probability: c.probability,
                reasons,
            });
        }
        Ok(hits)
    }

    /// Finds persons by any spelling of a name in any script, or by a registration or
    /// document number, best first.
    pub async fn search(
        &self,
        p: &Principal,
        text: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, AppError> {
        authorize(p, Action::ReadPersons)?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let mut hits = Vec::new();
        // Registration and document numbers have digits; a name is not looked up as one.
        let by_number = if text.chars().any(char::is_numeric) {
            self.store().persons_by_number(text).await?
        } else {
            Vec::new()
        };
        let by_number = self.visible(p, by_number).await?;
        for summary in self.summaries(by_number).await? {
            let reason = if summary
                .person
                .registration_number
                .eq_ignore_ascii_case(text)
            {
                "registration number: exact"
            } else {
                "document number: exact"
            };
            hits.push(Hit {
                summary,
                probability: 1.0,
                reasons: vec![reason.to_owned()],
            });
        }
        let query = Record::new("query").with_name(PersonName::full(text));
        for h in self.hits(p, &query, limit).await? {
            if !hits
                .iter()
                .any(|k| k.summary.person.id == h.summary.person.id)
            {
                hits.push(h);
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }

    /// The registered persons closest to a registration about to be saved, with reasons.
    pub async fn possible_duplicates(
        &self,
        p: &Principal,
        cmd: &RegisterPerson,
        limit: usize,
    ) -> Result<Vec<Hit>, AppError> {
        authorize(p, Action::ReadPersons)?;
        let mut query = Record::new("draft");
        query.names = cmd
            .names
            .iter()
            .filter(|n| !n.text.trim().is_empty())
            .map(|n| PersonName::full(n.text.clone()))
            .collect();
        if query.names.is_empty() {
            return Ok(Vec::new());
        }
        query.sex = sex(&cmd.person.sex);
        if let Ok(facts) = cmd.person.parse(self.today()) {
            query.date_of_birth = Some(birth(&facts.date_of_birth));
            query.place_of_birth = facts.place_of_birth;
            query.father_name = facts.father_name;
        }
        query.nationality = cmd
            .nationalities
            .first()
            .map(|c| c.trim().to_ascii_uppercase());
        query.document_number = cmd.documents.first().map(|d| d.number.clone());
        let hits = self.hits(p, &query, limit).await?;
        Ok(hits.into_iter().filter(|h| h.probability >= 0.05).collect())
    }
}

impl App {
    /// Stores a photo or scan of a person after checking its type by content and removing
    /// image metadata; audited.
    pub async fn add_person_file(
        &self,
        p: &Principal,
        id: PersonId,
        kind: &str,
        label: &str,
        bytes: &[u8],
    ) -> Result<homeward_store::files::FileRow, AppError> {
        authorize(p, Action::UploadFiles)?;
        if !self.can_see(p, id).await? {
            return Err(AppError::NotFound("person".into()));
        }
        if !matches!(kind, "photo" | "document_scan") {
            return Err(homeward_domain::Invalid::one(
                "kind",
                "HW-FILE-0005",
                "kind is photo or document_scan",
            )
            .into());
        }
        let (file_type, clean) = homeward_domain::upload::accept(bytes)?;
        use sha2::Digest;
        let sha = hex::encode(sha2::Sha256::digest(&clean));
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.person(id).await?;
        let row = tx
            .insert_file(
                &homeward_store::files::NewFile {
                    person_id: id.0,
                    kind,
                    label: label.trim(),
                    media_type: file_type.media_type(),
                    sha256: &sha,
                    content: &clean,
                    uploaded_by: &p.username,
                },
                now,
            )
            .await?;
        tx.audit(homeward_store::audit::NewEvent {
            actor: &p.username,
            at: now,
            action: "file.add",
            entity_type: "person",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The photos and scans of a person the principal may see.
    pub async fn person_files_for(
        &self,
        p: &Principal,
        id: PersonId,
    ) -> Result<Vec<homeward_store::files::FileRow>, AppError> {
        authorize(p, Action::ViewFiles)?;
        if !self.can_see(p, id).await? {
            return Err(AppError::NotFound("person".into()));
        }
        Ok(self.store().files_of(id.0).await?)
    }

    /// One photo or scan with its content; every view is written to the access log.
    pub async fn file_for(
        &self,
        p: &Principal,
        file_id: i64,
    ) -> Result<(homeward_store::files::FileRow, Vec<u8>), AppError> {
        authorize(p, Action::ViewFiles)?;
        let (row, content) = self.store().file(file_id).await?;
        if !self.can_see(p, PersonId(row.person_id)).await? {
            return Err(AppError::NotFound("file".into()));
        }
        self.store()
            .log_access(
                self.now(),
                &p.username,
                "view_file",
                "person",
                &row.person_id.to_string(),
                &format!("file {file_id}"),
            )
            .await?;
        // repatriation: a consular officer's read is a disclosure to their embassy.
        self.log_consular_reads(
            p,
            &[row.person_id],
            "photo or scan",
            &format!("file {file_id}"),
        )
        .await?;
        Ok((row, content))
    }
}
