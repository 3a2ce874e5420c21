//! homeward's storage: one `Store` over embedded SQLite or PostgreSQL, chosen by URL at start.
//!
//! This is the only crate with SQL in it. Both backends run the same queries through sqlx's
//! `Any` driver (numbered `$1` parameters work on both); each backend has its own migration tree
//! for the parts that differ (identity columns, triggers). Booleans are stored as 0/1 integers
//! and dates as ISO text, the subset both engines agree on.
//!
//! Every write goes through a [`WriteTx`]: its first statement takes the audit head row, which
//! serialises writers on both engines, so the audit hash chain never forks and the audit event of
//! a change commits with the change or not at all.

mod access_log;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod care;
mod connect;
pub mod courts;
pub mod custody;
pub mod files;
pub mod identity;
pub mod jobs;
pub mod registry;
pub mod repatriation;
pub mod reports;
pub mod rows;
pub mod sealing;
pub mod staging;
pub mod stats;
pub mod tallies;
pub mod users;

pub use connect::{Backend, Store, WriteTx};

/// What can go wrong in storage, in terms the application can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed the record since it was read (optimistic concurrency).
    #[error(
        "{entity} was changed by someone else (version {found}, expected {expected}): reload and try again"
    )]
    Conflict {
        /// What was changed.
        entity: String,
        /// The version the caller read.
        expected: i64,
        /// The version in the database.
        found: i64,
    },
    /// A uniqueness or reference rule of the schema refused the change.
    #[error("refused by the database: {0}")]
    Constraint(String),
    /// The database URL is not one homeward can use.
    #[error("{0}")]
    Config(String),
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// Stored data could not be read back into the domain.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A sealed value could not be sealed or opened (no key, wrong key, unknown key version).
    #[error("sealed field: {0}")]
    Sealed(String),
}

/// Results of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a database error to a constraint refusal when it is one, so callers can tell the user.
pub(crate) fn classify(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && (db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation())
    {
        return StoreError::Constraint(db.message().to_owned());
    }
    StoreError::Db(e)
}
