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
    /// The field key ring (`1:BASE64KEY,2:BASE64KEY`); prefer `field_key_file`.
    pub field_key: Option<String>,
    /// A file holding the field key ring, one `VERSION:BASE64KEY` a line.
    pub field_key_file: Option<String>,
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

# The key ring that seals the most sensitive fields (DNA references, evidence notes,
# incident narratives, care and health notes): VERSION:BASE64KEY entries, the newest
# version seals, every version opens. Make one with `homeward keys generate`; add a
# version with `homeward keys new` and reseal with `homeward keys rotate`.
# Environment: HOMEWARD_FIELD_KEY (the ring itself) or HOMEWARD_FIELD_KEY_FILE (a file).
# Without either, a key file is generated next to the SQLite database (FILE.fieldkey,
# readable by its owner only) or, on PostgreSQL, ~/.config/homeward/field.key: fine for
# the demo, not for real data (keep the key apart from the data and its backups).
# field_key_file = "/etc/homeward/field.key"
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

/// Where the field key ring came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// HOMEWARD_FIELD_KEY or `field_key`.
    Inline,
    /// A file named by HOMEWARD_FIELD_KEY_FILE or `field_key_file`.
    File(std::path::PathBuf),
    /// The default key file (generated when missing).
    Default(std::path::PathBuf),
    /// An in-memory database: a key for this process only.
    Ephemeral,
}

/// The default key file for a database URL: next to a SQLite file, or in the working directory.
fn default_key_file(database: &str) -> Option<std::path::PathBuf> {
    match database.strip_prefix("sqlite:") {
        Some(rest) => {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() || path.contains(":memory:") {
                None
            } else {
                Some(std::path::PathBuf::from(format!("{path}.fieldkey")))
            }
        }
        None => {
            let dir = std::env::var_os("XDG_CONFIG_HOME")
                .map(std::path::PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
            Some(dir.join("homeward").join("field.key"))
        }
    }
}

fn read_ring(path: &Path) -> anyhow::Result<homeward_app::sealed::KeyRing> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the field key file {}", path.display()))?;
    homeward_app::sealed::KeyRing::parse(&text)
        .map_err(|e| anyhow::anyhow!("the field key file {}: {e}", path.display()))
}

/// Writes a key ring to `path`, readable and writable by its owner only.
pub fn write_ring(path: &Path, ring: &homeward_app::sealed::KeyRing) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot write the field key file {}", path.display()))?;
    f.write_all(ring.to_text().as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write the field key file {}", path.display()))
}

/// The field key ring: HOMEWARD_FIELD_KEY, then HOMEWARD_FIELD_KEY_FILE, then the file's
/// `field_key` / `field_key_file`, then the default key file (generated, with a warning).
pub fn field_keys(
    file: &FileConfig,
    database: &str,
) -> anyhow::Result<(homeward_app::sealed::KeyRing, KeySource)> {
    use homeward_app::sealed::KeyRing;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(text) = env("HOMEWARD_FIELD_KEY") {
        let ring = KeyRing::parse(&text).map_err(|e| anyhow::anyhow!("HOMEWARD_FIELD_KEY: {e}"))?;
        return Ok((ring, KeySource::Inline));
    }
    if let Some(path) = env("HOMEWARD_FIELD_KEY_FILE") {
        let path = std::path::PathBuf::from(path);
        return Ok((read_ring(&path)?, KeySource::File(path)));
    }
    if let Some(text) = &file.field_key {
        let ring = KeyRing::parse(text).map_err(|e| anyhow::anyhow!("field_key: {e}"))?;
        return Ok((ring, KeySource::Inline));
    }
    if let Some(path) = &file.field_key_file {
        let path = std::path::PathBuf::from(path);
        return Ok((read_ring(&path)?, KeySource::File(path)));
    }
    let Some(path) = default_key_file(database) else {
        if database.starts_with("sqlite:") {
            return Ok((KeyRing::generate(), KeySource::Ephemeral));
        }
        bail!(
            "no field key configured: set HOMEWARD_FIELD_KEY (make one with `homeward keys \
             generate`) or field_key_file in the configuration file"
        );
    };
    if path.exists() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode();
            if mode & 0o077 != 0 {
                bail!(
                    "the field key file {} can be read by others (mode {:o}): run chmod 600 on it",
                    path.display(),
                    mode & 0o777
                );
            }
        }
        return Ok((read_ring(&path)?, KeySource::Default(path)));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let ring = KeyRing::generate();
    write_ring(&path, &ring)?;
    eprintln!(
        "warning: no field key configured (HOMEWARD_FIELD_KEY or field_key_file): generated {} \
         (owner-only). Fine for the demo; for real data keep the key apart from the database",
        path.display()
    );
    Ok((ring, KeySource::Default(path)))
}
