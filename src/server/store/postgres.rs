use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::accounts::{AuditRow, LinkOverviewRow, SessionRow, UserRow};
use super::rows::{ApiKeyRow, EventRow, LinkNumberRow, LinkRow, NumberRow, SettingsRow, TemplateRow, TenantRow};
use super::sqlite::Backend;
use super::webhook_rows::{AttemptRow, ClaimRow, DeliveryRow, WebhookRow};
use super::webhook_sql::with_attempts;
use super::{
    ApiKey, AuditEntry, AuditFilter, ClaimedDelivery, DeliveryLog, DeliveryPolicy, DeliveryStatus, EngineSettings, Event, FunnelStep, Link,
    LinkEnd, LinkIssue, LinkOverview, NewApiKey, NewAttempt, NewEvent, NewLink, NewNumber, NewSession, NewWebhook, NextStep, Number,
    Session, StoreError, StoreResult, Template, Tenant, TenantSettings, User, Webhook, WebhookPatch,
};
use crate::server::domain::{
    ApiKeyId, DeliveryId, Email, KeyHash, LinkId, NumberId, NumberProfile, NumberState, PhoneE164, SessionId, TemplateId, TenantId,
    WebhookId, to_millis,
};
use crate::types::branding::Branding;

/// For several app processes sharing one database.
pub struct PgStore {
    pool: PgPool,
    /// The same pool: PostgreSQL locks rows, not the database, so writes need no queue of
    /// their own (see `SqliteStore::writer`).
    writer: PgPool,
    sealer: std::sync::OnceLock<crate::server::crypto::Sealer>,
}

impl Backend for PgStore {
    type Db = sqlx::Postgres;
}

/// A pooled connection idle longer than this is pinged before use.
const IDLE_CHECK: Duration = Duration::from_secs(30);

impl PgStore {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection before lending it (a network round trip as long as a
            // short query) and again when it comes back; the ping on return already drops a
            // connection that broke, so only one that sat idle long enough for a firewall or a
            // server restart to cut it is checked before use.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_CHECK {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self {
            writer: pool.clone(),
            pool,
            sealer: std::sync::OnceLock::new(),
        })
    }
}

impl_link_store!(PgStore);
impl_key_store!(PgStore, "");
impl_sql_store!(
    PgStore,
    "postgres",
    "SELECT pg_notify('pairlink_live', $1)",
    "json_agg",
    "json_build_array"
);
impl_sealing!(PgStore);
impl_webhook_store!(PgStore);
impl_meta_store!(PgStore);
impl_account_store!(PgStore);
// The database's clock in milliseconds: leases and fencing are read with it.
impl_session_store!(PgStore, "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT");
impl_runtime_store!(PgStore, "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT");
impl_logo_store!(PgStore);
impl_sandbox_store!(PgStore, "seq");
impl_ceremony_store!(PgStore);
