//! Official numbers: validating Meta credentials live (§4.4 of ENGINES.md), finishing
//! Embedded Signup (§4.3), and creating the connected `META` number with its encrypted token.
//! REST (`POST /v1/numbers/meta`) and the link's Meta endpoints share this.
use std::sync::Arc;

use axum::http::StatusCode;
use rand::Rng;
use serde_json::json;

use crate::server::pairing::events::{NUMBER_CONNECTED, NUMBER_CREATED, number_event};
use crate::server::{
    domain::{Invalid, NumberId, NumberState, PhoneE164, Provider, TenantId},
    error::{ApiError, ApiResult},
    meta::{
        MetaEngine,
        graph::{ErrorClass, GraphError, Phone, Waba},
    },
    state::AppState,
    store::{Link, MetaAccount, NewMetaNumber, NewNumber, Number, StoreError},
};

const SCOPES: [&str; 2] = ["whatsapp_business_management", "whatsapp_business_messaging"];

/// Which Graph call failed, so the error names the field at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Code,
    Token,
    Waba,
    Phone,
    Register,
    Subscribe,
    Sync,
}

/// Credentials, checked for shape, before any Graph call.
pub struct Credentials<'a> {
    pub waba_id: &'a str,
    pub phone_number_id: &'a str,
    pub access_token: &'a str,
    pub pin: Option<&'a str>,
}

/// What Graph confirmed about a number we may now create.
pub struct Verified {
    pub waba_id: String,
    pub phone: Phone,
    pub waba: Option<Waba>,
    pub app_id: Option<String>,
    pub(super) token: String,
    pub(super) pin: Option<String>,
    /// A WhatsApp Business app number onboarded as such: how we know, and its syncs.
    pub(super) coexistence: Option<serde_json::Value>,
    /// When a synchronisation that failed for a passing reason is tried again.
    pub(super) sync_retry_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Where a new number comes from: a tenant's API call or a link.
pub struct Origin<'a> {
    pub tenant: &'a TenantId,
    pub name: Option<String>,
    pub expected_phone: Option<PhoneE164>,
    pub link: Option<&'a Link>,
}

pub fn engine(state: &AppState) -> ApiResult<Arc<MetaEngine>> {
    state.engines.meta().cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "META_NOT_CONFIGURED",
            "official WhatsApp numbers (Meta Cloud API) are not configured on this server (set meta_token_key)",
        )
    })
}

/// Whether a page can run Embedded Signup here: Meta on, with an app, its secret and a
/// Facebook Login for Business configuration.
pub fn signup_ready(state: &AppState) -> bool {
    state.engines.meta().is_some_and(|m| m.embedded_ready) && !state.config.meta_config_id.is_empty()
}

/// Pasted credentials, validated live: token, WABA, the phone in that WABA, its registration
/// (with the PIN when it is not on the Cloud API yet), and our app subscribed to the WABA.
pub async fn verify_credentials(meta: &MetaEngine, c: &Credentials<'_>) -> ApiResult<Verified> {
    let (graph, token) = (&meta.graph, c.access_token);
    let debug = graph.debug_token(token).await.map_err(|e| fail(Step::Token, e))?;
    if !debug.is_valid {
        return Err(bad(
            "META_TOKEN_INVALID",
            "accessToken",
            "Meta says this token is not valid (expired or revoked)",
        ));
    }
    if debug.expires_at != 0 {
        return Err(bad(
            "META_TOKEN_NOT_PERMANENT",
            "accessToken",
            "this token expires; use a permanent system-user token",
        ));
    }
    if let Some(missing) = SCOPES.iter().find(|s| !debug.scopes.iter().any(|have| have == *s)) {
        return Err(bad(
            "META_PERMISSION_DENIED",
            "accessToken",
            &format!("the token lacks the {missing} permission"),
        ));
    }
    if !SCOPES.iter().all(|s| debug.grants(s, c.waba_id)) {
        return Err(bad(
            "META_WABA_NOT_GRANTED",
            "wabaId",
            "the token has no access to this WhatsApp Business Account",
        ));
    }
    let waba = graph.waba(token, c.waba_id).await.map_err(|e| fail(Step::Waba, e))?;
    let phones = graph.waba_phones(token, c.waba_id).await.map_err(|e| fail(Step::Waba, e))?;
    if !phones.iter().any(|p| p.id == c.phone_number_id) {
        return Err(bad(
            "META_PHONE_NOT_IN_WABA",
            "phoneNumberId",
            "this phone number id is not in that WhatsApp Business Account",
        ));
    }
    let mut phone = graph.phone(token, c.phone_number_id).await.map_err(|e| fail(Step::Phone, e))?;
    if !phone.on_cloud_api() {
        let pin = c.pin.ok_or_else(|| {
            bad(
                "META_PIN_REQUIRED",
                "pin",
                "this number is not on the Cloud API yet: enter its 6-digit two-step verification PIN",
            )
        })?;
        graph
            .register(token, c.phone_number_id, pin)
            .await
            .map_err(|e| fail(Step::Register, e))?;
        phone.platform_type = Some("CLOUD_API".into());
    }
    graph.subscribe_app(token, c.waba_id).await.map_err(|e| fail(Step::Subscribe, e))?;
    Ok(Verified {
        waba_id: c.waba_id.to_owned(),
        phone,
        waba: Some(waba),
        app_id: debug.app_id,
        token: token.to_owned(),
        pin: c.pin.map(str::to_owned),
        coexistence: None,
        sync_retry_at: None,
    })
}

