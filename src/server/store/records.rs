//! What the store hands back and takes in: domain types, never database rows.
use chrono::{DateTime, Utc};

use crate::server::domain::{ApiKeyId, EventId, KeyHash, NumberId, NumberProfile, NumberState, PhoneE164, Provider, TenantId};

#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    /// `Some` for a number-scoped key.
    pub number_id: Option<NumberId>,
    pub name: String,
    pub last4: String,
    pub created_at: DateTime<Utc>,
}

pub struct NewApiKey {
    pub id: ApiKeyId,
    pub number_id: Option<NumberId>,
    pub name: String,
    pub hash: KeyHash,
    pub last4: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Number {
    pub id: NumberId,
    pub tenant_id: TenantId,
    pub name: String,
    pub phone: PhoneE164,
    pub provider: Provider,
    /// Which engine pairs it (`sandbox`, …).
    pub engine: String,
    /// Engine-owned data (an instance name, a device id…).
    pub engine_ref: serde_json::Value,
    pub state: NumberState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub restorable_until: Option<DateTime<Utc>>,
    /// `piiMode`, `piiRetentionDays` and the documented settings.
    pub profile: NumberProfile,
}

pub struct NewNumber {
    pub id: NumberId,
    pub name: String,
    pub phone: PhoneE164,
    pub provider: Provider,
    pub engine: String,
    pub engine_ref: serde_json::Value,
    pub state: NumberState,
    pub at: DateTime<Utc>,
    pub profile: NumberProfile,
}

/// An event written with the change that caused it: the outbox webhooks deliver from.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub id: EventId,
    pub number_id: Option<NumberId>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub id: EventId,
    pub tenant_id: TenantId,
    pub number_id: Option<NumberId>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}
