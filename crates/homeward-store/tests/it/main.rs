//! The storage conformance suite: one story, run on every backend under test.

mod backup;
mod story;
mod tallies;
