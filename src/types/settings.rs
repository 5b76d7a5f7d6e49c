//! Tenant settings and message templates.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SettingsOut {
    /// The `OPEN` number that sends links over WhatsApp.
    pub default_sender_number_id: Option<String>,
    /// Origins (`https://app.example.com`) allowed to embed the connect page in an iframe.
    pub embed_origins: Vec<String>,
    /// The engine this tenant's new numbers get (`embedded`, `sandbox`, …); `null` for the
    /// server's default.
    pub engine: Option<String>,
    /// Whether `number.disconnected` webhooks carry a fresh re-pair link (`repairLink`).
    pub repair_link_on_disconnect: bool,
    /// Whether number-scoped keys may send pairing links from the default sender
    /// (`sendLink`); off, their links are made but not sent (`SENDER_NOT_ALLOWED`).
    pub number_keys_send_links: bool,
    /// Whether a WhatsApp Web link that WhatsApp's passkey gate stops offers the official
    /// rail (Coexistence: the same WhatsApp Business app number through Meta). Needs Meta's
    /// Embedded Signup configured on the server.
    pub official_fallback: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SettingsPatch {
    /// A number id, or `null` to clear.
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub default_sender_number_id: Option<Option<String>>,
    /// Replaces the list; `[]` allows no framing.
    pub embed_origins: Option<Vec<String>>,
    /// An engine this server runs, or `null` for the server's default.
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub engine: Option<Option<String>>,
    pub repair_link_on_disconnect: Option<bool>,
    pub number_keys_send_links: Option<bool>,
    pub official_fallback: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TemplateIn {
    /// `pilot_status_remote_pairing` is the one pairing links are sent with.
    pub name: Option<String>,
    /// `OTP`, `UTILITY` or `MARKETING`; fixed at creation.
    pub category: Option<String>,
    /// e.g. `pt_BR`; `en` by default.
    pub language: Option<String>,
    /// Text with `{{name}}` and `{{link}}` placeholders.
    pub body: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TemplateOut {
    pub id: String,
    pub name: String,
    pub category: String,
    pub language: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
