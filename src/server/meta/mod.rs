//! Meta's WhatsApp Cloud API: official numbers. The Graph client, token encryption, the
//! engine that acts on `META` numbers, and Meta's signed webhooks.
pub mod crypto;
pub mod engine;
pub mod graph;
pub mod view;
pub mod webhook;

pub use engine::MetaEngine;
