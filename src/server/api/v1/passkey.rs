//! The passkey ceremony's routes (docs/passkey-ceremony.md): the page's hand-off code, bound
//! to the link token, and the extension's calls, bound to the ceremony's bearer secret (never
//! in a URL). Public like the other token routes, and rate-limited like them.
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
};

use crate::server::{
    api::{ErrorOut, JsonBody},
    domain::passkey::AssertionJson,
    error::ApiResult,
    services::passkey,
    state::AppState,
};
use crate::types::passkey::{CeremonyOut, ClaimIn, ConfirmIn, HandoffOut};

/// Hand the passkey step to a computer
///
/// While WhatsApp waits for the account's passkey, a short code (8 characters, at most
/// 5 minutes, single use) that the Pairlink extension on a computer claims. A new code
/// replaces an unclaimed one.
#[utoipa::path(post, path = "/remote-pairing/{token}/passkey/handoff", tag = "passkey ceremony", params(("token" = String, Path)),
    responses((status = 201, body = HandoffOut), (status = 404, body = ErrorOut, description = "the link cannot be used"),
        (status = 409, body = ErrorOut, description = "PASSKEY_NOT_REQUIRED; PASSKEY_CLAIMED: an extension holds the step")))]
pub async fn handoff(State(state): State<AppState>, Path(token): Path<String>) -> ApiResult<(StatusCode, Json<HandoffOut>)> {
    Ok((StatusCode::CREATED, Json(passkey::handoff(&state, &token).await?)))
}

/// Claim a hand-off code (the extension)
///
/// Answers the ceremony's bearer secret (`ceremony`), the platform's company name and the
/// masked number for the extension's card. Every bad code is the same 404; a code dies
/// after 5 wrong tries at it.
#[utoipa::path(post, path = "/passkey/claim", tag = "passkey ceremony", request_body = ClaimIn,
    responses((status = 200, body = CeremonyOut), (status = 404, body = ErrorOut, description = "HANDOFF_CODE_INVALID"), (status = 429, body = ErrorOut)))]
pub async fn claim(State(state): State<AppState>, JsonBody(input): JsonBody<ClaimIn>) -> ApiResult<Json<CeremonyOut>> {
    Ok(Json(passkey::claim(&state, &input.code).await?))
}

/// The ceremony now (the extension)
///
/// `options` (WhatsApp's request, verbatim) at stage `challenge`; `confirmationCode` at
/// `confirmation`. `Authorization: Bearer <ceremony>`.
#[utoipa::path(get, path = "/passkey/ceremony", tag = "passkey ceremony",
    responses((status = 200, body = CeremonyOut), (status = 401, body = ErrorOut, description = "CEREMONY_INVALID"), (status = 410, body = ErrorOut, description = "the link was used, revoked or expired")))]
pub async fn ceremony(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<CeremonyOut>> {
    Ok(Json(passkey::ceremony(&state, bearer(&headers)).await?))
}

/// Post the assertion (the extension)
///
/// The credential as `PublicKeyCredential.toJSON()` gives it. Checked (type, challenge,
/// origin `https://web.whatsapp.com`, rpId hash, user presence and verification) before it
/// goes to WhatsApp.
#[utoipa::path(post, path = "/passkey/ceremony/assertion", tag = "passkey ceremony",
    request_body(content = Object, description = "PublicKeyCredential.toJSON()"),
    responses((status = 200, body = CeremonyOut), (status = 401, body = ErrorOut), (status = 409, body = ErrorOut, description = "CEREMONY_STAGE"),
        (status = 410, body = ErrorOut), (status = 422, body = ErrorOut, description = "PASSKEY_ASSERTION_INVALID (our check); PASSKEY_REJECTED (WhatsApp's)")))]
pub async fn assertion(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<AssertionJson>,
) -> ApiResult<Json<CeremonyOut>> {
    Ok(Json(passkey::assertion(&state, bearer(&headers), &input).await?))
}

/// Confirm WhatsApp's code (the extension)
#[utoipa::path(post, path = "/passkey/ceremony/confirm", tag = "passkey ceremony", request_body = ConfirmIn,
    responses((status = 200, body = CeremonyOut), (status = 401, body = ErrorOut), (status = 409, body = ErrorOut), (status = 410, body = ErrorOut),
        (status = 422, body = ErrorOut, description = "CONFIRMATION_MISMATCH")))]
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<ConfirmIn>,
) -> ApiResult<Json<CeremonyOut>> {
    Ok(Json(passkey::confirm(&state, bearer(&headers), &input.code).await?))
}

fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or("", |(_, token)| token.trim())
}
