//! The Meta rail of a link, public side: what the page posts after Embedded Signup or with
//! pasted credentials. Checked field by field, validated live with Meta, then the number is
//! created in the link's tenant and the link is used up.
use axum::http::StatusCode;

use super::{
    coexistence,
    meta::{self, Credentials, Origin, Verified},
    public::{Access, Resolved, resolve},
};
use crate::server::{
    domain::{Invalid, NumberState},
    engines::{LinkState, reason},
    error::{ApiError, ApiResult},
    meta::MetaEngine,
    pairing::commands::Action,
    state::AppState,
    store::{Link, Number},
};
use crate::types::{
    links::{MetaCredentialsIn, MetaEmbeddedIn},
    meta::MetaLinkOut,
};

/// WhatsApp Web refusals that no new QR fixes, where the official rail is offered. (The
/// connect page's `Refusal::NoWebLinking` names the same two: it cannot import server code.)
pub const FALLBACK_REASONS: [&str; 2] = [reason::PASSKEY_UNSUPPORTED, reason::CLIENT_OUTDATED];

/// The signup window's event for a WhatsApp Business app number (Coexistence).
pub const COEXISTENCE_FINISH: &str = "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING";

/// How a link's Embedded Signup ends.
enum Rail {
    /// A new Cloud API number: registered with a PIN we choose.
    CloudApi,
    /// A WhatsApp Business app number, onboarded beside the app (not registered).
    Coexistence,
    /// The official rail of a WhatsApp Web link that could not link: the link's own number,
    /// from the business app, becomes a `META` number.
    Fallback(Box<Number>),
}

/// Embedded Signup's result: the code exchanged, the number onboarded and created (or, for a
/// WhatsApp Web link's official fallback, its number moved to the official rail).
pub async fn meta_embedded(state: &AppState, token: &str, input: &MetaEmbeddedIn) -> ApiResult<MetaLinkOut> {
    let r = resolve(state, token, Access::Act).await?;
    let business_app = match input.event.as_deref() {
        None | Some("FINISH" | "FINISH_ONLY_WABA") => false,
        Some(COEXISTENCE_FINISH) => true,
        Some(_) => return Err(Invalid::new("event", "must be FINISH or FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING").into()),
    };
    let rail = rail(state, &r, business_app).await?;
    let code = required_text("code", input.code.as_deref(), 2048)?;
    let waba_id = meta::meta_id("wabaId", input.waba_id.as_deref())?;
    let phone_id = meta::meta_id("phoneNumberId", input.phone_number_id.as_deref())?;
    if input.business_id.is_some() {
        meta::meta_id("businessId", input.business_id.as_deref())?;
    }
    let engine = meta::engine(state)?;
    match rail {
        Rail::CloudApi => {
            let verified = meta::verify_embedded(state, &engine, code, waba_id, phone_id).await?;
            finish(state, &engine, &r.link, verified).await
        }
        Rail::Coexistence => {
            let verified = coexistence::verify_coexistence(state, &engine, code, waba_id, phone_id, None).await?;
            finish(state, &engine, &r.link, verified).await
        }
        Rail::Fallback(number) => {
            let verified = coexistence::verify_coexistence(state, &engine, code, waba_id, phone_id, Some(&number.phone)).await?;
            // The WhatsApp Web window that could not link is ended on the process that runs
            // it before the number changes rails, so no late report of it lands on a META number.
            if let Err(f) = state.pairing.act(&number, Action::Release).await {
                tracing::warn!(number.id = %number.id, error = %f, "the WhatsApp Web window could not be released");
            }
            let converted = coexistence::convert_number(state, &engine, &r.link, &number, verified).await?;
            out(state, &r.link, converted).await
        }
    }
}

