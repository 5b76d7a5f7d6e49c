#![recursion_limit = "256"]
//! Pairlink: hosted pairing links for WhatsApp numbers.
pub mod app;
pub mod error;
pub mod serverfns;
pub mod types;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser's entry. Two bundles are built from this crate: the connect page's (the
/// default), which a customer's phone downloads and which holds nothing else, and with
/// `dashboard` the whole app for `/` and `/admin`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "dashboard")]
    leptos::mount::hydrate_body(app::App);
    #[cfg(not(feature = "dashboard"))]
    ui::pages::connect_hydrate();
}
