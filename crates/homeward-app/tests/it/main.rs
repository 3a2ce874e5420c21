//! Use-case tests through `App`, on every backend under test.

mod auth;
mod placement;
mod identity;
mod repatriation;
