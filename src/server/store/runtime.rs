//! What the pairing runtime shares between processes: each number's page view, and commands
//! for the process that owns a number. Cross-tenant by nature, like the leases beside them.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{NewEvent, Number, StoreResult};
use crate::server::domain::{NumberId, NumberState, TenantId};

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

/// Where a command stands, as its asker sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandProgress {
    /// The holder took it: it runs (or ran) there, and must not be sent again.
    pub taken: bool,
    /// Its answer, once done.
    pub result: Option<String>,
}

/// The outcome of a write fenced by the number's lease.
#[derive(Clone, Debug, PartialEq)]
pub enum Fenced<T> {
    /// The writer held the lease; the write went through (or had nothing to change).
    Held(T),
    /// The writer no longer holds the lease: nothing was written, and it must stop running
    /// the number.
    Lost,
}

/// What a page's read finds behind a token.
#[derive(Clone, Debug)]
pub struct LinkForPage {
    pub link: super::Link,
    /// `None` for a Meta link until its signup completes.
    pub number: Option<Number>,
    /// The number's shared view, if its owner wrote one.
    pub view: Option<StoredView>,
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
    /// Writes `number`'s view. With a `holder`, only while that process holds the number's
    /// lease, checked in the same statement (fencing: a process that lost the number cannot
    /// overwrite what its new owner shows).
    async fn save_link_view(&self, number: &NumberId, view: &LinkView, holder: Option<&str>) -> StoreResult<Fenced<()>>;
    /// `number`'s view, with the lease holder in force.
    async fn link_view(&self, number: &NumberId) -> StoreResult<Option<StoredView>>;
    /// Everything a page's read needs in one query (it runs on every poll and stream wake):
    /// the link behind `token_hash`, its number, and the number's view with its lease holder.
    async fn find_link_for_page(&self, token_hash: &str) -> StoreResult<Option<LinkForPage>>;
    /// `transition_number`, only while `holder` holds the number's lease (checked in the
    /// same statement as the change, so the state and its event are fenced together).
    async fn transition_number_held(
        &self,
        tenant: &TenantId,
        id: &NumberId,
        state: NumberState,
        at: DateTime<Utc>,
        event: Option<&NewEvent>,
        holder: &str,
    ) -> StoreResult<Fenced<Option<Number>>>;
    /// Windows of `tenant` open at `now`, on every process.
    async fn open_windows(&self, tenant: &TenantId, now: DateTime<Utc>) -> StoreResult<u64>;

    async fn push_command(&self, command: &Command) -> StoreResult<()>;
    /// The commands for `holder` nobody took yet, oldest first; marks them taken.
    async fn take_commands(&self, holder: &str, now: DateTime<Utc>) -> StoreResult<Vec<Command>>;
    async fn finish_command(&self, id: &str, result: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Where command `id` stands; `None` once deleted.
    async fn command_progress(&self, id: &str) -> StoreResult<Option<CommandProgress>>;
    /// Withdraws command `id` if its holder has not taken it yet; true when withdrawn (then
    /// it will never run, and asking again elsewhere cannot run it twice).
    async fn cancel_command(&self, id: &str) -> StoreResult<bool>;
    async fn delete_command(&self, id: &str) -> StoreResult<()>;
    /// Forgets commands older than `before` (an asker that gave up, a holder that died).
    async fn forget_commands(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
