//! What every handler and server function can reach.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{clock::Clock, config::Config, engines::Engines, live::Live, store::Store, webhooks::Webhooks};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// Where the browser files are served from.
    pub site: super::site::Site,
    /// The browser files pages link to.
    pub assets: crate::ui::assets::Assets,
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub engines: Engines,
    pub clock: Arc<dyn Clock>,
    /// Where links point, e.g. `https://pair.example.com`.
    pub public_base: Arc<str>,
    pub live: Live,
    /// Pages' reads, kept while nothing changed (see `page_reads`).
    pub page_reads: super::page_reads::PageReads,
    pub limits: Arc<super::ratelimit::RateLimits>,
    /// Flipped to `true` to stop background tasks (sweeper, listeners).
    pub stop: Arc<tokio::sync::watch::Sender<bool>>,
    pub webhooks: Webhooks,
    /// The pairing runtime: linking windows opened on demand on the number's owner, reopened
    /// while watched, checked for the right phone, shared with every process.
    pub pairing: super::pairing::Runtime,
}

impl AppState {
    /// Asks the background tasks of this app to finish.
    pub fn stop_background(&self) {
        let _ = self.stop.send(true);
    }
}
