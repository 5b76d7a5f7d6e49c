//! Settings that must not be shown as they are: secrets (an app secret, a key) and the
//! database URL's password. Their `Debug` hides them; so does their serialization while
//! [`masking`] runs (the effective-settings report), whatever setting holds them.
use std::cell::Cell;

use serde::{Deserialize, Serialize, Serializer};

use super::{ConfigError, invalid};

thread_local! {
    static MASKING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every secret serialized masked: `***` for a secret that is set, the
/// database URL without its password.
pub fn masking<T>(f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            MASKING.set(false);
        }
    }
    MASKING.set(true);
    let _reset = Reset;
    f()
}

/// A secret setting (an app secret, a key). Its `Debug` shows only whether it is set.
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct SecretSetting(String);

impl Serialize for SecretSetting {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match MASKING.get() && !self.0.is_empty() {
            true => s.serialize_str("***"),
            false => s.serialize_str(&self.0),
        }
    }
}

impl SecretSetting {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for SecretSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "***" })
    }
}

/// A database URL. Its `Debug` hides the password, since configs get logged.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match MASKING.get() {
            true => s.serialize_str(&redact_password(&self.0)),
            false => s.serialize_str(&self.0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    pub fn kind(&self) -> Result<DatabaseKind, ConfigError> {
        if self.0.starts_with("sqlite:") {
            Ok(DatabaseKind::Sqlite)
        } else if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Ok(DatabaseKind::Postgres)
        } else {
            invalid("database_url", "must start with sqlite:// or postgres://")
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_password(&self.0))
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}
