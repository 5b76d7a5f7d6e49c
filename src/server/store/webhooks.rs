//! The webhook half of the store: endpoints, their deliveries (one per event and matching
//! endpoint, written with the event by `insert_event`) and every attempt. The worker's
//! methods (`claim_deliveries`, `finish_delivery`) work across tenants, like
//! `numbers_to_resume`; everything a client reaches is tenant-first.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::NewEvent;
use super::StoreResult;
use super::webhook_records::{
    ClaimedDelivery, Delivery, DeliveryFilter, DeliveryLog, DeliveryPolicy, NewAttempt, NewWebhook, NextStep, Webhook, WebhookPatch,
};
use crate::server::domain::{DeliveryId, NumberId, TenantId, WebhookId, WebhookSecret};

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn insert_webhook(&self, tenant: &TenantId, new: &NewWebhook) -> StoreResult<Webhook>;
    async fn get_webhook(&self, tenant: &TenantId, id: &WebhookId) -> StoreResult<Webhook>;
    /// Oldest first; with `number`, only the endpoints bound to that number.
    async fn list_webhooks(&self, tenant: &TenantId, number: Option<&NumberId>) -> StoreResult<Vec<Webhook>>;
    async fn update_webhook(&self, tenant: &TenantId, id: &WebhookId, patch: &WebhookPatch, at: DateTime<Utc>) -> StoreResult<Webhook>;
    /// For good, with its deliveries and their attempts.
    async fn delete_webhook(&self, tenant: &TenantId, id: &WebhookId) -> StoreResult<()>;
    /// Replaces the signing secret; deliveries from now on are signed with the new one.
    async fn rotate_webhook_secret(
        &self,
        tenant: &TenantId,
        id: &WebhookId,
        secret: &WebhookSecret,
        at: DateTime<Utc>,
    ) -> StoreResult<Webhook>;
    /// Writes `event` and one pending delivery of it to this endpoint only, whatever the
    /// endpoint subscribes to (a test event), in one transaction. `NotFound` when the tenant
    /// has no such endpoint.
    async fn insert_test_delivery(&self, tenant: &TenantId, webhook: &WebhookId, event: &NewEvent) -> StoreResult<DeliveryId>;
    /// The tenant's deliveries to any of its endpoints, newest first (`created_at`, then `id`)
    /// after `filter.after`, without attempts.
    async fn list_deliveries(&self, tenant: &TenantId, filter: &DeliveryFilter) -> StoreResult<Vec<Delivery>>;

    /// The endpoint's latest deliveries (of one event kind, if given), newest first, each
    /// with its attempts oldest first.
    async fn list_delivery_logs(
        &self,
        tenant: &TenantId,
        webhook: &WebhookId,
        event: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryLog>>;
    async fn get_delivery_log(&self, tenant: &TenantId, webhook: &WebhookId, id: &DeliveryId) -> StoreResult<DeliveryLog>;
    /// Queues the delivery again for `at`, whatever its state, with a fresh retry schedule.
    /// A lease in force stays: the attempt under way finishes first.
    async fn requeue_delivery(&self, tenant: &TenantId, webhook: &WebhookId, id: &DeliveryId, at: DateTime<Utc>) -> StoreResult<()>;

    /// Leases up to `limit` pending deliveries of active endpoints whose circuit is closed,
    /// due at `now` and not leased, until `until`, under the name `lease` (unique per call),
    /// within `policy`'s in-flight shares and taking tenants in turn. Concurrent callers, in
    /// this process or another on the same database, never get the same one.
    async fn claim_deliveries(
        &self,
        lease: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
        policy: &DeliveryPolicy,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Logs the attempt and moves the delivery to `next`, if the claim still holds the
    /// lease; returns whether it did. A lost lease still logs the attempt: it happened. The
    /// endpoint's failure count follows the attempt, opening its circuit per `policy`.
    async fn finish_delivery(
        &self,
        claim: &ClaimedDelivery,
        attempt: &NewAttempt,
        next: NextStep,
        policy: &DeliveryPolicy,
    ) -> StoreResult<bool>;
    /// Deliveries not yet delivered nor dead, of every tenant: the queue depth `/metrics` shows.
    async fn pending_deliveries(&self) -> StoreResult<i64>;
}
