//! Links, tenant settings and templates: the records and the store traits.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{AuditEntry, NewEvent, NewNumber, Number, StoreResult};
use crate::server::domain::{ApiKeyId, LinkId, NumberId, Provider, TemplateId, TenantId};
use crate::types::branding::Branding;

/// Why a link died before its expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkEnd {
    /// Its number reached `OPEN`.
    Used,
    Revoked,
    /// A newer link was issued for the same number.
    Replaced,
}

impl LinkEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Used => "used",
            Self::Revoked => "revoked",
            Self::Replaced => "replaced",
        }
    }

    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "used" => Some(Self::Used),
            "revoked" => Some(Self::Revoked),
            "replaced" => Some(Self::Replaced),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Link {
    pub id: LinkId,
    pub tenant_id: TenantId,
    pub number_id: Option<NumberId>,
    pub provider: Provider,
    pub meta_flow: Option<String>,
    pub branding: Branding,
    pub redirect_url: Option<String>,
    pub refresh_url: Option<String>,
    pub external_ref: Option<String>,
    pub locale: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<LinkEnd>,
    /// When WhatsApp first asked this link's phone for its passkey.
    pub passkey_required_at: Option<DateTime<Utc>>,
}

pub struct NewLink {
    pub id: LinkId,
    pub number_id: Option<NumberId>,
    pub token_hash: String,
    pub provider: Provider,
    pub meta_flow: Option<String>,
    pub branding: Branding,
    pub redirect_url: Option<String>,
    pub refresh_url: Option<String>,
    pub external_ref: Option<String>,
    pub locale: Option<String>,
    pub at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default)]
pub struct TenantSettings {
    pub branding: Branding,
    pub default_sender: Option<NumberId>,
    /// Origins that may show the tenant's connect pages in an iframe.
    pub embed_origins: Vec<String>,
    /// The engine the tenant's new numbers get; `None` for the deployment's default.
    pub engine: Option<String>,
    /// `number.disconnected` webhooks carry a fresh re-pair link.
    pub repair_link_on_disconnect: bool,
    /// Number-scoped keys may send links from the default sender.
    pub number_keys_send_links: bool,
    /// A WhatsApp Web link that stalls on the passkey gate offers the official rail.
    pub official_fallback: bool,
}

/// The tenant's switches saved together by [`SettingsStore::save_engine_settings`].
pub struct EngineSettings<'a> {
    pub engine: Option<&'a str>,
    pub repair_link_on_disconnect: bool,
    pub number_keys_send_links: bool,
    pub official_fallback: bool,
}

#[derive(Clone, Debug)]
pub struct Template {
    pub id: TemplateId,
    pub name: String,
    pub category: String,
    pub language: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a link's issue writes besides the link itself.
#[derive(Clone, Copy, Default)]
pub struct LinkIssue<'a> {
    /// The number the link creates, with its `number.created` event.
    pub new_number: Option<(&'a NewNumber, &'a NewEvent)>,
    /// A number-scoped key that moves to the new number (`NotFound` if it was revoked).
    pub bind_key: Option<&'a ApiKeyId>,
    pub audit: Option<&'a AuditEntry>,
}

impl<'a> LinkIssue<'a> {
    /// Just the audit entry (a link for an existing number, or a Meta link).
    pub fn audited(audit: &'a AuditEntry) -> Self {
        Self {
            audit: Some(audit),
            ..Self::default()
        }
    }
}

#[async_trait]
pub trait LinkStore {
    /// In one transaction: the new number and its `number.created` event (when given), the end
    /// of the number's previous live link (`Replaced`), and the new link.
    async fn issue_link(&self, tenant: &TenantId, link: &NewLink, new_number: Option<(&NewNumber, &NewEvent)>) -> StoreResult<Link> {
        let with = LinkIssue {
            new_number,
            ..LinkIssue::default()
        };
        Ok(self.issue_link_with(tenant, link, with).await?.0)
    }
    /// [`issue_link`](Self::issue_link) with everything else the issue writes in the same
    /// transaction (a key that follows the new number, the audit entry), so a link creation is
    /// one write transaction and nothing of it is half-stored. Returns the new number too.
    async fn issue_link_with(&self, tenant: &TenantId, link: &NewLink, with: LinkIssue<'_>) -> StoreResult<(Link, Option<Number>)>;
    /// The token is the credential: this lookup has no tenant yet.
    async fn find_link_by_token(&self, token_hash: &str) -> StoreResult<Option<Link>>;
    /// The same lookup with the link's number (`None` when the link has none, or it is gone),
    /// in one read.
    async fn find_link_and_number_by_token(&self, token_hash: &str) -> StoreResult<Option<(Link, Option<Number>)>>;
    /// The number's link that has not ended (it may have expired).
    async fn current_link(&self, tenant: &TenantId, number: &NumberId) -> StoreResult<Option<Link>>;
    /// Ends a live link; false when it had already ended.
    async fn end_link(&self, tenant: &TenantId, link: &LinkId, end: LinkEnd, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Moves a live link's expiry (the sandbox's "time passes" for demos and tests).
    async fn set_link_expiry(&self, tenant: &TenantId, link: &LinkId, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Records the first opening, with its event; false when it was opened before.
    async fn mark_link_opened(&self, tenant: &TenantId, link: &LinkId, event: &NewEvent) -> StoreResult<bool>;
    /// Links past their expiry whose expiry has not been reported yet.
    async fn links_due_for_expiry(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Link>>;
    /// Records that the expiry was reported, with its event; false when another process did.
    /// Records that WhatsApp asked the link's phone for its passkey, with its event; false
    /// when it was recorded before (one event per link).
    async fn mark_link_passkey_required(&self, tenant: &TenantId, link: &LinkId, event: &NewEvent) -> StoreResult<bool>;
    async fn mark_link_expired(&self, tenant: &TenantId, link: &LinkId, event: &NewEvent) -> StoreResult<bool>;
}

#[async_trait]
pub trait SettingsStore {
    async fn settings(&self, tenant: &TenantId) -> StoreResult<TenantSettings>;
    async fn save_branding(&self, tenant: &TenantId, branding: &Branding, at: DateTime<Utc>) -> StoreResult<()>;
    async fn save_embed_origins(&self, tenant: &TenantId, origins: &[String], at: DateTime<Utc>) -> StoreResult<()>;
    /// Saves the tenant's engine choice and re-pair preference together.
    async fn save_engine_settings(&self, tenant: &TenantId, switches: &EngineSettings<'_>, at: DateTime<Utc>) -> StoreResult<()>;
    async fn save_default_sender(&self, tenant: &TenantId, number: Option<&NumberId>, at: DateTime<Utc>) -> StoreResult<()>;

    async fn insert_template(&self, tenant: &TenantId, template: &Template) -> StoreResult<()>;
    async fn update_template(&self, tenant: &TenantId, template: &Template) -> StoreResult<()>;
    async fn delete_template(&self, tenant: &TenantId, id: &TemplateId) -> StoreResult<()>;
    async fn get_template(&self, tenant: &TenantId, id: &TemplateId) -> StoreResult<Template>;
    async fn list_templates(&self, tenant: &TenantId) -> StoreResult<Vec<Template>>;
    async fn find_template(&self, tenant: &TenantId, name: &str) -> StoreResult<Option<Template>>;
}
