//! The sandbox's passkey gate, kept as WhatsApp keeps it (docs/passkey-ceremony.md): options
//! for `rpId` `whatsapp.com` with a fresh challenge, an assertion checked with the account's
//! registered public key (ES256), a refusal that ends the link, then the confirmation code
//! a first link must confirm before the device connects.
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng, RngCore};

use super::{LinkState, PAIR_CODE_ALPHABET, SandboxEngine, Session, SimulationError};
use crate::server::domain::NumberId;
use crate::server::domain::passkey::{Assertion, AssertionError, RequestOptions, p256_point};
use crate::server::engines::{EngineError, NumberCtx};

/// The relying party WhatsApp asks for (its request options say so; nothing else assumes it).
const RP_ID: &str = "whatsapp.com";
/// How long WhatsApp waits for the passkey, as its options' `timeout` says.
const PASSKEY_TIMEOUT_MS: i64 = 600_000;

/// A passkey registered on the sandbox account, as a test's authenticator holds it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxCredential {
    /// base64url.
    pub credential_id: String,
    /// base64url SubjectPublicKeyInfo (DER) of a P-256 key.
    pub public_key: String,
}

impl SandboxCredential {
    /// `None` unless both fields decode and the key is a P-256 one.
    pub fn parse(credential_id: &str, public_key: &str) -> Option<Self> {
        let id = URL_SAFE_NO_PAD.decode(credential_id.trim_end_matches('=')).ok()?;
        let key = URL_SAFE_NO_PAD.decode(public_key.trim_end_matches('=')).ok()?;
        (!id.is_empty() && p256_point(&key).is_some()).then(|| Self {
            credential_id: URL_SAFE_NO_PAD.encode(id),
            public_key: URL_SAFE_NO_PAD.encode(key),
        })
    }
}

/// WhatsApp's side of one passkey request.
pub(super) struct Gate {
    credential: Option<SandboxCredential>,
    options: RequestOptions,
    /// The authenticator's counter last seen: a lower or equal one is a replay (or a clone).
    last_count: u32,
}

impl SandboxEngine {
    /// The phone scanned, and WhatsApp now asks for the account's passkey (the 2026 gate):
    /// the window waits WhatsApp's ten minutes for it. With `credential`, the account has
    /// that passkey and the ceremony can answer; without, only the phone can (a scan).
    pub async fn ask_passkey(&self, number: &NumberId, credential: Option<SandboxCredential>) -> Result<(), SimulationError> {
        let mut sessions = self.inner.sessions.lock().await;
        let session = sessions.get_mut(number).ok_or(SimulationError::NotPairing)?;
        if !matches!(session.state, LinkState::Pairing(_)) {
            return Err(SimulationError::NotPairing);
        }
        // The QR no longer rotates: the phone is past it.
        session.generation += 1;
        if let Some(task) = session.rotation.take() {
            task.abort();
        }
        let mut challenge = [0u8; 32];
        rand::rng().fill_bytes(&mut challenge);
        let request = serde_json::json!({
            "challenge": URL_SAFE_NO_PAD.encode(challenge),
            "timeout": PASSKEY_TIMEOUT_MS,
            "rpId": RP_ID,
            "allowCredentials": [],
            "userVerification": "required",
            "extensions": { "uvm": true },
        })
        .to_string();
        session.gate = Some(Gate {
            credential,
            options: RequestOptions {
                challenge: challenge.to_vec(),
                rp_id: RP_ID.into(),
                user_verification_required: true,
            },
            last_count: 0,
        });
        let expires_at = Some(self.inner.clock.now() + chrono::Duration::milliseconds(PASSKEY_TIMEOUT_MS));
        let state = LinkState::PasskeyRequired {
            expires_at,
            request: Some(request),
            confirmation: None,
        };
        self.inner.set(session, state).await;
        Ok(())
    }

    /// WhatsApp receives the assertion: a good one leads to the confirmation code, a bad one
    /// ends the link (the person starts again), as WhatsApp does.
    pub(super) async fn receive_assertion(&self, ctx: &NumberCtx, assertion: &Assertion) -> Result<(), EngineError> {
        let mut sessions = self.inner.sessions.lock().await;
        let session = sessions.get_mut(&ctx.number).ok_or(EngineError::NotConnected)?;
        let waiting = matches!(session.state, LinkState::PasskeyRequired { confirmation: None, .. });
        let Some(gate) = session.gate.as_mut().filter(|_| waiting) else {
            return Err(EngineError::Conflict("WhatsApp is not waiting for a passkey on this number".into()));
        };
        match judge(gate, assertion) {
            Ok(count) => {
                gate.last_count = count;
                let LinkState::PasskeyRequired { expires_at, request, .. } = session.state.clone() else {
                    unreachable!("checked above")
                };
                let next = LinkState::PasskeyRequired {
                    expires_at,
                    request,
                    confirmation: Some(confirmation_code()),
                };
                self.inner.set(session, next).await;
                Ok(())
            }
            Err(err) => {
                self.refuse(session).await;
                Err(EngineError::Conflict(format!("WhatsApp refused the passkey: {err}")))
            }
        }
    }

    /// The person confirmed WhatsApp's code: the device is linked and connects.
    pub(super) async fn confirm_passkey(&self, ctx: &NumberCtx) -> Result<(), EngineError> {
        let mut sessions = self.inner.sessions.lock().await;
        let session = sessions.get_mut(&ctx.number).ok_or(EngineError::NotConnected)?;
        if !matches!(session.state, LinkState::PasskeyRequired { confirmation: Some(_), .. }) {
            return Err(EngineError::Conflict("there is no code to confirm on this number".into()));
        }
        session.gate = None;
        self.complete(session, None).await;
        Ok(())
    }

    async fn refuse(&self, session: &mut Session) {
        session.gate = None;
        self.disconnect(session).await;
        let failed = LinkState::Failed {
            reason: crate::server::engines::reason::PASSKEY_REJECTED.into(),
            retryable: true,
        };
        self.inner.set(session, failed).await;
    }
}

/// WhatsApp's checks of an assertion; the authenticator's counter when it passes.
fn judge(gate: &Gate, assertion: &Assertion) -> Result<u32, AssertionError> {
    assertion.check(&gate.options)?;
    let credential = gate.credential.as_ref().ok_or(AssertionError::BadSignature)?;
    if URL_SAFE_NO_PAD.encode(&assertion.credential_id) != credential.credential_id {
        return Err(AssertionError::BadSignature);
    }
    let key = URL_SAFE_NO_PAD
        .decode(&credential.public_key)
        .map_err(|_| AssertionError::BadSignature)?;
    assertion.verify_es256(&key)?;
    let count = assertion.sign_count();
    if count != 0 && count <= gate.last_count {
        return Err(AssertionError::Malformed("the authenticator's counter went back (a replay)".into()));
    }
    Ok(count)
}

/// `XXXX-XXXX`, as WhatsApp shows it.
fn confirmation_code() -> String {
    let mut rng = rand::rng();
    let mut pick = || PAIR_CODE_ALPHABET[rng.random_range(0..PAIR_CODE_ALPHABET.len())] as char;
    let a: String = (0..4).map(|_| pick()).collect();
    let b: String = (0..4).map(|_| pick()).collect();
    format!("{a}-{b}")
}
