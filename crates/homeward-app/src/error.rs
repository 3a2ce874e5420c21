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
    /// The password was right but more is needed first: the second factor, enrolling one, or
    /// giving the password again before a sensitive action.
    #[error("{0}")]
    Authentication(AuthNeed),
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

/// What a caller must do before going on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthNeed {
    /// Give the code from the authenticator app (or a recovery code).
    SecondFactor,
    /// This role works only with a second factor: enrol one first.
    Enrolment,
    /// Give the password again: the action is sensitive and the last confirmation is old.
    Confirmation,
}

impl AuthNeed {
    /// The stable code clients act on.
    pub fn code(self) -> &'static str {
        match self {
            AuthNeed::SecondFactor => "HW-AUTH-0002",
            AuthNeed::Enrolment => "HW-AUTH-0003",
            AuthNeed::Confirmation => "HW-AUTH-0004",
        }
    }
}

impl std::fmt::Display for AuthNeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuthNeed::SecondFactor => {
                "give the code from your authenticator app, or a recovery code"
            }
            AuthNeed::Enrolment => {
                "this role needs a second factor: set it up on the account page first"
            }
            AuthNeed::Confirmation => {
                "this action is sensitive: give your password again to confirm it is you"
            }
        })
    }
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
