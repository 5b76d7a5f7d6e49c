//! WhatsApp Business app numbers onboarded to the Cloud API (Meta's "Coexistence"): the
//! onboarding that follows Embedded Signup, the contacts and history synchronisations Meta
//! asks partners to start within 24 hours (tried again while a passing failure lets them), and
//! the official fallback's move of a WhatsApp Web link's number to this rail.
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use axum::http::StatusCode;

use super::meta::{Step, Verified, account, bad, check_expected, embedded_ready, fail};
use crate::server::{
    domain::PhoneE164,
    error::{ApiError, ApiResult},
    meta::{
        MetaEngine,
        graph::{SyncRefusal, SyncType},
    },
    pairing::events::{NUMBER_CONNECTED, number_event},
    state::AppState,
    store::{Link, MetaConversion, Number, StoreError},
};

/// Our error codes for a synchronisation that may work a little later.
const PASSING: [&str; 3] = ["UPSTREAM_ERROR", "UPSTREAM_TIMEOUT", "META_RATE_LIMITED"];
/// Meta takes the synchronisations within 24 hours of onboarding; the last try is an hour
/// before that.
const WINDOW_HOURS: i64 = 23;
/// How long a process holds a due retry while it runs it.
const LEASE_SECONDS: i64 = 120;
const KINDS: [(SyncType, &str); 2] = [(SyncType::Contacts, "contacts"), (SyncType::History, "history")];

/// Embedded Signup's result for a WhatsApp Business app number: the code exchanged, the phone
/// read (and held against `expected` before anything is started for it), our app subscribed to
/// the WABA, and both synchronisations started. The number is **not** registered: it stays on
/// the app, which keeps working beside the Cloud API.
///
/// A refused synchronisation does not undo the onboarding (the number is on the Cloud API
/// either way): it is recorded on the number, and tried again later when the failure was a
/// passing one. Only Meta saying the number cannot be onboarded from the app refuses the step.
pub async fn verify_coexistence(
    state: &AppState,
    meta: &MetaEngine,
    code: &str,
    waba_id: &str,
    phone_id: &str,
    expected: Option<&PhoneE164>,
) -> ApiResult<Verified> {
    embedded_ready(meta)?;
    let graph = &meta.graph;
    let token = graph.exchange_code(code).await.map_err(|e| fail(Step::Code, e))?;
    let phone = graph.phone(&token, phone_id).await.map_err(|e| fail(Step::Phone, e))?;
    if let Some(expected) = expected {
        check_expected(expected, &phone)?;
    }
    graph.subscribe_app(&token, waba_id).await.map_err(|e| fail(Step::Subscribe, e))?;
    let now = state.clock.now();
    let contacts = sync(meta, &token, phone_id, SyncType::Contacts, now, 1).await.map_err(|NotEligible| {
        bad(
            "META_NOT_ELIGIBLE",
            "phoneNumberId",
            "Meta says this number cannot be onboarded from the WhatsApp Business app (its country, or an app older than 2.24.17); connect it with the usual sign-up instead",
        )
    })?;
    let history = sync(meta, &token, phone_id, SyncType::History, now, 1)
        .await
        .unwrap_or_else(|NotEligible| refused(now, 1));
    let coexistence = json!({
        "status": "CONFIRMED",
        "evidence": "embedded_signup",
        "onboardedAt": now,
        "sync": { "contacts": contacts, "history": history },
    });
    Ok(Verified {
        waba_id: waba_id.to_owned(),
        phone,
        waba: None,
        app_id: Some(state.config.meta_app_id.clone()),
        token,
        pin: None,
        sync_retry_at: retry_at(&coexistence, now),
        coexistence: Some(coexistence),
    })
}

/// Meta will not synchronise this number: it did not come from the WhatsApp Business app.
struct NotEligible;

/// One `smb_app_data` call, as the record kept on the number.
async fn sync(
    meta: &MetaEngine,
    token: &str,
    phone_id: &str,
    kind: SyncType,
    at: DateTime<Utc>,
    attempts: u64,
) -> Result<Value, NotEligible> {
    match meta.graph.smb_app_data(token, phone_id, kind).await {
        Ok(request) => Ok(json!({ "state": "started", "requestId": request, "at": at, "attempts": attempts })),
        Err(e) => match e.sync_refusal() {
            // Meta runs each synchronisation once; a second onboarding of the same number (or
            // a retry whose first answer was lost) finds it started, which is what we wanted.
            Some(SyncRefusal::AlreadyStarted) => Ok(json!({ "state": "already_started", "at": at, "attempts": attempts })),
            Some(SyncRefusal::NotEligible) => Err(NotEligible),
            None => {
                let err: ApiError = fail(Step::Sync, e);
                Ok(json!({ "state": "failed", "code": err.code, "at": at, "attempts": attempts }))
            }
        },
    }
}

fn refused(at: DateTime<Utc>, attempts: u64) -> Value {
    json!({ "state": "failed", "code": "META_NOT_ELIGIBLE", "at": at, "attempts": attempts })
}

/// Whether a synchronisation record failed for a passing reason.
fn passing(entry: &Value) -> bool {
    entry["state"] == "failed" && entry["code"].as_str().is_some_and(|c| PASSING.contains(&c))
}

