//! The tenant dashboard at `/admin`: one page per section.
mod account_page;
mod audit_page;
mod branding_page;
mod keys_list;
mod keys_page;
mod links_bulk;
mod links_list;
mod links_page;
mod login_page;
mod logo_upload;
mod number_picker;
mod numbers_page;
mod preview;
mod took;
mod webhook_actions;
mod webhook_log;
mod webhooks_page;

pub use account_page::AccountPage;
pub use audit_page::AuditPage;
pub use branding_page::BrandingPage;
pub use keys_page::KeysPage;
pub use links_page::LinksPage;
pub use login_page::LoginPage;
pub use numbers_page::NumbersPage;
pub use webhooks_page::WebhooksPage;
