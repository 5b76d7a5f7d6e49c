//! Meta's webhooks, read: `X-Hub-Signature-256` checked over the raw body, then the changes
//! we act on pulled out of the `whatsapp_business_account` envelope.
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::server::store::CoexDelivery;

/// `sha256=<hex HMAC-SHA256(app secret, raw body)>`, compared in constant time.
pub fn signature_ok(app_secret: &str, header: Option<&str>, body: &[u8]) -> bool {
    let Some(hex) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Some(given) = decode_hex(hex) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// Constant-time equality for the verify token of `GET` verification.
pub fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty() && a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// One change Meta reported that concerns a number's state or health.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The WABA (or one of its phones) can no longer send for us.
    Lost {
        waba: String,
        phone: Option<String>,
        reason: String,
    },
    /// Health got worse (`blocked`: restricted from sending) or better.
    Health {
        waba: String,
        phone: Option<String>,
        kind: HealthKind,
        reason: String,
        quality: Option<&'static str>,
        limit: Option<String>,
    },
}

/// What one coexistence webhook (`history`, `smb_app_state_sync`, `smb_message_echoes`)
/// delivered for a WhatsApp Business app number, counted; the content itself is not kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Coexistence {
    pub waba: String,
    pub phone_number_id: String,
    pub delivery: CoexDelivery,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthKind {
    Degraded,
    Blocked,
    Recovered,
}

