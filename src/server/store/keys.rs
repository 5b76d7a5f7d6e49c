//! API keys: the store trait (the records are in `records.rs`).
use async_trait::async_trait;

use super::{ApiKey, NewApiKey, Number, StoreResult};
use crate::server::domain::{ApiKeyId, KeyHash, NumberId, TenantId};

/// A tenant's API keys: stored by hash, shown once, revoked rather than deleted.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn insert_api_key(&self, tenant: &TenantId, key: &NewApiKey) -> StoreResult<ApiKey>;
    /// Authentication has no tenant yet: it is the one lookup that finds the tenant.
    /// Revoked keys and keys of deleted numbers do not match.
    async fn find_api_key(&self, hash: &KeyHash) -> StoreResult<Option<ApiKey>>;
    /// The same, by the key's id (the `x-api-key-id` header, when an operator allows it).
    async fn find_api_key_by_id(&self, id: &ApiKeyId) -> StoreResult<Option<ApiKey>>;
    async fn list_api_keys(&self, tenant: &TenantId) -> StoreResult<Vec<ApiKey>>;
    async fn bind_api_key(&self, tenant: &TenantId, key: &ApiKeyId, number: &NumberId) -> StoreResult<()>;
    /// Revokes one key and, in the same transaction, inserts its replacement.
    async fn rotate_api_key(&self, tenant: &TenantId, old: &ApiKeyId, new: &NewApiKey) -> StoreResult<ApiKey>;
    /// Revokes every key of a number and inserts the new one, in one transaction.
    async fn replace_number_keys(&self, tenant: &TenantId, number: &NumberId, new: &NewApiKey) -> StoreResult<ApiKey>;

    /// The live keys of the numbers from `first` to `last` (by `(created_at, id)`): a page's
    /// keys in one read.
    async fn list_keys_of_numbers(&self, tenant: &TenantId, first: &Number, last: &Number) -> StoreResult<Vec<ApiKey>>;
}
