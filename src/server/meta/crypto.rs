//! Meta access tokens (and the PINs we set) at rest: AES-256-GCM with a key from
//! configuration, a fresh random nonce per value. Stored as `v1:` + base64(nonce ‖ ciphertext),
//! so a later key or scheme can be told apart.
use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, KeyInit},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use rand::RngCore;

const PREFIX: &str = "v1:";
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
}
