use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::rows::{ApiKeyRow, EventRow, NumberRow, TenantRow};
use super::sqlite::Backend;
use super::webhook_rows::{AttemptRow, ClaimRow, DeliveryRow, WebhookRow};
use super::webhook_sql::with_attempts;
use super::{
    ApiKey, ClaimedDelivery, DeliveryLog, DeliveryStatus, Event, NewApiKey, NewAttempt, NewEvent, NewNumber, NewWebhook, NextStep, Number,
    StoreError, StoreResult, Tenant, Webhook, WebhookPatch,
};
use crate::server::domain::{ApiKeyId, DeliveryId, KeyHash, NumberId, NumberState, PhoneE164, TenantId, WebhookId, to_millis};

/// For several app processes sharing one database.
pub struct PgStore {
    pool: PgPool,
}

impl Backend for PgStore {
    type Db = sqlx::Postgres;
}

impl PgStore {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl_sql_store!(PgStore, "postgres");
impl_webhook_store!(PgStore);
