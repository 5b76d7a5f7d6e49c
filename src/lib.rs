#![recursion_limit = "256"]
//! Pairlink: hosted pairing links for WhatsApp numbers.
pub mod app;
pub mod error;
pub mod serverfns;
pub mod types;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
