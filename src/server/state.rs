//! What every handler and server function can reach.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{clock::Clock, config::Config, engines::Engines, live::Live, store::Store, webhooks::Webhooks};

/// One shared copy behind an `Arc`: every request's extractors and middleware clone the
/// state, and a clone of the fields themselves cost a dozen reference counts shared by every
/// thread, taken and dropped per clone (#24's list profile showed them).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Leptos's handlers take their options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// What the state holds.
pub struct Shared {
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
    /// The API's number list pages, kept while the tenant's list version holds (see
    /// `list_pages`).
    pub list_pages: super::list_pages::ListPages,
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
