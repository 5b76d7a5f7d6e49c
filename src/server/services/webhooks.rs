//! Webhook endpoints: who may see and change which, what a valid one is, and replays.
//! Tenant keys see every endpoint of their tenant; number keys only those bound to their
//! number. Anything else is `WEBHOOK_NOT_FOUND`, as for another tenant's.
use axum::http::StatusCode;

use crate::server::{
    auth::ApiClient,
    domain::{DeliveryId, EventFilter, Invalid, NumberId, WebhookId, WebhookName, WebhookSecret, WebhookUrl},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{DeliveryLog, NewWebhook, StoreError, Webhook, WebhookPatch},
};
use crate::types::webhooks::{CreateWebhookIn, UpdateWebhookIn, WebhookOut};

pub const DEFAULT_LOG_LIMIT: i64 = 20;
pub const MAX_LOG_LIMIT: i64 = 50;

/// A webhook just made: the only moment its secret leaves the server.
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: WebhookSecret,
}

/// `header_number` is the `x-whatsapp-number-id` header, which tenant keys may use instead
/// of the body field.
#[tracing::instrument(skip_all, fields(tenant.id = %client.tenant))]
pub async fn create(
    state: &AppState,
    client: &ApiClient,
    header_number: Option<&str>,
    input: CreateWebhookIn,
) -> ApiResult<CreatedWebhook> {
    let number = target_number(state, client, input.whatsapp_number_id.as_deref(), header_number).await?;
    // Each endpoint is a share of the delivery workers; a tenant gets a bounded number. (Two
    // creations at the same moment may both pass; the bound is about scale, not exactness.)
    let cap = state.config.webhook_endpoints_per_tenant as usize;
    if state.store.list_webhooks(&client.tenant, None).await?.len() >= cap {
        return Err(ApiError::conflict(
            "WEBHOOK_LIMIT_REACHED",
            format!("a tenant may have at most {cap} webhook endpoints; delete one first"),
        ));
    }
    let url = parse_url(state, input.url.as_deref().ok_or_else(|| Invalid::new("url", "is required"))?).await?;
    let name = match input.name.as_deref() {
        Some(name) => WebhookName::parse("name", name)?.into_inner(),
        None => url.url().host_str().unwrap_or_default().to_owned(),
    };
    let secret = WebhookSecret::generate();
    let new = NewWebhook {
        id: WebhookId::generate(),
        number_id: number,
        name,
        url: url.as_str().to_owned(),
        events: EventFilter::parse("events", input.events.as_deref().unwrap_or_default())?,
        secret: secret.clone(),
        active: input.active.unwrap_or(true),
        at: state.clock.now(),
    };
    let webhook = state.store.insert_webhook(&client.tenant, &new).await?;
    tracing::info!(webhook.id = %webhook.id, "webhook created");
    let detail = serde_json::json!({ "name": webhook.name, "url": webhook.url });
    super::audit::record(state, client, "webhook.created", Some(webhook.id.as_str()), detail).await;
    Ok(CreatedWebhook { webhook, secret })
}

pub async fn list(state: &AppState, client: &ApiClient) -> ApiResult<Vec<Webhook>> {
    Ok(state.store.list_webhooks(&client.tenant, client.number.as_ref()).await?)
}

pub async fn get(state: &AppState, client: &ApiClient, id: &WebhookId) -> ApiResult<Webhook> {
    match state.store.get_webhook(&client.tenant, id).await {
        Ok(w) if client.number.is_none() || w.number_id == client.number => Ok(w),
        Ok(_) | Err(StoreError::NotFound) => Err(webhook_not_found()),
        Err(err) => Err(err.into()),
    }
}

#[tracing::instrument(skip_all, fields(tenant.id = %client.tenant, webhook.id = %id))]
pub async fn update(state: &AppState, client: &ApiClient, id: &WebhookId, input: UpdateWebhookIn) -> ApiResult<Webhook> {
    let current = get(state, client, id).await?;
    if let Some(number) = input.whatsapp_number_id.as_deref()
        && current.number_id.as_ref().map(NumberId::as_str) != Some(number)
    {
        return Err(Invalid::new("whatsappNumberId", "cannot change; create a webhook for the other number instead").into());
    }
    if input.name.is_none() && input.url.is_none() && input.events.is_none() && input.active.is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "EMPTY_PATCH",
            "nothing to change: send name, url, events or active",
        ));
    }
    let url = match input.url.as_deref() {
        Some(raw) => Some(parse_url(state, raw).await?.as_str().to_owned()),
        None => None,
    };
    let patch = WebhookPatch {
        name: input
            .name
            .as_deref()
            .map(|n| WebhookName::parse("name", n))
            .transpose()?
            .map(WebhookName::into_inner),
        url,
        events: input.events.as_deref().map(|e| EventFilter::parse("events", e)).transpose()?,
        active: input.active,
    };
    let updated = state
        .store
        .update_webhook(&client.tenant, &current.id, &patch, state.clock.now())
        .await?;
    let detail = serde_json::json!({ "name": updated.name, "url": updated.url, "active": updated.active });
    super::audit::record(state, client, "webhook.updated", Some(updated.id.as_str()), detail).await;
    Ok(updated)
}

