//! The access log's writer: views are written in groups, each caller waiting until its own
//! entry is committed.
//!
//! Every view of a person file writes a row. Written one by one, each view is its own
//! transaction, and on SQLite every transaction waits for the single writer and for its own
//! flush to disk: under many readers at once the views queue behind each other. Here one task
//! per store takes whatever entries are waiting, writes them in one multi-row statement (one
//! transaction, one flush), and then answers every caller of the group. A caller returns only
//! after its entry is committed, exactly as before; only the number of transactions changes.
//! Without a running Tokio runtime, or if the task is gone, an entry is written directly.

use std::fmt;
use std::sync::{Arc, OnceLock};

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// Entries per statement at most (six values each: SQLite binds slowly past a few hundred
/// parameters, see `bulk`).
const MAX_GROUP: usize = 40;

/// One view or download to record.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub at: String,
    pub username: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub detail: String,
}

type Done = oneshot::Sender<std::result::Result<(), String>>;
type Queue = mpsc::UnboundedSender<(Entry, Done)>;

/// The store's handle on its writer task, started on first use (`None`: no runtime to run it).
#[derive(Clone, Default)]
pub(crate) struct ViewWriter(Arc<OnceLock<Option<Queue>>>);

impl fmt::Debug for ViewWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ViewWriter")
    }
}

impl ViewWriter {
    /// Records `entry` and returns once it is committed.
    pub(crate) async fn append(&self, pool: &AnyPool, entry: Entry) -> Result<()> {
        let sender = self.0.get_or_init(|| {
            let handle = tokio::runtime::Handle::try_current().ok()?;
            let (tx, rx) = mpsc::unbounded_channel();
            handle.spawn(run(pool.clone(), rx));
            Some(tx)
        });
        if let Some(sender) = sender {
            let (done, answer) = oneshot::channel();
            if sender.send((entry.clone(), done)).is_ok()
                && let Ok(result) = answer.await
            {
                return result.map_err(StoreError::Corrupt);
            }
        }
        write(pool, &[entry]).await
    }
}

/// The writer task: one group per round, as large as what is waiting.
async fn run(pool: AnyPool, mut rx: mpsc::UnboundedReceiver<(Entry, Done)>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let entries: Vec<Entry> = group.iter().map(|(e, _)| e.clone()).collect();
        let result = write(&pool, &entries)
            .await
            .map_err(|e| format!("access log: {e}"));
        for (_, done) in group {
            let _ = done.send(result.clone());
        }
    }
}

async fn write(pool: &AnyPool, entries: &[Entry]) -> Result<()> {
    let sql = crate::bulk::values_sql(
        "INSERT INTO access_log (at, username, action, entity_type, entity_id, detail)",
        6,
        entries.len(),
    );
    let mut q = sqlx::query(&sql);
    for e in entries {
        q = q
            .bind(&e.at)
            .bind(&e.username)
            .bind(&e.action)
            .bind(&e.entity_type)
            .bind(&e.entity_id)
            .bind(&e.detail);
    }
    q.execute(pool).await?;
    Ok(())
}
