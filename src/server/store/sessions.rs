//! Who runs each live WhatsApp session (a lease per number, renewed while the process is
//! alive) and the device keys a taker starts from. Cross-tenant by nature, like
//! `numbers_to_resume`: only the pairing runtime and the engines' background work call these.
//!
//! Lease times are the database's clock, never a host's: every process that compares a lease
//! end compares it with the same clock, however far the hosts' clocks drift apart.
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Fenced, Number, StoreResult};
use crate::server::domain::NumberId;

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Takes or renews the lease on `number` for `holder`, for `lease` from now, if nobody
    /// else holds one in force. True when `holder` holds it afterwards. Concurrent callers on
    /// any process sharing the database: at most one wins.
    async fn acquire_lease(&self, number: &NumberId, holder: &str, lease: Duration) -> StoreResult<bool>;
    /// Renews, in one statement, every lease `holder` still has; returns their numbers (a
    /// number missing from the answer was taken by another process, or released). Never
    /// creates a lease: one given up stays given up.
    async fn renew_leases(&self, holder: &str, lease: Duration) -> StoreResult<Vec<NumberId>>;
    /// Gives the lease up (if `holder` still has it), so another process may take over now.
    async fn release_lease(&self, number: &NumberId, holder: &str) -> StoreResult<()>;
    /// Who holds the lease in force, if anyone.
    async fn lease_holder(&self, number: &NumberId) -> StoreResult<Option<String>>;
    /// Live `OPEN` numbers of `engine` whose session nobody holds: a process died or let go,
    /// and one must take over.
    async fn orphaned_sessions(&self, engine: &str) -> StoreResult<Vec<Number>>;

    /// Writes the shared copy of `number`'s device keys; with a `holder`, only while it holds
    /// the number's lease (checked in the same statement).
    async fn save_device_keys(&self, number: &NumberId, keys: &[u8], at: DateTime<Utc>, holder: Option<&str>) -> StoreResult<Fenced<()>>;
    async fn load_device_keys(&self, number: &NumberId) -> StoreResult<Option<Vec<u8>>>;
    async fn delete_device_keys(&self, number: &NumberId) -> StoreResult<()>;
}

/// A lease's length as the database counts it (milliseconds).
pub(super) fn lease_millis(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX)
}
