//! Use-case tests through `App`, on every backend under test.

mod auth;
mod care;
mod courts;
mod identity;
mod placement;
mod repatriation;
mod sealed;
