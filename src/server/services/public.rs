//! Hosted pairing links, the public side: whoever holds the token may see the link and pair
//! its number, nothing else. Every call starts by resolving the token to a live link.
use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use super::numbers;
use crate::server::{
    domain::{LinkToken, NumberState, cosmetic_from_query, resolve_branding},
    engines::{LinkState, Pairing},
    error::{ApiError, ApiResult},
    pairing::events::{LINK_OPENED, link_event},
    state::AppState,
    store::{Link, LinkEnd, LinkForPage, Number, StoredView},
    views,
};
use crate::types::{
    branding::Branding,
    links::{FailureOut, TokenConnectOut, TokenInfoOut, TokenStatusOut},
};

/// How long after pairing the page that paired may still read the link's (final) state.
pub const USED_GRACE_MINUTES: i64 = 15;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading state and branding.
    View,
    /// A page's poll or stream reading its state again: served from a read kept while
    /// nothing changed (`page_reads`).
    Poll,
    /// Opening a linking window.
    Act,
}

pub struct Resolved {
    pub link: Link,
    /// `None` for a Meta link until its signup completes.
    pub number: Option<Number>,
    /// The number's shared view (what its page shows), read with the link.
    pub view: Option<StoredView>,
}

/// The live link behind `token`, or the 404 that says why there is none.
pub async fn resolve(state: &AppState, token: &str, access: Access) -> ApiResult<Resolved> {
    // One read for the link, its number and its page's view: this runs on every poll and
    // every stream wake-up.
    let hash = LinkToken::from_path(token).hash();
    let found = match access {
        Access::Poll => state.page_reads.read(&hash).await?,
        Access::View | Access::Act => state.store.find_link_for_page(&hash).await?,
    };
    let LinkForPage { link, number, view } = found.ok_or_else(|| gone("LINK_NOT_FOUND", "no such link"))?;
    let now = state.clock.now();
    match (link.end_reason, link.ended_at) {
        (Some(LinkEnd::Used), Some(at)) if access != Access::Act && now - at < Duration::minutes(USED_GRACE_MINUTES) => {}
        (Some(LinkEnd::Used), _) => return Err(used_up()),
        (Some(LinkEnd::Revoked), _) => return Err(gone("LINK_REVOKED", "this link was revoked")),
        (Some(LinkEnd::Replaced), _) => return Err(gone("LINK_REVOKED", "a newer link was issued for this number")),
        _ if link.expires_at <= now => {
            let err = gone("LINK_EXPIRED", "this link has expired");
            return Err(match &link.refresh_url {
                Some(url) => err.with_field("refreshUrl", url.as_str()),
                None => err,
            });
        }
        _ => {}
    }
    let number = match (&link.number_id, number) {
        (None, _) => None,
        (Some(_), Some(n)) if n.deleted_at.is_none() => Some(n),
        (Some(_), Some(_)) => return Err(gone("LINK_REVOKED", "this link was revoked")),
        (Some(_), None) => return Err(gone("LINK_NOT_FOUND", "no such link")),
    };
    Ok(Resolved { link, number, view })
}

fn used_up() -> ApiError {
    gone("LINK_ALREADY_USED", "this link was already used to connect the number")
}

/// What the page needs first. The first call records `link.opened`.
pub async fn info(state: &AppState, token: &str, query: &[(String, String)]) -> ApiResult<TokenInfoOut> {
    let r = resolve(state, token, Access::View).await?;
    Ok(info_of(state, &r, query).await?.0)
}

/// The info of a resolved link, and the status snapshot it was built from.
pub(super) async fn info_of(state: &AppState, r: &Resolved, query: &[(String, String)]) -> ApiResult<(TokenInfoOut, TokenStatusOut)> {
    if r.link.opened_at.is_none() {
        let event = link_event(
            LINK_OPENED,
            &r.link,
            r.number.as_ref().map(Into::into),
            state.clock.now(),
            json!({}),
        );
        if state.store.mark_link_opened(&r.link.tenant_id, &r.link.id, &event).await? {
            crate::server::metrics::link_event("opened");
        }
    }
    let status = snapshot(state, r).await?;
    let capabilities = r
        .number
        .as_ref()
        .and_then(|n| state.engines.get(&n.engine))
        .map(|e| e.capabilities())
        .unwrap_or_default();
    let methods = [(capabilities.qr, "qr"), (capabilities.pair_code, "code")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, m)| m.to_owned())
        .collect();
    let info = TokenInfoOut {
        valid: true,
        number_id: r.number.as_ref().map(|n| n.id.to_string()),
        name: r.number.as_ref().map(|n| n.name.clone()),
        masked_number: r.number.as_ref().map(|n| n.phone.masked()),
        state: status.state.clone(),
        provider: r.link.provider.as_str().into(),
        meta_flow: r.link.meta_flow.clone(),
        expires_at: r.link.expires_at,
        primary_link: status.primary_link.clone(),
        secondary_link: None,
        link_state: status.link_state.clone(),
        branding: branding_of(state, r, query).await?,
        locale: r.link.locale.clone(),
        redirect_url: r.link.redirect_url.clone(),
        refresh_url: r.link.refresh_url.clone(),
        methods,
        sandbox: r.number.as_ref().is_some_and(|n| n.engine == "sandbox"),
    };
    Ok((info, status))
}