/// Embedded Signup's result: the code exchanged for a business token, our app subscribed to
/// the WABA, the number registered with a PIN we generate, its display number read.
pub async fn verify_embedded(state: &AppState, meta: &MetaEngine, code: &str, waba_id: &str, phone_id: &str) -> ApiResult<Verified> {
    embedded_ready(meta)?;
    let graph = &meta.graph;
    let token = graph.exchange_code(code).await.map_err(|e| fail(Step::Code, e))?;
    graph.subscribe_app(&token, waba_id).await.map_err(|e| fail(Step::Subscribe, e))?;
    let pin = format!("{:06}", rand::rng().random_range(0..1_000_000));
    graph.register(&token, phone_id, &pin).await.map_err(|e| fail(Step::Register, e))?;
    let phone = graph.phone(&token, phone_id).await.map_err(|e| fail(Step::Phone, e))?;
    Ok(Verified {
        waba_id: waba_id.to_owned(),
        phone,
        waba: None,
        app_id: Some(state.config.meta_app_id.clone()),
        token,
        pin: Some(pin),
        coexistence: None,
        sync_retry_at: None,
    })
}

pub(super) fn embedded_ready(meta: &MetaEngine) -> ApiResult<()> {
    if meta.embedded_ready {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "META_NOT_CONFIGURED",
            "Embedded Signup needs meta_app_id and meta_app_secret on this server",
        ))
    }
}

/// The phone Meta says was onboarded, as a number.
pub(super) fn phone_of(phone: &Phone) -> ApiResult<PhoneE164> {
    let display = phone.display_phone_number.as_deref().unwrap_or_default();
    PhoneE164::parse("phoneNumberId", display)
        .map_err(|_| ApiError::new(StatusCode::BAD_GATEWAY, "META_ERROR", "Meta did not say which phone number this is"))
}

/// The expected-number guard: the phone onboarded must be the one the platform asked for.
pub(super) fn check_expected(expected: &PhoneE164, phone: &Phone) -> ApiResult<()> {
    let got = phone_of(phone)?;
    if expected == &got {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "NUMBER_MISMATCH",
            format!(
                "number: this link is for {}, but Meta onboarded {}",
                expected.masked(),
                got.masked()
            ),
        ))
    }
}

