//! Validation errors that name the field at fault, so a form or an API client can show them.

use std::fmt;

/// One bad field: its name (as the API and forms call it) and a readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as named in the API (`date_of_birth`, `documents[0].issuing_country`).
    pub field: String,
    /// A stable code that support staff can search for, such as `HW-PERSON-0001`.
    pub code: &'static str,
    /// A readable English message; the web layer translates by `code`.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same error under a parent field, e.g. `date` becomes `documents[2].date`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.field, self.message, self.code)
    }
}

impl std::error::Error for FieldError {}

/// Input that was refused, with every bad field listed (never only the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    /// A refusal with a single bad field.
    pub fn one(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, code, message)])
    }
}

impl From<FieldError> for Invalid {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

/// Collects field errors while a whole input is checked, so every bad field is reported at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of `r`, or records its error and returns `None`.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Records one error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Records every error of a nested refusal.
    pub fn extend(&mut self, e: Invalid) {
        self.0.extend(e.0);
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}
