//! What the pairing runtime shares between processes: each number's page view, and commands
//! for the process that owns a number. Cross-tenant by nature, like the leases beside them.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::server::domain::{NumberId, TenantId};

/// A number's page view as its owner last wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkView {
    pub tenant: TenantId,
    /// The link state, as JSON (the runtime's own encoding).
    pub state: String,
    /// While a linking window is open.
    pub window_ends_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// A view as read back, with what the cluster knows around it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredView {
    pub view: LinkView,
    /// The process whose lease on the number is in force, if any.
    pub holder: Option<String>,
}

/// A command for `holder`, the process that owns `number`.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub id: String,
    pub holder: String,
    pub number: NumberId,
    /// JSON; sealed at rest.
    pub action: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait RuntimeStore: Send + Sync {
    /// Writes `number`'s view (keeping who watches it).
    async fn save_link_view(&self, number: &NumberId, view: &LinkView) -> StoreResult<()>;
    /// `number`'s view, with the lease holder in force at `now`.
    async fn link_view(&self, number: &NumberId, now: DateTime<Utc>) -> StoreResult<Option<StoredView>>;
    /// Windows of `tenant` open at `now`, on every process.
    async fn open_windows(&self, tenant: &TenantId, now: DateTime<Utc>) -> StoreResult<u64>;

    async fn push_command(&self, command: &Command) -> StoreResult<()>;
    /// The commands for `holder` nobody took yet, oldest first; marks them taken.
    async fn take_commands(&self, holder: &str, now: DateTime<Utc>) -> StoreResult<Vec<Command>>;
    async fn finish_command(&self, id: &str, result: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// The result of command `id`, once done.
    async fn command_result(&self, id: &str) -> StoreResult<Option<String>>;
    async fn delete_command(&self, id: &str) -> StoreResult<()>;
    /// Forgets commands older than `before` (an asker that gave up, a holder that died).
    async fn forget_commands(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