#[tracing::instrument(skip_all, fields(tenant.id = %client.tenant, webhook.id = %id))]
pub async fn delete(state: &AppState, client: &ApiClient, id: &WebhookId) -> ApiResult<()> {
    let webhook = get(state, client, id).await?;
    match state.store.delete_webhook(&client.tenant, &webhook.id).await {
        Err(StoreError::NotFound) => Err(webhook_not_found()),
        other => {
            other?;
            let detail = serde_json::json!({ "name": webhook.name });
            super::audit::record(state, client, "webhook.deleted", Some(webhook.id.as_str()), detail).await;
            Ok(())
        }
    }
}

pub async fn logs(
    state: &AppState,
    client: &ApiClient,
    id: &WebhookId,
    limit: Option<&str>,
    event: Option<&str>,
) -> ApiResult<Vec<DeliveryLog>> {
    let limit = parse_limit(limit)?;
    let event = event
        .filter(|e| !e.trim().is_empty())
        .map(|e| EventFilter::parse_name("event", e))
        .transpose()?;
    let webhook = get(state, client, id).await?;
    Ok(state
        .store
        .list_delivery_logs(&client.tenant, &webhook.id, event.as_deref(), limit)
        .await?)
}

/// Replays a delivery now, with the same event id (so receivers that already had it can
/// tell), and a fresh retry schedule.
#[tracing::instrument(skip_all, fields(tenant.id = %client.tenant, webhook.id = %id, delivery.id = %delivery))]
pub async fn retry(state: &AppState, client: &ApiClient, id: &WebhookId, delivery: &DeliveryId) -> ApiResult<DeliveryLog> {
    let webhook = get(state, client, id).await?;
    if !webhook.active {
        return Err(inactive());
    }
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "DELIVERY_NOT_FOUND", "this webhook has no such delivery");
    match state
        .store
        .requeue_delivery(&client.tenant, &webhook.id, delivery, state.clock.now())
        .await
    {
        Err(StoreError::NotFound) => return Err(not_found()),
        other => other?,
    }
    let log = state.store.get_delivery_log(&client.tenant, &webhook.id, delivery).await?;
    let detail = serde_json::json!({ "name": webhook.name, "event": log.delivery.event_kind, "delivery": delivery.as_str() });
    super::audit::record(state, client, "webhook.delivery_replayed", Some(webhook.id.as_str()), detail).await;
    Ok(log)
}

/// The number a new webhook is bound to. A number key's own (a different one in the body is
/// `NUMBER_MISMATCH`; the header is ignored for it, as documented); for a tenant key the
/// body's or the header's, which must name a live number of the tenant, or none at all:
/// a tenant-wide webhook.
async fn target_number(state: &AppState, client: &ApiClient, body: Option<&str>, header: Option<&str>) -> ApiResult<Option<NumberId>> {
    let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let (body, header) = (given(body), given(header));
    if let Some(own) = &client.number {
        if body.as_deref().is_some_and(|b| b != own.as_str()) {
            return Err(number_mismatch());
        }
        return Ok(Some(own.clone()));
    }
    let id = match (body, header) {
        (Some(b), Some(h)) if b != h => return Err(number_mismatch()),
        (Some(id), _) | (None, Some(id)) => NumberId::from_trusted(id),
        (None, None) => return Ok(None),
    };
    match state.store.get_number(&client.tenant, &id).await {
        Ok(n) if n.deleted_at.is_none() => Ok(Some(n.id)),
        Ok(_) | Err(StoreError::NotFound) => Err(ApiError::number_not_found()),
        Err(err) => Err(err.into()),
    }
}

async fn parse_url(state: &AppState, raw: &str) -> ApiResult<WebhookUrl> {
    let url = WebhookUrl::parse("url", raw)?;
    state.webhooks.guard.check_url("url", &url).await?;
    Ok(url)
}

fn parse_limit(raw: Option<&str>) -> Result<i64, Invalid> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(DEFAULT_LOG_LIMIT);
    };
    match raw.parse::<i64>() {
        Ok(n) if (1..=MAX_LOG_LIMIT).contains(&n) => Ok(n),
        _ => Err(Invalid::new("limit", format!("must be a whole number from 1 to {MAX_LOG_LIMIT}"))),
    }
}

pub(super) fn inactive() -> ApiError {
    ApiError::conflict(
        "WEBHOOK_INACTIVE",
        "this webhook is paused; resume it with {\"active\": true} first",
    )
}

pub(super) fn webhook_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND", "no such webhook")
}

fn number_mismatch() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "NUMBER_MISMATCH",
        "whatsappNumberId does not match the number of this API key (or the x-whatsapp-number-id header)",
    )
}

/// An endpoint as the API and the dashboard show it (never with its secret).
pub fn view(w: &Webhook) -> WebhookOut {
    WebhookOut {
        id: w.id.to_string(),
        name: w.name.clone(),
        url: w.url.clone(),
        events: w.events.names().to_vec(),
        ignored_events: w.events.never_sent(),
        whatsapp_number_id: w.number_id.as_ref().map(ToString::to_string),
        active: w.active,
        created_at: w.created_at,
        updated_at: w.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_limits_are_one_to_fifty() {
        assert_eq!(parse_limit(None), Ok(DEFAULT_LOG_LIMIT));
        assert_eq!(parse_limit(Some(" ")), Ok(DEFAULT_LOG_LIMIT));
        assert_eq!(parse_limit(Some("1")), Ok(1));
        assert_eq!(parse_limit(Some("50")), Ok(50));
        for bad in ["0", "51", "-1", "ten", "2.5"] {
            assert_eq!(parse_limit(Some(bad)).unwrap_err().field, "limit", "{bad}");
        }
    }
}
