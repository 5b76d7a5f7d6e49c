//! A Meta number's `health` and `meta` fields, from Graph's phone and WABA fields as stored.
use serde_json::json;

use super::engine::GONE;
use crate::server::store::MetaAccount;
use crate::types::numbers::{HealthOut, NumberOut};

/// Fills `health`, `meta` and `lastValidatedAt` of a `META` number's view.
pub fn overlay(out: &mut NumberOut, account: &MetaAccount) {
    let p = &account.phone;
    let text = |k: &str| p[k].as_str().map(str::to_owned);
    let status = text("status");
    let quality = text("quality_rating").unwrap_or_else(|| "UNKNOWN".into());
    let sendable = out.is_fully_connected && !status.as_deref().is_some_and(|s| GONE.contains(&s)) && quality != "RED";
    out.quality = quality.clone();
    out.health = HealthOut {
        quality_rating: quality,
        messaging_limit_tier: text("messaging_limit_tier"),
        meta_status: status,
        sendable,
    };
    let w = &account.waba;
    out.meta = Some(json!({
        "wabaId": account.waba_id,
        "phoneNumberId": account.phone_number_id,
        "phone": {
            "id": account.phone_number_id,
            "displayPhoneNumber": p["display_phone_number"],
            "verifiedName": p["verified_name"],
            "qualityRating": p["quality_rating"],
            "codeVerificationStatus": p["code_verification_status"],
            "nameStatus": p["name_status"],
            "platformType": p["platform_type"],
            "status": p["status"],
            "throughput": p["throughput"],
            "messagingLimitTier": p["messaging_limit_tier"],
        },
        "profile": { "verifiedName": p["verified_name"] },
        "waba": if w.is_object() && w.as_object().is_some_and(|o| !o.is_empty()) {
            json!({
                "id": account.waba_id,
                "name": w["name"],
                "currency": w["currency"],
                "timezoneId": w["timezone_id"],
                "messageTemplateNamespace": w["message_template_namespace"],
            })
        } else {
            json!({ "id": account.waba_id })
        },
        "checkedAt": account.checked_at,
    }));
    out.last_validated_at = account.checked_at;
    out.coexistence = Some(coexistence(account));
}

/// `coexistence`: `CONFIRMED` with its evidence for a WhatsApp Business app number onboarded
/// through Embedded Signup, with the synchronisations started and what Meta's coexistence
/// webhooks delivered (counts only); `UNKNOWN` for other Meta numbers.
fn coexistence(account: &MetaAccount) -> serde_json::Value {
    let Some(c) = &account.coexistence else {
        return json!({ "status": "UNKNOWN", "evidence": [] });
    };
    let r = &account.received;
    json!({
        "status": c["status"],
        "evidence": c["evidence"],
        "contactsSync": c["sync"]["contacts"],
        "historySync": c["sync"]["history"],
        "received": {
            "webhooks": r.webhooks,
            "historyMessages": r.history_messages,
            "contacts": r.contacts,
            "messageEchoes": r.echoes,
            "history": r.history,
            "lastAt": r.last_at,
        },
    })
}
