//! Use-case tests through `App`, on every backend under test.

mod auth;
mod care;
mod courts;
mod fuzz_regressions;
mod identity;
mod placement;
mod repatriation;
mod reports;
mod sealed;
