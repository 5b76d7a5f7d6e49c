//! WebAuthn assertions for WhatsApp's passkey gate: what WhatsApp asks for (its request
//! options, passed on verbatim), what an authenticator answers, and the checks an assertion
//! must pass before it is sent (WebAuthn §7.2). The signature itself is WhatsApp's to check
//! (only it holds the credential's public key); the sandbox checks it as WhatsApp would.
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The only origin WhatsApp accepts an assertion from.
pub const WHATSAPP_ORIGIN: &str = "https://web.whatsapp.com";

/// Authenticator data flags (WebAuthn §6.1).
const FLAG_USER_PRESENT: u8 = 0x01;
const FLAG_USER_VERIFIED: u8 = 0x04;
/// rpIdHash (32) + flags (1) + signCount (4).
const AUTH_DATA_MIN: usize = 37;

/// Why an assertion is refused, in words the person and the platform can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("the assertion is malformed: {0}")]
    Malformed(String),
    #[error("the assertion is not a WebAuthn sign-in (clientDataJSON.type is {0:?})")]
    WrongType(String),
    #[error("the assertion answers another challenge than WhatsApp's")]
    WrongChallenge,
    #[error("the assertion was made on {0}, not on {WHATSAPP_ORIGIN}")]
    WrongOrigin(String),
    #[error("the assertion was made inside another site's frame")]
    CrossOrigin,
    #[error("the assertion is for another relying party than {0}")]
    WrongRelyingParty(String),
    #[error("the authenticator did not see the person (user presence)")]
    NotUserPresent,
    #[error("the authenticator did not verify the person (user verification is required)")]
    NotUserVerified,
    #[error("the assertion carries no signature")]
    Unsigned,
    #[error("the signature does not match the account's passkey")]
    BadSignature,
}

/// WhatsApp's `PublicKeyCredentialRequestOptions`, as much of them as the checks need; the
/// JSON itself travels on untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOptions {
    pub challenge: Vec<u8>,
    pub rp_id: String,
    pub user_verification_required: bool,
}

impl RequestOptions {
    pub fn parse(raw: &str) -> Result<Self, AssertionError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            challenge: String,
            rp_id: Option<String>,
            user_verification: Option<String>,
        }
        let raw: Raw = serde_json::from_str(raw).map_err(|e| AssertionError::Malformed(format!("request options: {e}")))?;
        let challenge = b64("challenge", &raw.challenge)?;
        if challenge.is_empty() {
            return Err(AssertionError::Malformed("request options: empty challenge".into()));
        }
        Ok(Self {
            challenge,
            // WebAuthn: an absent rpId is the caller's effective domain, WhatsApp Web's.
            rp_id: raw.rp_id.unwrap_or_else(|| "web.whatsapp.com".into()),
            user_verification_required: raw.user_verification.as_deref() == Some("required"),
        })
    }
}

/// An assertion as `PublicKeyCredential.toJSON()` gives it (every binary base64url).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionJson {
    pub id: String,
    pub raw_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub response: AssertionResponseJson,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AssertionResponseJson {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    #[serde(rename = "authenticatorData")]
    pub authenticator_data: String,
    #[serde(default)]
    pub signature: String,
    #[serde(rename = "userHandle", default)]
    pub user_handle: Option<String>,
}

/// A decoded assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub credential_id: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub authenticator_data: Vec<u8>,
    pub signature: Vec<u8>,
    pub user_handle: Option<Vec<u8>>,
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: bool,
}

impl Assertion {
    pub fn decode(json: &AssertionJson) -> Result<Self, AssertionError> {
        if json.kind != "public-key" {
            return Err(AssertionError::Malformed(format!("type is {:?}, not \"public-key\"", json.kind)));
        }
        let credential_id = b64("rawId", &json.raw_id)?;
        if credential_id.is_empty() || b64("id", &json.id)? != credential_id {
            return Err(AssertionError::Malformed("id and rawId must name the same credential".into()));
        }
        Ok(Self {
            credential_id,
            client_data_json: b64("clientDataJSON", &json.response.client_data_json)?,
            authenticator_data: b64("authenticatorData", &json.response.authenticator_data)?,
            signature: b64("signature", &json.response.signature)?,
            user_handle: json
                .response
                .user_handle
                .as_deref()
                .filter(|h| !h.is_empty())
                .map(|h| b64("userHandle", h))
                .transpose()?,
        })
    }

