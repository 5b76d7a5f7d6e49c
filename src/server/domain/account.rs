//! Dashboard accounts: emails, passwords (argon2id) and session tokens.
use argon2::{
    Argon2, PasswordHasher, PasswordVerifier,
    password_hash::{self, SaltString},
};
use rand::{Rng, distr::Alphanumeric};

use super::{Invalid, api_key::hex_sha256};

/// An email address, trimmed and lower-cased so one person has one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim().to_lowercase();
        let bad = || Invalid::new("email", "must be an email address like ana@example.com");
        let (local, domain) = value.split_once('@').ok_or_else(bad)?;
        let shape_ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        if !shape_ok || value.len() > 254 {
            return Err(bad());
        }
        Ok(Self(value))
    }

    pub fn from_trusted(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed. Not `Debug`: it must never reach a log.
pub struct Password(String);

impl Password {
    /// Rules for new passwords; sign-in accepts whatever was typed and lets the hash decide.
    pub fn parse_new(raw: &str) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if !(10..=200).contains(&chars) {
            return Err(Invalid::new("password", "must be 10 to 200 characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn typed(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    /// An argon2id PHC string with a fresh salt.
    pub fn hash(&self) -> Result<PasswordHash, password_hash::Error> {
        let salt_bytes: [u8; 16] = rand::rng().random();
        let salt = SaltString::encode_b64(&salt_bytes)?;
        let phc = Argon2::default().hash_password(self.0.as_bytes(), &salt)?;
        Ok(PasswordHash(phc.to_string()))
    }
}

/// A stored PHC string.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_trusted(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn verify(&self, password: &Password) -> bool {
        password_hash::PasswordHash::new(&self.0)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.0.as_bytes(), &parsed).is_ok())
    }

    /// A hash of nothing anyone knows, verified against when the email is unknown so that
    /// both answers take as long.
    pub fn decoy() -> &'static PasswordHash {
        static DECOY: std::sync::OnceLock<PasswordHash> = std::sync::OnceLock::new();
        DECOY.get_or_init(|| Password(SessionToken::generate().0).hash().unwrap_or(PasswordHash(String::new())))
    }
}

/// The session cookie's value: 48 random base62 characters (~285 bits). Only its SHA-256 is
/// stored. Also used for CSRF tokens.
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate() -> Self {
        Self(rand::rng().sample_iter(&Alphanumeric).take(48).map(char::from).collect())
    }

    pub fn from_cookie(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn hash(&self) -> String {
        hex_sha256(self.0.as_bytes())
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Ana@Example.COM ").unwrap().as_str(), "ana@example.com");
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@example",
            "ana@.com",
            "a na@example.com",
            "ana@example.com.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        assert!(Password::parse_new("short").is_err());
        let password = Password::parse_new("correct horse battery").unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(hash.verify(&Password::typed("correct horse battery")));
        assert!(!hash.verify(&Password::typed("correct horse battery!")));
        assert!(!PasswordHash::decoy().verify(&Password::typed("")));
        // A fresh salt every time.
        assert_ne!(password.hash().unwrap().as_str(), hash.as_str());
    }

    #[test]
    fn session_tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (SessionToken::generate(), SessionToken::generate());
        assert_eq!(a.reveal().len(), 48);
        assert_ne!(a.reveal(), b.reveal());
        assert_eq!(a.hash().len(), 64);
        assert_eq!(SessionToken::from_cookie(a.reveal()).hash(), a.hash());
    }
}
