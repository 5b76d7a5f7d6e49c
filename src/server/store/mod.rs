//! Persistence behind one trait, with a SQLite and a PostgreSQL backend that share their SQL.
//! Every tenant-owned method takes the tenant first and filters by it.
mod accounts;
mod ceremonies;
#[macro_use]
mod ceremony_sql;
#[macro_use]
mod accounts_sql;
mod key_query;
mod keys;
#[macro_use]
mod keys_sql;
mod link_query;
mod links;
mod logos;
#[macro_use]
mod logo_sql;
mod records;
mod rows;
#[macro_use]
mod sealing_sql;
#[macro_use]
mod sql;
#[macro_use]
mod links_sql;
#[macro_use]
mod webhook_sql;
#[macro_use]
mod meta_sql;
mod meta;
#[cfg(test)]
mod plans;
#[macro_use]
mod session_sql;
#[macro_use]
mod runtime_sql;
#[macro_use]
mod sandbox_sql;
mod postgres;
mod runtime;
mod sandbox;
mod serving_lock;
mod sessions;
mod sqlite;
mod webhook_records;
mod webhook_rows;
mod webhooks;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use self::accounts::{AuditEntry, AuditFilter, DashboardStore, Funnel, FunnelStep, LinkOverview, NewSession, Session, User};
pub use self::ceremonies::{Ceremony, CeremonyStep, CeremonyStore, NewHandoff};
pub use self::key_query::{KeyKind, KeyOverview, KeyQuery};
pub use self::keys::KeyStore;
pub use self::link_query::{LinkQuery, LinkStatus};
pub use self::links::{EngineSettings, Link, LinkEnd, LinkIssue, LinkStore, NewLink, SettingsStore, Template, TenantSettings};
pub use self::logos::{Logo, LogoRow, LogoStore, NewLogo};
pub use self::meta::{CoexDelivery, CoexReceived, MetaAccount, MetaConversion, MetaRow, MetaStore, NewMetaNumber};
pub use self::postgres::PgStore;
pub use self::records::*;
pub use self::runtime::{Command, CommandProgress, Fenced, LinkForPage, LinkView, RuntimeStore, StoredView};
pub use self::sandbox::{SandboxMessage, SandboxStore};
pub use self::serving_lock::{ServingLock, lock_for_serving};
pub use self::sessions::SessionStore;
use self::sessions::lease_millis;
pub use self::sqlite::SqliteStore;
pub use self::webhook_records::*;
pub use self::webhooks::WebhookStore;
use super::config::{DatabaseKind, DatabaseUrl};
use super::domain::{NumberId, NumberProfile, NumberState, PhoneE164, TenantId};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (e.g. a second live number with the same phone).
    #[error("conflicts with an existing record")]
    Conflict,
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A sealed secret that this process cannot open (no key, or another key).
    #[error("{0}")]
    Sealed(#[from] crate::server::crypto::SealError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => Self::Conflict,
            _ => Self::Database(err),
        }
    }
}

impl StoreError {
    /// The database could not be reached or went away (as opposed to refusing a query):
    /// worth a 503 and a retry, not a 500.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(err) => match err {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Protocol(_) => true,
                // SQLSTATE class 08 (connection exception) and 57P0x (the server is shutting
                // down or restarting); SQLite's BUSY/LOCKED ("database is locked") is a
                // passing unavailability too.
                sqlx::Error::Database(db) => db
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P0") || c == "5" || c == "6" || c == "261" || c == "517"),
                _ => false,
            },
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which numbers a page holds; every filter is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NumberQuery {
    pub state: Option<NumberState>,
    pub provider: Option<crate::server::domain::Provider>,
    /// A case-insensitive piece of the name, or digits of the phone.
    pub search: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    /// Only this number (a key bound to one number sees no other).
    pub only: Option<NumberId>,
    /// The last number of the previous page: `(created_at, id)`.
    pub after: Option<(DateTime<Utc>, NumberId)>,
    pub limit: u32,
}

impl NumberQuery {
    /// The search as a `LIKE` pattern.
    pub fn like_pattern(&self) -> Option<String> {
        self.search.as_deref().map(like_pattern)
    }
}

