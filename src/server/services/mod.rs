//! Business operations. REST handlers and server functions both call these, so the rules
//! live in one place; each takes the caller (and so its tenant) first.
pub mod events;
pub mod numbers;
pub mod tenants;
pub mod webhooks;
