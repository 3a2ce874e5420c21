//! Bulk writes for imports and the demo: many rows per statement inside one write transaction.
//!
//! A registration written row by row costs a round trip per statement (eight or more per
//! person, three more for its audit event); at a hundred thousand rows that is minutes on
//! PostgreSQL. Here person ids are reserved first, so every table can be written with
//! multi-row `INSERT`s, and the audit events of the batch are chained in memory and written
//! the same way. The rows and events are exactly those the one-by-one functions write; the
//! transaction is the caller's, so a failure still leaves nothing behind.

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use homeward_domain::family::NewLink;
use homeward_domain::nationality::ClaimState;
use homeward_domain::person::{Document, NameVariant, PersonFacts, PersonId, registration_number};
use homeward_domain::site::SiteId;
use sqlx::Row;

use crate::audit::{Event, NewEvent, event_hash, moment};
use crate::connect::{Backend, WriteTx};
use crate::registry::{NewEpisode, b, day, dob_columns};
use crate::{Result, classify};

/// One value of a bulk row.
#[derive(Debug, Clone)]
enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

/// Bind parameters per statement on PostgreSQL (its limit is 65,535): each statement is a round
/// trip, so the larger the better.
const MAX_PARAMS_POSTGRES: usize = 30_000;
/// Bind parameters per statement on SQLite: a statement costs no round trip there, while
/// binding by position looks each parameter's name up in a list, so the cost of a statement
/// grows with the square of its parameters; a couple of hundred keeps it linear.
const MAX_PARAMS_SQLITE: usize = 200;
/// Rows per statement at most, whatever the width.
const MAX_ROWS: usize = 500;

/// A new person for [`WriteTx::insert_persons`].
#[derive(Debug, Clone, Copy)]
pub struct BulkPerson<'a> {
    /// The id reserved for it by [`WriteTx::reserve_person_ids`].
    pub id: PersonId,
    /// Its checked facts.
    pub facts: &'a PersonFacts,
    /// Whether it is demo data.
    pub synthetic: bool,
    /// Where it is held, when its first custody episode is written in the same batch.
    pub current_site: Option<SiteId>,
}

/// `head VALUES ($1,...,$width),(...)` for `rows` rows, numbering the parameters in order.
pub(crate) fn values_sql(head: &str, width: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * width * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 0;
    for i in 0..rows {
        sql.push_str(if i == 0 { "(" } else { ",(" });
        for j in 0..width {
            n += 1;
            let _ = write!(sql, "{}${n}", if j == 0 { "" } else { "," });
        }
        sql.push(')');
    }
    sql
}

impl WriteTx {
    /// Writes `rows` into `head` (`INSERT INTO t (a, b, ...)`) with as many rows per statement
    /// as the parameter limits allow.
    async fn insert_many(&mut self, head: &str, width: usize, rows: &[Vec<Val>]) -> Result<()> {
        let max_params = match self.backend {
            Backend::Sqlite => MAX_PARAMS_SQLITE,
            Backend::Postgres => MAX_PARAMS_POSTGRES,
        };
        let per = (max_params / width.max(1)).clamp(1, MAX_ROWS);
        for chunk in rows.chunks(per) {
            debug_assert!(chunk.iter().all(|row| row.len() == width));
            let sql = values_sql(head, width, chunk.len());
            let mut q = sqlx::query(&sql);
            for row in chunk {
                for v in row {
                    q = match v {
                        Val::Int(i) => q.bind(*i),
                        Val::OptInt(i) => q.bind(*i),
                        Val::Text(t) => q.bind(t.clone()),
                        Val::OptText(t) => q.bind(t.clone()),
                    };
                }
            }
            q.execute(self.conn()).await.map_err(classify)?;
        }
        Ok(())
    }

