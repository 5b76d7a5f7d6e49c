//! The passkey ceremony's wire shapes (docs/passkey-ceremony.md): the page's hand-off code,
//! the stage it follows, and the extension's calls.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// Where a ceremony is: `waiting` (a hand-off code is out), `challenge` (an extension holds
/// it), `verifying`, `confirmation`, `done`, `failed` or `expired`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyStageOut {
    pub stage: String,
    pub claimed_at: Option<DateTime<Utc>>,
    /// Why it failed, for people.
    pub failure: Option<String>,
}

/// `POST /v1/remote-pairing/{token}/passkey/handoff`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HandoffOut {
    /// Eight characters, shown `K7QM-4XPR`.
    pub code: String,
    pub expires_at: DateTime<Utc>,
    pub stage: String,
}

/// `POST /v1/passkey/claim`.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ClaimIn {
    pub code: String,
}

/// What an extension holding a ceremony sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CeremonyOut {
    /// The bearer secret for the next calls: only in the claim's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<String>,
    pub stage: String,
    /// The platform's company name, as its pages show it.
    pub company: Option<String>,
    /// The number, masked.
    pub number: String,
    pub expires_at: DateTime<Utc>,
    /// WhatsApp's `PublicKeyCredentialRequestOptions`, verbatim (stage `challenge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
    /// The code WhatsApp asks the person to confirm (stage `confirmation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// `POST /v1/passkey/ceremony/confirm`.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ConfirmIn {
    pub code: String,
}
