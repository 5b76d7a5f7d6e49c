//! The Meta Cloud API engine. Meta numbers are not paired by QR: they are created already
//! connected by the onboarding service (`services::meta`), so this engine reads their state
//! from Graph and sends templates, and has no linking window.
use std::sync::Arc;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{
    crypto::TokenCipher,
    graph::{Graph, GraphError, Phone},
};
use crate::server::{
    clock::Clock,
    config::Config,
    domain::{NumberId, NumberState, PhoneE164, TenantId},
    engines::{Capabilities, Engine, EngineError, EngineKind, LinkRequest, LinkState, NumberCtx},
    store::{MetaAccount, Store, StoreError},
};

pub struct MetaEngine {
    pub graph: Graph,
    pub cipher: TokenCipher,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    verify_token: String,
    app_secret: String,
    /// Whether Embedded Signup can run (it needs the app id and secret).
    pub embedded_ready: bool,
}

/// Phone statuses after which the number no longer sends for us.
pub const GONE: &[&str] = &["BANNED", "DELETED", "DISCONNECTED", "MIGRATED"];

impl MetaEngine {
    /// `None` when no `meta_token_key` is configured: Meta is then off.
    pub fn from_config(config: &Config, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> anyhow::Result<Option<Self>> {
        if config.meta_token_key.is_empty() {
            return Ok(None);
        }
        let key = config.meta_token_key.expose();
        let cipher = TokenCipher::from_base64(key).map_err(|m| anyhow::anyhow!("meta_token_key: {m}"))?;
        let verify_token = match config.meta_verify_token.expose() {
            "" => derived_verify_token(key),
            set => set.to_owned(),
        };
        Ok(Some(Self {
            graph: Graph::new(config)?,
            cipher,
            store,
            clock,
            verify_token,
            app_secret: config.meta_app_secret.expose().to_owned(),
            embedded_ready: !config.meta_app_id.is_empty() && !config.meta_app_secret.is_empty(),
        }))
    }

    /// What Meta must echo when it verifies our webhook URL.
    pub fn verify_token(&self) -> &str {
        &self.verify_token
    }

    /// The app secret webhooks are signed with; empty when not configured.
    pub fn app_secret(&self) -> &str {
        &self.app_secret
    }

    pub async fn account(&self, number: &NumberCtx) -> Result<MetaAccount, EngineError> {
        match self.store.meta_account(&number.tenant, &number.number).await {
            Ok(a) => Ok(a),
            Err(StoreError::NotFound) => Err(EngineError::Unavailable("this number has no Meta account".into())),
            Err(e) => Err(EngineError::Unavailable(e.to_string())),
        }
    }

    pub fn token_of(&self, account: &MetaAccount) -> Result<String, EngineError> {
        self.cipher
            .decrypt_for(account.number_id.as_str(), &account.token)
            .map_err(|e| EngineError::Unavailable(e.to_string()))
    }

    /// Reads the phone's fields from Graph now and remembers them.
    pub async fn refresh(&self, number: &NumberCtx) -> Result<(MetaAccount, Result<Phone, GraphError>), EngineError> {
        let account = self.account(number).await?;
        let token = self.token_of(&account)?;
        let phone = self.graph.phone(&token, &account.phone_number_id).await;
        if let Ok(phone) = &phone {
            let value = serde_json::to_value(phone).unwrap_or_default();
            let now = self.clock.now();
            if let Err(e) = self.store.save_meta_phone(&number.tenant, &number.number, &value, now, None).await {
                tracing::warn!(number.id = %number.number, error = %e, "could not remember Meta's phone fields");
            }
        }
        Ok((account, phone))
    }
}

/// A stable verify token nobody can guess without the key.
fn derived_verify_token(key: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"pairlink meta webhook verify token");
    let digest = mac.finalize().into_bytes();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The link state a phone's Graph fields mean.
pub fn state_of(phone: &Phone, digits: &str) -> LinkState {
    match phone.status.as_deref() {
        Some(s) if GONE.contains(&s) => LinkState::LoggedOut {
            reason: format!("meta_{}", s.to_ascii_lowercase()),
        },
        _ => LinkState::Connected {
            phone_digits: digits.to_owned(),
        },
    }
}

#[async_trait]
impl Engine for MetaEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Meta
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }

    async fn create(&self, _tenant: &TenantId, _number: &NumberId) -> Result<serde_json::Value, EngineError> {
        Err(EngineError::Unsupported)
    }

    async fn link(&self, _number: &NumberCtx, _request: LinkRequest) -> Result<LinkState, EngineError> {
        Err(EngineError::Unsupported)
    }

    /// What we last knew, without calling Meta: pages and status checks poll this, and Graph
    /// has rate limits. `GET /v1/numbers/{id}?refresh=1` reads Meta live.
    async fn status(&self, number: &NumberCtx) -> Result<LinkState, EngineError> {
        if number.state != NumberState::Open {
            return Ok(LinkState::Idle);
        }
        let account = self.account(number).await?;
        let phone: Phone = serde_json::from_value(account.phone).unwrap_or_default();
        Ok(state_of(&phone, number.phone.digits()))
    }

    /// Nothing to re-attach: Meta keeps the number connected without us. No network here.
    async fn resume(&self, number: &NumberCtx) -> Result<LinkState, EngineError> {
        Ok(match number.state {
            NumberState::Open => LinkState::Connected {
                phone_digits: number.phone.digits().to_owned(),
            },
            _ => LinkState::Idle,
        })
    }

    /// A deleted number can be restored, so Meta's side (registration, subscription) stays.
    async fn delete(&self, _number: &NumberCtx) -> Result<(), EngineError> {
        Ok(())
    }

    /// Cloud API numbers may send free text only inside a customer's 24-hour window; links go
    /// out as templates (`services::meta::send_link`).
    async fn send_text(&self, _number: &NumberCtx, _to: &PhoneE164, _body: &str, _id: Option<&str>) -> Result<String, EngineError> {
        Err(EngineError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_statuses_map_to_link_states() {
        let phone = |s: &str| Phone {
            id: "1".into(),
            status: Some(s.into()),
            ..Phone::default()
        };
        assert_eq!(
            state_of(&phone("CONNECTED"), "155"),
            LinkState::Connected {
                phone_digits: "155".into()
            }
        );
        assert_eq!(state_of(&phone("FLAGGED"), "155").number_state(), Some(NumberState::Open));
        assert_eq!(
            state_of(&phone("BANNED"), "155"),
            LinkState::LoggedOut {
                reason: "meta_banned".into()
            }
        );
    }

    #[test]
    fn the_derived_verify_token_is_stable_and_secret_dependent() {
        assert_eq!(derived_verify_token("a"), derived_verify_token("a"));
        assert_ne!(derived_verify_token("a"), derived_verify_token("b"));
        assert_eq!(derived_verify_token("a").len(), 32);
    }
}
