//! Link tokens: `rp_` and 32 random bytes in base64url. Whoever holds one may pair that link's
//! number, so only its SHA-256 is stored and it is never logged.
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;

use super::api_key::hex_sha256;

pub const TOKEN_PREFIX: &str = "rp_";

pub struct LinkToken(String);

impl LinkToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Any path segment may be tried; only a stored hash matches.
    pub fn from_path(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn hash(&self) -> String {
        hex_sha256(self.0.as_bytes())
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_url_safe_and_unique() {
        let token = LinkToken::generate();
        let raw = token.reveal();
        assert!(raw.starts_with("rp_"));
        assert_eq!(raw.len(), 3 + 43);
        assert!(raw[3..].chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(raw, LinkToken::generate().reveal());
        assert_eq!(token.hash(), LinkToken::from_path(raw).hash());
        assert_eq!(format!("{token:?}"), "LinkToken(…)");
    }
}