/// When to try the failed synchronisations again: 5 minutes after the first failure, then
/// three times longer each time (up to 3 hours), while Meta's window is open; `None` when
/// nothing is left to try.
pub fn retry_at(coexistence: &Value, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let attempts = KINDS
        .iter()
        .map(|(_, name)| &coexistence["sync"][*name])
        .filter(|e| passing(e))
        .map(|e| e["attempts"].as_u64().unwrap_or(1))
        .max()?;
    let minutes = (5 * 3_i64.pow(attempts.saturating_sub(1).min(4) as u32)).min(180);
    let next = now + Duration::minutes(minutes);
    let onboarded = coexistence["onboardedAt"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or(now, |t| t.with_timezone(&Utc));
    (next <= onboarded + Duration::hours(WINDOW_HOURS)).then_some(next)
}

/// Tries the due synchronisations again; returns how many numbers it tried. Runs on every
/// process: each due number is taken by one of them (a short lease on its retry time).
pub async fn retry_due(state: &AppState) -> Result<usize, StoreError> {
    let Some(meta) = state.engines.meta() else { return Ok(0) };
    let now = state.clock.now();
    let lease = now + Duration::seconds(LEASE_SECONDS);
    let mut tried = 0;
    for account in state.store.coex_retries_due(now, 50).await? {
        let (Some(seen), Some(mut coexistence)) = (account.sync_retry_at, account.coexistence.clone()) else {
            continue;
        };
        if !state.store.move_coex_retry(&account.number_id, seen, Some(lease), None).await? {
            continue;
        }
        tried += 1;
        let token = match meta.token_of(&account) {
            Ok(token) => token,
            Err(err) => {
                tracing::warn!(number.id = %account.number_id, error = %err, "a coexistence retry could not open the token");
                state.store.move_coex_retry(&account.number_id, lease, None, None).await?;
                continue;
            }
        };
        for (kind, name) in KINDS {
            let entry = &coexistence["sync"][name];
            if passing(entry) {
                let attempts = entry["attempts"].as_u64().unwrap_or(1) + 1;
                let again = sync(meta, &token, &account.phone_number_id, kind, now, attempts)
                    .await
                    .unwrap_or_else(|NotEligible| refused(now, attempts));
                coexistence["sync"][name] = again;
            }
        }
        let next = retry_at(&coexistence, now);
        state
            .store
            .move_coex_retry(&account.number_id, lease, next, Some(&coexistence))
            .await?;
    }
    Ok(tried)
}

/// The official fallback's end: the WhatsApp Web link's own number becomes a connected `META`
/// number (same id, so the platform's records hold), `number.connected` as for a QR pairing
/// but with `provider: META`, and the link is used up, in one transaction.
pub async fn convert_number(state: &AppState, meta: &MetaEngine, link: &Link, number: &Number, v: Verified) -> ApiResult<Number> {
    check_expected(&number.phone, &v.phone)?;
    let now = state.clock.now();
    let account = account(meta, &number.tenant_id, &number.id, &v, now);
    let extra = json!({
        "provider": "META",
        "linkId": link.id,
        "externalRef": link.external_ref,
        "redirectUrl": link.redirect_url,
        "fallback": "official",
    });
    let event = number_event(NUMBER_CONNECTED, number.into(), now, extra);
    let engine_ref = json!({ "wabaId": v.waba_id, "phoneNumberId": v.phone.id });
    let conversion = MetaConversion {
        number: &number.id,
        engine_ref: &engine_ref,
        account: &account,
        event: &event,
        link: &link.id,
        at: now,
    };
    match state.store.convert_to_meta(&number.tenant_id, conversion).await {
        Ok(n) => {
            state.live.notify(&n.tenant_id, &n.id).await;
            state.live.notify_link(&link.id).await;
            Ok(n)
        }
        Err(StoreError::NotFound) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "LINK_ALREADY_USED",
            "this link was already used (or its number connected) meanwhile",
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(contacts: Value, history: Value, onboarded: DateTime<Utc>) -> Value {
        json!({ "onboardedAt": onboarded, "sync": { "contacts": contacts, "history": history } })
    }

    #[test]
    fn passing_failures_are_retried_with_growing_waits_inside_metas_window() {
        let t0 = Utc::now();
        let started = json!({ "state": "started" });
        let down = |attempts: u64| json!({ "state": "failed", "code": "UPSTREAM_ERROR", "attempts": attempts });
        assert_eq!(retry_at(&record(started.clone(), started.clone(), t0), t0), None);
        assert_eq!(retry_at(&record(started.clone(), down(1), t0), t0), Some(t0 + Duration::minutes(5)));
        assert_eq!(
            retry_at(&record(down(3), started.clone(), t0), t0),
            Some(t0 + Duration::minutes(45))
        );
        assert_eq!(
            retry_at(&record(down(9), started.clone(), t0), t0),
            Some(t0 + Duration::minutes(180))
        );
        // Past Meta's window nothing is tried; a refusal that will not pass is not retried.
        let late = t0 + Duration::hours(22) + Duration::minutes(58);
        assert_eq!(retry_at(&record(down(2), started.clone(), t0), late), None);
        let refused = json!({ "state": "failed", "code": "META_NOT_ELIGIBLE" });
        assert_eq!(retry_at(&record(refused, started, t0), t0), None);
    }
}
