//! Business operations. REST handlers and server functions both call these, so the rules
//! live in one place; each takes the caller (and so its tenant) first.
pub mod api_keys;
pub mod branding;
pub mod events;
pub mod links;
pub mod meta_link;
pub mod numbers;
pub mod public;
pub mod repair;
pub mod sending;
pub mod settings;
pub mod sweeper;
pub mod tenants;
pub mod watch;
pub mod webhooks;
