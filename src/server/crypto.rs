//! Secrets at rest: AES-256-GCM with a key from configuration, a fresh random nonce per value.
//! - [`TokenCipher`]: Meta access tokens (and the PINs we set), stored as `v1:` +
//!   base64(nonce ‖ ciphertext), so a later key or scheme can be told apart.
//! - [`Sealer`]: the same cipher with the row's id as associated data, under `secrets_key`,
//!   for webhook signing secrets and the database copies of WhatsApp device keys. A sealed
//!   value copied into another row does not open there.
use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, KeyInit},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use rand::RngCore;

const PREFIX: &str = "v1:";
const ROW_BOUND: &str = "v2:";
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct TokenCipher {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a stored Meta secret could not be decrypted (wrong meta_token_key?)")]
pub struct DecryptError;

impl TokenCipher {
    /// The key as configured: 32 bytes in base64.
    pub fn from_base64(key: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| "must be base64 (e.g. the output of `openssl rand -base64 32`)".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!("must decode to 32 bytes, not {}", bytes.len()));
        }
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| "must decode to 32 bytes".to_owned())?;
        Ok(Self { cipher })
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            // Only fails for plaintexts beyond GCM's 64 GiB limit.
            .expect("AES-GCM encrypts any token-sized input");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// `nonce ‖ ciphertext` of `plain`, bound to `aad`.
    fn seal(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = aes_gcm::aead::Payload { msg: plain, aad };
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .expect("AES-GCM encrypts any secret-sized input");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        out
    }

    fn open(&self, aad: &[u8], raw: &[u8]) -> Result<Vec<u8>, DecryptError> {
        if raw.len() <= NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| DecryptError)?;
        let payload = aes_gcm::aead::Payload { msg: sealed, aad };
        self.cipher.decrypt(&Nonce::from(nonce), payload).map_err(|_| DecryptError)
    }

    /// `v2:` + base64(nonce ‖ ciphertext), bound to `row` (the number's id): a token copied
    /// into another number's row does not decrypt there.
    pub fn encrypt_for(&self, row: &str, plaintext: &str) -> String {
        format!("{ROW_BOUND}{}", STANDARD.encode(self.seal(row.as_bytes(), plaintext.as_bytes())))
    }

    /// Opens a value of [`Self::encrypt_for`], or a `v1:` value stored before rows were bound.
    pub fn decrypt_for(&self, row: &str, stored: &str) -> Result<String, DecryptError> {
        let Some(encoded) = stored.strip_prefix(ROW_BOUND) else {
            return self.decrypt(stored);
        };
        let raw = STANDARD.decode(encoded).map_err(|_| DecryptError)?;
        String::from_utf8(self.open(row.as_bytes(), &raw)?).map_err(|_| DecryptError)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, DecryptError> {
        let raw = stored
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or(DecryptError)?;
        if raw.len() <= NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| DecryptError)?;
        let plain = self.cipher.decrypt(&Nonce::from(nonce), sealed).map_err(|_| DecryptError)?;
        String::from_utf8(plain).map_err(|_| DecryptError)
    }
}

/// Seals text as `sealed:v1:` + base64, bytes behind [`BLOB_MAGIC`]. Values without the mark
/// are plaintext from before sealing: they open as they are, and `SealingStore::seal_plaintext`
/// seals them at start-up.
#[derive(Clone)]
pub struct Sealer {
    cipher: TokenCipher,
    /// Derived from the key, for tokens that are computed again rather than stored.
    derive: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

const TEXT_MARK: &str = "sealed:v1:";
/// What a repair link's token is derived for (`pairing::repair`, and the webhook worker that
/// writes its URL into the delivered body).
pub const REPAIR_LINK_TOKENS: &str = "repair-link";
/// Starts every sealed blob. A device key store is an SQLite file, which starts with
/// `SQLite format 3\0`, so the two cannot be confused.
pub const BLOB_MAGIC: &[u8] = b"PLSEAL1\0";

#[derive(Debug, thiserror::Error)]
#[error("a sealed secret could not be opened: secrets_key is not the key it was sealed with")]
pub struct SealError;

impl Sealer {
    /// 32 bytes, base64.
    pub fn from_base64(key: &str) -> Result<Self, String> {
        use sha2::{Digest, Sha256};
        let cipher = TokenCipher::from_base64(key)?;
        let derive = Sha256::new()
            .chain_update(b"pairlink derived tokens v1\0")
            .chain_update(key.trim().as_bytes())
            .finalize()
            .into();
        Ok(Self { cipher, derive })
    }

    /// A link token that is never stored: `rp_` and HMAC-SHA256(derived key, `purpose:id`)
    /// in base64url, the same shape as a random one. Whoever holds the key can compute it
    /// again from the link's id (at delivery time, say); a database dump cannot.
    pub fn derived_token(&self, purpose: &str, id: &str) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.derive).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(id.as_bytes());
        format!("rp_{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    pub fn seal_text(&self, row: &str, plain: &str) -> String {
        format!("{TEXT_MARK}{}", STANDARD.encode(self.cipher.seal(row.as_bytes(), plain.as_bytes())))
    }

