//! The numbers API's bodies. Responses are the union of every documented shape, so clients
//! written against any version of the reference find the keys they read.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// `POST /v1/numbers`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateNumberIn {
    /// Display name.
    pub name: Option<String>,
    /// Phone in E.164, with or without `+`.
    pub number: Option<String>,
    /// For number-scoped keys: re-point the calling key to the new number. Default true.
    pub link_to_api_key: Option<bool>,
    /// The documented per-number settings the number is born with (`rejectCall`, …).
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub settings: Option<Value>,
}

/// The state of one device link of a number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LinkOut {
    pub state: String,
    pub connected_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HealthOut {
    pub quality_rating: String,
    pub messaging_limit_tier: Option<String>,
    pub meta_status: Option<String>,
    pub sendable: bool,
}

/// Only what identifies a key; never the key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct KeySummaryOut {
    pub name: String,
    pub key_prefix: String,
    pub key_last4: String,
}

/// `GET /v1/numbers` with paging parameters: one page, and where the next starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NumberPageOut {
    pub data: Vec<NumberOut>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// A number, as list items, details and `instance` objects all show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NumberOut {
    pub id: String,
    pub tenant_id: String,
    pub instance_name: String,
    /// Digits, no `+`.
    pub number: String,
    pub name: String,
    pub display_name: String,
    /// `PILOT_STATUS` or `META`.
    pub provider: String,
    /// The engine behind the number; `sandbox` numbers are simulations.
    pub engine: String,
    /// `OPEN`, `CONNECTING` or `CLOSE`.
    pub state: String,
    pub is_fully_connected: bool,
    pub quality: String,
    pub health: HealthOut,
    pub primary_link: LinkOut,
    pub secondary_link: Option<LinkOut>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub meta: Option<Value>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub coexistence: Option<Value>,
    pub api_keys: Vec<KeySummaryOut>,
    /// `RELAY_ONLY` (the default: message content passes, nothing is kept), `STORE_X_DAYS`
    /// or `STORE_INDEFINITE`.
    #[serde(default)]
    pub pii_mode: String,
    #[serde(default)]
    pub pii_retention_days: Option<u32>,
    /// The documented per-number settings, as last set.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub settings: Value,
    pub extra_charge_unpaid_since: Option<DateTime<Utc>>,
    pub extra_charge_disconnect_at: Option<DateTime<Utc>>,
    pub last_validated_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `PATCH /v1/numbers/{id}`: any of the three; an empty body is `400 EMPTY_PATCH`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PatchNumberIn {
    pub pii_mode: Option<String>,
    /// 1 to 3650; needed with `STORE_X_DAYS`.
    pub pii_retention_days: Option<i64>,
    /// Documented settings to change, key by key (`null` clears one).
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub settings: Option<Value>,
}

/// What the number's engine did with the settings a change named.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SettingsSyncOut {
    /// In force on the engine now.
    pub applied: Vec<String>,
    /// The engine acts on them but did not take them now; stored, sent again with the next change.
    pub failed: Vec<String>,
    /// Stored only: this number's engine does not act on them (or they are not documented).
    pub skipped: Vec<String>,
}

/// The number after the change, and `settingsSync` when `settings` was sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PatchNumberOut {
    #[serde(flatten)]
    pub number: NumberOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings_sync: Option<SettingsSyncOut>,
}

/// A QR and pairing code to show the person holding the phone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PairingOut {
    /// `data:image/png;base64,…`
    pub qrcode_base64: Option<String>,
    /// `ABCD-1234`
    pub pairing_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateNumberOut {
    pub instance: NumberOut,
    pub qrcode_base64: Option<String>,
    pub pairing_code: Option<String>,
    pub linked_api_key_id: Option<String>,
    pub primary_link: PairingOut,
    pub secondary_link: Option<PairingOut>,
    pub engine: String,
    /// When the current QR stops working.
    pub qr_expires_at: Option<DateTime<Utc>>,
    /// When this linking window closes; `connect` opens a new one.
    pub window_ends_at: Option<DateTime<Utc>>,
}

/// `GET /v1/numbers/{id}/connect`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectOut {
    pub qrcode_base64: Option<String>,
    pub pairing_code: Option<String>,
    pub secondary_link: Option<PairingOut>,
    pub engine: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub window_ends_at: Option<DateTime<Utc>>,
}

/// `GET /v1/numbers/{id}/status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatusOut {
    pub id: String,
    pub state: String,
    pub is_fully_connected: bool,
    /// True when the engine did not answer and `state` is the last one we knew.
    pub stale: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_known_at: Option<DateTime<Utc>>,
    pub engine: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeleteOut {
    pub ok: bool,
    pub restorable_until: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestoreOut {
    pub ok: bool,
    pub requires_reconnect: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct OkOut {
    pub ok: bool,
}

/// One recorded event of a number, as webhooks carry it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventOut {
    pub id: String,
    pub event: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub data: Value,
    pub created_at: DateTime<Utc>,
}
