//! The passkey ceremony (docs/passkey-ceremony.md): a page hands its link's passkey request
//! to an extension on a computer by a short code; the extension gets WhatsApp's request
//! options, makes the assertion in a `web.whatsapp.com` tab, and posts it here. It is checked
//! here before it goes to WhatsApp through the number's owner (any process), then the person
//! confirms WhatsApp's code. Codes and secrets are stored only as hashes.
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use rand::{Rng, RngCore};

use super::passkey_stage::{stage, stage_of};
use super::public::{Access, resolve};
use crate::server::{
    domain::{
        NumberState, hex_sha256,
        passkey::{Assertion, AssertionJson, RequestOptions},
        resolve_branding,
    },
    engines::LinkState,
    error::{ApiError, ApiResult},
    pairing::commands::Action,
    state::AppState,
    store::{Ceremony, CeremonyStep, Link, NewHandoff, Number, StoreError},
};
use crate::types::passkey::{CeremonyOut, HandoffOut};

/// How long a hand-off code may wait for its claim.
pub const HANDOFF_TTL: Duration = Duration::minutes(5);
/// Wrong tries at one code before it dies.
pub const HANDOFF_TRIES: u32 = 5;
/// No 0/O, 1/I/L: read off one screen and typed on another.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 8;
/// The clear part of a code, which finds it.
const PREFIX_LEN: usize = 4;

/// A new hand-off code for the link behind `token`, whose number waits for its passkey.
pub async fn handoff(state: &AppState, token: &str) -> ApiResult<HandoffOut> {
    let r = resolve(state, token, Access::Act).await?;
    let number = r.number.as_ref().ok_or_else(not_required)?;
    let live = live_state(state, number, r.view.clone()).await;
    let LinkState::PasskeyRequired {
        expires_at,
        request: Some(request),
        confirmation: None,
    } = live
    else {
        return Err(not_required());
    };
    let now = state.clock.now();
    // Never past WhatsApp's own wait for the passkey.
    let expires_at = expires_at.map_or(now + HANDOFF_TTL, |e| e.min(now + HANDOFF_TTL));
    for _ in 0..8 {
        let code = new_code();
        let handoff = NewHandoff {
            link: r.link.id.clone(),
            tenant: r.link.tenant_id.clone(),
            number: number.id.clone(),
            request_hash: hex_sha256(request.as_bytes()),
            prefix: code[..PREFIX_LEN].to_owned(),
            hash: hex_sha256(code.as_bytes()),
            expires_at,
            at: now,
        };
        match state.store.issue_handoff(&handoff).await {
            Ok(true) => {
                return Ok(HandoffOut {
                    code,
                    expires_at,
                    stage: stage::WAITING.into(),
                });
            }
            Ok(false) => {
                return Err(ApiError::conflict(
                    "PASSKEY_CLAIMED",
                    "an extension already holds this link's passkey step; finish it there",
                ));
            }
            // Another live code starts the same: draw again.
            Err(StoreError::Conflict) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::internal(anyhow::anyhow!("could not draw a free hand-off code")))
}

/// An extension claims a hand-off code: it gets the ceremony's bearer secret.
pub async fn claim(state: &AppState, code: &str) -> ApiResult<CeremonyOut> {
    let code = normalize(code).ok_or_else(invalid_code)?;
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = URL_SAFE_NO_PAD.encode(secret);
    let now = state.clock.now();
    let ceremony = state
        .store
        .claim_handoff(
            &code[..PREFIX_LEN],
            &hex_sha256(code.as_bytes()),
            &hex_sha256(secret.as_bytes()),
            HANDOFF_TRIES,
            now,
        )
        .await?
        .ok_or_else(invalid_code)?;
    let mut out = view(state, &ceremony).await?;
    out.ceremony = Some(secret);
    Ok(out)
}

/// What the extension holding `secret` sees now.
pub async fn ceremony(state: &AppState, secret: &str) -> ApiResult<CeremonyOut> {
    let ceremony = held(state, secret).await?;
    view(state, &ceremony).await
}

/// The extension's assertion: checked against WhatsApp's request, then handed to WhatsApp.
pub async fn assertion(state: &AppState, secret: &str, body: &AssertionJson) -> ApiResult<CeremonyOut> {
    let ceremony = held(state, secret).await?;
    let (link, number, live) = current(state, &ceremony).await?;
    if stage_of(&ceremony, &live, number.state == NumberState::Open, state.clock.now()) != stage::CHALLENGE {
        return Err(wrong_stage());
    }
    let LinkState::PasskeyRequired {
        request: Some(request), ..
    } = &live
    else {
        return Err(wrong_stage());
    };
    let options = RequestOptions::parse(request).map_err(ApiError::internal)?;
    let checked = match Assertion::decode(body).and_then(|a| a.check(&options).map(|()| a)) {
        Ok(checked) => checked,
        Err(err) => {
            crate::server::metrics::link_event("passkey_assertion_refused");
            return Err(invalid_assertion(err.to_string()));
        }
    };
    let now = state.clock.now();
    // Once per ceremony: a second (replayed or concurrent) post goes no further.
    if !state.store.mark_ceremony(&link.id, CeremonyStep::Asserted, None, now).await? {
        return Err(wrong_stage());
    }
    // What was checked, re-encoded from its bytes: WhatsApp gets exactly that.
    let raw = String::from_utf8_lossy(&checked.to_whatsapp_json()).into_owned();
    if let Err(failure) = state.pairing.act(&number, Action::PasskeyAssertion { assertion: raw }).await {
        let _ = state
            .store
            .mark_ceremony(&link.id, CeremonyStep::Failed, Some(&failure.message), state.clock.now())
            .await;
        crate::server::metrics::link_event("passkey_failed");
        return Err(match failure.kind {
            crate::server::pairing::commands::FailureKind::Conflict => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "PASSKEY_REJECTED", failure.message)
            }
            _ => failure.into(),
        });
    }
    ceremony_view(state, &link.id).await
}

