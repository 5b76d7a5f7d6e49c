//! The key secrets are sealed under (see `crypto::Sealer`), found once at start-up:
//! 1. `secrets_key` from configuration (32 bytes, base64), else
//! 2. the key file `secrets_key_file`, or, when that is empty and the database is a SQLite
//!    file, `secrets.key` beside it, else
//! 3. for a SQLite database that holds no secrets yet, a new key written to that file with
//!    mode 0600, so a first `bash .ci/serve` needs no set-up.
//!
//! A database that already holds secrets never gets a new key (nothing sealed before would
//! open), and PostgreSQL never generates one: several processes share it, and each would
//! make its own. Both refuse to start with a message naming the setting.
use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, bail};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use rand::RngCore;

use super::{
    config::{Config, ConfigError, DatabaseKind, invalid},
    crypto::Sealer,
    store::Store,
};

/// A `secrets_key` that is set must be a key.
pub fn check_config(config: &Config) -> Result<(), ConfigError> {
    match Sealer::from_base64(config.secrets_key.expose()) {
        Err(message) if !config.secrets_key.is_empty() => invalid("secrets_key", &message),
        _ => Ok(()),
    }
}

/// Finds (or makes) the key, gives it to the store, and seals what was written before. The
/// key is returned for what derives tokens from it (repair links).
pub async fn install(config: &Config, store: &Arc<dyn Store>) -> anyhow::Result<Sealer> {
    let sealer = key(config, store).await?;
    store.install_sealer(sealer.clone());
    if let Err(err) = store.check_sealer().await {
        bail!("configuration: secrets_key does not open the secrets this database holds ({err}): set the key they were sealed with");
    }
    let sealed = store.seal_plaintext().await.context("sealing secrets stored in plaintext")?;
    if sealed > 0 {
        tracing::info!(secrets = sealed, "sealed the secrets an earlier version stored in plaintext");
    }
    Ok(sealer)
}

async fn key(config: &Config, store: &Arc<dyn Store>) -> anyhow::Result<Sealer> {
    if !config.secrets_key.is_empty() {
        return Sealer::from_base64(config.secrets_key.expose()).map_err(|m| anyhow::anyhow!("configuration: secrets_key: {m}"));
    }
    let file = key_file(config);
    if let Some(path) = &file
        && path.exists()
    {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the secrets key file {}", path.display()))?;
        return Sealer::from_base64(&text).map_err(|m| anyhow::anyhow!("the secrets key file {}: {m}", path.display()));
    }
    if store.holds_secrets().await? {
        bail!(
            "configuration: secrets_key is not set and this database holds secrets (webhook signing secrets, device keys): \
             set secrets_key (PAIRLINK_SECRETS_KEY) to the key they were sealed with, or secrets_key_file to its file"
        );
    }
    let Some(path) = file else {
        bail!(
            "configuration: secrets_key is required with PostgreSQL, where every process must seal with the same key: \
             set PAIRLINK_SECRETS_KEY to 32 random bytes in base64 (`openssl rand -base64 32`)"
        );
    };
    generate(&path)
}

/// The configured file, or `secrets.key` beside a SQLite database; none for PostgreSQL.
fn key_file(config: &Config) -> Option<PathBuf> {
    if !config.secrets_key_file.is_empty() {
        return Some(PathBuf::from(&config.secrets_key_file));
    }
    match config.database_url.kind() {
        Ok(DatabaseKind::Sqlite) => {
            let url = config.database_url.expose();
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or_default();
            (!path.is_empty() && !path.contains(":memory:")).then(|| Path::new(path).parent().unwrap_or(Path::new(".")).join("secrets.key"))
        }
        _ => None,
    }
}

/// Writes a new key, readable by this user only. Two processes starting at once on one
/// SQLite file: the second finds the first's file and uses it.
fn generate(path: &Path) -> anyhow::Result<Sealer> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let encoded = STANDARD.encode(bytes);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(encoded.as_bytes())?;
            file.sync_all()?;
            tracing::warn!(
                file = %path.display(),
                "generated a secrets key: webhook secrets and device keys are sealed under it; back it up with the database, \
                 or set secrets_key"
            );
            Ok(Sealer::from_base64(&encoded).map_err(anyhow::Error::msg)?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path)?;
            Sealer::from_base64(&text).map_err(|m| anyhow::anyhow!("the secrets key file {}: {m}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("writing the secrets key file {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::DatabaseUrl;

    fn config(url: &str, file: &str) -> Config {
        Config {
            database_url: DatabaseUrl::new(url),
            secrets_key_file: file.into(),
            ..Config::default()
        }
    }

    #[test]
    fn the_key_file_sits_beside_a_sqlite_database_unless_configured() {
        assert_eq!(
            key_file(&config("sqlite://data/pairlink.db", "")),
            Some(PathBuf::from("data/secrets.key"))
        );
        assert_eq!(
            key_file(&config("sqlite:///var/lib/p/x.db?mode=rwc", "")),
            Some(PathBuf::from("/var/lib/p/secrets.key"))
        );
        assert_eq!(key_file(&config("postgres://u@h/db", "")), None);
        assert_eq!(
            key_file(&config("postgres://u@h/db", "/etc/p.key")),
            Some(PathBuf::from("/etc/p.key"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_generated_key_is_readable_by_its_owner_only_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d/secrets.key");
        let first = generate(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let sealed = first.seal_text("wh_1", "whsec_x");
        let again = generate(&path).unwrap();
        assert_eq!(
            again.open_text("wh_1", &sealed).unwrap(),
            "whsec_x",
            "the second start reads the first's key"
        );
    }
}