/// `%…%` for `LIKE`, lower case, its own wildcards escaped (`\`).
fn like_pattern(search: &str) -> String {
    let escaped: String = search
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// Secrets sealed at rest (see `crypto`): the key installed at start, and the pass that
/// seals what was stored before sealing.
#[async_trait]
pub trait SealingStore: Send + Sync {
    /// From now on, secrets are sealed when written and opened when read (see `crypto`).
    /// Without one (store tests), they are written as they are.
    fn install_sealer(&self, sealer: crate::server::crypto::Sealer);
    /// Whether the database holds any secret a key is needed for (sealed or not yet).
    async fn holds_secrets(&self) -> StoreResult<bool>;
    /// Seals the secrets written before sealing; returns how many. Needs the sealer.
    async fn seal_plaintext(&self) -> StoreResult<u64>;
    /// Opens one sealed secret of each kind: `Sealed` when the installed key is not theirs.
    async fn check_sealer(&self) -> StoreResult<()>;
}

/// Everything persisted. Each part's trait is a supertrait, so `Arc<dyn Store>` reaches them all.
#[async_trait]
pub trait Store:
    LinkStore
    + KeyStore
    + SealingStore
    + SettingsStore
    + WebhookStore
    + MetaStore
    + DashboardStore
    + SessionStore
    + RuntimeStore
    + SandboxStore
    + CeremonyStore
    + LogoStore
    + Send
    + Sync
    + 'static
{
    /// Tells other processes sharing the database that a number changed (PostgreSQL
    /// `NOTIFY`); nothing to do on SQLite.
    async fn publish_live(&self, topic: &str) -> StoreResult<()>;

    /// Which backend this is, for logs and `/readyz`.
    fn backend(&self) -> &'static str;

    async fn ping(&self) -> StoreResult<()>;

    async fn create_tenant(&self, id: &TenantId, name: &str, at: DateTime<Utc>) -> StoreResult<Tenant>;
    async fn get_tenant(&self, id: &TenantId) -> StoreResult<Tenant>;

    /// Inserts the number and its `number.created` event in one transaction.
    async fn create_number(&self, tenant: &TenantId, number: &NewNumber, event: &NewEvent) -> StoreResult<Number>;
    /// Any number of the tenant, deleted ones included.
    async fn get_number(&self, tenant: &TenantId, id: &NumberId) -> StoreResult<Number>;
    /// The tenant's live (not deleted) numbers, oldest first.
    async fn list_numbers(&self, tenant: &TenantId) -> StoreResult<Vec<Number>>;
    /// One page of them, oldest first, after `query.after` (keyset on `(created_at, id)`:
    /// a walk through the pages sees each number once while others come and go).
    async fn list_numbers_page(&self, tenant: &TenantId, query: &NumberQuery) -> StoreResult<Vec<Number>>;
    /// The version of what the tenant's number list shows: the database's triggers move it in
    /// the same transaction as any write to the tenant's numbers, keys or Meta accounts, so a
    /// page read after this version was read is current while the version still is.
    async fn number_list_version(&self, tenant: &TenantId) -> StoreResult<i64>;
    /// How many live numbers the tenant has in each state.
    async fn count_numbers_by_state(&self, tenant: &TenantId) -> StoreResult<Vec<(NumberState, i64)>>;
    async fn find_deleted_number_by_phone(&self, tenant: &TenantId, phone: &PhoneE164) -> StoreResult<Option<Number>>;
    /// Moves a live number to `state` unless it is already there. Returns the updated number
    /// when it changed (and then writes `event` in the same transaction), `None` otherwise,
    /// so concurrent callers produce one transition and one event.
    async fn transition_number(
        &self,
        tenant: &TenantId,
        id: &NumberId,
        state: NumberState,
        at: DateTime<Utc>,
        event: Option<&NewEvent>,
    ) -> StoreResult<Option<Number>>;
    async fn soft_delete_number(&self, tenant: &TenantId, id: &NumberId, until: DateTime<Utc>, event: &NewEvent) -> StoreResult<Number>;
    /// Restores a deleted number whose window is still open at `event.at`; `Conflict` when
    /// another live number took its phone meanwhile.
    async fn restore_number(&self, tenant: &TenantId, id: &NumberId, event: &NewEvent) -> StoreResult<Number>;
    /// Replaces a live number's profile if the number is unchanged since it was read (its
    /// `updated_at`), so two concurrent partial updates cannot lose each other's keys; `None`
    /// when it changed meanwhile or is gone.
    async fn update_number_profile(
        &self,
        tenant: &TenantId,
        id: &NumberId,
        read_at: DateTime<Utc>,
        profile: &NumberProfile,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Number>>;
    /// Removes the number and the API keys bound to it, for good. Its events stay.
    async fn purge_number(&self, tenant: &TenantId, id: &NumberId) -> StoreResult<()>;

    async fn list_number_events(&self, tenant: &TenantId, number: &NumberId, limit: i64) -> StoreResult<Vec<Event>>;

    /// A number by id whatever its tenant: the operator's sender. Not a tenant operation.
    async fn find_number_anywhere(&self, id: &NumberId) -> StoreResult<Option<Number>>;
    /// Start-up only: numbers an engine must re-attach to. Not a tenant operation.
    async fn numbers_to_resume(&self) -> StoreResult<Vec<Number>>;
}

/// Opens the database named by `url`, creating a SQLite file and its folder if needed, and
/// applies the migrations of its dialect.
pub async fn connect(url: &DatabaseUrl, max_connections: u32) -> anyhow::Result<Arc<dyn Store>> {
    use anyhow::Context;
    let kind = url.kind()?;
    let store: Arc<dyn Store> = match kind {
        DatabaseKind::Sqlite => Arc::new(
            SqliteStore::connect(url.expose(), max_connections)
                .await
                .with_context(|| format!("opening {url:?}"))?,
        ),
        DatabaseKind::Postgres => Arc::new(
            PgStore::connect(url.expose(), max_connections)
                .await
                .with_context(|| format!("connecting to {url:?}"))?,
        ),
    };
    Ok(store)
}