pub async fn branding(state: &AppState, token: &str, query: &[(String, String)]) -> ApiResult<Branding> {
    let r = resolve(state, token, Access::View).await?;
    branding_of(state, &r, query).await
}

/// Opens a linking window (or returns the open one): one per number however many calls come.
pub async fn connect(state: &AppState, token: &str) -> ApiResult<TokenConnectOut> {
    // Read as the page reads: while the link that paired can still be read, a second connect
    // is told the number is connected (409, which the documented API answers and its SDK
    // raises as a conflict); later the link is simply used up.
    let r = resolve(state, token, Access::View).await?;
    if r.link.end_reason == Some(LinkEnd::Used) {
        let open = r.number.as_ref().is_some_and(|n| n.state == NumberState::Open);
        return Err(if open { numbers::already_connected() } else { used_up() });
    }
    let Some(number) = &r.number else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "FEATURE_NOT_SUPPORTED",
            "this link connects an official number through Meta's signup, not a QR",
        ));
    };
    if number.state == NumberState::Open {
        return Err(numbers::already_connected());
    }
    numbers::engine_of(state, number)?;
    let pairing = numbers::open_window(state, number).await?;
    let out = views::pairing(&pairing).map_err(ApiError::internal)?;
    Ok(TokenConnectOut {
        qrcode_base64: out.qrcode_base64,
        pairing_code: out.pairing_code,
        secondary_link: None,
        expires_at: pairing.qr.as_ref().map(|q| q.expires_at),
        window_ends_at: pairing.window_ends_at,
        seconds_left: seconds_left(state, &pairing),
    })
}

/// The link's state now: the number's, the engine's live view, and the QR and code if a
/// window is open.
pub async fn snapshot(state: &AppState, r: &Resolved) -> ApiResult<TokenStatusOut> {
    // `r` was resolved for this call, so its number is as fresh as a second read would be.
    let Some(number) = &r.number else { return Ok(waiting_for_meta(r)) };
    let live = match state.engines.get(&number.engine) {
        Some(engine) => state.pairing.status_from(engine.as_ref(), number, r.view.clone()).await,
        None => LinkState::Idle,
    };
    let open = number.state == NumberState::Open;
    let (link_state, failure) = link_state_view(&live, open);
    // Read only while WhatsApp waits for the passkey: the page then follows the ceremony.
    let passkey = match &live {
        LinkState::PasskeyRequired { .. } if !open => super::passkey_stage::stage_for_page(state, &r.link, &live).await,
        _ => None,
    };
    let pairing = live.pairing().filter(|_| !open);
    let shown = pairing.map(views::pairing).transpose().map_err(ApiError::internal)?;
    let link = crate::types::numbers::LinkOut {
        state: number.state.as_str().into(),
        connected_at: number.connected_at,
    };
    Ok(TokenStatusOut {
        state: number.state.as_str().into(),
        is_fully_connected: open,
        primary_link: link,
        secondary_link: None,
        link_state: link_state.into(),
        failure,
        qrcode_base64: shown.as_ref().and_then(|s| s.qrcode_base64.clone()),
        pairing_code: shown.and_then(|s| s.pairing_code),
        qr_expires_at: pairing.and_then(|p| p.qr.as_ref()).map(|q| q.expires_at),
        seconds_left: pairing.map_or(0, |p| seconds_left(state, p)),
        expires_at: r.link.expires_at,
        passkey,
    })
}