/// Creates the connected number with its encrypted token, `number.created` and
/// `number.connected` (and consumes the link it came through) in one transaction.
pub async fn create_number(state: &AppState, meta: &MetaEngine, origin: Origin<'_>, v: Verified) -> ApiResult<Number> {
    let phone = phone_of(&v.phone)?;
    if let Some(expected) = &origin.expected_phone
        && expected != &phone
    {
        return Err(bad(
            "NUMBER_MISMATCH",
            "number",
            &format!("Meta says this phone number id is {}", phone.e164()),
        ));
    }
    if let Some(deleted) = state.store.find_deleted_number_by_phone(origin.tenant, &phone).await? {
        return Err(ApiError::conflict(
            "NUMBER_SOFT_DELETED",
            format!("this phone belongs to deleted number {}; restore it or purge it first", deleted.id),
        ));
    }
    let name = origin
        .name
        .or_else(|| v.phone.verified_name.clone())
        .unwrap_or_else(|| phone.e164());
    let now = state.clock.now();
    let id = NumberId::generate();
    let new = NewNumber {
        id: id.clone(),
        name,
        phone,
        provider: Provider::Meta,
        engine: "meta".into(),
        engine_ref: json!({ "wabaId": v.waba_id, "phoneNumberId": v.phone.id }),
        state: NumberState::Open,
        at: now,
        profile: Default::default(),
    };
    let account = account(meta, origin.tenant, &id, &v, now);
    let extra = match origin.link {
        Some(l) => json!({ "provider": "META", "linkId": l.id, "externalRef": l.external_ref, "redirectUrl": l.redirect_url }),
        None => json!({ "provider": "META" }),
    };
    let subject = (&new.id, &new.phone, new.name.as_str());
    let events = [NUMBER_CREATED, NUMBER_CONNECTED].map(|kind| {
        let s = crate::server::pairing::events::Subject {
            id: subject.0,
            phone: subject.1,
            name: subject.2,
        };
        number_event(kind, s, now, extra.clone())
    });
    let created = state
        .store
        .create_meta_number(
            origin.tenant,
            NewMetaNumber {
                number: &new,
                account: &account,
                events: &events,
                link: origin.link.map(|l| &l.id),
            },
        )
        .await;
    match created {
        Ok(n) => {
            state.live.notify(&n.tenant_id, &n.id).await;
            // The link's page was waiting for a number to exist; it learns which one now.
            if let Some(link) = origin.link {
                state.live.notify_link(&link.id).await;
            }
            Ok(n)
        }
        Err(StoreError::Conflict) => Err(ApiError::conflict(
            "NUMBER_ALREADY_EXISTS",
            "the tenant already has a number with this phone",
        )),
        Err(StoreError::NotFound) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "LINK_ALREADY_USED",
            "this link was already used to connect a number",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The Meta side of number `id`, its secrets sealed to that row.
pub(super) fn account(
    meta: &MetaEngine,
    tenant: &TenantId,
    id: &NumberId,
    v: &Verified,
    now: chrono::DateTime<chrono::Utc>,
) -> MetaAccount {
    MetaAccount {
        number_id: id.clone(),
        tenant_id: tenant.clone(),
        waba_id: v.waba_id.clone(),
        phone_number_id: v.phone.id.clone(),
        app_id: v.app_id.clone(),
        token: meta.cipher.encrypt_for(id.as_str(), &v.token),
        pin: v.pin.as_deref().map(|p| meta.cipher.encrypt_for(id.as_str(), p)),
        phone: serde_json::to_value(&v.phone).unwrap_or_default(),
        waba: v
            .waba
            .as_ref()
            .map(|w| serde_json::to_value(w).unwrap_or_default())
            .unwrap_or_default(),
        checked_at: Some(now),
        coexistence: v.coexistence.clone(),
        received: Default::default(),
        sync_retry_at: v.sync_retry_at,
    }
}

/// The numeric ids Meta shows (WABA, phone number, business).
pub fn meta_id<'a>(field: &'static str, value: Option<&'a str>) -> Result<&'a str, Invalid> {
    let v = value.map(str::trim).unwrap_or_default();
    if (5..=20).contains(&v.len()) && v.chars().all(|c| c.is_ascii_digit()) {
        Ok(v)
    } else {
        Err(Invalid::new(field, "must be the numeric id Meta shows"))
    }
}

/// A token's shape and an optional PIN's, before Meta sees them.
pub fn check_secrets(token: Option<&str>, pin: Option<&str>) -> Result<(String, Option<String>), Invalid> {
    let token = token.map(str::trim).unwrap_or_default();
    if token.is_empty() {
        return Err(Invalid::new("accessToken", "is required"));
    }
    if token.len() < 20 || token.len() > 1024 || token.chars().any(char::is_whitespace) {
        return Err(Invalid::new(
            "accessToken",
            "must be a Meta access token (a long string without spaces)",
        ));
    }
    let pin = pin.map(str::trim).filter(|p| !p.is_empty());
    if let Some(p) = pin
        && !(p.len() == 6 && p.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(Invalid::new("pin", "must be 6 digits"));
    }
    Ok((token.to_owned(), pin.map(str::to_owned)))
}

pub(super) fn bad(code: &'static str, field: &str, why: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, format!("{field}: {why}"))
}

/// A Graph error as our error: 400 with a code naming what failed (and the field, first in
/// the message, for forms), 429 for Meta's limits, 503 when Meta did not answer.
pub fn fail(step: Step, e: GraphError) -> ApiError {
    let says = match &e {
        GraphError::Api { message, .. } => message.clone(),
        other => other.to_string(),
    };
    tracing::warn!(step = ?step, error = %e, "a Meta Graph call failed");
    match (e.class(), step) {
        (_, Step::Code) if e.code_expired() => bad(
            "META_CODE_EXPIRED",
            "code",
            "the sign-up took longer than Meta's code lives (about a minute); run the sign-up again",
        ),
        (ErrorClass::Token | ErrorClass::BadId | ErrorClass::Other, Step::Code) => bad(
            "META_CODE_INVALID",
            "code",
            "Meta refused the sign-up code (it works once, for a few minutes); run the sign-up again",
        ),
        (ErrorClass::Token, _) | (ErrorClass::BadId, Step::Token) => bad(
            "META_TOKEN_INVALID",
            "accessToken",
            "Meta refused this token: it is invalid, expired or revoked",
        ),
        (ErrorClass::Permission, _) => bad(
            "META_PERMISSION_DENIED",
            "accessToken",
            &format!("the token may not do this (needs whatsapp_business_management and whatsapp_business_messaging): {says}"),
        ),
        (ErrorClass::BadId, Step::Waba | Step::Subscribe) => bad(
            "META_WABA_NOT_FOUND",
            "wabaId",
            "Meta knows no WhatsApp Business Account with this id for this token",
        ),
        (ErrorClass::BadId, _) => bad(
            "META_PHONE_NOT_FOUND",
            "phoneNumberId",
            "Meta knows no phone number with this id for this token",
        ),
        (ErrorClass::PinMismatch, _) => bad("META_PIN_MISMATCH", "pin", "this is not the number's two-step verification PIN"),
        (ErrorClass::Pin, _) => bad("META_PIN_ERROR", "pin", &format!("Meta refused to register the number: {says}")),
        (ErrorClass::RateLimited, _) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "META_RATE_LIMITED",
            "Meta asked us to slow down; try again in a few minutes",
        )
        .with_field("retryAfterSeconds", 60),
        (ErrorClass::Unavailable, _) => ApiError::upstream(
            if matches!(e, GraphError::Timeout) {
                "UPSTREAM_TIMEOUT"
            } else {
                "UPSTREAM_ERROR"
            },
            e,
        ),
        (ErrorClass::Template | ErrorClass::Recipient | ErrorClass::Other, _) => {
            ApiError::new(StatusCode::BAD_GATEWAY, "META_ERROR", format!("Meta refused the request: {says}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64) -> GraphError {
        GraphError::Api {
            status: 400,
            code,
            subcode: None,
            message: "m".into(),
        }
    }

    #[test]
    fn graph_errors_name_the_field_at_fault() {
        let case = |step, code| {
            let e = fail(step, api(code));
            (
                e.status.as_u16(),
                e.code,
                e.message.split(':').next().unwrap_or_default().to_owned(),
            )
        };
        assert_eq!(case(Step::Token, 190), (400, "META_TOKEN_INVALID", "accessToken".into()));
        assert_eq!(case(Step::Waba, 100), (400, "META_WABA_NOT_FOUND", "wabaId".into()));
        assert_eq!(case(Step::Phone, 100), (400, "META_PHONE_NOT_FOUND", "phoneNumberId".into()));
        assert_eq!(case(Step::Waba, 200), (400, "META_PERMISSION_DENIED", "accessToken".into()));
        assert_eq!(case(Step::Register, 133005), (400, "META_PIN_MISMATCH", "pin".into()));
        assert_eq!(case(Step::Register, 133016), (400, "META_PIN_ERROR", "pin".into()));
        assert_eq!(case(Step::Code, 100), (400, "META_CODE_INVALID", "code".into()));
        assert_eq!(case(Step::Phone, 130429).1, "META_RATE_LIMITED");
        assert_eq!(fail(Step::Phone, GraphError::Timeout).code, "UPSTREAM_TIMEOUT");
    }

    #[test]
    fn secrets_are_checked_for_shape() {
        assert_eq!(check_secrets(None, None).unwrap_err().field, "accessToken");
        assert_eq!(check_secrets(Some("short"), None).unwrap_err().field, "accessToken");
        let token = "EAAG".to_owned() + &"x".repeat(30);
        assert_eq!(check_secrets(Some(&token), Some("12345")).unwrap_err().field, "pin");
        assert_eq!(check_secrets(Some(&token), Some(" ")).unwrap().1, None);
        assert_eq!(check_secrets(Some(&token), Some("123456")).unwrap().1.as_deref(), Some("123456"));
        assert!(meta_id("wabaId", Some("12ab")).is_err() && meta_id("wabaId", Some(" 1234567 ")).unwrap() == "1234567");
    }
}
