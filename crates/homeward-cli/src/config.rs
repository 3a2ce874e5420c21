//! Settings from defaults, an optional TOML file, the environment and flags, in that order of
//! precedence (a flag beats the environment, which beats the file), validated once at start.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE: &str = "sqlite://homeward.db";
/// The default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What a configuration file may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Database URL.
    pub database: Option<String>,
    /// Address to serve on.
    pub listen: Option<String>,
}

/// A commented example configuration, printed by `homeward config example`.
pub const EXAMPLE: &str = r#"# homeward configuration (TOML). Every setting can also be given as a flag or an
# environment variable; a flag beats the environment, which beats this file.

# Where the registry lives. The default is an embedded SQLite file in the working
# directory; use postgres://USER@HOST:PORT/DATABASE for several servers on one database.
# Environment: HOMEWARD_DATABASE_URL. Flag: --database.
database = "sqlite://homeward.db"

# The address `homeward serve` listens on. Keep it on loopback behind a TLS terminator.
# Environment: HOMEWARD_LISTEN. Flag: --listen.
listen = "127.0.0.1:8080"
"#;

/// Reads a configuration file, naming it in any error.
pub fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("the configuration file {} is not valid", path.display()))
}

/// The validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Database URL (never printed with its password).
    pub database: String,
}

impl Settings {
    /// Resolves the database URL from flag/env first, then the file, then the default.
    pub fn resolve(flag_or_env: Option<String>, file: &FileConfig) -> anyhow::Result<Self> {
        let database = flag_or_env
            .or_else(|| file.database.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
        homeward_store::Backend::from_url(&database)?;
        Ok(Self { database })
    }
}

/// Resolves and checks the listen address.
pub fn listen_addr(flag_or_env: Option<String>, file: &FileConfig) -> anyhow::Result<SocketAddr> {
    let text = flag_or_env
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    match text.parse() {
        Ok(a) => Ok(a),
        Err(_) => {
            bail!("--listen '{text}' is not an address: write it as IP:PORT, e.g. 127.0.0.1:8080")
        }
    }
}
