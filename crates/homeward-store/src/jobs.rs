//! Claims of background job runs: with several servers on one database, each run of a job (a
//! job name and a period, e.g. the daily review of one day) is claimed by one server only. The
//! claim is taken inside a [`WriteTx`], which queues writers on the audit head, so two servers
//! cannot both see the run as free; a claim whose lease ran out unfinished may be taken over.

use chrono::NaiveDateTime;
use sqlx::Row;

use crate::Result;
use crate::audit::moment;
use crate::connect::WriteTx;

/// A job run as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobRun {
    pub job: String,
    pub period: String,
    pub claimed_by: String,
    pub claimed_at: String,
    pub lease_until: String,
    pub finished_at: Option<String>,
    pub result: Option<String>,
}

impl JobRun {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self> {
        Ok(Self {
            job: r.try_get("job")?,
            period: r.try_get("period")?,
            claimed_by: r.try_get("claimed_by")?,
            claimed_at: r.try_get("claimed_at")?,
            lease_until: r.try_get("lease_until")?,
            finished_at: r.try_get("finished_at")?,
            result: r.try_get("result")?,
        })
    }
}

impl WriteTx {
    /// Claims the run of `job` for `period` for `by` until `lease_until`. Returns the claim, or
    /// `None` when another server holds it (finished, or its lease still running).
    pub async fn claim_job(
        &mut self,
        job: &str,
        period: &str,
        by: &str,
        now: NaiveDateTime,
        lease_until: NaiveDateTime,
    ) -> Result<Option<JobRun>> {
        let current = sqlx::query("SELECT * FROM job_runs WHERE job = $1 AND period = $2")
            .bind(job)
            .bind(period)
            .fetch_optional(self.conn())
            .await?
            .map(|r| JobRun::from_row(&r))
            .transpose()?;
        match current {
            None => {
                sqlx::query(
                    "INSERT INTO job_runs (job, period, claimed_by, claimed_at, lease_until) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(job)
                .bind(period)
                .bind(by)
                .bind(moment(now))
                .bind(moment(lease_until))
                .execute(self.conn())
                .await?;
            }
            Some(run) if run.finished_at.is_none() && run.lease_until < moment(now) => {
                sqlx::query(
                    "UPDATE job_runs SET claimed_by = $1, claimed_at = $2, lease_until = $3 \
                     WHERE job = $4 AND period = $5",
                )
                .bind(by)
                .bind(moment(now))
                .bind(moment(lease_until))
                .bind(job)
                .bind(period)
                .execute(self.conn())
                .await?;
            }
            Some(_) => return Ok(None),
        }
        Ok(Some(JobRun {
            job: job.to_owned(),
            period: period.to_owned(),
            claimed_by: by.to_owned(),
            claimed_at: moment(now),
            lease_until: moment(lease_until),
            finished_at: None,
            result: None,
        }))
    }

    /// Marks a claimed run finished with its result, if `by` still holds it.
    pub async fn finish_job(
        &mut self,
        job: &str,
        period: &str,
        by: &str,
        now: NaiveDateTime,
        result: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE job_runs SET finished_at = $1, result = $2 \
             WHERE job = $3 AND period = $4 AND claimed_by = $5 AND finished_at IS NULL",
        )
        .bind(moment(now))
        .bind(result)
        .bind(job)
        .bind(period)
        .bind(by)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl crate::Store {
    /// Every recorded run of `job`, oldest period first.
    pub async fn job_runs(&self, job: &str) -> Result<Vec<JobRun>> {
        sqlx::query("SELECT * FROM job_runs WHERE job = $1 ORDER BY period")
            .bind(job)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(JobRun::from_row)
            .collect()
    }
}
