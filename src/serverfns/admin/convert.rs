//! Records into the dashboard's DTOs (server side only).
use crate::{server::store::Number, types::admin::NumberItem};

pub fn choice(n: &Number) -> crate::types::admin_keys::NumberChoice {
    crate::types::admin_keys::NumberChoice {
        id: n.id.to_string(),
        name: n.name.clone(),
        phone: n.phone.e164(),
        state: n.state.as_str().into(),
    }
}

pub fn number(n: &Number) -> NumberItem {
    NumberItem {
        id: n.id.to_string(),
        name: n.name.clone(),
        phone: n.phone.e164(),
        state: n.state.as_str().into(),
        engine: n.engine.clone(),
        created_at: n.created_at,
        connected_at: n.connected_at,
        deleted_at: n.deleted_at,
        restorable_until: n.restorable_until,
    }
}

/// The form's text fields into the API's request: empty means "not set".
pub fn link_in(f: crate::types::admin::LinkFormIn) -> Result<crate::types::links::RemotePairingIn, crate::server::error::ApiError> {
    use crate::{server::domain::Invalid, types::branding::Branding};
    let some = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let ttl_seconds = match some(f.ttl_seconds) {
        None => None,
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| Invalid::new("ttlSeconds", "must be a whole number of seconds"))?,
        ),
    };
    let branding = Branding {
        logo_url: some(f.logo_url),
        primary_color: some(f.primary_color),
        background_color: some(f.background_color),
        company_name: some(f.company_name),
        subtitle: some(f.subtitle),
        support_url: some(f.support_url),
        default_redirect_url: None,
        hide_pilot_status_branding: None,
    };
    // An official link's number is picked in Meta's sign-up: name and phone do not apply.
    let meta_flow = some(f.meta_flow);
    let official = meta_flow.is_some();
    Ok(crate::types::links::RemotePairingIn {
        name: some(f.name).filter(|_| !official),
        number: some(f.phone).filter(|_| !official),
        meta_flow,
        link_to_api_key: Some(false),
        send_via_whats_app: Some(f.send_via_whatsapp.is_some()),
        branding: (branding != Branding::default()).then_some(branding),
        redirect_url: some(f.redirect_url),
        external_ref: some(f.external_ref),
        ttl_seconds,
        refresh_url: some(f.refresh_url),
        locale: some(f.locale),
        ..Default::default()
    })
}

pub fn issued(i: &crate::server::services::links::IssuedLink) -> crate::types::admin::IssuedLinkOut {
    crate::types::admin::IssuedLinkOut {
        url: i.url.clone(),
        number_id: i.number.as_ref().map(|n| n.id.to_string()),
        expires_at: i.link.expires_at,
        message_sent: matches!(i.message, Some(Ok(()))),
        message_error: match &i.message {
            Some(Err(code)) => Some(code.clone()),
            _ => None,
        },
    }
}

pub fn key(k: &crate::server::store::ApiKey) -> crate::types::admin::KeyItem {
    crate::types::admin::KeyItem {
        id: k.id.to_string(),
        name: k.name.clone(),
        last4: k.last4.clone(),
        number_id: k.number_id.as_ref().map(ToString::to_string),
        number_name: None,
        number_phone: None,
        created_at: k.created_at,
    }
}

pub fn template(t: &crate::server::store::Template) -> crate::types::admin::TemplateItem {
    crate::types::admin::TemplateItem {
        id: t.id.to_string(),
        name: t.name.clone(),
        category: t.category.clone(),
        language: t.language.clone(),
        body: t.body.clone(),
        updated_at: t.updated_at,
    }
}

/// `names` maps endpoint ids to their names (a delivery row carries only the id).
pub fn delivery(d: &crate::server::store::Delivery, name: &str) -> crate::types::admin_webhooks::DeliveryItem {
    crate::types::admin_webhooks::DeliveryItem {
        id: d.id.to_string(),
        webhook_id: d.webhook_id.to_string(),
        webhook_name: name.to_owned(),
        event: d.event_kind.clone(),
        status: d.status.as_str().into(),
        attempts: d.attempts,
        status_code: d.last_status_code,
        error: d.last_error.clone(),
        created_at: d.created_at,
        last_attempt_at: d.last_attempt_at,
    }
}

pub fn delivery_detail(
    w: &crate::server::store::Webhook,
    log: &crate::server::store::DeliveryLog,
) -> crate::types::admin_webhooks::DeliveryDetail {
    use crate::{server::webhooks::worker::shown_headers, types::admin_webhooks::AttemptDetail};
    let d = &log.delivery;
    let body = serde_json::from_str::<serde_json::Value>(&d.payload)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| d.payload.clone());
    crate::types::admin_webhooks::DeliveryDetail {
        item: delivery(d, &w.name),
        url: w.url.clone(),
        event_id: d.event_id.to_string(),
        next_attempt_at: d.next_attempt_at,
        body,
        attempts: log
            .attempts
            .iter()
            .map(|a| AttemptDetail {
                attempt: a.attempt,
                at: a.created_at,
                request_headers: shown_headers(d.event_id.as_str(), a.created_at),
                status_code: a.status_code,
                error: a.error.clone(),
                response_body: a.response_body.clone(),
                duration_ms: a.latency_ms,
            })
            .collect(),
    }
}
