//! Official numbers through Meta's Cloud API: bring-your-own-WABA creation and the results of
//! a Meta link.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

use super::numbers::NumberOut;

/// `POST /v1/numbers/meta`: credentials the caller already holds.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetaNumberIn {
    /// Display name.
    pub name: Option<String>,
    /// The phone, if the caller wants it checked against what Meta says (E.164 or digits).
    pub number: Option<String>,
    /// WhatsApp Business Account id.
    pub waba_id: Option<String>,
    /// Meta's phone number id.
    pub phone_number_id: Option<String>,
    /// The documented name of `phoneNumberId`.
    pub meta_phone_id: Option<String>,
    /// A permanent system-user token with `whatsapp_business_management` and
    /// `whatsapp_business_messaging`. Stored encrypted; never returned.
    pub access_token: Option<String>,
    /// The number's 6-digit two-step PIN, needed when it is not yet on the Cloud API.
    pub pin: Option<String>,
}

impl std::fmt::Debug for MetaNumberIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaNumberIn")
            .field("name", &self.name)
            .field("waba_id", &self.waba_id)
            .field("phone_number_id", &self.phone_number_id.as_ref().or(self.meta_phone_id.as_ref()))
            .finish_non_exhaustive()
    }
}

/// The created number, and what to configure in the Meta app so its webhooks reach us.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetaNumberOut {
    #[serde(flatten)]
    pub number: NumberOut,
    /// The number again, as `POST /v1/numbers` answers it.
    pub instance: NumberOut,
    /// Callback URL for the Meta app's WhatsApp webhooks.
    pub webhook_url: String,
    /// Verify token for that callback.
    pub verify_token: String,
}

/// What a Meta link answers once the number is connected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetaLinkOut {
    pub ok: bool,
    pub number_id: String,
    /// `OPEN`.
    pub state: String,
    pub masked_number: String,
    /// Meta's verified business name, when it has one.
    pub display_name: String,
    pub redirect_url: Option<String>,
    pub external_ref: Option<String>,
}
