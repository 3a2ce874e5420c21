//! The append-only audit trail: every change leaves an event, hash-chained to the one before.
//!
//! Each event's hash is SHA-256 over the previous hash and a canonical JSON array of the event's
//! fields exactly as stored. `verify` recomputes the chain from the first event: an altered
//! field, a removed event (a gap in `seq` or a broken link) or a reordering shows as the first
//! event whose stored hash or link does not match, even if the triggers that refuse UPDATE and
//! DELETE were dropped first.

use chrono::NaiveDateTime;
use futures_util::TryStreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::connect::WriteTx;
use crate::{Result, Store};

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A change to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// Who made the change (user name, or `system` for jobs).
    pub actor: &'a str,
    /// When.
    pub at: NaiveDateTime,
    /// What was done, such as `person.create`.
    pub action: &'a str,
    /// The kind of record changed, such as `person`.
    pub entity_type: &'a str,
    /// Its id.
    pub entity_id: String,
    /// The record before, as JSON (`None` for a creation).
    pub before: Option<serde_json::Value>,
    /// The record after, as JSON (`None` for a removal).
    pub after: Option<serde_json::Value>,
}

/// A stored audit event.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, ISO text in UTC.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Kind of record.
    pub entity_type: String,
    /// Its id.
    pub entity_id: String,
    /// JSON before.
    pub before_json: Option<String>,
    /// JSON after.
    pub after_json: Option<String>,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The hash of an event's fields chained to `prev_hash`.
pub fn event_hash(e: &Event) -> String {
    let canonical = serde_json::json!([
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.entity_type,
        e.entity_id,
        e.before_json,
        e.after_json
    ]);
    let mut h = Sha256::new();
    h.update(e.prev_hash.as_bytes());
    h.update(canonical.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Formats a moment the way the store keeps it.
pub fn moment(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

impl WriteTx {
    /// Appends an event to the chain inside this transaction and returns its sequence number
    /// (the chain of one: see [`WriteTx::audit_many`]).
    pub async fn audit(&mut self, e: NewEvent<'_>) -> Result<i64> {
        self.audit_many(vec![e]).await
    }
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every event matches its hash and its predecessor, and the head matches the last event.
    Intact {
        /// How many events were checked.
        events: i64,
        /// The last hash, which can be handed to a monitor as a checkpoint.
        head: String,
    },
    /// The first event that does not fit, and why.
    Broken {
        /// The sequence number where the chain breaks.
        seq: i64,
        /// What is wrong there.
        reason: String,
    },
}

fn event_from_row(row: &sqlx::any::AnyRow) -> Result<Event> {
    Ok(Event {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        entity_type: row.try_get("entity_type")?,
        entity_id: row.try_get("entity_id")?,
        before_json: row.try_get("before_json")?,
        after_json: row.try_get("after_json")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// The pure part of [`Store::verify_audit`]: events are fed in `seq` order, then the head.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    expected_seq: i64,
    prev: String,
}

impl Default for ChainCheck {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev: GENESIS.to_owned(),
        }
    }
}

impl ChainCheck {
    /// Checks the next stored event; the first one that does not fit ends the check.
    pub fn next(&mut self, e: &Event) -> std::result::Result<(), Verdict> {
        let expected_seq = self.expected_seq;
        if e.seq != expected_seq {
            return Err(Verdict::Broken {
                seq: expected_seq,
                reason: format!(
                    "event {expected_seq} is missing (the next stored event is {})",
                    e.seq
                ),
            });
        }
        if e.prev_hash != self.prev {
            return Err(Verdict::Broken {
                seq: e.seq,
                reason: "its link to the previous event does not match (an event before it \
                         was removed, replaced or reordered)"
                    .into(),
            });
        }
        if event_hash(e) != e.hash {
            return Err(Verdict::Broken {
                seq: e.seq,
                reason: "its content does not match its hash (the event was altered)".into(),
            });
        }
        self.prev.clone_from(&e.hash);
        self.expected_seq += 1;
        Ok(())
    }

    /// The verdict once every event was fed, given the recorded head.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Verdict {
        let last = self.expected_seq - 1;
        if head_seq != last || head_hash != self.prev {
            return Verdict::Broken {
                seq: head_seq,
                reason: format!(
                    "the chain ends at event {last} but the recorded head is event {head_seq} \
                     (events at the end were removed, or the head was altered)"
                ),
            };
        }
        Verdict::Intact {
            events: last,
            head: self.prev,
        }
    }
}

const EVENT_COLUMNS: &str =
    "seq, at, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash";

impl Store {
    /// Recomputes the whole chain, streaming the events in order.
    pub async fn verify_audit(&self) -> Result<Verdict> {
        let mut conn = self.read().await?;
        let sql = format!("SELECT {EVENT_COLUMNS} FROM audit_events ORDER BY seq");
        let mut rows = sqlx::query(&sql).fetch(&mut *conn);
        let mut check = ChainCheck::default();
        while let Some(row) = rows.try_next().await? {
            if let Err(broken) = check.next(&event_from_row(&row)?) {
                return Ok(broken);
            }
        }
        drop(rows);
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        Ok(check.finish(head.try_get("seq")?, &head.try_get::<String, _>("hash")?))
    }

    /// The events about one record, oldest first.
    pub async fn audit_of(&self, entity_type: &str, entity_id: &str) -> Result<Vec<Event>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM audit_events WHERE entity_type = $1 AND entity_id = $2 \
             ORDER BY seq"
        );
        let rows = sqlx::query(&sql)
            .bind(entity_type)
            .bind(entity_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The most recent events, newest first.
    pub async fn audit_recent(&self, limit: i64) -> Result<Vec<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT $1");
        let rows = sqlx::query(&sql).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(event_from_row).collect()
    }
}
