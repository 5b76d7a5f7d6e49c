//! Simulating the phone, for sandbox numbers only. 404 when the sandbox is off, so a
//! production server shows no trace of it.
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};

use crate::server::{
    api::{ErrorOut, JsonBody},
    auth::ApiClient,
    domain::{NumberId, PhoneE164},
    engines::{
        EngineKind,
        sandbox::{SandboxCredential, SentMessage},
    },
    error::{ApiError, ApiResult},
    pairing::commands::{Action, Failure, FailureKind},
    services::numbers,
    state::AppState,
    store::Number,
};
use crate::types::numbers::OkOut;

/// Sandbox: the phone scans the QR
///
/// Completes the pairing of a sandbox number whose QR or code is live, as if the phone had
/// scanned it. The number becomes `OPEN` and `number.connected` is recorded. With `?phone=`
/// another number's phone scans: the pairing is refused as `wrong_number`, as it would be
/// for real.
#[utoipa::path(post, path = "/numbers/{id}/sandbox/scan", tag = "sandbox", security(("api_key" = [])),
    params(("id" = String, Path), ("phone" = Option<String>, Query, description = "the scanning phone, when not the number's own")),
    responses((status = 200, body = OkOut), (status = 404, body = ErrorOut, description = "sandbox off, or no such sandbox number"), (status = 409, body = ErrorOut, description = "NOT_PAIRING, NUMBER_ALREADY_CONNECTED")))]
pub async fn sandbox_scan(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    Query(query): Query<ScanQuery>,
) -> ApiResult<Json<OkOut>> {
    let phone = query.phone.as_deref().map(|p| PhoneE164::parse("phone", p)).transpose()?;
    let number = sandbox_number(&state, &client, id).await?;
    let scan = Action::Scan {
        phone: phone.map(|p| p.e164()),
    };
    state.pairing.act(&number, scan).await.map_err(simulation_error)?;
    Ok(Json(OkOut { ok: true }))
}

/// Sandbox: the phone unlinks the device
///
/// As if the person removed the linked device on their phone: the number goes to `CLOSE`
/// and `number.disconnected` is recorded with reason `device_removed`.
#[utoipa::path(post, path = "/numbers/{id}/sandbox/unlink", tag = "sandbox", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OkOut), (status = 404, body = ErrorOut), (status = 409, body = ErrorOut, description = "NOT_CONNECTED")))]
pub async fn sandbox_unlink(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<OkOut>> {
    let number = sandbox_number(&state, &client, id).await?;
    state.pairing.act(&number, Action::Unlink).await.map_err(simulation_error)?;
    Ok(Json(OkOut { ok: true }))
}

/// A passkey the sandbox account holds (`POST …/sandbox/passkey`, optional body).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SandboxPasskeyIn {
    /// base64url credential id.
    pub credential_id: Option<String>,
    /// base64url SubjectPublicKeyInfo (DER) of the credential's P-256 public key.
    pub public_key: Option<String>,
}

/// Sandbox: WhatsApp asks for the passkey
///
/// WhatsApp asks the phone for its passkey, as it does some accounts since June 2026: the
/// link reports `passkey_required` and sends `link.passkey_required`; a scan completes it.
/// With `{credentialId, publicKey}` the account holds that passkey (ES256), and the passkey
/// ceremony (docs/passkey-ceremony.md) can answer: the sandbox checks its assertion as
/// WhatsApp does, then asks for the confirmation code.
#[utoipa::path(post, path = "/numbers/{id}/sandbox/passkey", tag = "sandbox", security(("api_key" = [])), params(("id" = String, Path)),
    request_body(content = Option<SandboxPasskeyIn>, description = "optional: the account's passkey"),
    responses((status = 200, body = OkOut), (status = 400, body = ErrorOut, description = "the credential is not a base64url id and P-256 public key"), (status = 404, body = ErrorOut), (status = 409, body = ErrorOut, description = "NOT_PAIRING")))]
pub async fn sandbox_passkey(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SandboxPasskeyIn>,
) -> ApiResult<Json<OkOut>> {
    let credential = match (&input.credential_id, &input.public_key) {
        (None, None) => None,
        (Some(id), Some(key)) => Some(SandboxCredential::parse(id, key).ok_or_else(|| {
            ApiError::validation(
                "publicKey",
                "credentialId must be base64url and publicKey a base64url P-256 SubjectPublicKeyInfo",
            )
        })?),
        _ => {
            return Err(ApiError::validation(
                "credentialId",
                "give both credentialId and publicKey, or neither",
            ));
        }
    };
    let number = sandbox_number(&state, &client, id).await?;
    state
        .pairing
        .act(&number, Action::Passkey { credential })
        .await
        .map_err(simulation_error)?;
    Ok(Json(OkOut { ok: true }))
}

