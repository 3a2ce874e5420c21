//! Reads and writes of the registry: persons, names, documents, family links, sites, custody,
//! countries and nationality claims.
//!
//! Reads are free functions over a connection, so the same query serves a plain read and a
//! check made inside a write transaction.

use chrono::{NaiveDate, NaiveDateTime};
use homeward_domain::country::{CountryInfo, Stance};
use homeward_domain::date::DateOfBirth;
use homeward_domain::family::NewLink;
use homeward_domain::nationality::{ClaimState, EvidenceKind};
use homeward_domain::person::{Document, NameVariant, PersonFacts, PersonId, registration_number};
use homeward_domain::site::{SeparationGroup, SiteId, SiteKind};
use sqlx::{AnyConnection, Row};

use crate::audit::moment;
use crate::connect::WriteTx;
use crate::rows::{
    ClaimRow, DocumentRow, EpisodeRow, EvidenceRow, LinkRow, NameRow, PERSON_COLUMNS, PersonRow,
    SiteRow, StanceRow,
};
use crate::sealing::Cipher;
use crate::{Result, Store, StoreError, classify};

pub(crate) fn b(v: bool) -> i64 {
    i64::from(v)
}

pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A site to create.
#[derive(Debug, Clone)]
pub struct NewSite {
    pub code: String,
    pub name_en: String,
    pub name_ar: String,
    pub kind: SiteKind,
    pub parent: Option<SiteId>,
    pub capacity: u32,
    pub separation_group: Option<SeparationGroup>,
    pub synthetic: bool,
}

/// One move into a site, already checked by the domain rules.
#[derive(Debug, Clone)]
pub struct NewEpisode<'a> {
    pub person: PersonId,
    pub site: SiteId,
    pub at: NaiveDateTime,
    pub authorised_by: &'a str,
    pub reason: &'a str,
    pub best_interests_ref: Option<&'a str>,
    pub recorded_by: &'a str,
}

/// Everything recorded about one person.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PersonFile {
    pub person: PersonRow,
    pub names: Vec<NameRow>,
    pub documents: Vec<DocumentRow>,
    pub links: Vec<LinkRow>,
    pub episodes: Vec<EpisodeRow>,
    pub claims: Vec<ClaimRow>,
    pub evidence: Vec<EvidenceRow>,
}

/// Persons merged into another (until the merge is undone) are hidden from every person read.
pub(crate) const NOT_MERGED: &str =
    "id NOT IN (SELECT merged_id FROM person_merges WHERE undone_at IS NULL)";

async fn person(conn: &mut AnyConnection, id: PersonId) -> Result<PersonRow> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1 AND {NOT_MERGED}");
    let row = sqlx::query(&sql)
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
    PersonRow::from_row(&row)
}

