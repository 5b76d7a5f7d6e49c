//! The sandbox's stand-in for WhatsApp's servers. WhatsApp is one service that every process
//! talks to, so its side of the sandbox lives in the shared database: the one connection a
//! device may have, and the messages it accepted. Cross-tenant by nature, like the leases.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::server::domain::NumberId;

/// A message WhatsApp accepted from a sandbox number.
#[derive(Clone, Debug, PartialEq)]
pub struct SandboxMessage {
    /// The message id the sender chose: WhatsApp keeps the first message of an id.
    pub id: String,
    pub number: NumberId,
    pub to: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait SandboxStore: Send + Sync {
    /// `connection` becomes the device's one live connection; returns the one it replaced,
    /// if another was live (WhatsApp then tells that one it was replaced).
    async fn sandbox_connect(&self, number: &NumberId, connection: &str, at: DateTime<Utc>) -> StoreResult<Option<String>>;
    /// Ends `connection` (if it is still the device's).
    async fn sandbox_disconnect(&self, number: &NumberId, connection: &str) -> StoreResult<()>;
    /// The devices `connection` is still live on.
    async fn sandbox_connected(&self, connection: &str) -> StoreResult<Vec<NumberId>>;
    /// Accepts `message` unless one with its id was accepted before; true when new.
    async fn sandbox_deliver(&self, message: &SandboxMessage) -> StoreResult<bool>;
    /// What `number` sent, oldest first (the newest `limit`).
    async fn sandbox_messages(&self, number: &NumberId, limit: u32) -> StoreResult<Vec<SandboxMessage>>;
}