#[derive(serde::Deserialize)]
pub struct ScanQuery {
    phone: Option<String>,
}

#[derive(serde::Deserialize, Default, utoipa::ToSchema)]
pub struct FailIn {
    /// Why WhatsApp refused, e.g. `banned` or `passkey_unsupported`.
    reason: Option<String>,
}

/// Sandbox: linking fails for good
///
/// As if WhatsApp refused the device: the open window ends, the number goes to `CLOSE`, and
/// the number's link records `link.failed` with the reason.
#[utoipa::path(post, path = "/numbers/{id}/sandbox/fail", tag = "sandbox", request_body = FailIn, security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OkOut), (status = 404, body = ErrorOut), (status = 409, body = ErrorOut, description = "NOT_PAIRING")))]
pub async fn sandbox_fail(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    crate::server::api::JsonBody(input): crate::server::api::JsonBody<FailIn>,
) -> ApiResult<Json<OkOut>> {
    let number = sandbox_number(&state, &client, id).await?;
    let reason = crate::server::domain::short_text("reason", input.reason.as_deref().unwrap_or("refused"), 64)?;
    state
        .pairing
        .act(&number, Action::Fail { reason })
        .await
        .map_err(simulation_error)?;
    Ok(Json(OkOut { ok: true }))
}

/// Sandbox: the number's link expires now
///
/// As if its time had run out, to see (and test) what an expired link does. The sweeper then
/// records `link.expired` on its next pass.
#[utoipa::path(post, path = "/numbers/{id}/sandbox/expire-link", tag = "sandbox", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OkOut), (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND, LINK_NOT_FOUND")))]
pub async fn sandbox_expire_link(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<OkOut>> {
    let number = sandbox_number(&state, &client, id).await?;
    crate::server::services::links::expire_now(&state, &client, &number.id).await?;
    Ok(Json(OkOut { ok: true }))
}

/// A message a sandbox number sent.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SentOut {
    id: String,
    to: String,
    body: String,
    sent_at: chrono::DateTime<chrono::Utc>,
}

/// Sandbox: messages this number sent
///
/// What the sandbox's WhatsApp accepted from this number (pairing links sent with
/// `sendViaWhatsApp`), oldest first; the newest 1,000.
#[utoipa::path(get, path = "/numbers/{id}/sandbox/messages", tag = "sandbox", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<SentOut>), (status = 404, body = ErrorOut)))]
pub async fn sandbox_messages(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<Vec<SentOut>>> {
    let number = sandbox_number(&state, &client, id).await?;
    // WhatsApp's record, shared: any process reads it.
    let sandbox = state
        .engines
        .sandbox()
        .ok_or(ApiError::from(crate::server::engines::EngineError::Unsupported))?;
    let sent: Vec<SentMessage> = sandbox.sent_by(&number.id).await.map_err(ApiError::from)?;
    let sent = sent
        .into_iter()
        .map(|m| SentOut {
            id: m.id,
            to: m.to,
            body: m.body,
            sent_at: m.at,
        })
        .collect();
    Ok(Json(sent))
}

async fn sandbox_number(state: &AppState, client: &ApiClient, id: String) -> ApiResult<Number> {
    state.engines.sandbox().ok_or_else(sandbox_off)?;
    let number = numbers::get(state, client, &NumberId::from_trusted(id)).await?;
    if number.engine != EngineKind::Sandbox.as_str() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NUMBER_NOT_FOUND",
            "this number is not a sandbox number",
        ));
    }
    Ok(number)
}

fn sandbox_off() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "the sandbox is not enabled on this server")
}

/// A phone simulation refused (409 with what it was not), or the runtime failed.
fn simulation_error(err: Failure) -> ApiError {
    let code = match err.kind {
        FailureKind::NotPairing => "NOT_PAIRING",
        FailureKind::AlreadyConnected => "NUMBER_ALREADY_CONNECTED",
        FailureKind::NotConnected => "NOT_CONNECTED",
        _ => return err.into(),
    };
    ApiError::conflict(code, err.message)
}
