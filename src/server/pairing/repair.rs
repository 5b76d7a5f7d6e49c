//! Self-service re-pair: when a tenant asks for it, a `number.disconnected` webhook carries a
//! fresh pairing link the platform can forward to its customer as is.
//!
//! The stored event carries the link's id only: its token is derived from the secrets key
//! and the id (`Sealer::derived_token`), so the webhook worker writes the URL into the body
//! it sends, and neither the events table nor a backup of it holds a usable link.
use chrono::Duration;
use serde_json::{Value, json};

use crate::server::{
    domain::{LinkId, LinkToken, NumberState, Provider},
    engines::NumberCtx,
    store::{NewLink, Store},
};

#[derive(Clone)]
pub struct RepairLinks {
    pub ttl: Duration,
    pub tokens: crate::server::crypto::Sealer,
}

impl RepairLinks {
    /// `{"repairLink": {linkId, expiresAt}}` (`url` is added when delivered) when the tenant wants one (the number's
    /// previous link ends, replaced); `None` otherwise or if issuing failed (logged: the
    /// disconnection is reported anyway).
    pub async fn for_disconnect(&self, store: &dyn Store, n: &NumberCtx, at: chrono::DateTime<chrono::Utc>) -> Option<Value> {
        let wanted = match store.settings(&n.tenant).await {
            Ok(s) => s.repair_link_on_disconnect,
            Err(err) => {
                tracing::warn!(tenant.id = %n.tenant, error = %err, "could not read settings for a re-pair link");
                return None;
            }
        };
        if !wanted {
            return None;
        }
        // Only for a number that is disconnecting now: a repeated report must not replace
        // the link the platform already forwarded.
        let live = store.get_number(&n.tenant, &n.number).await.ok()?;
        if live.state == NumberState::Close || live.deleted_at.is_some() {
            return None;
        }
        let id = LinkId::generate();
        let token = LinkToken::from_path(&self.tokens.derived_token(crate::server::crypto::REPAIR_LINK_TOKENS, id.as_str()));
        let new = NewLink {
            id,
            number_id: Some(n.number.clone()),
            token_hash: token.hash(),
            provider: Provider::PilotStatus,
            meta_flow: None,
            branding: Default::default(),
            redirect_url: None,
            refresh_url: None,
            external_ref: None,
            locale: None,
            at,
            expires_at: at + self.ttl,
        };
        match store.issue_link(&n.tenant, &new, None).await {
            Ok(link) => Some(json!({ "repairLink": {
                "linkId": link.id,
                "expiresAt": link.expires_at,
            }})),
            Err(err) => {
                tracing::error!(number.id = %n.number, error = %err, "could not issue a re-pair link");
                None
            }
        }
    }
}
