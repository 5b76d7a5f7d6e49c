//! Signatures on every delivery, two schemes side by side:
//!
//! * `x-pilot-status-signature`: lowercase hex HMAC-SHA256 of the raw body, keyed with the
//!   endpoint secret *as shown to the tenant* (the UTF-8 bytes of the whole `whsec_…`
//!   string), which is what a receiver written for the reference API does with the secret
//!   it was given: `hmac(secret, body)`.
//! * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`): base64
//!   HMAC-SHA256 of `"{id}.{timestamp}.{body}"`, prefixed `v1,`. As the specification and
//!   its reference libraries do, the key is the base64-decoded part of the secret after
//!   `whsec_`, so those libraries verify our deliveries unchanged.
use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::server::domain::{SECRET_PREFIX, WebhookSecret};

type HmacSha256 = Hmac<Sha256>;

/// The signature headers of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatures {
    /// `x-pilot-status-signature`
    pub pilot_status: String,
    /// `webhook-signature`
    pub standard: String,
}

pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> Signatures {
    Signatures {
        pilot_status: hex(&hmac(secret.reveal().as_bytes(), &[body])),
        standard: standard_signature(secret, id, timestamp, body),
    }
}

/// `v1,<base64>` per the Standard Webhooks specification.
pub fn standard_signature(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = standard_key(secret);
    let mac = hmac(&key, &[id.as_bytes(), b".", timestamp.to_string().as_bytes(), b".", body]);
    format!("v1,{}", STANDARD.encode(mac))
}

/// Our secrets always decode; a secret that does not (written by hand into the database)
/// is used as raw bytes rather than refusing to sign.
fn standard_key(secret: &WebhookSecret) -> Vec<u8> {
    let raw = secret.reveal();
    let encoded = raw.strip_prefix(SECRET_PREFIX).unwrap_or(raw);
    STANDARD.decode(encoded).unwrap_or_else(|_| raw.as_bytes().to_vec())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector published with the Standard Webhooks specification (and used by the
    /// svix libraries' tests): reproducing it means receivers' libraries accept ours.
    #[test]
    fn reproduces_the_standard_webhooks_test_vector() {
        let secret = WebhookSecret::from_stored("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signed = standard_signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    /// RFC 4231 test case 2 ("Jefe"), to pin the hex scheme's HMAC and encoding.
    #[test]
    fn hex_signature_is_hmac_sha256_of_the_body_keyed_with_the_secret_string() {
        let secret = WebhookSecret::from_stored("Jefe");
        let signed = sign(&secret, "evt_1", 0, b"what do ya want for nothing?");
        assert_eq!(
            signed.pilot_status,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn signatures_change_with_id_timestamp_body_and_secret() {
        let secret = WebhookSecret::generate();
        let base = sign(&secret, "evt_1", 100, b"{}");
        assert_ne!(base.standard, sign(&secret, "evt_2", 100, b"{}").standard);
        assert_ne!(base.standard, sign(&secret, "evt_1", 101, b"{}").standard);
        assert_ne!(base, sign(&secret, "evt_1", 100, b"{ }"));
        assert_ne!(base, sign(&WebhookSecret::generate(), "evt_1", 100, b"{}"));
        assert_eq!(base.pilot_status, sign(&secret, "evt_9", 999, b"{}").pilot_status);
    }
}
