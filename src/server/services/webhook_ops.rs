//! What a person does with webhook endpoints beyond editing them: rotate the signing secret,
//! send a test event, and read the tenant's delivery log across endpoints. Scoping is
//! `webhooks::get`'s: another tenant's endpoint (or, for a number key, another number's) is
//! `WEBHOOK_NOT_FOUND`.
use axum::http::StatusCode;
use serde_json::json;

use super::webhooks::{self, CreatedWebhook, inactive, webhook_not_found};
use crate::server::{
    auth::ApiClient,
    domain::{DeliveryId, EventId, TEST_EVENT, WebhookId, WebhookSecret},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{Delivery, DeliveryFilter, DeliveryLog, DeliveryStatus, NewEvent, StoreError, Webhook},
};

pub const MAX_DELIVERIES: i64 = 100;

/// A new secret, returned this once, like at creation. The old one stops signing at once.
#[tracing::instrument(skip_all, fields(tenant.id = %client.tenant, webhook.id = %id))]
pub async fn rotate_secret(state: &AppState, client: &ApiClient, id: &WebhookId) -> ApiResult<CreatedWebhook> {
    let current = webhooks::get(state, client, id).await?;
    let secret = WebhookSecret::generate();
    let webhook = match state
        .store
        .rotate_webhook_secret(&client.tenant, &current.id, &secret, state.clock.now())
        .await
    {
        Err(StoreError::NotFound) => return Err(webhook_not_found()),
        other => other?,
    };
    tracing::info!("webhook secret rotated");
    let detail = json!({ "name": webhook.name });
    super::audit::record(state, client, "webhook.secret_rotated", Some(webhook.id.as_str()), detail).await;
    Ok(CreatedWebhook { webhook, secret })
}

/// Queues a `webhook.test` event for this endpoint alone; the worker sends it like any
/// other delivery (signed, retried, logged), so it proves the whole path. Returns the
/// endpoint and the new delivery.
#[tracing::instrument(skip_all, fields(tenant.id = %client.tenant, webhook.id = %id))]
pub async fn send_test(state: &AppState, client: &ApiClient, id: &WebhookId) -> ApiResult<(Webhook, DeliveryLog)> {
    let webhook = webhooks::get(state, client, id).await?;
    if !webhook.active {
        return Err(inactive());
    }
    let (event_id, at) = (EventId::generate(), state.clock.now());
    let payload = json!({
        "event": TEST_EVENT,
        "data": {
            "id": event_id,
            "webhookId": webhook.id,
            "createdAt": at,
            "message": "A test event from Pairlink: no number changed.",
        }
    });
    let event = NewEvent {
        id: event_id,
        number_id: None,
        kind: TEST_EVENT.into(),
        payload,
        at,
    };
    let delivery = match state.store.insert_test_delivery(&client.tenant, &webhook.id, &event).await {
        Err(StoreError::NotFound) => return Err(webhook_not_found()),
        other => other?,
    };
    let detail = json!({ "name": webhook.name, "delivery": delivery.as_str() });
    super::audit::record(state, client, "webhook.test_sent", Some(webhook.id.as_str()), detail).await;
    let log = state.store.get_delivery_log(&client.tenant, &webhook.id, &delivery).await?;
    Ok((webhook, log))
}

/// A page of the deliveries to the caller's endpoints, newest first, after `cursor` (blank:
/// the newest), and the cursor of the next page if there is one; `webhook` and `status`
/// (`pending`, `delivered`, `dead`) narrow it, blank means any.
pub async fn deliveries(
    state: &AppState,
    client: &ApiClient,
    webhook: Option<&str>,
    status: Option<&str>,
    cursor: &str,
) -> ApiResult<(Vec<Delivery>, Option<String>)> {
    let blank = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let status = blank(status).map(|s| DeliveryStatus::parse("status", &s)).transpose()?;
    let webhook = match blank(webhook) {
        Some(id) => Some(webhooks::get(state, client, &WebhookId::from_trusted(id)).await?.id),
        None => None,
    };
    let filter = DeliveryFilter {
        webhook,
        status,
        number: client.number.clone(),
        after: super::page_cursor::decode(cursor, "dlv_")?.map(|(at, id)| (at, DeliveryId::from_trusted(id))),
        // One more than a page says whether an older one exists, without counting.
        limit: MAX_DELIVERIES + 1,
    };
    let mut list = state.store.list_deliveries(&client.tenant, &filter).await?;
    let page = MAX_DELIVERIES as usize;
    let next = (list.len() > page).then(|| super::page_cursor::encode(list[page - 1].created_at, list[page - 1].id.as_str()));
    list.truncate(page);
    Ok((list, next))
}

/// One delivery with every attempt, and the endpoint it went to.
pub async fn delivery(state: &AppState, client: &ApiClient, webhook: &WebhookId, id: &DeliveryId) -> ApiResult<(Webhook, DeliveryLog)> {
    let webhook = webhooks::get(state, client, webhook).await?;
    match state.store.get_delivery_log(&client.tenant, &webhook.id, id).await {
        Ok(log) => Ok((webhook, log)),
        Err(StoreError::NotFound) => Err(delivery_not_found()),
        Err(err) => Err(err.into()),
    }
}

pub fn delivery_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "DELIVERY_NOT_FOUND", "this webhook has no such delivery")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_the_three_names() {
        assert_eq!(DeliveryStatus::parse("status", " dead ").unwrap(), DeliveryStatus::Dead);
        for bad in ["", "failed", "Delivered"] {
            let err: crate::server::domain::Invalid = DeliveryStatus::parse("status", bad).unwrap_err();
            assert_eq!(err.field, "status");
        }
    }
}