async fn site(conn: &mut AnyConnection, id: SiteId) -> Result<SiteRow> {
    let row = sqlx::query("SELECT * FROM sites WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("site {id}")))?;
    SiteRow::from_row(&row)
}

async fn links_of(conn: &mut AnyConnection, id: PersonId) -> Result<Vec<LinkRow>> {
    let rows = sqlx::query(
        "SELECT * FROM family_links WHERE from_person = $1 OR to_person = $1 ORDER BY id",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(LinkRow::from_row).collect()
}

/// Opens the sealed columns of a family link in place.
pub(crate) fn open_link(cipher: &Cipher, l: &mut LinkRow) -> Result<()> {
    cipher.open_opt(
        "family_links",
        "evidence_ref",
        l.from_person,
        &mut l.evidence_ref,
    )
}

/// Opens the sealed columns of a piece of evidence in place.
pub(crate) fn open_evidence(cipher: &Cipher, e: &mut EvidenceRow) -> Result<()> {
    cipher.open("claim_evidence", "reference", e.claim_id, &mut e.reference)?;
    cipher.open("claim_evidence", "note", e.claim_id, &mut e.note)
}

/// Opens every sealed value of a person file in place.
pub(crate) fn open_file(cipher: &Cipher, f: &mut PersonFile) -> Result<()> {
    for l in &mut f.links {
        open_link(cipher, l)?;
    }
    for e in &mut f.evidence {
        open_evidence(cipher, e)?;
    }
    Ok(())
}

async fn occupancy(conn: &mut AnyConnection, site: SiteId) -> Result<u32> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM persons WHERE current_site_id = $1")
        .bind(site.0)
        .fetch_one(conn)
        .await?;
    let n: i64 = row.try_get("n")?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

async fn person_file(conn: &mut AnyConnection, id: PersonId) -> Result<PersonFile> {
    let person = person(conn, id).await?;
    let names = sqlx::query("SELECT * FROM name_variants WHERE person_id = $1 ORDER BY id")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(NameRow::from_row)
        .collect::<Result<_>>()?;
    let documents = sqlx::query("SELECT * FROM documents WHERE person_id = $1 ORDER BY id")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(DocumentRow::from_row)
        .collect::<Result<_>>()?;
    let links = links_of(conn, id).await?;
    let episodes =
        sqlx::query("SELECT * FROM custody_episodes WHERE person_id = $1 ORDER BY start_at, id")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(EpisodeRow::from_row)
            .collect::<Result<_>>()?;
    let claims = sqlx::query("SELECT * FROM nationality_claims WHERE person_id = $1 ORDER BY id")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(ClaimRow::from_row)
        .collect::<Result<_>>()?;
    let evidence = sqlx::query(
        "SELECT e.* FROM claim_evidence e JOIN nationality_claims c ON c.id = e.claim_id \
         WHERE c.person_id = $1 ORDER BY e.id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(EvidenceRow::from_row)
    .collect::<Result<_>>()?;
    Ok(PersonFile {
        person,
        names,
        documents,
        links,
        episodes,
        claims,
        evidence,
    })
}

/// The stored columns of a date of birth: kind, date, year, estimated age, basis, made on.
pub(crate) type DobColumns = (
    &'static str,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

pub(crate) fn dob_columns(d: &DateOfBirth) -> DobColumns {
    match d {
        DateOfBirth::Exact(date) => ("exact", Some(day(*date)), None, None, None, None),
        DateOfBirth::Year(y) => ("year", None, Some(i64::from(*y)), None, None, None),
        DateOfBirth::Estimated {
            age_years,
            basis,
            made_on,
        } => (
            "estimated",
            None,
            None,
            Some(i64::from(*age_years)),
            Some(basis.clone()),
            Some(day(*made_on)),
        ),
    }
}

impl WriteTx {
    /// Writes the ISO country table (idempotent): codes with English and Arabic names.
    pub async fn seed_countries(&mut self, countries: &[CountryInfo]) -> Result<usize> {
        let mut added = 0;
        for c in countries {
            let exists = sqlx::query("SELECT code FROM countries WHERE code = $1")
                .bind(c.code)
                .fetch_optional(self.conn())
                .await?;
            if exists.is_none() {
                sqlx::query("INSERT INTO countries (code, name_en, name_ar) VALUES ($1, $2, $3)")
                    .bind(c.code)
                    .bind(c.name_en)
                    .bind(c.name_ar)
                    .execute(self.conn())
                    .await?;
                added += 1;
            }
        }
        Ok(added)
    }

    /// Records a country's stance from a date.
    pub async fn add_stance(
        &mut self,
        country: &str,
        stance: Stance,
        effective_from: NaiveDate,
        note: &str,
        recorded_by: &str,
        at: NaiveDateTime,
    ) -> Result<StanceRow> {
        let row = sqlx::query(
            "INSERT INTO country_stances (country_code, stance, effective_from, note, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(country)
        .bind(stance.key())
        .bind(day(effective_from))
        .bind(note)
        .bind(recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        StanceRow::from_row(&row)
    }

    /// Creates a site.
    pub async fn insert_site(&mut self, s: &NewSite, at: NaiveDateTime) -> Result<SiteRow> {
        let row = sqlx::query(
            "INSERT INTO sites (code, name_en, name_ar, kind, parent_id, capacity, \
             separation_group, synthetic, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
        )
        .bind(&s.code)
        .bind(&s.name_en)
        .bind(&s.name_ar)
        .bind(s.kind.key())
        .bind(s.parent.map(|p| p.0))
        .bind(i64::from(s.capacity))
        .bind(s.separation_group.map(|g| g.key()))
        .bind(b(s.synthetic))
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        SiteRow::from_row(&row)
    }

    /// Creates a person and gives them their registration number.
    pub async fn insert_person(
        &mut self,
        f: &PersonFacts,
        synthetic: bool,
        at: NaiveDateTime,
    ) -> Result<PersonRow> {
        let (kind, dob_date, dob_year, est_age, est_basis, est_made_on) =
            dob_columns(&f.date_of_birth);
        let now = moment(at);
        let row = sqlx::query(
            "INSERT INTO persons (registration_number, sex, dob_kind, dob_date, dob_year, \
             est_age, est_basis, est_made_on, birth_approx, place_of_birth, status, \
             pregnant_due, disability, serious_medical, unaccompanied, separated, \
             father_unknown, father_name, separation_group, synthetic, created_at, updated_at) \
             VALUES ('pending', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $20) RETURNING id",
        )
        .bind(f.sex.key())
        .bind(kind)
        .bind(dob_date)
        .bind(dob_year)
        .bind(est_age)
        .bind(est_basis)
        .bind(est_made_on)
        .bind(day(f.date_of_birth.approximate()))
        .bind(&f.place_of_birth)
        .bind(f.status.key())
        .bind(f.vulnerability.pregnant_expected_delivery.map(day))
        .bind(b(f.vulnerability.disability))
        .bind(b(f.vulnerability.serious_medical_condition))
        .bind(b(f.vulnerability.unaccompanied))
        .bind(b(f.vulnerability.separated))
        .bind(b(f.father_unknown))
        .bind(&f.father_name)
        .bind(f.separation_group.key())
        .bind(b(synthetic))
        .bind(&now)
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        let id = PersonId(row.try_get("id")?);
        sqlx::query("UPDATE persons SET registration_number = $1 WHERE id = $2")
            .bind(registration_number(id))
            .bind(id.0)
            .execute(self.conn())
            .await?;
        person(self.conn(), id).await
    }

    /// Replaces a person's identity facts when `expected_version` is still current; otherwise
    /// reports a conflict and changes nothing.
    pub async fn update_person(
        &mut self,
        id: PersonId,
        expected_version: i64,
        f: &PersonFacts,
        at: NaiveDateTime,
    ) -> Result<PersonRow> {
        let (kind, dob_date, dob_year, est_age, est_basis, est_made_on) =
            dob_columns(&f.date_of_birth);
        let done = sqlx::query(
            "UPDATE persons SET sex = $1, dob_kind = $2, dob_date = $3, dob_year = $4, \
             est_age = $5, est_basis = $6, est_made_on = $7, birth_approx = $8, \
             place_of_birth = $9, status = $10, pregnant_due = $11, disability = $12, \
             serious_medical = $13, unaccompanied = $14, separated = $15, father_unknown = $16, \
             father_name = $17, separation_group = $18, updated_at = $19, version = version + 1 \
             WHERE id = $20 AND version = $21",
        )
        .bind(f.sex.key())
        .bind(kind)
        .bind(dob_date)
        .bind(dob_year)
        .bind(est_age)
        .bind(est_basis)
        .bind(est_made_on)
        .bind(day(f.date_of_birth.approximate()))
        .bind(&f.place_of_birth)
        .bind(f.status.key())
        .bind(f.vulnerability.pregnant_expected_delivery.map(day))
        .bind(b(f.vulnerability.disability))
        .bind(b(f.vulnerability.serious_medical_condition))
        .bind(b(f.vulnerability.unaccompanied))
        .bind(b(f.vulnerability.separated))
        .bind(b(f.father_unknown))
        .bind(&f.father_name)
        .bind(f.separation_group.key())
        .bind(moment(at))
        .bind(id.0)
        .bind(expected_version)
        .execute(self.conn())
        .await
        .map_err(classify)?;
        if done.rows_affected() == 0 {
            let found = person(self.conn(), id).await?.version;
            return Err(StoreError::Conflict {
                entity: format!("person {}", registration_number(id)),
                expected: expected_version,
                found,
            });
        }
        person(self.conn(), id).await
    }

    /// Adds a name variant.
    pub async fn add_name(
        &mut self,
        person_id: PersonId,
        n: &NameVariant,
        at: NaiveDateTime,
    ) -> Result<NameRow> {
        let row = sqlx::query(
            "INSERT INTO name_variants (person_id, text, script, kind, recorded_by, source, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(person_id.0)
        .bind(n.text())
        .bind(n.script().key())
        .bind(n.kind.key())
        .bind(&n.recorded_by)
        .bind(&n.source)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        NameRow::from_row(&row)
    }

    /// Adds a document.
    pub async fn add_document(
        &mut self,
        person_id: PersonId,
        d: &Document,
        at: NaiveDateTime,
    ) -> Result<DocumentRow> {
        let row = sqlx::query(
            "INSERT INTO documents (person_id, doc_type, number, issuing_country, expiry, \
             sighted, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(person_id.0)
        .bind(d.doc_type.key())
        .bind(&d.number)
        .bind(d.issuing_country.as_str())
        .bind(d.expiry.map(day))
        .bind(b(d.sighted))
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        DocumentRow::from_row(&row)
    }

    /// Adds a family link (already checked by the domain rules). The row comes back as stored,
    /// its evidence reference sealed.
    pub async fn add_link(
        &mut self,
        l: &NewLink,
        recorded_by: &str,
        at: NaiveDateTime,
    ) -> Result<LinkRow> {
        let row = sqlx::query(
            "INSERT INTO family_links (from_person, to_person, relation, basis, confidence, \
             evidence_ref, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind(l.from.0)
        .bind(l.to.0)
        .bind(l.relation.key())
        .bind(l.basis.key())
        .bind(l.confidence.key())
        .bind(self.cipher.seal_opt(
            "family_links",
            "evidence_ref",
            l.from.0,
            l.evidence_ref.as_deref(),
        )?)
        .bind(recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        LinkRow::from_row(&row)
    }

    /// Ends the current episode (if any) at `at` and opens one at the new site, keeping the
    /// person's current site in step. Returns the new episode.
    pub async fn move_person(&mut self, e: &NewEpisode<'_>) -> Result<EpisodeRow> {
        let at = moment(e.at);
        let current = sqlx::query(
            "SELECT start_at FROM custody_episodes WHERE person_id = $1 AND end_at IS NULL",
        )
        .bind(e.person.0)
        .fetch_optional(self.conn())
        .await?;
        if let Some(row) = current {
            let start: String = row.try_get("start_at")?;
            if start > at {
                return Err(StoreError::Constraint(format!(
                    "the move is dated {at}, before the current stay began ({start})"
                )));
            }
        }
        sqlx::query(
            "UPDATE custody_episodes SET end_at = $1 WHERE person_id = $2 AND end_at IS NULL",
        )
        .bind(&at)
        .bind(e.person.0)
        .execute(self.conn())
        .await?;
        let row = sqlx::query(
            "INSERT INTO custody_episodes (person_id, site_id, start_at, authorised_by, reason, \
             best_interests_ref, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(e.person.0)
        .bind(e.site.0)
        .bind(&at)
        .bind(e.authorised_by)
        .bind(e.reason)
        .bind(e.best_interests_ref)
        .bind(e.recorded_by)
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        sqlx::query("UPDATE persons SET current_site_id = $1 WHERE id = $2")
            .bind(e.site.0)
            .bind(e.person.0)
            .execute(self.conn())
            .await?;
        EpisodeRow::from_row(&row)
    }

    /// Adds a nationality claim in the `claimed` state.
    pub async fn add_claim(
        &mut self,
        person_id: PersonId,
        country: &str,
        state: ClaimState,
        at: NaiveDateTime,
    ) -> Result<ClaimRow> {
        let row = sqlx::query(
            "INSERT INTO nationality_claims (person_id, country_code, state, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING *",
        )
        .bind(person_id.0)
        .bind(country)
        .bind(state.key())
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        ClaimRow::from_row(&row)
    }

    /// Moves a claim to a new verification state when `expected_version` is still current.
    pub async fn set_claim_state(
        &mut self,
        claim_id: i64,
        expected_version: i64,
        state: ClaimState,
        decided_by: &str,
        at: NaiveDateTime,
    ) -> Result<ClaimRow> {
        let done = sqlx::query(
            "UPDATE nationality_claims SET state = $1, decided_by = $2, decided_at = $3, \
             version = version + 1 WHERE id = $4 AND version = $5",
        )
        .bind(state.key())
        .bind(decided_by)
        .bind(moment(at))
        .bind(claim_id)
        .bind(expected_version)
        .execute(self.conn())
        .await?;
        let row = self.claim(claim_id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                entity: format!("claim {claim_id}"),
                expected: expected_version,
                found: row.version,
            });
        }
        Ok(row)
    }

    /// Adds evidence to a claim. The row comes back as stored, reference and note sealed.
    pub async fn add_evidence(
        &mut self,
        claim_id: i64,
        kind: EvidenceKind,
        reference: &str,
        note: &str,
        recorded_by: &str,
        at: NaiveDateTime,
    ) -> Result<EvidenceRow> {
        let row = sqlx::query(
            "INSERT INTO claim_evidence (claim_id, kind, reference, note, recorded_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(claim_id)
        .bind(kind.key())
        .bind(
            self.cipher
                .seal("claim_evidence", "reference", claim_id, reference)?,
        )
        .bind(self.cipher.seal("claim_evidence", "note", claim_id, note)?)
        .bind(recorded_by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        EvidenceRow::from_row(&row)
    }

    /// A person, read inside the transaction.
    pub async fn person(&mut self, id: PersonId) -> Result<PersonRow> {
        person(self.conn(), id).await
    }

    /// A site, read inside the transaction.
    pub async fn site(&mut self, id: SiteId) -> Result<SiteRow> {
        site(self.conn(), id).await
    }

    /// The links a person takes part in, read inside the transaction.
    pub async fn links_of(&mut self, id: PersonId) -> Result<Vec<LinkRow>> {
        let mut links = links_of(self.conn(), id).await?;
        for l in &mut links {
            open_link(&self.cipher, l)?;
        }
        Ok(links)
    }

    /// A link returned by [`WriteTx::add_link`] (as stored, sealed: what its audit event
    /// records) with its sealed columns opened, for the caller.
    pub fn opened_link(&self, mut l: LinkRow) -> Result<LinkRow> {
        open_link(&self.cipher, &mut l)?;
        Ok(l)
    }

    /// Evidence returned by [`WriteTx::add_evidence`] (as stored, sealed: what its audit event
    /// records) with its sealed columns opened, for the caller.
    pub fn opened_evidence(&self, mut e: EvidenceRow) -> Result<EvidenceRow> {
        open_evidence(&self.cipher, &mut e)?;
        Ok(e)
    }

    /// How many people are currently at a site, read inside the transaction.
    pub async fn occupancy(&mut self, id: SiteId) -> Result<u32> {
        occupancy(self.conn(), id).await
    }

    /// A claim, read inside the transaction.
    pub async fn claim(&mut self, id: i64) -> Result<ClaimRow> {
        let row = sqlx::query("SELECT * FROM nationality_claims WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("claim {id}")))?;
        ClaimRow::from_row(&row)
    }

    /// Everything about one person, read inside the transaction.
    pub async fn person_file(&mut self, id: PersonId) -> Result<PersonFile> {
        let mut f = person_file(self.conn(), id).await?;
        open_file(&self.cipher.clone(), &mut f)?;
        Ok(f)
    }

    /// The ids of every recorded ancestor of a person (through mother and father links).
    pub async fn ancestors_of(&mut self, id: PersonId) -> Result<Vec<PersonId>> {
        let mut found = Vec::new();
        let mut frontier = vec![id];
        while let Some(p) = frontier.pop() {
            let rows = sqlx::query(
                "SELECT from_person FROM family_links WHERE to_person = $1 \
                 AND relation IN ('mother', 'father')",
            )
            .bind(p.0)
            .fetch_all(self.conn())
            .await?;
            for r in rows {
                let a = PersonId(r.try_get("from_person")?);
                if !found.contains(&a) && a != id {
                    found.push(a);
                    frontier.push(a);
                }
            }
        }
        Ok(found)
    }
}

/// Filters for listing persons; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub site: Option<SiteId>,
    pub nationality: Option<String>,
    pub sex: Option<String>,
    /// Birth date range (inclusive) that an age band maps to on a given day.
    pub born_between: Option<(NaiveDate, NaiveDate)>,
    pub status: Option<String>,
    pub pregnant: Option<bool>,
    pub unaccompanied: Option<bool>,
    pub claim_state: Option<String>,
    /// Registration number, exact.
    pub registration_number: Option<String>,
    /// Access scope: only persons with a claim for this country (a consular officer's view).
    pub scope_country: Option<String>,
    /// Keyset paging: only persons with an id above this one. The total still counts every
    /// match of the other filters, and the page costs the same wherever it starts (an offset
    /// makes the database step over every row before it).
    pub after_id: Option<i64>,
}

/// A page of persons and the total that matched.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

impl Store {
    /// A person.
    pub async fn person(&self, id: PersonId) -> Result<PersonRow> {
        person(&mut *self.read().await?, id).await
    }

    /// A person by registration number.
    pub async fn person_by_number(&self, number: &str) -> Result<PersonRow> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE registration_number = $1 AND {NOT_MERGED}"
        );
        let row = sqlx::query(&sql)
            .bind(number.trim().to_ascii_uppercase())
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("person {number}")))?;
        PersonRow::from_row(&row)
    }

    /// Persons whose registration number or a document number is exactly `number`
    /// (case and spaces ignored).
    pub async fn persons_by_number(&self, number: &str) -> Result<Vec<PersonRow>> {
        let wanted = number.trim().to_ascii_uppercase();
        let compact: String = wanted.chars().filter(|c| !c.is_whitespace()).collect();
        // Two index lookups (the registration number; the compact document number, indexed
        // in that form by migration 0016) rather than a join over every document.
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE id IN ( \
             SELECT id FROM persons WHERE registration_number = $1 \
             UNION SELECT person_id FROM documents WHERE UPPER(REPLACE(number, ' ', '')) = $2) \
             AND {NOT_MERGED} ORDER BY id LIMIT 20"
        );
        let rows = sqlx::query(&sql)
            .bind(&wanted)
            .bind(&compact)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(PersonRow::from_row).collect()
    }

    /// Everything about one person.
    pub async fn person_file(&self, id: PersonId) -> Result<PersonFile> {
        let mut f = person_file(&mut *self.read().await?, id).await?;
        open_file(self.cipher(), &mut f)?;
        Ok(f)
    }

    /// A nationality claim.
    pub async fn claim(&self, id: i64) -> Result<ClaimRow> {
        let row = sqlx::query("SELECT * FROM nationality_claims WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("claim {id}")))?;
        ClaimRow::from_row(&row)
    }

    /// A site.
    pub async fn site(&self, id: SiteId) -> Result<SiteRow> {
        site(&mut *self.read().await?, id).await
    }

    /// Every site, in id order.
    pub async fn sites(&self) -> Result<Vec<SiteRow>> {
        let rows = sqlx::query("SELECT * FROM sites ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(SiteRow::from_row).collect()
    }

    /// Every known country code with its names.
    pub async fn countries(&self) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query("SELECT code, name_en, name_ar FROM countries ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("code")?,
                    r.try_get("name_en")?,
                    r.try_get("name_ar")?,
                ))
            })
            .collect()
    }

    /// The dated stances of every country, oldest first.
    pub async fn stances(&self) -> Result<Vec<StanceRow>> {
        let rows =
            sqlx::query("SELECT * FROM country_stances ORDER BY country_code, effective_from")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(StanceRow::from_row).collect()
    }

    /// A page of persons matching the filter, in registration order.
    pub async fn list_persons(
        &self,
        f: &PersonFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<PersonRow>> {
        let mut clauses: Vec<String> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut push = |clause: &str, value: String, texts: &mut Vec<String>| {
            texts.push(value);
            clauses.push(clause.replace('?', &format!("${}", texts.len())));
        };
        if let Some(s) = f.site {
            push(
                "current_site_id = CAST(? AS BIGINT)",
                s.0.to_string(),
                &mut texts,
            );
        }
        if let Some(n) = &f.nationality {
            push(
                "id IN (SELECT person_id FROM nationality_claims WHERE country_code = ?)",
                n.to_ascii_uppercase(),
                &mut texts,
            );
        }
        if let Some(s) = &f.sex {
            push("sex = ?", s.clone(), &mut texts);
        }
        if let Some((from, to)) = f.born_between {
            push("birth_approx >= ?", day(from), &mut texts);
            push("birth_approx <= ?", day(to), &mut texts);
        }
        if let Some(s) = &f.status {
            push("status = ?", s.clone(), &mut texts);
        }
        if let Some(s) = &f.claim_state {
            push(
                "id IN (SELECT person_id FROM nationality_claims WHERE state = ?)",
                s.clone(),
                &mut texts,
            );
        }
        if let Some(c) = &f.scope_country {
            push(
                "id IN (SELECT person_id FROM nationality_claims WHERE country_code = ?)",
                c.to_ascii_uppercase(),
                &mut texts,
            );
        }
        if let Some(n) = &f.registration_number {
            push(
                "registration_number = ?",
                n.to_ascii_uppercase(),
                &mut texts,
            );
        }
        match f.pregnant {
            Some(true) => clauses.push("pregnant_due IS NOT NULL".into()),
            Some(false) => clauses.push("pregnant_due IS NULL".into()),
            None => {}
        }
        if let Some(u) = f.unaccompanied {
            clauses.push(format!("unaccompanied = {}", i64::from(u)));
        }
        clauses.push(NOT_MERGED.to_owned());
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let count_sql = format!("SELECT COUNT(*) AS n FROM persons{filter}");
        let count_key = format!("{count_sql}\u{1f}{}", texts.join("\u{1f}"));
        // The count binds the filter's values only, not the cursor pushed after them.
        let filter_values = texts.len();
        let mut filter = filter;
        if let Some(after) = f.after_id {
            texts.push(after.to_string());
            filter.push_str(&format!(" AND id > CAST(${} AS BIGINT)", texts.len()));
        }
        let n = texts.len();
        // The audit head rides along with the page (see the count below), which saves a
        // statement on every page.
        let sql = format!(
            "SELECT {PERSON_COLUMNS}, (SELECT seq FROM audit_head WHERE id = 1) AS audit_seq \
             FROM persons{filter} ORDER BY id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(&sql);
        for t in &texts {
            q = q.bind(t);
        }
        let rows = q.bind(limit).bind(offset).fetch_all(self.pool()).await?;
        let head = match rows.first() {
            Some(r) => r.try_get("audit_seq")?,
            None => self.audit_head().await?,
        };
        // Counting every match is a scan of up to the whole registry; the count for the same
        // filter is kept until the next change moves the audit head, so paging through a
        // list counts once.
        let total = match self.list_counts().get(&count_key, head) {
            Some(total) => total,
            None => {
                let mut q = sqlx::query(&count_sql);
                for t in &texts[..filter_values] {
                    q = q.bind(t);
                }
                let total: i64 = q.fetch_one(self.pool()).await?.try_get("n")?;
                self.list_counts().put(count_key, head, total);
                total
            }
        };
        let items = rows
            .iter()
            .map(PersonRow::from_row)
            .collect::<Result<_>>()?;
        Ok(Page { items, total })
    }

    /// Every person matching a filter, in id order, read in batches by keyset (each batch
    /// seeks to the last id read, so reading a million persons stays linear).
    pub async fn persons_matching(&self, f: &PersonFilter) -> Result<Vec<PersonRow>> {
        let mut out = Vec::new();
        let mut filter = f.clone();
        loop {
            let page = self.list_persons(&filter, 10_000, 0).await?;
            let Some(last) = page.items.last() else {
                break;
            };
            filter.after_id = Some(last.id);
            out.extend(page.items);
        }
        Ok(out)
    }

    /// The given persons that exist and are not merged away, in id order, in one query per
    /// 500 ids.
    pub async fn persons_by_ids(&self, ids: &[i64]) -> Result<Vec<PersonRow>> {
        self.rows_by_ids(ids, |list| {
            format!(
                "SELECT {PERSON_COLUMNS} FROM persons WHERE id IN ({list}) AND {NOT_MERGED} \
                 ORDER BY id"
            )
        })
        .await?
        .iter()
        .map(PersonRow::from_row)
        .collect()
    }

    /// The rows of the statement `sql_for(list)` makes, where `list` is the parameters of up to
    /// 500 of `ids` (see [`params`]): one read per 500 ids.
    async fn rows_by_ids(
        &self,
        ids: &[i64],
        sql_for: impl Fn(&str) -> String,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let sql = sql_for(&params(1, chunk.len()));
            out.extend(
                bind_ids(sqlx::query(&sql), chunk)
                    .fetch_all(self.pool())
                    .await?,
            );
        }
        Ok(out)
    }

    /// What a list entry shows beside a person's row, in one read: the name texts as written
    /// and the claimed countries of `persons` (each in id order), and the codes of `sites`.
    pub async fn summary_texts_of(&self, persons: &[i64], sites: &[i64]) -> Result<SummaryTexts> {
        let mut out = SummaryTexts::default();
        for (n, chunk) in persons.chunks(500).enumerate() {
            let list = params(1, chunk.len());
            let mut sql = format!(
                "SELECT 'n' AS k, person_id AS id, text AS v, id AS o FROM name_variants \
                 WHERE person_id IN ({list}) \
                 UNION ALL SELECT 'c', person_id, country_code, id FROM nationality_claims \
                 WHERE person_id IN ({list})"
            );
            let with_sites = n == 0 && !sites.is_empty();
            if with_sites {
                sql.push_str(&format!(
                    " UNION ALL SELECT 's', id, code, id FROM sites WHERE id IN ({})",
                    params(chunk.len().next_power_of_two() + 1, sites.len())
                ));
            }
            sql.push_str(" ORDER BY 1, 2, 4");
            let mut q = bind_ids(sqlx::query(&sql), chunk);
            if with_sites {
                q = bind_ids(q, sites);
            }
            for r in q.fetch_all(self.pool()).await? {
                let (kind, id, v): (String, i64, String) =
                    (r.try_get("k")?, r.try_get("id")?, r.try_get("v")?);
                match kind.as_str() {
                    "n" => out.names.push((id, v)),
                    "c" => out.countries.push((id, v)),
                    _ => out.site_codes.push((id, v)),
                }
            }
        }
        if persons.is_empty() {
            let rows = self
                .rows_by_ids(sites, |list| {
                    format!("SELECT id, code FROM sites WHERE id IN ({list}) ORDER BY id")
                })
                .await?;
            for r in rows {
                out.site_codes.push((r.try_get("id")?, r.try_get("code")?));
            }
        }
        Ok(out)
    }

    /// The names of the given persons, grouped by person in id order.
    pub async fn names_of(&self, ids: &[i64]) -> Result<Vec<NameRow>> {
        self.rows_for_persons("name_variants", ids, NameRow::from_row)
            .await
    }

    /// The claims of the given persons.
    pub async fn claims_of(&self, ids: &[i64]) -> Result<Vec<ClaimRow>> {
        self.rows_for_persons("nationality_claims", ids, ClaimRow::from_row)
            .await
    }

    /// The documents of the given persons.
    pub async fn documents_of(&self, ids: &[i64]) -> Result<Vec<DocumentRow>> {
        self.rows_for_persons("documents", ids, DocumentRow::from_row)
            .await
    }

    async fn rows_for_persons<T>(
        &self,
        table: &str,
        ids: &[i64],
        from_row: fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows_by_ids(ids, |list| {
            format!("SELECT * FROM {table} WHERE person_id IN ({list}) ORDER BY person_id, id")
        })
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// The site a person was at on a moment, from the custody history.
    pub async fn site_of_person_at(
        &self,
        id: PersonId,
        at: NaiveDateTime,
    ) -> Result<Option<SiteRow>> {
        let row = sqlx::query(
            "SELECT site_id FROM custody_episodes WHERE person_id = $1 AND start_at <= $2 \
             AND (end_at IS NULL OR end_at > $2) ORDER BY start_at DESC LIMIT 1",
        )
        .bind(id.0)
        .bind(moment(at))
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(r) => Ok(Some(self.site(SiteId(r.try_get("site_id")?)).await?)),
            None => Ok(None),
        }
    }

    /// The persons at a site on a moment, from the custody history.
    pub async fn persons_at_site(&self, site: SiteId, at: NaiveDateTime) -> Result<Vec<PersonRow>> {
        let cols: Vec<String> = PERSON_COLUMNS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect();
        let sql = format!(
            "SELECT {} FROM persons p JOIN custody_episodes e ON e.person_id = p.id \
             WHERE e.site_id = $1 AND e.start_at <= $2 AND (e.end_at IS NULL OR e.end_at > $2) \
             ORDER BY p.id",
            cols.join(", ")
        );
        let rows = sqlx::query(&sql)
            .bind(site.0)
            .bind(moment(at))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(PersonRow::from_row).collect()
    }
}

/// See [`Store::summary_texts_of`].
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SummaryTexts {
    /// (person, name text as written).
    pub names: Vec<(i64, String)>,
    /// (person, claimed country code).
    pub countries: Vec<(i64, String)>,
    /// (site, code).
    pub site_codes: Vec<(i64, String)>,
}

/// Numbered parameters `$first`, `$first+1`, ... for `n` ids, rounded up to a power of two
/// (see [`bind_ids`]): a statement reading ids then depends only on about how many it reads, not
/// on which, so each connection prepares a handful of them once and reuses them (ids written
/// into the text made every list page a new statement to parse and plan).
fn params(first: usize, n: usize) -> String {
    let list: Vec<String> = (first..first + n.next_power_of_two())
        .map(|i| format!("${i}"))
        .collect();
    list.join(",")
}

/// Binds `ids` to the parameters of [`params`], repeating the last id up to the power of two
/// (a repeat changes nothing in an `IN` list).
fn bind_ids<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ids: &'q [i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for id in ids {
        q = q.bind(*id);
    }
    if let Some(&last) = ids.last() {
        for _ in ids.len()..ids.len().next_power_of_two() {
            q = q.bind(last);
        }
    }
    q
}
