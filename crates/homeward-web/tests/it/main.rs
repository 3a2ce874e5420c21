//! API tests: every request goes through the real router, in-process, on every backend.

mod access;
mod helpers;
mod persons;
mod refusals;
