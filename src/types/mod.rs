//! Shapes that cross the wire: REST bodies and server-function results. No database rows and
//! no secrets that were not meant to be shown.
pub mod admin;
pub mod admin_keys;
pub mod admin_webhooks;
pub mod api_keys;
pub mod branding;
pub mod connect;
pub mod links;
pub mod numbers;
pub mod passkey;
pub mod server_info;
pub mod settings;

use serde::{Deserialize, Deserializer};

/// For partial updates: a field that is present is `Some`, even when its value is `null`, so
/// "omitted" (keep) and `null` (clear) differ.
pub(crate) fn present<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}
pub mod meta;
pub mod webhooks;
