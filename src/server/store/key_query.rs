//! Which API keys a page of the dashboard's list holds: a tenant with 10,000 numbers has a
//! key per number, so the list is read a page at a time like the links.
use chrono::{DateTime, Utc};

use super::ApiKey;
use crate::server::domain::{ApiKeyId, from_millis};

/// Tenant-wide keys, or keys bound to one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Tenant,
    Number,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::Number => "number",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Tenant, Self::Number].into_iter().find(|k| k.as_str() == value)
    }
}

/// A page of live keys: newest first, every filter optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyQuery {
    pub kind: Option<KeyKind>,
    /// A case-insensitive piece of the key's name or last four, or of its number's name or
    /// phone digits.
    pub search: Option<String>,
    /// The last key of the previous page: `(created_at, id)`.
    pub after: Option<(DateTime<Utc>, ApiKeyId)>,
    pub limit: u32,
}

impl KeyQuery {
    pub fn like_pattern(&self) -> Option<String> {
        self.search.as_deref().map(super::like_pattern)
    }
}

/// A key with its number's name and phone (digits), when it has one.
#[derive(Clone, Debug)]
pub struct KeyOverview {
    pub key: ApiKey,
    pub number_name: Option<String>,
    pub number_phone: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct KeyOverviewRow {
    id: String,
    tenant_id: String,
    number_id: Option<String>,
    name: String,
    key_last4: String,
    created_at: i64,
    number_name: Option<String>,
    number_phone: Option<String>,
}

impl From<KeyOverviewRow> for KeyOverview {
    fn from(r: KeyOverviewRow) -> Self {
        use crate::server::domain::{NumberId, TenantId};
        Self {
            key: ApiKey {
                id: ApiKeyId::from_trusted(r.id),
                tenant_id: TenantId::from_trusted(r.tenant_id),
                number_id: r.number_id.map(NumberId::from_trusted),
                name: r.name,
                last4: r.key_last4,
                created_at: from_millis(r.created_at),
            },
            number_name: r.number_name,
            number_phone: r.number_phone,
        }
    }
}
