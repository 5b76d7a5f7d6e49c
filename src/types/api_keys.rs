//! `/v1/api-keys`: the tenant's keys, one per number, and rotation.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// One number and its key, as `GET /v1/api-keys` lists them. Keys are stored hashed, so `key`
/// is always `null` and `revealable` false: a lost key is rotated, not shown again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NumberKeyOut {
    pub number_id: String,
    pub number: String,
    pub display_name: String,
    pub key_id: Option<String>,
    pub key_last4: Option<String>,
    pub key: Option<String>,
    pub revealable: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RotateNumberKeyIn {
    pub whatsapp_number_id: Option<String>,
}

/// A new key, shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IssuedKeyOut {
    /// Same as `keyId`, for clients of `regenerate`.
    pub id: String,
    pub key_id: String,
    pub name: String,
    pub key: String,
    pub key_prefix: String,
    pub key_last4: String,
    /// `tenant` or `number`.
    pub scope: String,
    pub number_id: Option<String>,
    pub whatsapp_number_id: Option<String>,
    pub created_at: DateTime<Utc>,
}