    pub fn open_text(&self, row: &str, stored: &str) -> Result<String, SealError> {
        let Some(encoded) = stored.strip_prefix(TEXT_MARK) else {
            return Ok(stored.to_owned());
        };
        let raw = STANDARD.decode(encoded).map_err(|_| SealError)?;
        let plain = self.cipher.open(row.as_bytes(), &raw).map_err(|_| SealError)?;
        String::from_utf8(plain).map_err(|_| SealError)
    }

    pub fn seal_bytes(&self, row: &str, plain: &[u8]) -> Vec<u8> {
        let mut out = BLOB_MAGIC.to_vec();
        out.extend(self.cipher.seal(row.as_bytes(), plain));
        out
    }

    pub fn open_bytes(&self, row: &str, stored: &[u8]) -> Result<Vec<u8>, SealError> {
        match stored.strip_prefix(BLOB_MAGIC) {
            Some(raw) => self.cipher.open(row.as_bytes(), raw).map_err(|_| SealError),
            None => Ok(stored.to_vec()),
        }
    }

    pub fn is_sealed_text(stored: &str) -> bool {
        stored.starts_with(TEXT_MARK)
    }

    pub fn is_sealed_bytes(stored: &[u8]) -> bool {
        stored.starts_with(BLOB_MAGIC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; 32])
    }

    #[test]
    fn round_trips_and_never_stores_the_plaintext() {
        let c = TokenCipher::from_base64(&key(7)).unwrap();
        let a = c.encrypt("EAAGsecret");
        let b = c.encrypt("EAAGsecret");
        assert!(a.starts_with("v1:") && !a.contains("EAAGsecret"));
        assert_ne!(a, b, "each value gets its own nonce");
        assert_eq!(c.decrypt(&a).unwrap(), "EAAGsecret");
    }

    #[test]
    fn row_bound_tokens_open_only_in_their_row_and_old_ones_still_open() {
        let c = TokenCipher::from_base64(&key(7)).unwrap();
        let bound = c.encrypt_for("num_1", "EAAGsecret");
        assert!(bound.starts_with("v2:") && !bound.contains("EAAGsecret"));
        assert_eq!(c.decrypt_for("num_1", &bound).unwrap(), "EAAGsecret");
        assert!(c.decrypt_for("num_2", &bound).is_err());
        assert_eq!(c.decrypt_for("num_2", &c.encrypt("old")).unwrap(), "old");
    }

    #[test]
    fn another_key_or_a_flipped_bit_fails() {
        let c = TokenCipher::from_base64(&key(7)).unwrap();
        let sealed = c.encrypt("EAAGsecret");
        assert!(TokenCipher::from_base64(&key(8)).unwrap().decrypt(&sealed).is_err());
        let mut raw = STANDARD.decode(&sealed[3..]).unwrap();
        raw[NONCE_LEN] ^= 1;
        assert!(c.decrypt(&format!("v1:{}", STANDARD.encode(raw))).is_err());
        assert!(c.decrypt("plain").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(TokenCipher::from_base64("not base64!").is_err());
        assert!(
            TokenCipher::from_base64(&STANDARD.encode([1u8; 16]))
                .unwrap_err()
                .contains("32 bytes")
        );
    }

    #[test]
    fn sealed_values_open_only_in_their_own_row_and_under_their_key() {
        let s = Sealer::from_base64(&key(3)).unwrap();
        let text = s.seal_text("wh_1", "whsec_abc");
        assert!(Sealer::is_sealed_text(&text) && !text.contains("whsec_abc"));
        assert_eq!(s.open_text("wh_1", &text).unwrap(), "whsec_abc");
        assert!(s.open_text("wh_2", &text).is_err(), "copied into another row");
        assert!(Sealer::from_base64(&key(4)).unwrap().open_text("wh_1", &text).is_err());
        assert_eq!(s.open_text("wh_1", "whsec_plain").unwrap(), "whsec_plain", "plaintext from before");

        let blob = s.seal_bytes("num_1", b"SQLite format 3\0keys");
        assert!(Sealer::is_sealed_bytes(&blob) && !blob.windows(4).any(|w| w == b"keys"));
        assert_eq!(s.open_bytes("num_1", &blob).unwrap(), b"SQLite format 3\0keys");
        assert!(s.open_bytes("num_2", &blob).is_err());
        assert_eq!(s.open_bytes("num_1", b"SQLite format 3\0").unwrap(), b"SQLite format 3\0");
    }

    #[test]
    fn derived_tokens_are_stable_per_key_and_id_and_look_like_random_ones() {
        let s = Sealer::from_base64(&key(3)).unwrap();
        let t = s.derived_token("repair", "lnk_1");
        assert_eq!(t, s.derived_token("repair", "lnk_1"));
        assert_ne!(t, s.derived_token("repair", "lnk_2"));
        assert_ne!(t, Sealer::from_base64(&key(4)).unwrap().derived_token("repair", "lnk_1"));
        assert_eq!(t.len(), crate::server::domain::LinkToken::generate().reveal().len());
        assert_eq!(format!("{s:?}"), "Sealer(***)");
    }
}
