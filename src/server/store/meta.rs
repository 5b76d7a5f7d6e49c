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
    /// Set for a WhatsApp Business app number onboarded by Embedded Signup (Coexistence):
    /// `{status, evidence, sync: {contacts, history}}`.
    pub coexistence: Option<serde_json::Value>,
    /// What Meta's coexistence webhooks brought (written by webhook ingress only).
    pub received: CoexReceived,
    /// When a synchronisation that failed for a passing reason is tried again.
    pub sync_retry_at: Option<DateTime<Utc>>,
}

/// Counts of what Meta's coexistence webhooks delivered for a number; no content is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoexReceived {
    pub webhooks: i64,
    pub history_messages: i64,
    pub contacts: i64,
    pub echoes: i64,
    /// `shared` or `declined`, once Meta said which.
    pub history: Option<String>,
    pub last_at: Option<DateTime<Utc>>,
}

/// One coexistence webhook change, counted: how many items of each kind it carried.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoexDelivery {
    pub history_messages: i64,
    pub contacts: i64,
    pub echoes: i64,
    pub history: Option<&'static str>,
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
    /// Every Meta account of the tenant, for the number list (one read, not one per number).
    async fn meta_accounts_of_tenant(&self, tenant: &TenantId) -> StoreResult<Vec<MetaAccount>>;
    /// Webhook ingress: Meta's signed payload names a WABA, not a tenant, so this lookup
    /// spans tenants. Deleted numbers are left out.
    async fn meta_accounts_of_waba(&self, waba_id: &str) -> StoreResult<Vec<MetaAccount>>;
    /// Records what Graph (or a webhook) said about the phone, with the health event it
    /// causes, in one transaction.
    /// Adds one coexistence webhook's counts to the number whose Meta phone id is
    /// `phone_number_id` within `waba_id` (atomically: webhooks for a number may arrive on
    /// several processes at once). Returns how many numbers were counted.
    async fn count_coexistence(&self, waba_id: &str, phone_number_id: &str, d: &CoexDelivery, at: DateTime<Utc>) -> StoreResult<u64>;
    /// The official rail's end of a WhatsApp Web link: the link's existing number becomes a
    /// connected `META` number (same id, so the platform's records stay valid), with its
    /// account, its `number.connected` event, and the link used up, in one transaction.
    /// `NotFound` when the link ended meanwhile or the number is already connected.
    async fn convert_to_meta(&self, tenant: &TenantId, convert: MetaConversion<'_>) -> StoreResult<Number>;
    /// Coexistence accounts whose synchronisation retry is due.
    async fn coex_retries_due(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<MetaAccount>>;
    /// Moves a due retry from `seen` to `next` (a lease while it runs, then the next try or
    /// `None`), saving `coexistence` when given. `false` when another process moved it first.
    async fn move_coex_retry(
        &self,
        number: &NumberId,
        seen: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
        coexistence: Option<&serde_json::Value>,
    ) -> StoreResult<bool>;
    async fn save_meta_phone(
        &self,
        tenant: &TenantId,
        number: &NumberId,
        phone: &serde_json::Value,
        at: DateTime<Utc>,
        event: Option<&NewEvent>,
    ) -> StoreResult<()>;
}

/// What [`MetaStore::convert_to_meta`] writes.
pub struct MetaConversion<'a> {
    pub number: &'a NumberId,
    pub engine_ref: &'a serde_json::Value,
    pub account: &'a MetaAccount,
    pub event: &'a NewEvent,
    pub link: &'a LinkId,
    pub at: DateTime<Utc>,
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
    coexistence: Option<String>,
    coex_webhooks: i64,
    coex_history_messages: i64,
    coex_contacts: i64,
    coex_echoes: i64,
    coex_history: Option<String>,
    coex_last_at: Option<i64>,
    coex_retry_at: Option<i64>,
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
            coexistence: r.coexistence.and_then(|c| serde_json::from_str(&c).ok()),
            received: CoexReceived {
                webhooks: r.coex_webhooks,
                history_messages: r.coex_history_messages,
                contacts: r.coex_contacts,
                echoes: r.coex_echoes,
                history: r.coex_history,
                last_at: r.coex_last_at.map(from_millis),
            },
            sync_retry_at: r.coex_retry_at.map(from_millis),
        }
    }
}
