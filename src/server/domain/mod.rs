//! Input parsed into types at the edge: once a value has one of these types it is valid.
mod api_key;
mod ids;
mod number;
mod phone;
mod time;
mod webhook;

pub use api_key::{ApiKeySecret, KEY_PREFIX, KeyHash};
pub use ids::{ApiKeyId, AttemptId, DeliveryId, EventId, NumberId, TenantId, WebhookId};
pub use number::{NumberState, Provider};
pub use phone::PhoneE164;
pub use time::{from_millis, to_millis};
pub use webhook::{EMITTED_EVENTS, EventFilter, SECRET_PREFIX, WebhookName, WebhookSecret, WebhookUrl};

/// Why an input was refused: the field it came from and a sentence for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
