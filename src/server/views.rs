//! Records turned into the wire shapes of `crate::types`.
use crate::server::{
    domain::{NumberState, Provider},
    engines::Pairing,
    qr,
    store::{ApiKey, Event, Number},
};
use crate::types::numbers::{EventOut, HealthOut, KeySummaryOut, LinkOut, NumberOut, PairingOut};

pub fn number(n: &Number, keys: &[ApiKey]) -> NumberOut {
    let open = n.state == NumberState::Open;
    let quality = if open { "GOOD" } else { "UNKNOWN" };
    NumberOut {
        id: n.id.to_string(),
        tenant_id: n.tenant_id.to_string(),
        instance_name: format!("pairlink-{}", n.phone.digits()),
        number: n.phone.digits().to_owned(),
        name: n.name.clone(),
        display_name: n.name.clone(),
        provider: n.provider.as_str().into(),
        engine: n.engine.clone(),
        state: n.state.as_str().into(),
        is_fully_connected: open,
        quality: quality.into(),
        health: HealthOut {
            quality_rating: quality.into(),
            messaging_limit_tier: None,
            meta_status: None,
            sendable: open,
        },
        primary_link: LinkOut {
            state: n.state.as_str().into(),
            connected_at: n.connected_at,
        },
        secondary_link: None,
        meta: None,
        coexistence: (n.provider == Provider::Meta).then(|| serde_json::json!({"status": "UNKNOWN", "evidence": []})),
        api_keys: keys.iter().map(key_summary).collect(),
        pii_mode: n.profile.pii_mode.clone(),
        pii_retention_days: n.profile.pii_retention_days,
        settings: serde_json::Value::Object(n.profile.settings.clone()),
        extra_charge_unpaid_since: None,
        extra_charge_disconnect_at: None,
        last_validated_at: None,
        connected_at: n.connected_at,
        created_at: n.created_at,
        updated_at: n.updated_at,
    }
}

fn key_summary(k: &ApiKey) -> KeySummaryOut {
    KeySummaryOut {
        name: k.name.clone(),
        key_prefix: crate::server::domain::KEY_PREFIX.into(),
        key_last4: k.last4.clone(),
    }
}

/// The QR as a PNG data URI and the code as `ABCD-1234`.
pub fn pairing(p: &Pairing) -> anyhow::Result<PairingOut> {
    let qrcode_base64 =
        p.qr.as_ref()
            .map(|q| qr::png_data_uri(&q.payload).map(|uri| uri.to_string()))
            .transpose()?;
    Ok(PairingOut {
        qrcode_base64,
        pairing_code: p.code.as_ref().map(|c| c.display()),
    })
}

pub fn event(e: &Event) -> EventOut {
    EventOut {
        id: e.id.to_string(),
        event: e.kind.clone(),
        data: e.payload.get("data").cloned().unwrap_or_default(),
        created_at: e.created_at,
    }
}
