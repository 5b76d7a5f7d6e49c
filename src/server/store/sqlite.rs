use std::{path::Path, str::FromStr, time::Duration};

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::accounts::{AuditRow, LinkOverviewRow, SessionRow, UserRow};
use super::rows::{ApiKeyRow, EventRow, LinkRow, NumberRow, SettingsRow, TemplateRow, TenantRow};
use super::webhook_rows::{AttemptRow, ClaimRow, DeliveryRow, WebhookRow};
use super::webhook_sql::with_attempts;
use super::{
    ApiKey, AuditEntry, AuditFilter, ClaimedDelivery, DeliveryLog, DeliveryStatus, Event, FunnelStep, Link, LinkEnd, LinkOverview,
    NewApiKey, NewAttempt, NewEvent, NewLink, NewNumber, NewSession, NewWebhook, NextStep, Number, Session, StoreError, StoreResult,
    Template, Tenant, TenantSettings, User, Webhook, WebhookPatch,
};
use crate::server::domain::{
    ApiKeyId, DeliveryId, Email, KeyHash, LinkId, NumberId, NumberState, PhoneE164, SessionId, TemplateId, TenantId, WebhookId, to_millis,
};
use crate::types::branding::Branding;

/// The default backend: one file, nothing to set up.
pub struct SqliteStore {
    pool: SqlitePool,
    /// One writer at a time, queued here rather than in SQLite's busy handler (write_tx.rs).
    write_turn: tokio::sync::Mutex<()>,
}

/// Names the sqlx database type a store runs on, so shared helpers can be typed by it.
pub trait Backend {
    type Db: sqlx::Database;
}

impl Backend for SqliteStore {
    type Db = sqlx::Sqlite;
}

impl SqliteStore {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            // WAL lets readers go on while one writer commits; NORMAL is durable in WAL mode.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = Path::new(options.get_filename()).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self {
            pool,
            write_turn: tokio::sync::Mutex::new(()),
        })
    }

    async fn begin_write(&self) -> Result<super::write_tx::WriteTx<'_, sqlx::Sqlite>, sqlx::Error> {
        super::write_tx::WriteTx::begin(&self.pool, Some(&self.write_turn)).await
    }
}

impl_link_store!(SqliteStore);
impl_sql_store!(SqliteStore, "sqlite", "");
impl_webhook_store!(SqliteStore);
impl_meta_store!(SqliteStore);
impl_account_store!(SqliteStore);
impl_session_store!(SqliteStore);
impl_logo_store!(SqliteStore);
