//! Webhook endpoints: list, create (secret shown once), change, pause/resume, delete, rotate
//! the secret (shown once again) and send a test event; through the same services as
//! `/v1/webhooks`.
use leptos::prelude::*;

use crate::{
    error::AppError,
    types::{
        admin_webhooks::{DeliveryItem, SecretOut, WebhookFormIn, WebhooksOut},
        webhooks::WebhookOut,
    },
};

#[server(endpoint = "admin/webhooks")]
pub async fn admin_webhooks() -> Result<WebhooksOut, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::domain::EMITTED_EVENTS;
    use crate::server::services::webhooks;

    let (state, admin) = signed_in().await?;
    let endpoints = webhooks::list(&state, &admin.client).await.map_err(fail)?;
    // The numbers an endpoint can be bound to come from `admin_number_choices`, as the user
    // searches: a tenant may have 10,000.
    Ok(WebhooksOut {
        endpoints: endpoints.iter().map(crate::server::services::webhooks::view).collect(),
        events: EMITTED_EVENTS.iter().map(|e| (*e).to_owned()).collect(),
    })
}

#[server(endpoint = "admin/webhooks/create")]
pub async fn admin_create_webhook(csrf: String, input: WebhookFormIn) -> Result<SecretOut, AppError> {
    use super::guard::{fail, for_change};
    use crate::{server::services::webhooks, types::webhooks::CreateWebhookIn};

    let (state, admin) = for_change(&csrf).await?;
    let some = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let body = CreateWebhookIn {
        url: Some(input.url.trim().to_owned()),
        name: some(input.name),
        events: Some(input.events),
        whatsapp_number_id: some(input.number_id),
        active: Some(true),
    };
    let created = webhooks::create(&state, &admin.client, None, body).await.map_err(fail)?;
    Ok(SecretOut {
        webhook: crate::server::services::webhooks::view(&created.webhook),
        secret: created.secret.reveal().to_owned(),
    })
}

/// Saves the URL, name and events (the number cannot change).
#[server(endpoint = "admin/webhooks/update")]
pub async fn admin_update_webhook(csrf: String, id: String, input: WebhookFormIn) -> Result<WebhookOut, AppError> {
    use super::guard::{fail, for_change};
    use crate::{
        server::{domain::WebhookId, services::webhooks},
        types::webhooks::UpdateWebhookIn,
    };

    let (state, admin) = for_change(&csrf).await?;
    let patch = UpdateWebhookIn {
        name: Some(input.name.trim().to_owned()).filter(|n| !n.is_empty()),
        url: Some(input.url.trim().to_owned()),
        events: Some(input.events),
        active: None,
        whatsapp_number_id: None,
    };
    let updated = webhooks::update(&state, &admin.client, &WebhookId::from_trusted(id), patch)
        .await
        .map_err(fail)?;
    Ok(crate::server::services::webhooks::view(&updated))
}

/// Pauses (`active=false`) or resumes an endpoint.
#[server(endpoint = "admin/webhooks/active")]
pub async fn admin_set_webhook_active(csrf: String, id: String, active: bool) -> Result<WebhookOut, AppError> {
    use super::guard::{fail, for_change};
    use crate::{
        server::{domain::WebhookId, services::webhooks},
        types::webhooks::UpdateWebhookIn,
    };

    let (state, admin) = for_change(&csrf).await?;
    let patch = UpdateWebhookIn {
        active: Some(active),
        ..UpdateWebhookIn::default()
    };
    let updated = webhooks::update(&state, &admin.client, &WebhookId::from_trusted(id), patch)
        .await
        .map_err(fail)?;
    Ok(crate::server::services::webhooks::view(&updated))
}

#[server(endpoint = "admin/webhooks/delete")]
pub async fn admin_delete_webhook(csrf: String, id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::WebhookId;
    use crate::server::services::webhooks;

    let (state, admin) = for_change(&csrf).await?;
    webhooks::delete(&state, &admin.client, &WebhookId::from_trusted(id))
        .await
        .map_err(fail)
}

#[server(endpoint = "admin/webhooks/rotate")]
pub async fn admin_rotate_webhook_secret(csrf: String, id: String) -> Result<SecretOut, AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::WebhookId;
    use crate::server::services::webhook_ops;

    let (state, admin) = for_change(&csrf).await?;
    let rotated = webhook_ops::rotate_secret(&state, &admin.client, &WebhookId::from_trusted(id))
        .await
        .map_err(fail)?;
    Ok(SecretOut {
        webhook: crate::server::services::webhooks::view(&rotated.webhook),
        secret: rotated.secret.reveal().to_owned(),
    })
}

#[server(endpoint = "admin/webhooks/test")]
pub async fn admin_send_test_event(csrf: String, id: String) -> Result<DeliveryItem, AppError> {
    use super::{
        convert,
        guard::{fail, for_change},
    };
    use crate::server::domain::WebhookId;
    use crate::server::services::webhook_ops;

    let (state, admin) = for_change(&csrf).await?;
    let (webhook, log) = webhook_ops::send_test(&state, &admin.client, &WebhookId::from_trusted(id))
        .await
        .map_err(fail)?;
    Ok(convert::delivery(&log.delivery, &webhook.name))
}
