//! Business operations. REST handlers and server functions both call these, so the rules
//! live in one place; each takes the caller (and so its tenant) first.
pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod branding;
pub mod coexistence;
pub mod engine_hooks;
pub mod link_view;
pub mod links;
pub mod logos;
pub mod meta;
pub mod meta_link;
pub mod meta_numbers;
pub mod meta_webhooks;
pub mod number_view;
pub mod numbers;
pub mod passkey;
pub mod passkey_stage;
pub mod public;
pub mod sending;
pub mod settings;
pub mod sweeper;
pub mod tenant_keys;
pub mod tenants;
pub mod watch;
pub mod webhook_ops;
pub mod webhooks;
