//! Where a passkey ceremony stands (docs/passkey-ceremony.md), from its row and WhatsApp's
//! state for the number: what the page and the extension both follow.
use chrono::{DateTime, Utc};

use crate::server::{
    engines::LinkState,
    state::AppState,
    store::{Ceremony, Link},
};
use crate::types::passkey::PasskeyStageOut;

/// The stages, as the API names them.
pub mod stage {
    pub const WAITING: &str = "waiting";
    pub const CHALLENGE: &str = "challenge";
    pub const VERIFYING: &str = "verifying";
    pub const CONFIRMATION: &str = "confirmation";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
    pub const EXPIRED: &str = "expired";
}

/// The ceremony's stage for the page behind the link, while WhatsApp waits for the passkey.
pub async fn stage_for_page(state: &AppState, link: &Link, live: &LinkState) -> Option<PasskeyStageOut> {
    let ceremony = match state.store.ceremony_of_link(&link.id).await {
        Ok(c) => c?,
        Err(err) => {
            tracing::warn!(link.id = %link.id, error = %err, "could not read a passkey ceremony");
            return None;
        }
    };
    Some(PasskeyStageOut {
        stage: stage_of(&ceremony, live, false, state.clock.now()).into(),
        claimed_at: ceremony.claimed_at,
        failure: ceremony.failure.clone(),
    })
}

/// Where `ceremony` is, given WhatsApp's state for its number (`open`: paired).
pub fn stage_of(ceremony: &Ceremony, live: &LinkState, open: bool, now: DateTime<Utc>) -> &'static str {
    // WhatsApp took the confirmation: the connection follows (and ends the link).
    if ceremony.confirmed_at.is_some() {
        return stage::DONE;
    }
    if open || matches!(live, LinkState::Connected { .. } | LinkState::Paired { .. }) {
        return if ceremony.claimed_at.is_some() {
            stage::DONE
        } else {
            stage::EXPIRED
        };
    }
    if ceremony.failed_at.is_some() {
        return stage::FAILED;
    }
    match live {
        LinkState::PasskeyRequired { confirmation: Some(_), .. } if ceremony.claimed_at.is_some() => stage::CONFIRMATION,
        LinkState::PasskeyRequired { request, .. } => match (ceremony.claimed_at, ceremony.asserted_at) {
            (None, _) if ceremony.handoff_expires_at <= now => stage::EXPIRED,
            (None, _) => stage::WAITING,
            (Some(_), Some(_)) => stage::VERIFYING,
            (Some(_), None) if request.is_some() => stage::CHALLENGE,
            (Some(_), None) => stage::WAITING,
        },
        LinkState::Failed { .. } | LinkState::LoggedOut { .. } if ceremony.claimed_at.is_some() => stage::FAILED,
        _ => stage::EXPIRED,
    }
}
