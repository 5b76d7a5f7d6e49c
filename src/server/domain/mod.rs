//! Input parsed into types at the edge: once a value has one of these types it is valid.
mod account;
mod api_key;
mod branding;
mod ids;
mod number;
pub mod passkey;
mod phone;
mod profile;
mod time;
mod token;
mod web;

mod webhook;

#[cfg(test)]
mod proptests;

pub use account::{Email, Password, PasswordHash, SessionToken};
pub use api_key::{ApiKeySecret, KEY_PREFIX, KeyHash, hex_sha256};
pub use branding::{LOGO_PATH, apply_patch, cosmetic_from_query, own_logo_id, resolve_branding, validate_branding, with_absolute_logo};
pub use ids::{
    ApiKeyId, AttemptId, AuditId, DeliveryId, EventId, LinkId, LogoId, NumberId, SessionId, TemplateId, TenantId, UserId, WebhookId,
};
pub use number::{NAME_MAX_CHARS, NumberState, Provider, message_safe_name, parse_display_name};
pub use phone::PhoneE164;
pub use profile::{NumberProfile, ProfilePatch};
pub use time::{from_millis, to_millis};
pub use token::LinkToken;
pub use web::{HexColor, HttpsUrl, short_text};
pub use webhook::{EMITTED_EVENTS, EventFilter, SECRET_PREFIX, TEST_EVENT, WebhookName, WebhookSecret, WebhookUrl};

/// Why an input was refused: the field it came from and a sentence for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: std::borrow::Cow<'static, str>,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<std::borrow::Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same complaint about a field nested under `parent` (`branding.primaryColor`).
    pub fn within(self, parent: &str) -> Self {
        Self {
            field: format!("{parent}.{}", self.field).into(),
            message: self.message,
        }
    }
}
