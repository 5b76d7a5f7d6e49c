//! Webhook rows, decoded alike by both backends and turned into records at once.
use super::webhook_records::{Attempt, ClaimedDelivery, Delivery, DeliveryStatus, Webhook};
use crate::server::domain::{AttemptId, DeliveryId, EventFilter, EventId, NumberId, TenantId, WebhookId, WebhookSecret, from_millis};

#[derive(sqlx::FromRow)]
pub struct WebhookRow {
    id: String,
    tenant_id: String,
    number_id: Option<String>,
    name: String,
    url: String,
    events: String,
    active: bool,
    created_at: i64,
    updated_at: i64,
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        Self {
            id: WebhookId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            number_id: r.number_id.map(NumberId::from_trusted),
            name: r.name,
            url: r.url,
            events: EventFilter::from_stored(&r.events),
            active: r.active,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct DeliveryRow {
    id: String,
    tenant_id: String,
    endpoint_id: String,
    event_id: String,
    event_kind: String,
    status: String,
    attempts: i64,
    next_attempt_at: Option<i64>,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    last_attempt_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    payload: String,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Self {
            id: DeliveryId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            webhook_id: WebhookId::from_trusted(r.endpoint_id),
            event_id: EventId::from_trusted(r.event_id),
            event_kind: r.event_kind,
            status: DeliveryStatus::from_stored(&r.status),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at.map(from_millis),
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            last_attempt_at: r.last_attempt_at.map(from_millis),
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
            payload: r.payload,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct AttemptRow {
    id: String,
    delivery_id: String,
    attempt: i64,
    status_code: Option<i64>,
    error: Option<String>,
    latency_ms: i64,
    response_body: Option<String>,
    created_at: i64,
}

impl From<AttemptRow> for Attempt {
    fn from(r: AttemptRow) -> Self {
        Self {
            id: AttemptId::from_trusted(r.id),
            delivery_id: DeliveryId::from_trusted(r.delivery_id),
            attempt: r.attempt,
            status_code: r.status_code,
            error: r.error,
            latency_ms: r.latency_ms,
            response_body: r.response_body,
            created_at: from_millis(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ClaimRow {
    id: String,
    lease_owner: String,
    tenant_id: String,
    pub(super) endpoint_id: String,
    event_id: String,
    attempts: i64,
    step: i64,
    url: String,
    /// As stored (sealed); the store opens it before the claim leaves it.
    pub(super) secret: String,
    payload: String,
}

impl From<ClaimRow> for ClaimedDelivery {
    fn from(r: ClaimRow) -> Self {
        Self {
            id: DeliveryId::from_trusted(r.id),
            lease: r.lease_owner,
            tenant_id: TenantId::from_trusted(r.tenant_id),
            webhook_id: WebhookId::from_trusted(r.endpoint_id),
            event_id: EventId::from_trusted(r.event_id),
            attempts: r.attempts,
            step: r.step,
            url: r.url,
            secret: WebhookSecret::from_stored(r.secret),
            body: r.payload,
        }
    }
}
