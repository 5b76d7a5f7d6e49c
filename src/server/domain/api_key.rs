//! API keys: `pl_` and 43 base62 characters (256 bits), shown once, stored as a SHA-256.
//! A fast hash is right here: the key is random and long, so there is nothing to brute-force.
use rand::{Rng, distr::Alphanumeric};
use sha2::{Digest, Sha256};

pub const KEY_PREFIX: &str = "pl_";
/// 43 base62 characters carry 256.0 bits, the same as 32 random bytes.
const KEY_CHARS: usize = 43;

/// The raw key. Not `Debug`/`Serialize`-printable by accident: it is only revealed on purpose.
pub struct ApiKeySecret(String);

/// What we store and look keys up by.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyHash(String);

impl ApiKeySecret {
    pub fn generate() -> Self {
        let body: String = rand::rng().sample_iter(&Alphanumeric).take(KEY_CHARS).map(char::from).collect();
        Self(format!("{KEY_PREFIX}{body}"))
    }

    /// Takes whatever a client sent; any string may be tried, only a stored hash matches.
    pub fn from_header(raw: &str) -> Self {
        Self(raw.trim().to_owned())
    }

    pub fn hash(&self) -> KeyHash {
        KeyHash(hex_sha256(self.0.as_bytes()))
    }

    pub fn last4(&self) -> String {
        // By characters: a key read from a header may be any UTF-8, and a byte offset
        // could fall inside a character.
        let skip = self.0.chars().count().saturating_sub(4);
        self.0.chars().skip(skip).collect()
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeySecret(…{})", self.last4())
    }
}

impl KeyHash {
    pub fn from_trusted(hex: impl Into<String>) -> Self {
        Self(hex.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_the_prefix_length_and_alphabet() {
        let key = ApiKeySecret::generate();
        let raw = key.reveal();
        assert!(raw.starts_with("pl_"));
        assert_eq!(raw.len(), 3 + 43);
        assert!(raw[3..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(raw, ApiKeySecret::generate().reveal());
    }

    #[test]
    fn hash_is_stable_and_debug_hides_the_key() {
        let key = ApiKeySecret::from_header("pl_abcdefgh");
        assert_eq!(key.hash().as_str(), hex_sha256(b"pl_abcdefgh"));
        assert_eq!(key.hash().as_str().len(), 64);
        assert_eq!(format!("{key:?}"), "ApiKeySecret(…efgh)");
        assert_eq!(key.last4(), "efgh");
    }
}
