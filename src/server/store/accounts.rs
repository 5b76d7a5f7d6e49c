//! Dashboard users, their sessions and the audit log: records, rows and the store trait.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::server::domain::{AuditId, Email, PasswordHash, SessionId, TenantId, UserId, from_millis};

#[derive(Clone)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: Email,
    pub password_hash: PasswordHash,
    pub created_at: DateTime<Utc>,
}

/// A live session, found by its token: who, for which tenant, and its CSRF token.
#[derive(Clone)]
pub struct Session {
    pub id: SessionId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub email: Email,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub struct NewSession {
    pub id: SessionId,
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf: String,
    pub at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub id: AuditId,
    pub actor: String,
    pub actor_id: String,
    pub actor_label: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// What to filter the audit log by; empty fields match everything.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Matches actions starting with this (`webhook.` finds every webhook action).
    pub action_prefix: Option<String>,
    pub actor_id: Option<String>,
    /// Only entries before this `(created_at, id)`, newest first (keyset pagination).
    pub after: Option<(DateTime<Utc>, crate::server::domain::AuditId)>,
    pub limit: i64,
}

/// Dashboard users, sessions, the audit log, and the dashboard's own reads.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// `Conflict` when the email is taken (by any tenant).
    async fn create_user(&self, tenant: &TenantId, user: &User) -> StoreResult<User>;
    /// Sign-in has no tenant yet: the email finds it.
    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    async fn list_users(&self, tenant: &TenantId) -> StoreResult<Vec<User>>;

    async fn create_session(&self, tenant: &TenantId, session: &NewSession) -> StoreResult<()>;
    /// The unexpired, unrevoked session with this token hash, if any.
    async fn find_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>>;
    /// The tenant's live sessions, newest first.
    async fn list_sessions(&self, tenant: &TenantId, now: DateTime<Utc>) -> StoreResult<Vec<Session>>;
    /// `NotFound` unless the tenant has that live session.
    async fn revoke_session(&self, tenant: &TenantId, id: &SessionId, at: DateTime<Utc>) -> StoreResult<()>;