    /// WebAuthn §7.2 steps 11–17 against WhatsApp's `options`: everything but the
    /// signature, which needs the credential's public key.
    pub fn check(&self, options: &RequestOptions) -> Result<(), AssertionError> {
        if self.signature.is_empty() {
            return Err(AssertionError::Unsigned);
        }
        let client: ClientData =
            serde_json::from_slice(&self.client_data_json).map_err(|e| AssertionError::Malformed(format!("clientDataJSON: {e}")))?;
        if client.kind != "webauthn.get" {
            return Err(AssertionError::WrongType(client.kind));
        }
        if b64("clientDataJSON.challenge", &client.challenge)? != options.challenge {
            return Err(AssertionError::WrongChallenge);
        }
        if client.origin != WHATSAPP_ORIGIN {
            return Err(AssertionError::WrongOrigin(client.origin));
        }
        if client.cross_origin {
            return Err(AssertionError::CrossOrigin);
        }
        let data = &self.authenticator_data;
        if data.len() < AUTH_DATA_MIN {
            return Err(AssertionError::Malformed("authenticatorData is too short".into()));
        }
        if data[..32] != Sha256::digest(options.rp_id.as_bytes())[..] {
            return Err(AssertionError::WrongRelyingParty(options.rp_id.clone()));
        }
        let flags = data[32];
        if flags & FLAG_USER_PRESENT == 0 {
            return Err(AssertionError::NotUserPresent);
        }
        if options.user_verification_required && flags & FLAG_USER_VERIFIED == 0 {
            return Err(AssertionError::NotUserVerified);
        }
        Ok(())
    }

    /// The bytes an authenticator signs: `authenticatorData || SHA-256(clientDataJSON)`.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = self.authenticator_data.clone();
        out.extend_from_slice(&Sha256::digest(&self.client_data_json));
        out
    }

    /// The authenticator's signature counter (0 when it keeps none).
    pub fn sign_count(&self) -> u32 {
        self.authenticator_data
            .get(33..37)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// ES256 over [`signed_bytes`](Self::signed_bytes) with the P-256 key `spki` (DER).
    pub fn verify_es256(&self, spki: &[u8]) -> Result<(), AssertionError> {
        let point = p256_point(spki).ok_or(AssertionError::BadSignature)?;
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point)
            .verify(&self.signed_bytes(), &self.signature)
            .map_err(|_| AssertionError::BadSignature)
    }

    /// The `<webauthn_assertion>` JSON WhatsApp Web sends.
    pub fn to_whatsapp_json(&self) -> Vec<u8> {
        let id = URL_SAFE_NO_PAD.encode(&self.credential_id);
        serde_json::json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(&self.client_data_json),
                "authenticatorData": URL_SAFE_NO_PAD.encode(&self.authenticator_data),
                "signature": URL_SAFE_NO_PAD.encode(&self.signature),
                "userHandle": self.user_handle.as_ref().map(|u| URL_SAFE_NO_PAD.encode(u)),
            }
        })
        .to_string()
        .into_bytes()
    }
}

/// The fixed DER header of a P-256 SubjectPublicKeyInfo (id-ecPublicKey, prime256v1), before
/// its 65-byte uncompressed point.
const P256_SPKI_HEADER: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
    0x07, 0x03, 0x42, 0x00,
];

/// The uncompressed point of a P-256 SubjectPublicKeyInfo (DER).
pub fn p256_point(spki: &[u8]) -> Option<&[u8]> {
    let header = P256_SPKI_HEADER.len();
    (spki.len() == header + 65 && spki[..header] == P256_SPKI_HEADER && spki[header] == 0x04).then(|| &spki[header..])
}

/// The SubjectPublicKeyInfo (DER) of a P-256 uncompressed point: what a browser's
/// `getPublicKey()` gives for a passkey, and what the sandbox registers.
pub fn p256_spki(point: &[u8]) -> Vec<u8> {
    [&P256_SPKI_HEADER[..], point].concat()
}

/// Base64url, padded or not (authenticators and libraries differ).
pub fn b64(field: &str, value: &str) -> Result<Vec<u8>, AssertionError> {
    URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .map_err(|_| AssertionError::Malformed(format!("{field} is not base64url")))
}

#[cfg(test)]
mod tests;
