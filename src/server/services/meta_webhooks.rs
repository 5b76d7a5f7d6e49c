//! Meta's webhooks in: URL verification, then signed `whatsapp_business_account` changes that
//! move a number's state (`number.disconnected`) or health (`number.health_*`,
//! `number.recovered`).
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::meta;
use crate::server::{
    domain::NumberState,
    error::{ApiError, ApiResult},
    meta::webhook::{self, Change, HealthKind},
    pairing::events::{NUMBER_CONNECTED, NUMBER_DISCONNECTED, number_event},
    state::AppState,
    store::{MetaAccount, Number, StoreError},
};

/// `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: the challenge back when the
/// token is ours.
pub fn verify(state: &AppState, mode: Option<&str>, token: Option<&str>, challenge: Option<&str>) -> ApiResult<String> {
    let engine = meta::engine(state)?;
    match (mode, token, challenge) {
        (Some("subscribe"), Some(token), Some(challenge)) if webhook::same_secret(engine.verify_token(), token) => Ok(challenge.to_owned()),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "INVALID_VERIFY_TOKEN",
            "hub.mode must be subscribe and hub.verify_token this server's verify token",
        )),
    }
}

/// A signed notification. Returns how many numbers it changed.
pub async fn receive(state: &AppState, signature: Option<&str>, body: &[u8]) -> ApiResult<usize> {
    let engine = meta::engine(state)?;
    if engine.app_secret().is_empty() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "META_NOT_CONFIGURED",
            "meta_app_secret is needed to check Meta's webhook signatures",
        ));
    }
    if !webhook::signature_ok(engine.app_secret(), signature, body) {
        tracing::warn!("a Meta webhook with a missing or wrong X-Hub-Signature-256 was refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SIGNATURE",
            "X-Hub-Signature-256 does not match the body",
        ));
    }
    let parsed = webhook::parse(body).map_err(|e| ApiError::validation("body", format!("not a Meta webhook payload: {e}")))?;
    let mut changed = 0;
    let now = state.clock.now();
    for c in &parsed.coexistence {
        let counted = state.store.count_coexistence(&c.waba, &c.phone_number_id, &c.delivery, now).await?;
        if counted == 0 {
            tracing::info!(waba = %c.waba, "a coexistence webhook for a phone we do not hold was skipped");
        }
        changed += counted as usize;
    }
    for change in parsed.changes {
        let (waba, phone) = match &change {
            Change::Lost { waba, phone, .. } | Change::Health { waba, phone, .. } => (waba, phone),
        };
        for (number, account) in affected(state, waba, phone.as_deref()).await? {
            if apply(state, &number, &account, &change).await? {
                changed += 1;
                state.live.notify(&number.tenant_id, &number.id).await;
            }
        }
    }
    Ok(changed)
}

/// The live numbers of `waba` (only the one with `phone`, when the change names a phone).
async fn affected(state: &AppState, waba: &str, phone: Option<&str>) -> ApiResult<Vec<(Number, MetaAccount)>> {
    let digits = phone.map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>());
    let mut out = Vec::new();
    for account in state.store.meta_accounts_of_waba(waba).await? {
        let number = match state.store.get_number(&account.tenant_id, &account.number_id).await {
            Ok(n) => n,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        if digits.as_deref().is_none_or(|d| d == number.phone.digits()) {
            out.push((number, account));
        }
    }
    Ok(out)
}

async fn apply(state: &AppState, number: &Number, account: &MetaAccount, change: &Change) -> ApiResult<bool> {
    let now = state.clock.now();
    let store = &state.store;
    match change {
        Change::Lost { reason, .. } => {
            let event = number_event(
                NUMBER_DISCONNECTED,
                number.into(),
                now,
                json!({ "reason": reason, "provider": "META" }),
            );
            let moved = store
                .transition_number(&number.tenant_id, &number.id, NumberState::Close, now, Some(&event))
                .await?;
            Ok(moved.is_some())
        }
        Change::Health {
            kind,
            reason,
            quality,
            limit,
            ..
        } => {
            let mut phone = account.phone.clone();
            if let Value::Object(fields) = &mut phone {
                if let Some(q) = quality {
                    fields.insert("quality_rating".into(), json!(q));
                }
                if let Some(l) = limit {
                    fields.insert("messaging_limit_tier".into(), json!(l));
                }
            }
            let extra = json!({
                "reason": reason,
                "provider": "META",
                "qualityRating": phone["quality_rating"],
                "messagingLimitTier": phone["messaging_limit_tier"],
            });
            let event = number_event(kind.event(), number.into(), now, extra);
            store
                .save_meta_phone(&number.tenant_id, &number.id, &phone, now, Some(&event))
                .await?;
            // A reinstated account sends again.
            if *kind == HealthKind::Recovered && number.state == NumberState::Close {
                let event = number_event(NUMBER_CONNECTED, number.into(), now, json!({ "provider": "META" }));
                store
                    .transition_number(&number.tenant_id, &number.id, NumberState::Open, now, Some(&event))
                    .await?;
            }
            Ok(true)
        }
    }
}
