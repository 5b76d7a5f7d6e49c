//! Meta Cloud API numbers: the Meta side of a `META` number, kept beside the number.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{NewEvent, NewNumber, Number, StoreResult};
use crate::server::domain::{LinkId, NumberId, TenantId, from_millis};

/// A number's Meta account. `token` and `pin` are ciphertexts; only the Meta service opens them.
#[derive(Clone)]
pub struct MetaAccount {
    pub number_id: NumberId,
    pub tenant_id: TenantId,
    pub waba_id: String,
    pub phone_number_id: String,
    pub app_id: Option<String>,
    pub token: String,
    pub pin: Option<String>,
    /// Graph's phone fields as last read.
    pub phone: serde_json::Value,
    pub waba: serde_json::Value,
    pub checked_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for MetaAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaAccount")
            .field("number_id", &self.number_id)
            .field("waba_id", &self.waba_id)
            .field("phone_number_id", &self.phone_number_id)
            .finish_non_exhaustive()
    }
}

/// What a new Meta number is created with; `number.created` and `number.connected` are
/// written with it, and a link it completes is consumed in the same transaction.
pub struct NewMetaNumber<'a> {
    pub number: &'a NewNumber,
    pub account: &'a MetaAccount,
    pub events: &'a [NewEvent],
    pub link: Option<&'a LinkId>,
}

#[async_trait]
pub trait MetaStore {
    /// `NotFound` when `link` was used, revoked or expired meanwhile (nothing is written);
    /// `Conflict` when the tenant already has a live number with this phone.
    async fn create_meta_number(&self, tenant: &TenantId, new: NewMetaNumber<'_>) -> StoreResult<Number>;
    async fn meta_account(&self, tenant: &TenantId, number: &NumberId) -> StoreResult<MetaAccount>;
    /// Webhook ingress: Meta's signed payload names a WABA, not a tenant, so this lookup
    /// spans tenants. Deleted numbers are left out.
    async fn meta_accounts_of_waba(&self, waba_id: &str) -> StoreResult<Vec<MetaAccount>>;
    /// Records what Graph (or a webhook) said about the phone, with the health event it
    /// causes, in one transaction.
    async fn save_meta_phone(
        &self,
        tenant: &TenantId,
        number: &NumberId,
        phone: &serde_json::Value,
        at: DateTime<Utc>,
        event: Option<&NewEvent>,
    ) -> StoreResult<()>;
}

#[derive(sqlx::FromRow)]
pub struct MetaRow {
    number_id: String,
    tenant_id: String,
    waba_id: String,
    phone_number_id: String,
    app_id: Option<String>,
    token: String,
    pin: Option<String>,
    phone: String,
    waba: String,
    checked_at: Option<i64>,
}

impl From<MetaRow> for MetaAccount {
    fn from(r: MetaRow) -> Self {
        Self {
            number_id: NumberId::from_trusted(r.number_id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            waba_id: r.waba_id,
            phone_number_id: r.phone_number_id,
            app_id: r.app_id,
            token: r.token,
            pin: r.pin,
            phone: serde_json::from_str(&r.phone).unwrap_or_default(),
            waba: serde_json::from_str(&r.waba).unwrap_or_default(),
            checked_at: r.checked_at.map(from_millis),
        }
    }
}
