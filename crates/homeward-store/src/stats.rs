//! Aggregate figures over the registry, computed in the database.

use chrono::NaiveDate;
use sqlx::Row;

use crate::{Result, Store};

/// Counts grouped by one key.
pub type Counts = Vec<(String, i64)>;

impl Store {
    /// How many persons there are.
    pub async fn count_persons(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM persons")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
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
        self.grouped(
            "SELECT sex AS k, COUNT(*) AS n FROM persons GROUP BY sex ORDER BY sex",
            &[],
        )
        .await
    }

    /// Persons by status.
    pub async fn count_by_status(&self) -> Result<Counts> {
        self.grouped(
            "SELECT status AS k, COUNT(*) AS n FROM persons GROUP BY status ORDER BY status",
            &[],
        )
        .await
    }

    /// Persons by claimed nationality (a person with two claims counts under both).
    pub async fn count_by_nationality(&self) -> Result<Counts> {
        self.grouped(
            "SELECT country_code AS k, COUNT(DISTINCT person_id) AS n FROM nationality_claims \
             GROUP BY country_code ORDER BY country_code",
            &[],
        )
        .await
    }

    /// Persons by current site code (`none` for those not held).
    pub async fn count_by_site(&self) -> Result<Counts> {
        self.grouped(
            "SELECT COALESCE(s.code, 'none') AS k, COUNT(*) AS n FROM persons p \
             LEFT JOIN sites s ON s.id = p.current_site_id GROUP BY COALESCE(s.code, 'none') \
             ORDER BY k",
            &[],
        )
        .await
    }

    /// Persons by claim verification state.
    pub async fn count_by_claim_state(&self) -> Result<Counts> {
        self.grouped(
            "SELECT state AS k, COUNT(*) AS n FROM nationality_claims GROUP BY state ORDER BY state",
            &[],
        )
        .await
    }

    /// Persons born on or after `from` and on or before `to` (best-guess birth dates).
    pub async fn count_born_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM persons WHERE birth_approx >= $1 AND birth_approx <= $2",
        )
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(to.format("%Y-%m-%d").to_string())
        .fetch_one(self.pool())
        .await?
        .try_get("n")?)
    }

    /// Women and girls recorded as pregnant.
    pub async fn count_pregnant(&self) -> Result<i64> {
        self.count_where("pregnant_due IS NOT NULL").await
    }

    /// Children whose father is recorded as unknown.
    pub async fn count_father_unknown(&self) -> Result<i64> {
        self.count_where("father_unknown = 1").await
    }

    /// Unaccompanied children.
    pub async fn count_unaccompanied(&self) -> Result<i64> {
        self.count_where("unaccompanied = 1").await
    }

    /// Persons without any document.
    pub async fn count_without_documents(&self) -> Result<i64> {
        self.count_where("NOT EXISTS (SELECT 1 FROM documents d WHERE d.person_id = persons.id)")
            .await
    }

    async fn count_where(&self, clause: &str) -> Result<i64> {
        Ok(
            sqlx::query(&format!("SELECT COUNT(*) AS n FROM persons WHERE {clause}"))
                .fetch_one(self.pool())
                .await?
                .try_get("n")?,
        )
    }
}

impl Store {
    /// Women and girls born in a range (best-guess birth dates).
    pub async fn count_women_born_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM persons WHERE sex = 'female' AND birth_approx >= $1 \
             AND birth_approx <= $2",
        )
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(to.format("%Y-%m-%d").to_string())
        .fetch_one(self.pool())
        .await?
        .try_get("n")?)
    }
}

impl Store {
    /// The sequence number of the last audit event: it changes with every write, so readers
    /// can tell whether what they cached is stale.
    pub async fn audit_head(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(self.pool())
            .await?
            .try_get("seq")?)
    }
}
