//! Scheduled background jobs. Every server checks on a timer; the run of a job for its period
//! (the daily review of one day) is claimed in the database, so with several servers on one
//! database it runs once. A server that dies half-way leaves a claim whose lease runs out, and
//! another server then takes the run over (the review itself is idempotent).

use chrono::Duration;
use homeward_store::audit::NewEvent;
use serde_json::json;

use crate::{App, AppError};

/// The name of the daily review job in the claims table.
pub const DAILY_REVIEW: &str = "daily_review";

/// How long a claim holds before another server may take the run over.
pub const LEASE_MINUTES: i64 = 30;

impl App {
    /// Runs today's daily review if this server (`server`, a name unique among the servers)
    /// claims it: `Some(new tasks)` when it ran here, `None` when another server has it.
    pub async fn run_scheduled_review(&self, server: &str) -> Result<Option<usize>, AppError> {
        let now = self.now();
        let period = now.date().format("%Y-%m-%d").to_string();
        let mut tx = self.store().begin().await?;
        let claimed = tx
            .claim_job(
                DAILY_REVIEW,
                &period,
                server,
                now,
                now + Duration::minutes(LEASE_MINUTES),
            )
            .await?;
        let Some(claim) = claimed else {
            tx.rollback().await?;
            return Ok(None);
        };
        tx.audit(NewEvent {
            actor: "system",
            at: now,
            action: "job.claim",
            entity_type: "job",
            entity_id: format!("{DAILY_REVIEW}:{period}"),
            before: None,
            after: Some(json!(claim)),
        })
        .await?;
        tx.commit().await?;
        let added = self.run_due_jobs().await?;
        let mut tx = self.store().begin().await?;
        let done = self.now();
        if tx
            .finish_job(
                DAILY_REVIEW,
                &period,
                server,
                done,
                &format!("{added} new tasks"),
            )
            .await?
        {
            tx.audit(NewEvent {
                actor: "system",
                at: done,
                action: "job.finish",
                entity_type: "job",
                entity_id: format!("{DAILY_REVIEW}:{period}"),
                before: None,
                after: Some(json!({ "server": server, "new_tasks": added })),
            })
            .await?;
        }
        tx.commit().await?;
        Ok(Some(added))
    }
}