/// The person confirmed the code WhatsApp showed: linking completes.
pub async fn confirm(state: &AppState, secret: &str, code: &str) -> ApiResult<CeremonyOut> {
    let ceremony = held(state, secret).await?;
    let (link, number, live) = current(state, &ceremony).await?;
    let LinkState::PasskeyRequired {
        confirmation: Some(expected),
        ..
    } = &live
    else {
        return Err(wrong_stage());
    };
    let same = |a: &str| {
        a.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_uppercase()
    };
    if same(code) != same(expected) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "CONFIRMATION_MISMATCH",
            "that is not the code WhatsApp shows; compare it with your phone",
        ));
    }
    state.pairing.act(&number, Action::PasskeyConfirm).await?;
    if state
        .store
        .mark_ceremony(&link.id, CeremonyStep::Confirmed, None, state.clock.now())
        .await?
    {
        crate::server::metrics::link_event("passkey_confirmed");
    }
    ceremony_view(state, &link.id).await
}

async fn ceremony_view(state: &AppState, link: &crate::server::domain::LinkId) -> ApiResult<CeremonyOut> {
    let ceremony = state.store.ceremony_of_link(link).await?.ok_or_else(ceremony_invalid)?;
    view(state, &ceremony).await
}

async fn held(state: &AppState, secret: &str) -> ApiResult<Ceremony> {
    if secret.is_empty() || secret.len() > 128 {
        return Err(ceremony_invalid());
    }
    state
        .store
        .ceremony_by_secret(&hex_sha256(secret.as_bytes()))
        .await?
        .ok_or_else(ceremony_invalid)
}

/// The ceremony's link (still the number's live one), its number and WhatsApp's state; the
/// 410s a page would get once the link is revoked, replaced or expired.
async fn current(state: &AppState, ceremony: &Ceremony) -> ApiResult<(Link, Number, LinkState)> {
    current_of(state, ceremony, number_of(state, ceremony).await?).await
}

async fn number_of(state: &AppState, ceremony: &Ceremony) -> ApiResult<Number> {
    state
        .store
        .find_number_anywhere(&ceremony.number)
        .await?
        .ok_or_else(|| gone("LINK_REVOKED", "this link was revoked"))
}