    /// Reserves `n` person ids for [`WriteTx::insert_persons`]. The write transaction holds
    /// the audit head, so no other writer takes ids on SQLite meanwhile; on PostgreSQL the
    /// ids come from the table's identity sequence.
    pub async fn reserve_person_ids(&mut self, n: usize) -> Result<Vec<PersonId>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let count = i64::try_from(n).unwrap_or(i64::MAX);
        match self.backend {
            Backend::Sqlite => {
                let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM persons")
                    .fetch_one(self.conn())
                    .await?;
                let max: i64 = row.try_get("m")?;
                Ok((1..=count).map(|i| PersonId(max + i)).collect())
            }
            Backend::Postgres => {
                let rows = sqlx::query(
                    "SELECT nextval(pg_get_serial_sequence('persons', 'id')) AS id \
                     FROM generate_series(1, $1)",
                )
                .bind(count)
                .fetch_all(self.conn())
                .await?;
                rows.iter()
                    .map(|r| Ok(PersonId(r.try_get("id")?)))
                    .collect()
            }
        }
    }

    /// Inserts persons under their reserved ids with their registration numbers.
    pub async fn insert_persons(
        &mut self,
        people: &[BulkPerson<'_>],
        at: NaiveDateTime,
    ) -> Result<()> {
        let now = moment(at);
        let rows: Vec<Vec<Val>> = people
            .iter()
            .map(|p| {
                let f = p.facts;
                let (kind, dob_date, dob_year, est_age, est_basis, est_made_on) =
                    dob_columns(&f.date_of_birth);
                vec![
                    Val::Int(p.id.0),
                    Val::Text(registration_number(p.id)),
                    Val::Text(f.sex.key().to_owned()),
                    Val::Text(kind.to_owned()),
                    Val::OptText(dob_date),
                    Val::OptInt(dob_year),
                    Val::OptInt(est_age),
                    Val::OptText(est_basis),
                    Val::OptText(est_made_on),
                    Val::Text(day(f.date_of_birth.approximate())),
                    Val::OptText(f.place_of_birth.clone()),
                    Val::Text(f.status.key().to_owned()),
                    Val::OptText(f.vulnerability.pregnant_expected_delivery.map(day)),
                    Val::Int(b(f.vulnerability.disability)),
                    Val::Int(b(f.vulnerability.serious_medical_condition)),
                    Val::Int(b(f.vulnerability.unaccompanied)),
                    Val::Int(b(f.vulnerability.separated)),
                    Val::Int(b(f.father_unknown)),
                    Val::OptText(f.father_name.clone()),
                    Val::Text(f.separation_group.key().to_owned()),
                    Val::OptInt(p.current_site.map(|s| s.0)),
                    Val::Int(b(p.synthetic)),
                    Val::Text(now.clone()),
                    Val::Text(now.clone()),
                ]
            })
            .collect();
        self.insert_many(
            "INSERT INTO persons (id, registration_number, sex, dob_kind, dob_date, dob_year, \
             est_age, est_basis, est_made_on, birth_approx, place_of_birth, status, \
             pregnant_due, disability, serious_medical, unaccompanied, separated, \
             father_unknown, father_name, separation_group, current_site_id, synthetic, \
             created_at, updated_at)",
            24,
            &rows,
        )
        .await
    }

    /// Adds name variants, as [`WriteTx::add_name`] does one by one.
    pub async fn add_names(
        &mut self,
        names: &[(PersonId, &NameVariant)],
        at: NaiveDateTime,
    ) -> Result<()> {
        let now = moment(at);
        let rows: Vec<Vec<Val>> = names
            .iter()
            .map(|(id, n)| {
                vec![
                    Val::Int(id.0),
                    Val::Text(n.text().to_owned()),
                    Val::Text(n.script().key().to_owned()),
                    Val::Text(n.kind.key().to_owned()),
                    Val::Text(n.recorded_by.clone()),
                    Val::Text(n.source.clone()),
                    Val::Text(now.clone()),
                ]
            })
            .collect();
        self.insert_many(
            "INSERT INTO name_variants (person_id, text, script, kind, recorded_by, source, \
             created_at)",
            7,
            &rows,
        )
        .await
    }

    /// Adds documents, as [`WriteTx::add_document`] does one by one.
    pub async fn add_documents(
        &mut self,
        docs: &[(PersonId, &Document)],
        at: NaiveDateTime,
    ) -> Result<()> {
        let now = moment(at);
        let rows: Vec<Vec<Val>> = docs
            .iter()
            .map(|(id, d)| {
                vec![
                    Val::Int(id.0),
                    Val::Text(d.doc_type.key().to_owned()),
                    Val::Text(d.number.clone()),
                    Val::Text(d.issuing_country.as_str().to_owned()),
                    Val::OptText(d.expiry.map(day)),
                    Val::Int(b(d.sighted)),
                    Val::Text(now.clone()),
                ]
            })
            .collect();
        self.insert_many(
            "INSERT INTO documents (person_id, doc_type, number, issuing_country, expiry, \
             sighted, created_at)",
            7,
            &rows,
        )
        .await
    }

    /// Adds nationality claims in the given states, as [`WriteTx::add_claim`] does one by one.
    pub async fn add_claims(
        &mut self,
        claims: &[(PersonId, &str, ClaimState)],
        at: NaiveDateTime,
    ) -> Result<()> {
        let now = moment(at);
        let rows: Vec<Vec<Val>> = claims
            .iter()
            .map(|(id, country, state)| {
                vec![
                    Val::Int(id.0),
                    Val::Text((*country).to_owned()),
                    Val::Text(state.key().to_owned()),
                    Val::Text(now.clone()),
                ]
            })
            .collect();
        self.insert_many(
            "INSERT INTO nationality_claims (person_id, country_code, state, created_at)",
            4,
            &rows,
        )
        .await
    }

    /// Adds family links already checked by the domain rules, their evidence references
    /// sealed, as [`WriteTx::add_link`] does one by one.
    pub async fn add_links(
        &mut self,
        links: &[NewLink],
        recorded_by: &str,
        at: NaiveDateTime,
    ) -> Result<()> {
        let now = moment(at);
        let mut rows = Vec::with_capacity(links.len());
        for l in links {
            rows.push(vec![
                Val::Int(l.from.0),
                Val::Int(l.to.0),
                Val::Text(l.relation.key().to_owned()),
                Val::Text(l.basis.key().to_owned()),
                Val::Text(l.confidence.key().to_owned()),
                Val::OptText(self.cipher.seal_opt(
                    "family_links",
                    "evidence_ref",
                    l.from.0,
                    l.evidence_ref.as_deref(),
                )?),
                Val::Text(recorded_by.to_owned()),
                Val::Text(now.clone()),
            ]);
        }
        self.insert_many(
            "INSERT INTO family_links (from_person, to_person, relation, basis, confidence, \
             evidence_ref, recorded_by, created_at)",
            8,
            &rows,
        )
        .await
    }

    /// Opens the first custody episode of persons inserted in this batch with their
    /// `current_site` already set (they have no episode to close).
    pub async fn open_first_episodes(&mut self, episodes: &[NewEpisode<'_>]) -> Result<()> {
        let rows: Vec<Vec<Val>> = episodes
            .iter()
            .map(|e| {
                vec![
                    Val::Int(e.person.0),
                    Val::Int(e.site.0),
                    Val::Text(moment(e.at)),
                    Val::Text(e.authorised_by.to_owned()),
                    Val::Text(e.reason.to_owned()),
                    Val::OptText(e.best_interests_ref.map(str::to_owned)),
                    Val::Text(e.recorded_by.to_owned()),
                ]
            })
            .collect();
        self.insert_many(
            "INSERT INTO custody_episodes (person_id, site_id, start_at, authorised_by, reason, \
             best_interests_ref, recorded_by)",
            7,
            &rows,
        )
        .await
    }

    /// Appends events to the chain in order, as [`WriteTx::audit`] does one by one: the head
    /// is read once, the hashes are chained in memory, and the head is moved once. Returns
    /// the sequence number of the last event.
    pub async fn audit_many(&mut self, events: Vec<NewEvent<'_>>) -> Result<i64> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(self.conn())
            .await?;
        let mut seq: i64 = head.try_get("seq")?;
        let mut prev_hash: String = head.try_get("hash")?;
        if events.is_empty() {
            return Ok(seq);
        }
        let mut rows = Vec::with_capacity(events.len());
        for e in events {
            seq += 1;
            let mut event = Event {
                seq,
                at: moment(e.at),
                actor: e.actor.to_owned(),
                action: e.action.to_owned(),
                entity_type: e.entity_type.to_owned(),
                entity_id: e.entity_id,
                before_json: e.before.map(|v| v.to_string()),
                after_json: e.after.map(|v| v.to_string()),
                prev_hash,
                hash: String::new(),
            };
            event.hash = event_hash(&event);
            prev_hash = event.hash.clone();
            rows.push(vec![
                Val::Int(event.seq),
                Val::Text(event.at),
                Val::Text(event.actor),
                Val::Text(event.action),
                Val::Text(event.entity_type),
                Val::Text(event.entity_id),
                Val::OptText(event.before_json),
                Val::OptText(event.after_json),
                Val::Text(event.prev_hash),
                Val::Text(event.hash),
            ]);
        }
        self.insert_many(
            "INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, \
             before_json, after_json, prev_hash, hash)",
            10,
            &rows,
        )
        .await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev_hash)
            .execute(self.conn())
            .await?;
        Ok(seq)
    }
}
