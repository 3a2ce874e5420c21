//! Identity resolution at work: the duplicate review queue, reversible merges, tracing
//! requests and countries' lists of nationals matched in bulk.
//!
//! A merged person keeps their row, names and documents; an active row in `person_merges`
//! hides them from every person read of this crate (see `registry.rs`), and undoing the merge
//! shows them again exactly as they were.

use chrono::NaiveDateTime;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::moment;
use crate::connect::WriteTx;
use crate::rows::{EpisodeRow, PERSON_COLUMNS, PersonRow};
use crate::{Result, Store, StoreError, classify};

/// A candidate pair in the review queue.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReviewRow {
    pub id: i64,
    pub left_id: i64,
    pub right_id: i64,
    pub probability: f64,
    /// The field-by-field explanation, as JSON.
    pub explanation_json: String,
    /// `pending`, `confirmed` or `rejected`.
    pub state: String,
    pub proposed_by: String,
    pub proposed_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub version: i64,
}

impl ReviewRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            left_id: r.try_get("left_id")?,
            right_id: r.try_get("right_id")?,
            probability: r.try_get("probability")?,
            explanation_json: r.try_get("explanation_json")?,
            state: r.try_get("state")?,
            proposed_by: r.try_get("proposed_by")?,
            proposed_at: r.try_get("proposed_at")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: r.try_get("decided_at")?,
            version: r.try_get("version")?,
        })
    }
}

/// A merge of one person into another, active until undone.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MergeRow {
    pub id: i64,
    pub review_id: Option<i64>,
    pub survivor_id: i64,
    pub merged_id: i64,
    pub merged_by: String,
    pub merged_at: String,
    /// The merged person's open custody episode, closed by the merge.
    pub closed_episode_id: Option<i64>,
    /// The merged person's site before the merge.
    pub merged_site_id: Option<i64>,
    /// The survivor's episode opened by the merge (the survivor had no current site).
    pub opened_episode_id: Option<i64>,
    pub undone_by: Option<String>,
    pub undone_at: Option<String>,
}

impl MergeRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            review_id: r.try_get("review_id")?,
            survivor_id: r.try_get("survivor_id")?,
            merged_id: r.try_get("merged_id")?,
            merged_by: r.try_get("merged_by")?,
            merged_at: r.try_get("merged_at")?,
            closed_episode_id: r.try_get("closed_episode_id")?,
            merged_site_id: r.try_get("merged_site_id")?,
            opened_episode_id: r.try_get("opened_episode_id")?,
            undone_by: r.try_get("undone_by")?,
            undone_at: r.try_get("undone_at")?,
        })
    }
}

/// A tracing request as stored.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct TracingRow {
    pub id: i64,
    /// Every name of the sought person, one a line, as the relative gave them.
    pub sought_names: String,
    pub sex: Option<String>,
    pub birth_year: Option<i64>,
    pub age: Option<i64>,
    /// Place of birth or last known place.
    pub place: Option<String>,
    pub mother_name: Option<String>,
    pub father_name: Option<String>,
    pub nationality: Option<String>,
    pub requester_name: String,
    pub relationship: String,
    /// `icrc`, `family`, `embassy`, `ngo` or `other`.
    pub channel: String,
    pub contact: String,
    pub note: String,
    /// `open`, `found`, `not_found` or `closed`.
    pub state: String,
    pub found_person_id: Option<i64>,
    pub outcome_note: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub version: i64,
}

impl TracingRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            sought_names: r.try_get("sought_names")?,
            sex: r.try_get("sex")?,
            birth_year: r.try_get("birth_year")?,
            age: r.try_get("age")?,
            place: r.try_get("place")?,
            mother_name: r.try_get("mother_name")?,
            father_name: r.try_get("father_name")?,
            nationality: r.try_get("nationality")?,
            requester_name: r.try_get("requester_name")?,
            relationship: r.try_get("relationship")?,
            channel: r.try_get("channel")?,
            contact: r.try_get("contact")?,
            note: r.try_get("note")?,
            state: r.try_get("state")?,
            found_person_id: r.try_get("found_person_id")?,
            outcome_note: r.try_get("outcome_note")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: r.try_get("decided_at")?,
            version: r.try_get("version")?,
        })
    }
}

/// A list of nationals matched against the registry: the results, not the list.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ListMatchRow {
    pub id: i64,
    pub uploaded_by: String,
    /// The country a consular officer's results were restricted to.
    pub scope_country: Option<String>,
    pub file_name: String,
    pub row_count: i64,
    pub matched_count: i64,
    /// Every list row with its best candidates, as JSON.
    pub results_json: String,
    pub created_at: String,
}

