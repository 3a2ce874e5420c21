//! The integration-test binary of homeward-linkage: the public API as the application and
//! the `homeward match` command use it.

mod batch;
mod cross_script;
mod lookups;
mod properties;