    /// The first `limit` of the tenant's deleted numbers still in their restore window at
    /// `now`, newest first (the dashboard offers to restore or purge them).
    async fn list_deleted_numbers(&self, tenant: &TenantId, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<super::Number>>;
    /// How many there are in all.
    async fn count_deleted_numbers(&self, tenant: &TenantId, now: DateTime<Utc>) -> StoreResult<i64>;

    /// One page of the tenant's live (unrevoked) keys, newest first, after `query.after`
    /// (keyset on `(created_at, id)`), each with its number's name and phone.
    async fn list_api_keys_page(&self, tenant: &TenantId, query: &super::KeyQuery) -> StoreResult<Vec<super::KeyOverview>>;
    /// How many live keys the tenant has of each kind.
    async fn count_api_keys(&self, tenant: &TenantId) -> StoreResult<Vec<(super::KeyKind, i64)>>;

    /// Revokes one live key of the tenant; `NotFound` otherwise.
    async fn revoke_api_key(&self, tenant: &TenantId, key: &crate::server::domain::ApiKeyId, at: DateTime<Utc>) -> StoreResult<()>;

    /// The tenant's links, newest first, with their number and funnel.
    async fn list_link_overviews(&self, tenant: &TenantId, limit: i64) -> StoreResult<Vec<LinkOverview>>;
    /// One page of them, newest first, after `query.after` (keyset on `(created_at, id)`, so a
    /// walk through the pages sees each link once while new ones come).
    async fn list_links_page(&self, tenant: &TenantId, query: &super::LinkQuery) -> StoreResult<Vec<LinkOverview>>;
    /// How many of the tenant's links are in each status at `now`.
    async fn count_links_by_status(&self, tenant: &TenantId, now: DateTime<Utc>) -> StoreResult<Vec<(super::LinkStatus, i64)>>;
    /// Adds to the funnel of the number's live link (none: nothing to count).
    async fn note_link_step(&self, tenant: &TenantId, number: &crate::server::domain::NumberId, step: FunnelStep) -> StoreResult<()>;
    async fn note_link_failure(&self, tenant: &TenantId, number: &crate::server::domain::NumberId, reason: &str) -> StoreResult<()>;

    async fn insert_audit(&self, tenant: &TenantId, entry: &AuditEntry) -> StoreResult<()>;
    /// Newest first (`created_at`, then `id`), after `filter.after`.
    async fn list_audit(&self, tenant: &TenantId, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>>;
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    id: String,
    tenant_id: String,
    email: String,
    password_hash: String,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Self {
            id: UserId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            email: Email::from_trusted(r.email),
            password_hash: PasswordHash::from_trusted(r.password_hash),
            created_at: from_millis(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct SessionRow {
    id: String,
    tenant_id: String,
    user_id: String,
    email: String,
    csrf: String,
    created_at: i64,
    expires_at: i64,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Self {
            id: SessionId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            user_id: UserId::from_trusted(r.user_id),
            email: Email::from_trusted(r.email),
            csrf: r.csrf,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct AuditRow {
    id: String,
    actor: String,
    actor_id: String,
    actor_label: String,
    action: String,
    target: Option<String>,
    detail: String,
    created_at: i64,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: AuditId::from_trusted(r.id),
            actor: r.actor,
            actor_id: r.actor_id,
            actor_label: r.actor_label,
            action: r.action,
            target: r.target,
            detail: serde_json::from_str(&r.detail).unwrap_or_default(),
            created_at: from_millis(r.created_at),
        }
    }
}

/// A link with its number and funnel, for the dashboard's list.
#[derive(Clone, Debug)]
pub struct LinkOverview {
    pub link: super::Link,
    pub number_name: Option<String>,
    pub number_phone: Option<String>,
    pub number_state: Option<String>,
    pub number_connected_at: Option<DateTime<Utc>>,
    pub funnel: Funnel,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Funnel {
    pub windows_opened: i64,
    pub codes_shown: i64,
    pub qr_rotations: i64,
    pub last_failure: Option<String>,
    /// The passkey ceremony's steps (docs/passkey-ceremony.md), when it had one.
    pub passkey_claimed_at: Option<DateTime<Utc>>,
    pub passkey_confirmed_at: Option<DateTime<Utc>>,
    pub passkey_failed_at: Option<DateTime<Utc>>,
}

/// What one engine report adds to the number's live link's funnel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunnelStep {
    pub window_opened: bool,
    pub code_shown: bool,
    pub qr_rotated: bool,
}

#[derive(sqlx::FromRow)]
pub struct LinkOverviewRow {
    #[sqlx(flatten)]
    link: super::rows::LinkRow,
    number_name: Option<String>,
    number_phone: Option<String>,
    number_state: Option<String>,
    number_connected_at: Option<i64>,
    windows_opened: i64,
    codes_shown: i64,
    qr_rotations: i64,
    last_failure: Option<String>,
    passkey_claimed_at: Option<i64>,
    passkey_confirmed_at: Option<i64>,
    passkey_failed_at: Option<i64>,
}

impl From<LinkOverviewRow> for LinkOverview {
    fn from(r: LinkOverviewRow) -> Self {
        Self {
            link: r.link.into(),
            number_name: r.number_name,
            number_phone: r.number_phone,
            number_state: r.number_state,
            number_connected_at: r.number_connected_at.map(from_millis),
            funnel: Funnel {
                windows_opened: r.windows_opened,
                codes_shown: r.codes_shown,
                qr_rotations: r.qr_rotations,
                last_failure: r.last_failure,
                passkey_claimed_at: r.passkey_claimed_at.map(from_millis),
                passkey_confirmed_at: r.passkey_confirmed_at.map(from_millis),
                passkey_failed_at: r.passkey_failed_at.map(from_millis),
            },
        }
    }
}
