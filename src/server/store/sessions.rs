//! Who runs each live WhatsApp session (a lease per number, renewed while the process is
//! alive) and the device keys a taker starts from. Cross-tenant by nature, like
//! `numbers_to_resume`: only the engine's background work calls these.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Number, StoreResult};
use crate::server::domain::NumberId;

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Takes or renews the lease on `number` for `holder` until `until`, if nobody else
    /// holds one in force at `now`. True when `holder` holds it afterwards. Concurrent
    /// callers on any process sharing the database: at most one wins.
    async fn acquire_lease(&self, number: &NumberId, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> StoreResult<bool>;
    /// Gives the lease up (if `holder` still has it), so another process may take over now.
    async fn release_lease(&self, number: &NumberId, holder: &str) -> StoreResult<()>;
    /// Who holds the lease in force at `now`, if anyone.
    async fn lease_holder(&self, number: &NumberId, now: DateTime<Utc>) -> StoreResult<Option<String>>;
    /// Live `OPEN` numbers of `engine` whose session nobody holds at `now`: a process died
    /// or let go, and one must take over.
    async fn orphaned_sessions(&self, engine: &str, now: DateTime<Utc>) -> StoreResult<Vec<Number>>;

    async fn save_device_keys(&self, number: &NumberId, keys: &[u8], at: DateTime<Utc>) -> StoreResult<()>;
    async fn load_device_keys(&self, number: &NumberId) -> StoreResult<Option<Vec<u8>>>;
    async fn delete_device_keys(&self, number: &NumberId) -> StoreResult<()>;
}
