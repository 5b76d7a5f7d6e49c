//! Where a passkey ceremony stands (docs/passkey-ceremony.md), from its row and WhatsApp's
//! state for the number: what the page and the extension both follow.
use chrono::{DateTime, Utc};

use crate::server::{
    domain::hex_sha256,
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
        // WhatsApp asked again (a new window): this ceremony answered an earlier request.
        LinkState::PasskeyRequired { request: Some(r), .. } if hex_sha256(r.as_bytes()) != ceremony.request_hash => stage::EXPIRED,
        LinkState::PasskeyRequired { confirmation: Some(_), .. } if ceremony.claimed_at.is_some() => stage::CONFIRMATION,
        LinkState::PasskeyRequired { request, .. } => match (ceremony.claimed_at, ceremony.asserted_at) {
            (None, _) if ceremony.handoff_expires_at <= now => stage::EXPIRED,
            (None, _) => stage::WAITING,
            (Some(_), Some(_)) => stage::VERIFYING,
            (Some(_), None) if request.is_some() => stage::CHALLENGE,
            (Some(_), None) => stage::WAITING,
        },
        // WhatsApp's wait ran out: the window closed under the ceremony.
        LinkState::Failed { reason, .. } if reason == crate::server::engines::reason::QR_WINDOW_CLOSED => stage::EXPIRED,
        LinkState::Failed { .. } | LinkState::LoggedOut { .. } if ceremony.claimed_at.is_some() => stage::FAILED,
        _ => stage::EXPIRED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::domain::{LinkId, NumberId, TenantId};

    fn ceremony(claimed: bool, asserted: bool) -> Ceremony {
        let at = chrono::DateTime::UNIX_EPOCH;
        Ceremony {
            link: LinkId::from_trusted("lnk_1"),
            tenant: TenantId::from_trusted("ten_1"),
            number: NumberId::from_trusted("num_1"),
            request_hash: hex_sha256(b"{}"),
            handoff_expires_at: at + chrono::Duration::minutes(5),
            claimed_at: claimed.then_some(at),
            asserted_at: asserted.then_some(at),
            confirmed_at: None,
            failed_at: None,
            failure: None,
        }
    }

    fn asked(confirmation: Option<&str>) -> LinkState {
        LinkState::PasskeyRequired {
            expires_at: None,
            request: Some("{}".into()),
            confirmation: confirmation.map(str::to_owned),
        }
    }

    #[test]
    fn each_stage_follows_from_the_row_and_whatsapps_state() {
        let now = chrono::DateTime::UNIX_EPOCH + chrono::Duration::minutes(1);
        let later = now + chrono::Duration::minutes(10);
        assert_eq!(stage_of(&ceremony(false, false), &asked(None), false, now), stage::WAITING);
        assert_eq!(stage_of(&ceremony(false, false), &asked(None), false, later), stage::EXPIRED);
        assert_eq!(stage_of(&ceremony(true, false), &asked(None), false, later), stage::CHALLENGE);
        assert_eq!(stage_of(&ceremony(true, true), &asked(None), false, now), stage::VERIFYING);
        assert_eq!(
            stage_of(&ceremony(true, true), &asked(Some("ABCD-EFGH")), false, now),
            stage::CONFIRMATION
        );
        let connected = LinkState::Connected { phone_digits: "1".into() };
        assert_eq!(stage_of(&ceremony(true, true), &connected, true, now), stage::DONE);
        assert_eq!(
            stage_of(&ceremony(false, false), &connected, true, now),
            stage::EXPIRED,
            "paired some other way"
        );
        let closed = LinkState::Failed {
            reason: crate::server::engines::reason::QR_WINDOW_CLOSED.into(),
            retryable: true,
        };
        assert_eq!(stage_of(&ceremony(true, false), &closed, false, now), stage::EXPIRED);
        let refused = LinkState::Failed {
            reason: crate::server::engines::reason::PASSKEY_REJECTED.into(),
            retryable: true,
        };
        assert_eq!(stage_of(&ceremony(true, true), &refused, false, now), stage::FAILED);
        let mut failed = ceremony(true, true);
        failed.failed_at = Some(now);
        assert_eq!(stage_of(&failed, &asked(None), false, now), stage::FAILED);
        let again = LinkState::PasskeyRequired {
            expires_at: None,
            request: Some("{\"challenge\":\"new\"}".into()),
            confirmation: None,
        };
        assert_eq!(
            stage_of(&ceremony(true, false), &again, false, now),
            stage::EXPIRED,
            "an earlier request's ceremony"
        );
    }
}
