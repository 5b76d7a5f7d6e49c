//! The dashboard's server functions. Each starts with [`guard`] (who, and the CSRF check for
//! changes), then calls the same service as the REST API.
mod audit;
mod auth;
mod branding;
#[cfg(feature = "ssr")]
mod convert;
#[cfg(feature = "ssr")]
mod guard;
mod keys;
mod links;
mod numbers;
mod webhook_logs;
mod webhooks;

pub use audit::*;
pub use auth::*;
pub use branding::*;
pub use keys::*;
pub use links::*;
pub use numbers::*;
pub use webhook_logs::*;
pub use webhooks::*;
