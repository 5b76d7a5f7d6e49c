//! Hosted pairing links: the tenant's calls and the public token endpoints.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

use super::branding::Branding;
use super::numbers::{LinkOut, NumberOut, PairingOut};

/// `POST /v1/numbers/remote-pairing`: every documented field, plus `ttlSeconds`, `refreshUrl`
/// and `locale`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemotePairingIn {
    pub name: Option<String>,
    pub number: Option<String>,
    pub link_to_api_key: Option<bool>,
    /// Also send the link to `number` over WhatsApp, from the tenant's default sender.
    pub send_via_whats_app: Option<bool>,
    /// Per-link branding; merged with `brandingOverride`, this one winning.
    pub branding: Option<Branding>,
    pub branding_override: Option<Branding>,
    /// `PILOT_STATUS` (default) or `META`.
    pub provider: Option<String>,
    /// `embedded`, `coexistence` (a WhatsApp Business app number, kept on the app) or
    /// `credentials` (Meta links).
    pub meta_flow: Option<String>,
    pub redirect_url: Option<String>,
    pub external_ref: Option<String>,
    /// Link lifetime, 60 to 604800 seconds; 24 h by default.
    pub ttl_seconds: Option<i64>,
    /// https URL an expired link sends the person to, where the platform can mint a new one.
    pub refresh_url: Option<String>,
    /// The page's language, e.g. `pt-BR`.
    pub locale: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub settings: Option<Value>,
}

/// `POST /v1/numbers/{id}/remote-pairing`: a new link for an existing number.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReissueLinkIn {
    pub send_via_whats_app: Option<bool>,
    pub branding: Option<Branding>,
    pub branding_override: Option<Branding>,
    pub redirect_url: Option<String>,
    pub external_ref: Option<String>,
    pub ttl_seconds: Option<i64>,
    pub refresh_url: Option<String>,
    pub locale: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemotePairingOut {
    pub provider: String,
    pub instance: Option<NumberOut>,
    pub number_id: Option<String>,
    /// `rp_…`: shown now, stored only as a hash.
    pub remote_pairing_token: String,
    pub remote_pairing_url: String,
    pub masked_number: Option<String>,
    pub message_sent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_error: Option<String>,
    pub linked_api_key_id: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Why linking stopped, when it did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FailureOut {
    pub reason: String,
    /// Whether opening a new window (`connect`) may work.
    pub retryable: bool,
}

/// `GET /v1/remote-pairing/{token}/status`, and each Server-Sent Event of `…/events`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenStatusOut {
    pub state: String,
    pub is_fully_connected: bool,
    pub primary_link: LinkOut,
    pub secondary_link: Option<LinkOut>,
    /// `idle`, `qr`, `code`, `passkey_required`, `connected` or `failed`.
    pub link_state: String,
    pub failure: Option<FailureOut>,
    /// The live QR and code while a window is open.
    pub qrcode_base64: Option<String>,
    pub pairing_code: Option<String>,
    pub qr_expires_at: Option<DateTime<Utc>>,
    /// Seconds until the linking window closes (0 when none is open).
    pub seconds_left: i64,
    /// When the link itself expires.
    pub expires_at: DateTime<Utc>,
    /// The passkey ceremony, once the page handed it off (see docs/passkey-ceremony.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<super::passkey::PasskeyStageOut>,
}

/// `GET /v1/remote-pairing/{token}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenInfoOut {
    pub valid: bool,
    /// The number this link pairs, for the embedding page's `connect:paired`.
    pub number_id: Option<String>,
    pub name: Option<String>,
    pub masked_number: Option<String>,
    pub state: String,
    pub provider: String,
    pub meta_flow: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub primary_link: LinkOut,
    pub secondary_link: Option<LinkOut>,
    pub link_state: String,
    pub branding: Branding,
    pub locale: Option<String>,
    pub redirect_url: Option<String>,
    pub refresh_url: Option<String>,
    /// What the number's engine offers: `qr`, `code`.
    pub methods: Vec<String>,
    /// True for simulated (sandbox) numbers.
    pub sandbox: bool,
}

/// `POST /v1/remote-pairing/{token}/connect`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenConnectOut {
    pub qrcode_base64: Option<String>,
    pub pairing_code: Option<String>,
    pub secondary_link: Option<PairingOut>,
    /// When the current QR stops working.
    pub expires_at: Option<DateTime<Utc>>,
    pub window_ends_at: DateTime<Utc>,
    pub seconds_left: i64,
}

/// `POST /v1/remote-pairing/{token}/meta/embedded`: what Meta's Embedded Signup returned.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetaEmbeddedIn {
    /// The single-use code from `FB.login`.
    pub code: Option<String>,
    pub waba_id: Option<String>,
    pub phone_number_id: Option<String>,
    pub business_id: Option<String>,
    /// The signup window's `event`: `FINISH` (a new Cloud API number) or
    /// `FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING` (a WhatsApp Business app number, Coexistence).
    pub event: Option<String>,
}

/// `POST /v1/remote-pairing/{token}/meta/credentials`: an existing WABA's credentials.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetaCredentialsIn {
    pub waba_id: Option<String>,
    pub phone_number_id: Option<String>,
    /// A permanent system-user token. Never logged, never echoed.
    pub access_token: Option<String>,
    /// The number's 6-digit two-step verification PIN, when it has one.
    pub pin: Option<String>,
}

impl std::fmt::Debug for MetaCredentialsIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaCredentialsIn")
            .field("waba_id", &self.waba_id)
            .field("phone_number_id", &self.phone_number_id)
            .finish_non_exhaustive()
    }
}
