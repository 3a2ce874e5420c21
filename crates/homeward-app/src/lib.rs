//! homeward's use-cases: register a person, link a family, move someone, decide a claim.
//!
//! Each public function is one use-case. It opens one write transaction, reads what the domain
//! rules need inside it, lets `homeward-domain` decide, writes the change and its audit event,
//! and commits: a refused change leaves nothing behind. Handlers and the CLI stay thin and call
//! these functions; nothing here reads the clock directly (an [`App`] carries a [`Clock`]).

pub mod auth;
pub mod backup;
pub mod care;
pub mod clock;
pub mod courts;
pub mod demo;
pub mod dossier;
mod error;
pub mod identity;
pub mod import;
pub mod import_staging;
pub mod jobs;
pub mod placement;
pub mod registry;
pub mod repatriation;
pub mod reports;
pub mod sealed;
mod sitrep_pdf;
pub mod stats;
pub mod views;

use std::sync::Arc;

pub use clock::{Clock, FixedClock, ManualClock, SystemClock};
pub use error::{AppError, AuthNeed};
use homeward_store::Store;

/// Who is acting: recorded on every audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user name (or `system` for jobs, `cli` for the command line).
    pub name: String,
}

impl Actor {
    /// An actor by name.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
        }
    }
}

/// The application: the store and the clock every use-case needs.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    search: views::SearchSlot,
    figures: reports::FiguresSlot,
    keys: Arc<sealed::KeyRing>,
}

impl App {
    /// An app over a store, reading time from `clock`, sealing sensitive fields with a key
    /// that lives only as long as this process (the binary uses [`App::with_keys`]).
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self::with_keys(store, clock, sealed::ephemeral())
    }

    /// An app whose sensitive fields are sealed with the configured key ring.
    pub fn with_keys(store: Store, clock: Arc<dyn Clock>, keys: Arc<sealed::KeyRing>) -> Self {
        Self {
            store: store.with_cipher(keys.clone()),
            clock,
            search: Arc::default(),
            figures: Arc::default(),
            keys,
        }
    }

    /// The dashboard's last figures (see [`App::dashboard`]).
    pub(crate) fn figures_cache(&self) -> &reports::FiguresSlot {
        &self.figures
    }

    /// The field key ring in use.
    pub fn keys(&self) -> &sealed::KeyRing {
        &self.keys
    }

    /// The store, for reads that need no rule.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current moment, from the app's clock.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now()
    }

    /// Today, from the app's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.now().date()
    }

    /// Applies migrations and makes sure the country table is there. Returns migrations run.
    pub async fn migrate(&self) -> Result<usize, AppError> {
        let ran = self.store.migrate().await?;
        let countries: Vec<_> = homeward_domain::country::all().collect();
        let mut tx = self.store.begin().await?;
        let added = tx.seed_countries(&countries).await?;
        if added > 0 {
            tx.audit(homeward_store::audit::NewEvent {
                actor: "system",
                at: self.now(),
                action: "countries.seed",
                entity_type: "country",
                entity_id: "*".into(),
                before: None,
                after: Some(serde_json::json!({ "added": added })),
            })
            .await?;
        }
        tx.commit().await?;
        self.seed_rules_if_empty().await?;
        Ok(ran)
    }
}
