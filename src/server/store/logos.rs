//! Uploaded logos: the image bytes live in the database, so every process of a deployment
//! serves them and a backup holds them.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::server::domain::{LogoId, TenantId, from_millis};

/// A stored logo, without its bytes.
#[derive(Clone, Debug)]
pub struct Logo {
    pub id: LogoId,
    pub tenant_id: TenantId,
    pub mime_type: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
}

pub struct NewLogo {
    pub id: LogoId,
    pub mime_type: String,
    pub file_name: String,
    pub content: Vec<u8>,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait LogoStore: Send + Sync {
    async fn insert_logo(&self, tenant: &TenantId, new: &NewLogo) -> StoreResult<Logo>;
    /// Whether the tenant uploaded this logo.
    async fn get_logo(&self, tenant: &TenantId, id: &LogoId) -> StoreResult<Logo>;
    /// The bytes and type of any tenant's logo: the one lookup without a tenant, because a
    /// logo is public (it is shown on connect pages to people who are not signed in).
    async fn logo_content(&self, id: &LogoId) -> StoreResult<(String, Vec<u8>)>;
}

#[derive(sqlx::FromRow)]
pub struct LogoRow {
    id: String,
    tenant_id: String,
    mime_type: String,
    file_name: String,
    size_bytes: i64,
    created_at: i64,
}

impl From<LogoRow> for Logo {
    fn from(r: LogoRow) -> Self {
        Self {
            id: LogoId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            mime_type: r.mime_type,
            file_name: r.file_name,
            size_bytes: r.size_bytes,
            created_at: from_millis(r.created_at),
        }
    }
}
