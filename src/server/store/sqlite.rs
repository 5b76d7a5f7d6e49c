use std::{path::Path, str::FromStr, time::Duration};

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::accounts::{AuditRow, LinkOverviewRow, SessionRow, UserRow};
use super::rows::{ApiKeyRow, EventRow, LinkNumberRow, LinkRow, NumberRow, SettingsRow, TemplateRow, TenantRow};
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

/// The default backend: one file, nothing to set up.
pub struct SqliteStore {
    /// Reads: WAL lets any number of them run beside the one writer.
    pool: SqlitePool,
    /// Writes, on one connection. SQLite lets one connection write at a time; when several
    /// pooled connections tried at once, all but one waited in SQLite's busy handler, which
    /// sleeps and polls (1, 2, 5 … 100 ms): under concurrent link creation most of the time
    /// went to those sleeps, and single inserts waited seconds. Queued on this pool, each
    /// write starts the moment the previous one commits.
    writer: SqlitePool,
    sealer: std::sync::OnceLock<crate::server::crypto::Sealer>,
}

/// Names the sqlx database type a store runs on, so shared helpers can be typed by it.
pub trait Backend {
    type Db: sqlx::Database;
}

impl Backend for SqliteStore {
    type Db = sqlx::Sqlite;
}

/// The page cache all reading connections share, in KiB (split evenly; 256 KiB at least each).
const READER_CACHE_BUDGET_KIB: u32 = 8 * 1024;

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
        // No ping before each acquire (sqlx's default): a SQLite connection is a file in this
        // process and cannot have hung up, and the ping is a full round trip to the
        // connection's thread, as costly as the query it precedes (it doubled every read).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        // Each connection keeps a page cache of its own (SQLite's default: 2 MiB). Readers that
        // each scanned a 10,000-number tenant held 2 MiB apiece for good; the OS caches the
        // file for all of them, so the readers share one budget instead.
        let per_reader = (READER_CACHE_BUDGET_KIB / max_connections.max(1)).max(256);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .test_before_acquire(false)
            .connect_with(options.pragma("cache_size", format!("-{per_reader}")))
            .await?;
        Ok(Self {
            pool,
            writer,
            sealer: std::sync::OnceLock::new(),
        })
    }
}

impl_link_store!(SqliteStore);
impl_key_store!(SqliteStore, "INDEXED BY api_keys_number");
impl_sql_store!(SqliteStore, "sqlite", "", "json_group_array", "json_array");
impl_sealing!(SqliteStore);
impl_webhook_store!(SqliteStore);
impl_meta_store!(SqliteStore);
impl_account_store!(SqliteStore);
// The database's clock in milliseconds: leases and fencing are read with it.
impl_session_store!(SqliteStore, "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");
impl_runtime_store!(SqliteStore, "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");
impl_logo_store!(SqliteStore);
impl_sandbox_store!(SqliteStore, "rowid");
impl_ceremony_store!(SqliteStore);
