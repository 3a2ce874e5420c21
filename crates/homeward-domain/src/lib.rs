//! The pure domain model of homeward: the types that hold its invariants.
//!
//! Nothing here does I/O, reads the clock or knows about SQL or HTTP. Raw input is parsed at
//! the edge into the types of this crate (`parse, don't validate`), and each constructor owns
//! the rule it enforces, so a value that exists is a valid one. The rules that need several
//! records at once (a mother older than her child, a minor never alone in an adults' facility)
//! are plain functions over the records they need, called by the application layer inside the
//! transaction that makes the change.
//!
//! Personal names are free UTF-8 text with no length rule: people are named as they are, and
//! the registry keeps every way a name was written.
#![deny(missing_docs)]

pub mod access;
pub mod care;
pub mod country;
pub mod courts;
pub mod custody;
pub mod date;
pub mod error;
pub mod family;
pub mod nationality;
pub mod person;
pub mod placement;
pub mod repatriation;
pub mod script;
pub mod site;
pub mod upload;

pub use error::{FieldError, Invalid};