impl HealthKind {
    pub fn event(self) -> &'static str {
        match self {
            Self::Degraded => "number.health_degraded",
            Self::Blocked => "number.health_blocked",
            Self::Recovered => "number.recovered",
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
    #[serde(default)]
    changes: Vec<FieldChange>,
}

#[derive(Deserialize)]
struct FieldChange {
    field: String,
    #[serde(default)]
    value: Value,
}

/// What a notification carries that we act on or count; everything else (messages,
/// statuses, template updates) is skipped.
#[derive(Debug, Default)]
pub struct Parsed {
    pub changes: Vec<Change>,
    pub coexistence: Vec<Coexistence>,
}

pub fn parse(body: &[u8]) -> Result<Parsed, serde_json::Error> {
    let envelope: Envelope = serde_json::from_slice(body)?;
    let mut out = Parsed::default();
    for entry in envelope.entry {
        for change in entry.changes {
            if let Some(c) = read_change(&entry.id, &change.field, &change.value) {
                out.changes.push(c);
            }
            if let Some(c) = read_coexistence(&entry.id, &change.field, &change.value) {
                out.coexistence.push(c);
            }
        }
    }
    Ok(out)
}

fn read_coexistence(waba: &str, field: &str, v: &Value) -> Option<Coexistence> {
    let count = |k: &str| v[k].as_array().map_or(0, |a| a.len() as i64);
    let delivery = match field {
        "history" => {
            let chunks = v["history"].as_array()?;
            let declined = chunks.iter().any(|c| c["errors"].as_array().is_some_and(|e| !e.is_empty()));
            let messages = chunks
                .iter()
                .flat_map(|c| c["threads"].as_array().into_iter().flatten())
                .map(|t| t["messages"].as_array().map_or(0, |m| m.len() as i64))
                .sum();
            CoexDelivery {
                history_messages: messages,
                history: Some(if declined { "declined" } else { "shared" }),
                ..Default::default()
            }
        }
        "smb_app_state_sync" => CoexDelivery {
            contacts: count("state_sync"),
            ..Default::default()
        },
        "smb_message_echoes" => CoexDelivery {
            echoes: count("message_echoes"),
            ..Default::default()
        },
        _ => return None,
    };
    Some(Coexistence {
        waba: waba.to_owned(),
        phone_number_id: v["metadata"]["phone_number_id"].as_str()?.to_owned(),
        delivery,
    })
}

fn read_change(waba: &str, field: &str, v: &Value) -> Option<Change> {
    let text = |k: &str| v[k].as_str().map(str::to_owned);
    let event = text("event")?;
    let reason = format!("meta_{}", event.to_ascii_lowercase());
    let health = |kind, quality, phone| Change::Health {
        waba: waba.to_owned(),
        phone,
        kind,
        reason: reason.clone(),
        quality,
        limit: text("current_limit"),
    };
    match field {
        "account_update" => {
            let phone = text("phone_number");
            let reinstated = v["ban_info"]["waba_ban_state"].as_str() == Some("REINSTATE");
            match event.as_str() {
                "DISABLED_UPDATE" if reinstated => Some(health(HealthKind::Recovered, None, phone)),
                "DISABLED_UPDATE" | "ACCOUNT_DELETED" | "PARTNER_REMOVED" | "PARTNER_APP_UNINSTALLED" => Some(Change::Lost {
                    waba: waba.to_owned(),
                    phone,
                    reason: reason.clone(),
                }),
                "ACCOUNT_RESTRICTION" => Some(health(HealthKind::Blocked, None, phone)),
                "ACCOUNT_VIOLATION" => Some(health(HealthKind::Degraded, None, phone)),
                _ => None,
            }
        }
        "phone_number_quality_update" => {
            let phone = text("display_phone_number");
            match event.as_str() {
                "FLAGGED" => Some(health(HealthKind::Degraded, Some("RED"), phone)),
                "DOWNGRADE" => Some(health(HealthKind::Degraded, None, phone)),
                "UNFLAGGED" => Some(health(HealthKind::Recovered, Some("GREEN"), phone)),
                "UPGRADE" => Some(health(HealthKind::Recovered, None, phone)),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coexistence_webhooks_are_counted_not_kept() {
        let meta = serde_json::json!({ "display_phone_number": "15551234567", "phone_number_id": "7654321" });
        let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "111", "changes": [
            {"field": "history", "value": {"messaging_product": "whatsapp", "metadata": meta, "history": [
                {"metadata": {"phase": 0, "chunk_order": 1, "progress": 40}, "threads": [
                    {"id": "16505551234", "messages": [{"id": "a", "text": {"body": "secret"}}, {"id": "b"}]},
                    {"id": "16505550000", "messages": [{"id": "c"}]}]}]}},
            {"field": "history", "value": {"messaging_product": "whatsapp", "metadata": meta, "history": [
                {"errors": [{"code": 2593109, "title": "History sharing is turned off by the business"}]}]}},
            {"field": "smb_app_state_sync", "value": {"messaging_product": "whatsapp", "metadata": meta, "state_sync": [
                {"type": "contact", "contact": {"full_name": "Pablo", "phone_number": "16505551234"}, "action": "add"},
                {"type": "contact", "contact": {"phone_number": "16505550000"}, "action": "remove"}]}},
            {"field": "smb_message_echoes", "value": {"messaging_product": "whatsapp", "metadata": meta, "message_echoes": [
                {"from": "15551234567", "to": "16505551234", "id": "e", "type": "text", "text": {"body": "hi"}}]}},
            {"field": "smb_message_echoes", "value": {"messaging_product": "whatsapp", "message_echoes": []}}
        ]}]});
        let parsed = parse(body.to_string().as_bytes()).unwrap();
        let got: Vec<_> = parsed
            .coexistence
            .iter()
            .map(|c| (c.waba.as_str(), c.phone_number_id.as_str(), c.delivery.clone()))
            .collect();
        let d = |h, c, e, history| CoexDelivery {
            history_messages: h,
            contacts: c,
            echoes: e,
            history,
        };
        assert_eq!(
            got,
            [
                ("111", "7654321", d(3, 0, 0, Some("shared"))),
                ("111", "7654321", d(0, 0, 0, Some("declined"))),
                ("111", "7654321", d(0, 2, 0, None)),
                ("111", "7654321", d(0, 0, 1, None)),
            ],
            "one without the phone id is skipped"
        );
        assert!(parsed.changes.is_empty());
    }

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }

    #[test]
    fn signatures_are_checked_over_the_raw_body() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let good = sign("s3cret", body);
        assert!(signature_ok("s3cret", Some(&good), body));
        assert!(!signature_ok("other", Some(&good), body));
        assert!(!signature_ok("s3cret", Some(&good), b"{\"object\":\"x\"}"));
        assert!(!signature_ok("s3cret", Some(good.trim_start_matches("sha256=")), body));
        assert!(!signature_ok("s3cret", Some("sha256=zz"), body));
        assert!(!signature_ok("s3cret", None, body));
    }

    #[test]
    fn verify_tokens_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd") && !same_secret("abc", "ab") && !same_secret("", ""));
    }

    #[test]
    fn account_and_quality_updates_are_read() {
        let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "111", "changes": [
            {"field": "account_update", "value": {"phone_number": "15551234567", "event": "DISABLED_UPDATE", "ban_info": {"waba_ban_state": "DISABLE"}}},
            {"field": "phone_number_quality_update", "value": {"display_phone_number": "15551234567", "event": "FLAGGED", "current_limit": "TIER_1K"}},
            {"field": "messages", "value": {"statuses": []}},
            {"field": "account_update", "value": {"event": "PARTNER_ADDED"}}
        ]}]});
        let changes = parse(body.to_string().as_bytes()).unwrap().changes;
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(
            changes[0],
            Change::Lost {
                waba: "111".into(),
                phone: Some("15551234567".into()),
                reason: "meta_disabled_update".into()
            }
        );
        assert!(
            matches!(&changes[1], Change::Health { kind: HealthKind::Degraded, quality: Some("RED"), limit: Some(l), .. } if l == "TIER_1K")
        );
    }
}