/// Which rail this link's signup may end on: its Meta flow, or the official fallback of a
/// WhatsApp Web link, offered only when the tenant turned it on and WhatsApp Web linking
/// stalled on the passkey gate (or failed in a way no new QR fixes).
async fn rail(state: &AppState, r: &Resolved, business_app: bool) -> ApiResult<Rail> {
    match (r.link.meta_flow.as_deref(), business_app) {
        (Some("embedded" | "coexistence"), false) => Ok(Rail::CloudApi),
        (Some("embedded" | "coexistence"), true) => Ok(Rail::Coexistence),
        (None, true) => {
            let Some(number) = r.number.clone() else {
                return Err(not_offered());
            };
            if !state.store.settings(&r.link.tenant_id).await?.official_fallback {
                return Err(not_offered());
            }
            if number.state == NumberState::Open {
                return Err(already_connected());
            }
            let stalled = r.link.passkey_required_at.is_some() || fallback_failure(state, &number).await;
            if !stalled {
                return Err(not_offered());
            }
            Ok(Rail::Fallback(Box::new(number)))
        }
        (None, false) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "FEATURE_NOT_SUPPORTED",
            "a WhatsApp Web link moves to the official rail only with its WhatsApp Business app number (Coexistence)",
        )),
        (Some(flow), _) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "FEATURE_NOT_SUPPORTED",
            format!("this link uses Meta's {flow} flow, not Embedded Signup"),
        )),
    }
}

/// Whether the number's WhatsApp Web linking ended in a refusal the official rail answers.
async fn fallback_failure(state: &AppState, number: &Number) -> bool {
    let Some(engine) = state.engines.get(&number.engine) else {
        return false;
    };
    match state.pairing.status(engine.as_ref(), number).await {
        LinkState::PasskeyRequired { .. } => true,
        LinkState::Failed { reason, .. } => FALLBACK_REASONS.contains(&reason.as_str()),
        _ => false,
    }
}

fn not_offered() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "FEATURE_NOT_SUPPORTED",
        "the official rail is not offered on this link (the tenant's officialFallback is off, or WhatsApp Web linking has not stalled)",
    )
}

fn already_connected() -> ApiError {
    ApiError::conflict("NUMBER_ALREADY_CONNECTED", "this link's number is already connected")
}

/// Pasted WABA credentials, validated live like `POST /v1/numbers/meta`.
pub async fn meta_credentials(state: &AppState, token: &str, input: &MetaCredentialsIn) -> ApiResult<MetaLinkOut> {
    let r = meta_link(state, token, "credentials").await?;
    let waba_id = meta::meta_id("wabaId", input.waba_id.as_deref())?;
    let phone_id = meta::meta_id("phoneNumberId", input.phone_number_id.as_deref())?;
    let (access, pin) = meta::check_secrets(input.access_token.as_deref(), input.pin.as_deref())?;
    let engine = meta::engine(state)?;
    let credentials = Credentials {
        waba_id,
        phone_number_id: phone_id,
        access_token: &access,
        pin: pin.as_deref(),
    };
    let verified = meta::verify_credentials(&engine, &credentials).await?;
    finish(state, &engine, &r.link, verified).await
}

async fn finish(state: &AppState, engine: &MetaEngine, link: &Link, verified: Verified) -> ApiResult<MetaLinkOut> {
    let origin = Origin {
        tenant: &link.tenant_id,
        name: None,
        expected_phone: None,
        link: Some(link),
    };
    let number = meta::create_number(state, engine, origin, verified).await?;
    out(state, link, number).await
}

async fn out(state: &AppState, link: &Link, number: Number) -> ApiResult<MetaLinkOut> {
    let tenant_redirect = state.store.settings(&link.tenant_id).await?.branding.default_redirect_url;
    Ok(MetaLinkOut {
        ok: true,
        number_id: number.id.to_string(),
        state: number.state.as_str().into(),
        masked_number: number.phone.masked(),
        display_name: number.name,
        redirect_url: link
            .redirect_url
            .clone()
            .or_else(|| link.branding.default_redirect_url.clone())
            .or(tenant_redirect),
        external_ref: link.external_ref.clone(),
    })
}

async fn meta_link(state: &AppState, token: &str, flow: &str) -> ApiResult<Resolved> {
    // Only the credentials form comes here now; Embedded Signup picks its rail in `rail`.
    let r = resolve(state, token, Access::Act).await?;
    if r.link.meta_flow.as_deref() != Some(flow) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "FEATURE_NOT_SUPPORTED",
            format!("this link does not use Meta's {flow} flow"),
        ));
    }
    Ok(r)
}

fn required_text<'a>(field: &'static str, value: Option<&'a str>, max: usize) -> Result<&'a str, Invalid> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() && v.len() <= max => Ok(v),
        _ => Err(Invalid::new(field, "is required")),
    }
}