/// [`current`] for the ceremony's `number`, read by the caller.
async fn current_of(state: &AppState, ceremony: &Ceremony, number: Number) -> ApiResult<(Link, Number, LinkState)> {
    if number.deleted_at.is_some() {
        return Err(gone("LINK_REVOKED", "this link was revoked"));
    }
    let link = state
        .store
        .current_link(&ceremony.tenant, &ceremony.number)
        .await?
        .filter(|l| l.id == ceremony.link)
        .ok_or_else(|| gone("LINK_ENDED", "this link was used, revoked or replaced"))?;
    if link.expires_at <= state.clock.now() {
        return Err(gone("LINK_EXPIRED", "this link has expired"));
    }
    let view = state.store.link_view(&number.id).await.ok().flatten();
    let live = live_state(state, &number, view).await;
    Ok((link, number, live))
}

async fn view(state: &AppState, ceremony: &Ceremony) -> ApiResult<CeremonyOut> {
    // Read once: the extension polls this every second.
    let number = number_of(state, ceremony).await?;
    let open = number.state == NumberState::Open;
    let (live, link) = match current_of(state, ceremony, number.clone()).await {
        Ok((link, _, live)) => (live, Some(link)),
        // A link used by this very ceremony still reports its success.
        Err(_) if ceremony.confirmed_at.is_some() => (LinkState::Idle, None),
        Err(err) => return Err(err),
    };
    let now = state.clock.now();
    let stage = stage_of(ceremony, &live, open, now);
    let (options, confirmation_code) = match &live {
        LinkState::PasskeyRequired { request, confirmation, .. } => (
            request
                .as_deref()
                .filter(|_| stage == stage::CHALLENGE)
                .and_then(|r| serde_json::from_str(r).ok()),
            confirmation.clone().filter(|_| stage == stage::CONFIRMATION),
        ),
        _ => (None, None),
    };
    // The name the link's page shows, so the person recognises who asks.
    let company = match &link {
        Some(l) => state.store.settings(&ceremony.tenant).await.ok().and_then(|s| {
            resolve_branding(&Default::default(), &l.branding, &s.branding, l.locale.as_deref().unwrap_or("en")).company_name
        }),
        None => None,
    };
    let expires_at = match &live {
        LinkState::PasskeyRequired { expires_at: Some(e), .. } => *e,
        _ => ceremony.handoff_expires_at,
    };
    Ok(CeremonyOut {
        ceremony: None,
        stage: stage.into(),
        company,
        number: number.phone.masked(),
        expires_at,
        options,
        confirmation_code,
        failure: ceremony.failure.clone().or_else(|| match &live {
            LinkState::Failed { reason, .. } | LinkState::LoggedOut { reason } if stage == stage::FAILED => Some(reason.clone()),
            _ => None,
        }),
    })
}

async fn live_state(state: &AppState, number: &Number, view: Option<crate::server::store::StoredView>) -> LinkState {
    match state.engines.get(&number.engine) {
        Some(engine) => state.pairing.status_from(engine.as_ref(), number, view).await,
        None => LinkState::Idle,
    }
}

/// Upper case, no dashes or spaces; `None` unless 8 characters of the alphabet.
fn normalize(code: &str) -> Option<String> {
    let code: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{2011}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn not_required() -> ApiError {
    ApiError::conflict("PASSKEY_NOT_REQUIRED", "WhatsApp is not waiting for a passkey on this link")
}

fn invalid_code() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "HANDOFF_CODE_INVALID",
        "this code is not valid: it may have expired or been used; ask the page for a new one",
    )
}

fn ceremony_invalid() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "CEREMONY_INVALID", "this passkey step is unknown or over")
}

fn wrong_stage() -> ApiError {
    ApiError::conflict("CEREMONY_STAGE", "this passkey step is not waiting for that")
}

fn invalid_assertion(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "PASSKEY_ASSERTION_INVALID", message)
}

fn gone(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::GONE, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_leniently_and_only_from_the_alphabet() {
        assert_eq!(normalize("k7qm-4xpr").as_deref(), Some("K7QM4XPR"));
        assert_eq!(normalize(" K7QM 4XPR ").as_deref(), Some("K7QM4XPR"));
        assert_eq!(normalize("K7QM4XP"), None);
        assert_eq!(normalize("K7QM4XP0"), None, "0 is not in the alphabet");
        let code = new_code();
        assert_eq!(normalize(&code), Some(code));
    }
}
