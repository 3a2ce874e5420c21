//! Running counts behind the dashboard (migration 0014): one row per key of a dimension,
//! kept by triggers in the same transaction as the rows they count, so the figures of a
//! registry of a million persons come from a few thousand small rows.
//!
//! [`Store::tally_drift`] recounts every dimension from the tables themselves; it is what the
//! tests compare with, and what an operator can run when in doubt.

use sqlx::Row;

use crate::{Result, Store};

/// One key of a dimension and its count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tally {
    /// First key (e.g. the sex, the status, the country).
    pub k1: String,
    /// Second key (e.g. the birth day, the claim state).
    pub k2: String,
    /// Third key (the kind of date of birth).
    pub k3: String,
    /// How many.
    pub n: i64,
}

/// The recount of every dimension straight from the tables, in the tallies' shape.
const RECOUNT: &[(&str, &str)] = &[
    (
        "birth",
        "SELECT sex AS k1, birth_approx AS k2, dob_kind AS k3, COUNT(*) AS n FROM persons \
         GROUP BY sex, birth_approx, dob_kind",
    ),
    (
        "status",
        "SELECT status AS k1, '' AS k2, '' AS k3, COUNT(*) AS n FROM persons GROUP BY status",
    ),
    (
        "site",
        "SELECT COALESCE(CAST(current_site_id AS TEXT), '') AS k1, '' AS k2, '' AS k3, \
         COUNT(*) AS n FROM persons GROUP BY current_site_id",
    ),
    (
        "flag",
        "SELECT 'pregnant' AS k1, '' AS k2, '' AS k3, COUNT(*) AS n FROM persons \
         WHERE pregnant_due IS NOT NULL \
         UNION ALL SELECT 'unaccompanied', '', '', COUNT(*) FROM persons WHERE unaccompanied = 1 \
         UNION ALL SELECT 'father_unknown', '', '', COUNT(*) FROM persons WHERE father_unknown = 1",
    ),
    (
        "documented",
        "SELECT '' AS k1, '' AS k2, '' AS k3, COUNT(DISTINCT person_id) AS n FROM documents",
    ),
    (
        "claim",
        "SELECT country_code AS k1, state AS k2, '' AS k3, COUNT(*) AS n \
         FROM nationality_claims GROUP BY country_code, state",
    ),
    (
        "admitted",
        "SELECT SUBSTR(m, 1, 7) AS k1, '' AS k2, '' AS k3, COUNT(*) AS n \
         FROM (SELECT MIN(start_at) AS m FROM custody_episodes GROUP BY person_id) x \
         GROUP BY SUBSTR(m, 1, 7)",
    ),
];

fn rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Tally>> {
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(Tally {
                k1: r.try_get::<Option<String>, _>("k1")?.unwrap_or_default(),
                k2: r.try_get::<Option<String>, _>("k2")?.unwrap_or_default(),
                k3: r.try_get::<Option<String>, _>("k3")?.unwrap_or_default(),
                n: r.try_get("n")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.retain(|t| t.n != 0);
    out.sort();
    Ok(out)
}

impl Store {
    /// Every non-zero key of a dimension, in key order.
    pub async fn tallies(&self, dim: &str) -> Result<Vec<Tally>> {
        let found = sqlx::query(
            "SELECT k1, k2, k3, n FROM tallies WHERE dim = $1 AND n <> 0 ORDER BY k1, k2, k3",
        )
        .bind(dim)
        .fetch_all(self.pool())
        .await?;
        rows(&found)
    }

    /// The sum of a dimension, or of its keys with `k1 = key` when given.
    pub(crate) async fn tally_sum(&self, dim: &str, k1: Option<&str>) -> Result<i64> {
        let row =
            match k1 {
                Some(k) => {
                    sqlx::query(
                        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM tallies \
                     WHERE dim = $1 AND k1 = $2",
                    )
                    .bind(dim)
                    .bind(k)
                    .fetch_one(self.pool())
                    .await?
                }
                None => sqlx::query(
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM tallies WHERE dim = $1",
                )
                .bind(dim)
                .fetch_one(self.pool())
                .await?,
            };
        Ok(row.try_get("n")?)
    }

    /// Persons born in `[from, to]` (days `YYYY-MM-DD`), of one sex when given.
    pub(crate) async fn tally_born_between(
        &self,
        sex: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM tallies WHERE dim = 'birth' \
             AND ($1 = '' OR k1 = $1) AND k2 >= $2 AND k2 <= $3",
        )
        .bind(sex.unwrap_or(""))
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Where the tallies and a recount from the tables disagree, one line per key
    /// (`dim k1/k2/k3: tallied N, counted M`); empty when they agree.
    pub async fn tally_drift(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (dim, sql) in RECOUNT {
            let counted = rows(&sqlx::query(sql).fetch_all(self.pool()).await?)?;
            let tallied = self.tallies(dim).await?;
            let key = |t: &Tally| (t.k1.clone(), t.k2.clone(), t.k3.clone());
            let counted: std::collections::BTreeMap<_, _> =
                counted.iter().map(|t| (key(t), t.n)).collect();
            let tallied: std::collections::BTreeMap<_, _> =
                tallied.iter().map(|t| (key(t), t.n)).collect();
            for k in counted.keys().chain(tallied.keys()) {
                let (a, b) = (
                    tallied.get(k).copied().unwrap_or(0),
                    counted.get(k).copied().unwrap_or(0),
                );
                let line = format!("{dim} {}/{}/{}: tallied {a}, counted {b}", k.0, k.1, k.2);
                if a != b && !out.contains(&line) {
                    out.push(line);
                }
            }
        }
        Ok(out)
    }
}
