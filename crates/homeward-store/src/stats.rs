//! Aggregate figures over the registry. The person counts come from the running tallies
//! (`tallies.rs`), kept in the same transaction as the rows they count.

use chrono::NaiveDate;
use sqlx::Row;

use crate::{Result, Store};

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Counts grouped by one key.
pub type Counts = Vec<(String, i64)>;

impl Store {
    /// How many persons there are.
    pub async fn count_persons(&self) -> Result<i64> {
        self.tally_sum("status", None).await
    }

    /// A dimension's tallies summed by their first key.
    async fn tallied_by_k1(&self, dim: &str) -> Result<Counts> {
        let mut out: Counts = Vec::new();
        for t in self.tallies(dim).await? {
            match out.last_mut() {
                Some((k, n)) if *k == t.k1 => *n += t.n,
                _ => out.push((t.k1, t.n)),
            }
        }
        Ok(out)
    }

    /// Runs a grouping query returning `k` and `n` columns.
    async fn grouped(&self, sql: &str, binds: &[String]) -> Result<Counts> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<Option<String>, _>("k")?.unwrap_or_default(),
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Persons by sex.
    pub async fn count_by_sex(&self) -> Result<Counts> {
        self.tallied_by_k1("birth").await
    }

    /// Persons by status.
    pub async fn count_by_status(&self) -> Result<Counts> {
        self.tallied_by_k1("status").await
    }

    /// Persons by claimed nationality (a person with two claims counts under both).
    pub async fn count_by_nationality(&self) -> Result<Counts> {
        // A person holds at most one claim per country: claims per country are persons.
        self.tallied_by_k1("claim").await
    }

    /// Persons by current site code (`none` for those not held).
    pub async fn count_by_site(&self) -> Result<Counts> {
        self.grouped(
            "SELECT COALESCE(s.code, 'none') AS k, CAST(SUM(t.n) AS BIGINT) AS n FROM tallies t \
             LEFT JOIN sites s ON CAST(s.id AS TEXT) = t.k1 WHERE t.dim = 'site' AND t.n <> 0 \
             GROUP BY COALESCE(s.code, 'none') ORDER BY k",
            &[],
        )
        .await
    }

    /// Persons by claim verification state.
    pub async fn count_by_claim_state(&self) -> Result<Counts> {
        self.grouped(
            "SELECT k2 AS k, CAST(SUM(n) AS BIGINT) AS n FROM tallies WHERE dim = 'claim' \
             AND n <> 0 GROUP BY k2 ORDER BY k2",
            &[],
        )
        .await
    }

    /// Persons born on or after `from` and on or before `to` (best-guess birth dates).
    pub async fn count_born_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64> {
        self.tally_born_between(None, &day(from), &day(to)).await
    }

    /// Women and girls recorded as pregnant.
    pub async fn count_pregnant(&self) -> Result<i64> {
        self.tally_sum("flag", Some("pregnant")).await
    }

    /// Children whose father is recorded as unknown.
    pub async fn count_father_unknown(&self) -> Result<i64> {
        self.tally_sum("flag", Some("father_unknown")).await
    }

    /// Unaccompanied children.
    pub async fn count_unaccompanied(&self) -> Result<i64> {
        self.tally_sum("flag", Some("unaccompanied")).await
    }

    /// Persons without any document.
    pub async fn count_without_documents(&self) -> Result<i64> {
        Ok(self.count_persons().await? - self.tally_sum("documented", None).await?)
    }
}

impl Store {
    /// Women and girls born in a range (best-guess birth dates).
    pub async fn count_women_born_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64> {
        self.tally_born_between(Some("female"), &day(from), &day(to))
            .await
    }
}

impl Store {
    /// A counter that moves (in the writing transaction) whenever something the search index
    /// is built from changes: persons' identifying facts, names, documents, claims, merges.
    pub async fn search_epoch(&self) -> Result<i64> {
        Ok(
            sqlx::query("SELECT n FROM change_epochs WHERE name = 'search'")
                .fetch_one(self.pool())
                .await?
                .try_get("n")?,
        )
    }

    /// The sequence number of the last audit event: it changes with every write, so readers
    /// can tell whether what they cached is stale.
    pub async fn audit_head(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(self.pool())
            .await?
            .try_get("seq")?)
    }
}