/// The page's `linkState` (and failure) for an engine state; `open` when the number is paired.
pub fn link_state_view(live: &LinkState, open: bool) -> (&'static str, Option<FailureOut>) {
    let failure = |reason: &str, retryable: bool| {
        Some(FailureOut {
            reason: reason.to_owned(),
            retryable,
        })
    };
    match (live, open) {
        (_, true) | (LinkState::Connected { .. }, _) => ("connected", None),
        (LinkState::Pairing(p), _) => (if p.qr.is_some() { "qr" } else { "code" }, None),
        (LinkState::Failed { reason, retryable }, _) => ("failed", failure(reason, *retryable)),
        // Pairing again is the way back from a logout, a ban lifting, a replaced session.
        (LinkState::LoggedOut { reason }, _) => ("failed", failure(reason, true)),
        (LinkState::PasskeyRequired { .. }, _) => ("passkey_required", None),
        // Paired but not yet online: the page waits for the connection (see `watch`).
        (LinkState::Paired { .. }, _) => ("connected", None),
        (LinkState::Idle | LinkState::Disconnected { .. }, _) => ("idle", None),
    }
}

/// A Meta link before its signup: nothing is paired yet.
fn waiting_for_meta(r: &Resolved) -> TokenStatusOut {
    TokenStatusOut {
        state: NumberState::Close.as_str().into(),
        is_fully_connected: false,
        primary_link: crate::types::numbers::LinkOut {
            state: NumberState::Close.as_str().into(),
            connected_at: None,
        },
        secondary_link: None,
        link_state: "idle".into(),
        failure: None,
        qrcode_base64: None,
        pairing_code: None,
        qr_expires_at: None,
        seconds_left: 0,
        expires_at: r.link.expires_at,
        passkey: None,
    }
}

async fn branding_of(state: &AppState, r: &Resolved, query: &[(String, String)]) -> ApiResult<Branding> {
    let tenant = state.store.settings(&r.link.tenant_id).await?.branding;
    let locale = r.link.locale.as_deref().unwrap_or("en");
    Ok(resolve_branding(&cosmetic_from_query(query), &r.link.branding, &tenant, locale))
}

fn seconds_left(state: &AppState, p: &Pairing) -> i64 {
    (p.window_ends_at - state.clock.now()).num_seconds().max(0)
}

fn gone(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::engines::{PairCode, QrRef};

    /// Every engine state, as the page is told it.
    #[test]
    fn every_link_state_has_a_page_state() {
        let now = chrono::Utc::now();
        let qr = QrRef {
            payload: "2@x".into(),
            seq: 1,
            expires_at: now,
        };
        let code = PairCode {
            code: "ABCD1234".into(),
            expires_at: now,
        };
        let pairing = |qr: Option<QrRef>, code: Option<PairCode>| {
            LinkState::Pairing(Pairing {
                qr,
                code,
                window_ends_at: now,
            })
        };
        let failed = |reason: &str, retryable| LinkState::Failed {
            reason: reason.into(),
            retryable,
        };
        let view = |s: &LinkState| {
            let (state, failure) = link_state_view(s, false);
            (state, failure.map(|f| (f.reason, f.retryable)))
        };
        let f = |r: &str, retryable| Some((r.to_owned(), retryable));
        assert_eq!(view(&LinkState::Idle), ("idle", None));
        assert_eq!(view(&pairing(Some(qr.clone()), Some(code.clone()))), ("qr", None));
        assert_eq!(view(&pairing(None, Some(code))), ("code", None));
        assert_eq!(
            view(&LinkState::PasskeyRequired {
                expires_at: None,
                request: None,
                confirmation: None
            }),
            ("passkey_required", None)
        );
        assert_eq!(view(&LinkState::Paired { phone_digits: "1".into() }), ("connected", None));
        assert_eq!(view(&LinkState::Connected { phone_digits: "1".into() }), ("connected", None));
        assert_eq!(view(&LinkState::Disconnected { reason: "replaced".into() }), ("idle", None));
        assert_eq!(
            view(&LinkState::LoggedOut { reason: "banned".into() }),
            ("failed", f("banned", true))
        );
        assert_eq!(view(&failed("wrong_number", true)), ("failed", f("wrong_number", true)));
        assert_eq!(view(&failed("client_outdated", false)), ("failed", f("client_outdated", false)));
        // A paired number reads connected whatever the engine says (a flap, say).
        assert_eq!(
            link_state_view(&LinkState::Disconnected { reason: "x".into() }, true).0,
            "connected"
        );
        assert_eq!(link_state_view(&pairing(Some(qr), None), true).0, "connected");
    }
}
