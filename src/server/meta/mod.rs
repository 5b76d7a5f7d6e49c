//! Meta's WhatsApp Cloud API: official numbers. The Graph client, token encryption, the
//! engine that acts on `META` numbers, and Meta's signed webhooks.
pub mod crypto;
pub mod engine;
pub mod graph;
pub mod view;
pub mod webhook;

pub use engine::MetaEngine;

use super::config::{Config, ConfigError, invalid};

/// A `meta_token_key` that is set must be a key (whether one is needed is checked at load).
pub fn check_config(config: &Config) -> Result<(), ConfigError> {
    match crypto::TokenCipher::from_base64(config.meta_token_key.expose()) {
        Err(message) if !config.meta_token_key.is_empty() => invalid("meta_token_key", &message),
        _ => Ok(()),
    }
}
