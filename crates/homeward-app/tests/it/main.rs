//! Use-case tests through `App`, on every backend under test.

mod placement;
