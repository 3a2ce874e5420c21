//! The errors a use-case can end with, in terms a person can act on.

use homeward_domain::Invalid;
use homeward_store::StoreError;

/// Why a use-case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input broke a rule; every bad field is named.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The record does not exist (or the actor may not know it exists).
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed the record first.
    #[error("{0}")]
    Conflict(String),
    /// No valid sign-in.
    #[error("sign in first")]
    Unauthorized,
    /// Signed in, but the role may not do this.
    #[error("not allowed")]
    Forbidden,
    /// Something that should not happen did; the message is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict { .. } => AppError::Conflict(e.to_string()),
            StoreError::Constraint(msg) => {
                AppError::Invalid(Invalid::one("record", "HW-STORE-0001", msg))
            }
            other => AppError::Store(other),
        }
    }
}

impl From<homeward_domain::FieldError> for AppError {
    fn from(e: homeward_domain::FieldError) -> Self {
        AppError::Invalid(e.into())
    }
}

impl From<homeward_domain::access::Denied> for AppError {
    fn from(_: homeward_domain::access::Denied) -> Self {
        AppError::Forbidden
    }
}