impl ListMatchRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            uploaded_by: r.try_get("uploaded_by")?,
            scope_country: r.try_get("scope_country")?,
            file_name: r.try_get("file_name")?,
            row_count: r.try_get("row_count")?,
            matched_count: r.try_get("matched_count")?,
            results_json: r.try_get("results_json")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

async fn review(conn: &mut AnyConnection, id: i64) -> Result<ReviewRow> {
    let row = sqlx::query("SELECT * FROM duplicate_reviews WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("review {id}")))?;
    ReviewRow::from_row(&row)
}

async fn merge(conn: &mut AnyConnection, id: i64) -> Result<MergeRow> {
    let row = sqlx::query("SELECT * FROM person_merges WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("merge {id}")))?;
    MergeRow::from_row(&row)
}

async fn tracing(conn: &mut AnyConnection, id: i64) -> Result<TracingRow> {
    let row = sqlx::query("SELECT * FROM tracing_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("tracing request {id}")))?;
    TracingRow::from_row(&row)
}

/// A person whether merged away or not (for merges, undo and reviewers' labels only).
async fn person_any(conn: &mut AnyConnection, id: i64) -> Result<PersonRow> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
    PersonRow::from_row(&row)
}

/// A tracing request to record.
#[derive(Debug, Clone, Default)]
pub struct NewTracing {
    pub sought_names: String,
    pub sex: Option<String>,
    pub birth_year: Option<i64>,
    pub age: Option<i64>,
    pub place: Option<String>,
    pub mother_name: Option<String>,
    pub father_name: Option<String>,
    pub nationality: Option<String>,
    pub requester_name: String,
    pub relationship: String,
    pub channel: String,
    pub contact: String,
    pub note: String,
}

/// What a merge changed in custody, to be undone exactly.
#[derive(Debug, Clone, Copy, Default)]
pub struct MergeCustody {
    pub closed_episode_id: Option<i64>,
    pub merged_site_id: Option<i64>,
    pub opened_episode_id: Option<i64>,
}

impl WriteTx {
    /// Adds a pending pair unless the pair was ever proposed; returns it when added.
    pub async fn propose_pair(
        &mut self,
        left: i64,
        right: i64,
        probability: f64,
        explanation_json: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<Option<ReviewRow>> {
        let (left, right) = (left.min(right), left.max(right));
        let known =
            sqlx::query("SELECT id FROM duplicate_reviews WHERE left_id = $1 AND right_id = $2")
                .bind(left)
                .bind(right)
                .fetch_optional(self.conn())
                .await?;
        if known.is_some() {
            return Ok(None);
        }
        let row = sqlx::query(
            "INSERT INTO duplicate_reviews (left_id, right_id, probability, explanation_json, \
             state, proposed_by, proposed_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6) \
             RETURNING *",
        )
        .bind(left)
        .bind(right)
        .bind(probability)
        .bind(explanation_json)
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        Ok(Some(ReviewRow::from_row(&row)?))
    }

    /// A review, inside the transaction.
    pub async fn review(&mut self, id: i64) -> Result<ReviewRow> {
        review(self.conn(), id).await
    }

    /// Sets a review's state if it is still at `version`.
    pub async fn set_review_state(
        &mut self,
        id: i64,
        state: &str,
        by: Option<&str>,
        at: Option<NaiveDateTime>,
        version: i64,
    ) -> Result<ReviewRow> {
        let done = sqlx::query(
            "UPDATE duplicate_reviews SET state = $1, decided_by = $2, decided_at = $3, \
             version = version + 1 WHERE id = $4 AND version = $5",
        )
        .bind(state)
        .bind(by)
        .bind(at.map(moment))
        .bind(id)
        .bind(version)
        .execute(self.conn())
        .await?;
        let now = review(self.conn(), id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                entity: format!("review {id}"),
                expected: version,
                found: now.version,
            });
        }
        Ok(now)
    }

    /// A person whether merged away or not.
    pub async fn person_any(&mut self, id: i64) -> Result<PersonRow> {
        person_any(self.conn(), id).await
    }

    /// The open custody episode of a person, if any.
    pub async fn open_episode(&mut self, person: i64) -> Result<Option<EpisodeRow>> {
        let row =
            sqlx::query("SELECT * FROM custody_episodes WHERE person_id = $1 AND end_at IS NULL")
                .bind(person)
                .fetch_optional(self.conn())
                .await?;
        row.as_ref().map(EpisodeRow::from_row).transpose()
    }

    /// Ends an episode (no later than it began) and clears the person's current site.
    pub async fn close_episode_for_merge(
        &mut self,
        episode: &EpisodeRow,
        at: NaiveDateTime,
    ) -> Result<()> {
        let at = moment(at).max(episode.start_at.clone());
        sqlx::query("UPDATE custody_episodes SET end_at = $1 WHERE id = $2 AND end_at IS NULL")
            .bind(at)
            .bind(episode.id)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE persons SET current_site_id = NULL WHERE id = $1")
            .bind(episode.person_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records a merge.
    pub async fn insert_merge(
        &mut self,
        review_id: Option<i64>,
        survivor: i64,
        merged: i64,
        custody: MergeCustody,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<MergeRow> {
        let row = sqlx::query(
            "INSERT INTO person_merges (review_id, survivor_id, merged_id, merged_by, merged_at, \
             closed_episode_id, merged_site_id, opened_episode_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind(review_id)
        .bind(survivor)
        .bind(merged)
        .bind(by)
        .bind(moment(at))
        .bind(custody.closed_episode_id)
        .bind(custody.merged_site_id)
        .bind(custody.opened_episode_id)
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        MergeRow::from_row(&row)
    }

    /// A merge, inside the transaction.
    pub async fn merge(&mut self, id: i64) -> Result<MergeRow> {
        merge(self.conn(), id).await
    }

    /// The active merge a review led to, if any.
    pub async fn active_merge_of_review(&mut self, review_id: i64) -> Result<Option<MergeRow>> {
        let row =
            sqlx::query("SELECT * FROM person_merges WHERE review_id = $1 AND undone_at IS NULL")
                .bind(review_id)
                .fetch_optional(self.conn())
                .await?;
        row.as_ref().map(MergeRow::from_row).transpose()
    }

    /// Undoes a merge's custody changes exactly and marks it undone. Refused (conflict) when
    /// the survivor's custody moved on since the merge.
    pub async fn undo_merge(
        &mut self,
        m: &MergeRow,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<MergeRow> {
        if let Some(opened) = m.opened_episode_id {
            let open = self.open_episode(m.survivor_id).await?;
            if open.as_ref().map(|e| e.id) != Some(opened) {
                return Err(StoreError::Constraint(
                    "the surviving record was moved since the merge: undo that move first".into(),
                ));
            }
            sqlx::query("DELETE FROM custody_episodes WHERE id = $1")
                .bind(opened)
                .execute(self.conn())
                .await?;
            sqlx::query("UPDATE persons SET current_site_id = NULL WHERE id = $1")
                .bind(m.survivor_id)
                .execute(self.conn())
                .await?;
        }
        if let Some(closed) = m.closed_episode_id {
            sqlx::query("UPDATE custody_episodes SET end_at = NULL WHERE id = $1")
                .bind(closed)
                .execute(self.conn())
                .await
                .map_err(classify)?;
            sqlx::query("UPDATE persons SET current_site_id = $1 WHERE id = $2")
                .bind(m.merged_site_id)
                .bind(m.merged_id)
                .execute(self.conn())
                .await?;
        }
        let done = sqlx::query(
            "UPDATE person_merges SET undone_by = $1, undone_at = $2 \
             WHERE id = $3 AND undone_at IS NULL",
        )
        .bind(by)
        .bind(moment(at))
        .bind(m.id)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Constraint(format!(
                "merge {} is already undone",
                m.id
            )));
        }
        merge(self.conn(), m.id).await
    }

    /// Records a tracing request, open.
    pub async fn insert_tracing(
        &mut self,
        t: &NewTracing,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<TracingRow> {
        let row = sqlx::query(
            "INSERT INTO tracing_requests (sought_names, sex, birth_year, age, place, \
             mother_name, father_name, nationality, requester_name, relationship, channel, \
             contact, note, state, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14, $15) \
             RETURNING *",
        )
        .bind(&t.sought_names)
        .bind(&t.sex)
        .bind(t.birth_year)
        .bind(t.age)
        .bind(&t.place)
        .bind(&t.mother_name)
        .bind(&t.father_name)
        .bind(&t.nationality)
        .bind(&t.requester_name)
        .bind(&t.relationship)
        .bind(&t.channel)
        .bind(&t.contact)
        .bind(&t.note)
        .bind(by)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        TracingRow::from_row(&row)
    }

    /// A tracing request, inside the transaction.
    pub async fn tracing(&mut self, id: i64) -> Result<TracingRow> {
        tracing(self.conn(), id).await
    }

    /// Records the outcome of a tracing request if it is still at `version`.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_tracing_outcome(
        &mut self,
        id: i64,
        state: &str,
        found_person_id: Option<i64>,
        note: &str,
        by: &str,
        at: NaiveDateTime,
        version: i64,
    ) -> Result<TracingRow> {
        let done = sqlx::query(
            "UPDATE tracing_requests SET state = $1, found_person_id = $2, outcome_note = $3, \
             decided_by = $4, decided_at = $5, version = version + 1 \
             WHERE id = $6 AND version = $7",
        )
        .bind(state)
        .bind(found_person_id)
        .bind(note)
        .bind(by)
        .bind(moment(at))
        .bind(id)
        .bind(version)
        .execute(self.conn())
        .await
        .map_err(classify)?;
        let now = tracing(self.conn(), id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                entity: format!("tracing request {id}"),
                expected: version,
                found: now.version,
            });
        }
        Ok(now)
    }

    /// Stores the results of a list match.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_list_match(
        &mut self,
        by: &str,
        scope_country: Option<&str>,
        file_name: &str,
        row_count: i64,
        matched_count: i64,
        results_json: &str,
        at: NaiveDateTime,
    ) -> Result<ListMatchRow> {
        let row = sqlx::query(
            "INSERT INTO list_matches (uploaded_by, scope_country, file_name, row_count, \
             matched_count, results_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING *",
        )
        .bind(by)
        .bind(scope_country)
        .bind(file_name)
        .bind(row_count)
        .bind(matched_count)
        .bind(results_json)
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        ListMatchRow::from_row(&row)
    }
}

impl Store {
    /// Reviews in a state (every state when `None`), most likely first.
    pub async fn reviews(&self, state: Option<&str>, limit: i64) -> Result<Vec<ReviewRow>> {
        let rows = match state {
            Some(s) => {
                sqlx::query(
                    "SELECT * FROM duplicate_reviews WHERE state = $1 \
                     ORDER BY probability DESC, id LIMIT $2",
                )
                .bind(s)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT * FROM duplicate_reviews ORDER BY probability DESC, id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(ReviewRow::from_row).collect()
    }

    /// Every decided review (confirmed or rejected): the reviewers' labels.
    pub async fn decided_reviews(&self) -> Result<Vec<ReviewRow>> {
        let rows = sqlx::query(
            "SELECT * FROM duplicate_reviews WHERE state IN ('confirmed', 'rejected') ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(ReviewRow::from_row).collect()
    }

    /// A review.
    pub async fn review(&self, id: i64) -> Result<ReviewRow> {
        review(&mut *self.read().await?, id).await
    }

    /// A merge.
    pub async fn merge(&self, id: i64) -> Result<MergeRow> {
        merge(&mut *self.read().await?, id).await
    }

    /// The merges of a review, newest first.
    pub async fn merges_of_review(&self, review_id: i64) -> Result<Vec<MergeRow>> {
        let rows = sqlx::query("SELECT * FROM person_merges WHERE review_id = $1 ORDER BY id DESC")
            .bind(review_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(MergeRow::from_row).collect()
    }

    /// The active merges into a surviving person.
    pub async fn merges_into(&self, survivor: i64) -> Result<Vec<MergeRow>> {
        let rows = sqlx::query(
            "SELECT * FROM person_merges WHERE survivor_id = $1 AND undone_at IS NULL ORDER BY id",
        )
        .bind(survivor)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(MergeRow::from_row).collect()
    }

    /// Every active merge.
    pub async fn active_merges(&self) -> Result<Vec<MergeRow>> {
        let rows = sqlx::query("SELECT * FROM person_merges WHERE undone_at IS NULL ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(MergeRow::from_row).collect()
    }

    /// A person whether merged away or not (for merges and reviewers' labels only; person
    /// reads for people go through the scoped reads).
    pub async fn person_any(&self, id: i64) -> Result<PersonRow> {
        person_any(&mut *self.read().await?, id).await
    }

    /// Tracing requests in a state (every state when `None`), newest first.
    pub async fn tracing_requests(&self, state: Option<&str>) -> Result<Vec<TracingRow>> {
        let rows = match state {
            Some(s) => {
                sqlx::query("SELECT * FROM tracing_requests WHERE state = $1 ORDER BY id DESC")
                    .bind(s)
                    .fetch_all(self.pool())
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM tracing_requests ORDER BY id DESC")
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(TracingRow::from_row).collect()
    }

    /// A tracing request.
    pub async fn tracing(&self, id: i64) -> Result<TracingRow> {
        tracing(&mut *self.read().await?, id).await
    }

    /// The list matches a user uploaded, newest first.
    pub async fn list_matches_of(&self, user: &str) -> Result<Vec<ListMatchRow>> {
        let rows =
            sqlx::query("SELECT * FROM list_matches WHERE uploaded_by = $1 ORDER BY id DESC")
                .bind(user)
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(ListMatchRow::from_row).collect()
    }

    /// A list match.
    pub async fn list_match(&self, id: i64) -> Result<ListMatchRow> {
        let row = sqlx::query("SELECT * FROM list_matches WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("list match {id}")))?;
        ListMatchRow::from_row(&row)
    }
}
