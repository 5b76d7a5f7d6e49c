//! The delivery log across the tenant's endpoints, one delivery in full, and replay.
use leptos::prelude::*;

use crate::{
    error::AppError,
    types::admin_webhooks::{DeliveriesPage, DeliveryDetail, DeliveryItem},
};

/// Newest first, a page at a time after `cursor` (a page's `next_cursor`; blank: the newest);
/// an empty `webhook_id` or `status` does not filter.
#[server(endpoint = "admin/webhooks/deliveries")]
pub async fn admin_deliveries(webhook_id: String, status: String, #[server(default)] cursor: String) -> Result<DeliveriesPage, AppError> {
    use super::{
        convert,
        guard::{fail, signed_in},
    };
    use crate::server::services::{webhook_ops, webhooks};

    let (state, admin) = signed_in().await?;
    let (list, next_cursor) = webhook_ops::deliveries(&state, &admin.client, Some(&webhook_id), Some(&status), &cursor)
        .await
        .map_err(fail)?;
    let endpoints = webhooks::list(&state, &admin.client).await.map_err(fail)?;
    let name = |id: &crate::server::domain::WebhookId| endpoints.iter().find(|e| &e.id == id).map_or_else(String::new, |e| e.name.clone());
    Ok(DeliveriesPage {
        items: list.iter().map(|d| convert::delivery(d, &name(&d.webhook_id))).collect(),
        next_cursor,
    })
}

#[server(endpoint = "admin/webhooks/delivery")]
pub async fn admin_delivery(webhook_id: String, id: String) -> Result<DeliveryDetail, AppError> {
    use super::{
        convert,
        guard::{fail, signed_in},
    };
    use crate::server::domain::{DeliveryId, WebhookId};
    use crate::server::services::webhook_ops;

    let (state, admin) = signed_in().await?;
    let (webhook, log) = webhook_ops::delivery(
        &state,
        &admin.client,
        &WebhookId::from_trusted(webhook_id),
        &DeliveryId::from_trusted(id),
    )
    .await
    .map_err(fail)?;
    Ok(convert::delivery_detail(&webhook, &log))
}

/// Sends the delivery again now, with the same event id.
#[server(endpoint = "admin/webhooks/replay")]
pub async fn admin_replay_delivery(csrf: String, webhook_id: String, id: String) -> Result<DeliveryItem, AppError> {
    use super::{
        convert,
        guard::{fail, for_change},
    };
    use crate::server::domain::{DeliveryId, WebhookId};
    use crate::server::services::webhooks;

    let (state, admin) = for_change(&csrf).await?;
    let webhook = webhooks::get(&state, &admin.client, &WebhookId::from_trusted(webhook_id))
        .await
        .map_err(fail)?;
    let log = webhooks::retry(&state, &admin.client, &webhook.id, &DeliveryId::from_trusted(id))
        .await
        .map_err(fail)?;
    Ok(convert::delivery(&log.delivery, &webhook.name))
}
