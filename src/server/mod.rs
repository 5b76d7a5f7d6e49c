//! The server half. Nothing below compiles to WASM.
pub mod admin_export;
pub mod admin_live;
pub mod api;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod connect_page;
pub mod crypto;
pub mod domain;
pub mod engines;
pub mod error;
pub mod keyring;
pub mod list_pages;
pub mod live;
pub mod meta;
pub mod metrics;
pub mod page_reads;
pub mod pairing;
pub mod qr;
pub mod ratelimit;
pub mod services;
pub mod session;
pub mod site;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod throttle;
pub mod views;
pub mod webhooks;

use std::{
    net::SocketAddr,
    sync::{Arc, LazyLock},
};

use anyhow::Context;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use self::{
    clock::{Clock, SystemClock},
    config::Config,
    engines::{
        Engines,
        sandbox::{SandboxEngine, Timings},
    },
    live::Live,
    pairing::events::StoreSink,
    state::AppState,
    webhooks::Webhooks,
};
use crate::{
    app::{App, shell},
    ui::assets::Assets,
};

/// What the app is built from; tests build one with a temporary database.
pub struct Settings {
    pub config: Config,
    pub leptos: LeptosOptions,
    /// Where the browser files are served from.
    pub site: site::Site,
    /// The browser files pages link to (`assets::load` checks they exist).
    pub assets: Assets,
    pub clock: Arc<dyn Clock>,
}

impl Settings {
    pub fn new(config: Config, leptos: LeptosOptions, site: site::Site, assets: Assets) -> Self {
        Self {
            config,
            leptos,
            site,
            assets,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Leptos's options this binary runs with when no file names them (the values of the
/// repository's `Leptos.toml`), so a binary copied alone needs no file at all.
const DEFAULT_LEPTOS_OPTIONS: &str = r#"[package.metadata.leptos]
output-name = "pairlink"
site-root = "target/site"
site-pkg-dir = "pkg"
site-addr = "127.0.0.1:3000"
reload-port = 3001
"#;

/// Reads Leptos's own options from the `[package.metadata.leptos]` table of `file` (the
/// defaults above when there is no such file or table), with `LEPTOS_*` environment overrides.
pub fn leptos_options(file: &str) -> anyhow::Result<LeptosOptions> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let text = if text.contains("[package.metadata.leptos]") {
        text
    } else {
        DEFAULT_LEPTOS_OPTIONS.to_owned()
    };
    leptos::config::get_config_from_str(&text).with_context(|| format!("reading Leptos options from {file}"))
}

/// The settings only a subsystem can judge (each checks its own, so `config` depends on no
/// other module); run at load by the CLI and again by [`build`].
pub fn check_config(config: &Config) -> Result<(), config::ConfigError> {
    ratelimit::check_config(config)?;
    webhooks::check_config(config)?;
    keyring::check_config(config)?;
    meta::check_config(config)?;
    engines::embedded::validate_config(config)
}

/// The app's parts, started only as far as `config` asks (the webhook worker, engines), with
/// no background task and nothing re-attached: what a one-shot command needs, and what
/// [`build`] starts.
pub async fn assemble(settings: Settings, listening: SocketAddr) -> anyhow::Result<AppState> {
    let Settings {
        config,
        leptos,
        site,
        assets,
        clock,
    } = settings;
    check_config(&config)?;
    let store = store::connect(&config.database_url, config.db_max_connections).await?;
    let sealer = keyring::install(&config, &store).await?;
    let live = Live::new(store.clone());
    let repair = pairing::repair::RepairLinks {
        ttl: chrono::Duration::seconds(config.link_ttl_seconds),
        tokens: sealer.clone(),
    };
    let lease = std::time::Duration::from_secs(config.embedded_lease_seconds);
    let cluster = pairing::cluster::Cluster::new(store.clone(), live.clone(), lease);
    let store_sink = Arc::new(
        StoreSink::new(store.clone(), live.clone())
            .with_repair_links(repair)
            .holding_as(cluster.holder()),
    );
    let caps = pairing::windows::Caps {
        reopens_per_link: config.qr_window_reopens_per_link,
        windows_per_tenant: config.qr_windows_per_tenant,
        backoff: chrono::Duration::seconds(config.pairing_backoff_seconds as i64),
    };
    let windows = pairing::windows::Windows::new(store_sink, store.clone(), clock.clone(), caps, cluster.clone());
    let runtime = pairing::Runtime::new(windows.clone(), cluster.clone(), store.clone(), live.clone(), clock.clone());
    // Engines report through the windows, which check and forward to the store.
    let sink: Arc<dyn engines::EventSink> = Arc::new(windows.clone());
    let meta = meta::MetaEngine::from_config(&config, store.clone(), clock.clone()).context("starting the Meta engine")?;
    let links = webhooks::worker::LinkUrls {
        base: config.public_base(listening),
        tokens: sealer,
    };
    let webhooks = Webhooks::start(&config, store.clone(), clock.clone(), live.subscribe(), links).context("starting webhooks")?;
    let mut engines = Engines::default();
    if config.sandbox {
        let timings = Timings {
            first_ref: std::time::Duration::from_secs(config.sandbox_first_qr_seconds),
            next_refs: std::time::Duration::from_secs(config.sandbox_next_qr_seconds),
            ..Timings::default()
        };
        // WhatsApp's side of the sandbox lives where every process meets it: the database.
        let world = engines::sandbox::World::shared(store.clone(), live.clone());
        engines = engines.with_sandbox(Arc::new(SandboxEngine::new(sink.clone(), clock.clone(), timings, world)));
    }
    if let Some(meta) = meta {
        engines = engines.with_meta(Arc::new(meta));
    }
    if !config.evolution_url.is_empty() {
        let settings = engines::evolution::EvolutionSettings {
            base_url: config.evolution_url.clone(),
            api_key: config.evolution_api_key.expose().to_owned(),
            webhook_url: format!(
                "{}/hooks/evolution/{}",
                config.public_base(listening),
                config.evolution_webhook_secret.expose()
            ),
        };
        let evolution =
            engines::evolution::EvolutionEngine::new(settings, sink.clone(), clock.clone()).context("starting the Evolution engine")?;
        engines = engines.with_evolution(Arc::new(evolution));
    }
    engines = engines::embedded::register(engines, &config, sink, clock.clone(), store.clone(), cluster.holder())
        .with_default(engines::default_engine(&config));
    windows.set_engines(engines.clone());
    let limits = Arc::new(ratelimit::RateLimits::new(&config));
    let state = AppState::new(state::Shared {
        leptos_options: leptos,
        site,
        assets,
        public_base: config.public_base(listening).into(),
        config: Arc::new(config),
        page_reads: page_reads::PageReads::new(store.clone(), live.clone()),
        list_pages: list_pages::ListPages::default(),
        store,
        engines,
        clock,
        live,
        limits,
        stop: Arc::new(tokio::sync::watch::channel(false).0),
        webhooks,
        pairing: runtime,
    });
    Ok(state)
}

/// Builds the whole app: database, engines, the webhook worker (a task that runs until
/// `state.webhooks` stops it), the pairing runtime's tasks, routes. `listening` is where it
/// will be served, so links can point back at it when no public URL is configured.
pub async fn build(settings: Settings, listening: SocketAddr) -> anyhow::Result<(Router, AppState)> {
    let state = assemble(settings, listening).await?;
    if let Err(err) = state.pairing.resume_all().await {
        // No app comes of this build, so nothing else would stop its worker.
        state.webhooks.abort();
        return Err(err.context("re-attaching engines to numbers"));
    }
    spawn_background(&state);
    Ok((routes(&state), state))
}

/// The tasks every process runs beside serving; each is safe to run on many processes at once.
fn spawn_background(state: &AppState) {
    let interval = std::time::Duration::from_secs(state.config.sweep_interval_seconds);
    services::sweeper::spawn(state.clone(), interval, state.stop.subscribe());
    state.pairing.start(state.stop.subscribe());
    if let Some(embedded) = state.engines.embedded() {
        embedded.spawn_background(state.stop.subscribe());
    }
    if let Some(sandbox) = state.engines.sandbox() {
        sandbox.spawn_background(state.stop.subscribe());
    }
    let (limits, mut stop) = (state.limits.clone(), state.stop.subscribe());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => limits.forget_idle(),
                _ = stop.changed() => return,
            }
        }
    });
    if let Some(listener) = state.live.spawn_listener(&state.config.database_url) {
        let mut stop = state.stop.subscribe();
        tokio::spawn(async move {
            let _ = stop.changed().await;
            listener.abort();
        });
    }
}

/// The app's page routes, read from `<App/>` once per process. Reading them renders the app
/// with Leptos's process-wide "suppress resource loads" flag up (leptos#4773): a page whose
/// resource first ran meanwhile, in any app of the process, waited forever. Tests build many
/// apps in one process while others render pages.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

/// The router serving `state`: what [`build`] returns beside it.
pub fn routes(state: &AppState) -> Router {
    let (api, _) = api::router(state);
    let leptos_routes = page_routes();
    let context_state = state.clone();
    let router = Router::new()
        .merge(api)
        .merge(admin_live::router())
        .merge(admin_export::router())
        .merge(connect_page::router(state))
        .merge(assets::router(&state.site, &state.assets))
        .leptos_routes_with_context(
            state,
            leptos_routes,
            move || {
                leptos::context::provide_context(context_state.clone());
                leptos::context::provide_context(context_state.assets.clone());
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        );
    assets::with_fallback(router, state)
        // Innermost of the three: requests over their address's budget are still traced and
        // counted.
        .layer(axum::middleware::from_fn_with_state(state.clone(), throttle::every_request))
        // Failures are logged once, with their cause, where they happen (`ApiError`); the
        // trace layer's own failure line would only repeat them.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Millis),
                )
                .on_failure(()),
        )
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state.clone())
}

/// Serves on `listener` until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn serve(settings: Settings, listener: TcpListener) -> anyhow::Result<()> {
    // Before the database is touched; held until this process exits.
    let _serving = store::lock_for_serving(&settings.config.database_url)?;
    let addr = listener.local_addr()?;
    let (router, state) = build(settings, addr).await?;
    tracing::info!(
        url = %state.public_base,
        database = state.store.backend(),
        sandbox = state.config.sandbox,
        "Pairlink is listening on http://{addr}"
    );
    // The peer address feeds the per-client rate limits.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    // On a stop signal the windows and sessions of this process go to the others first (a
    // rolling restart loses no page), then requests in flight finish, for a while.
    let pairing = state.pairing.clone();
    let (drained, handed_over) = tokio::sync::oneshot::channel();
    let stopping = async move {
        shutdown_signal().await;
        pairing.hand_over().await;
        let _ = drained.send(());
    };
    let graceful = axum::serve(listener, service).with_graceful_shutdown(stopping);
    let served = tokio::select! {
        served = graceful => served,
        () = overdue(handed_over) => {
            tracing::warn!(grace_seconds = STOP_GRACE.as_secs(), "requests still open after the stop's grace; stopping without them");
            Ok(())
        }
    };
    state.stop_background();
    state.engines.shutdown().await;
    state.webhooks.shutdown().await;
    Ok(served?)
}

/// How long a stop waits, once this process's pages and windows are handed over, for the
/// requests still open to finish: a client holding one (a stalled upload, a stream that
/// does not end on a drain) must not keep an orchestrator's stop waiting until it kills.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(8);

/// Ends [`STOP_GRACE`] after the hand-over; never, if no stop began.
async fn overdue(handed_over: tokio::sync::oneshot::Receiver<()>) {
    match handed_over.await {
        Ok(()) => tokio::time::sleep(STOP_GRACE).await,
        Err(_) => std::future::pending().await,
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary without `Leptos.toml` runs with what the repository's file says.
    #[test]
    fn the_built_in_leptos_options_are_the_repository_files() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
        let from_file = leptos::config::get_config_from_file(file).unwrap().leptos_options;
        let built_in = leptos_options("/nonexistent/Leptos.toml").unwrap();
        assert_eq!(
            (
                from_file.output_name,
                from_file.site_root,
                from_file.site_pkg_dir,
                from_file.site_addr
            ),
            (built_in.output_name, built_in.site_root, built_in.site_pkg_dir, built_in.site_addr)
        );
    }

    /// Each subsystem refuses its own bad settings, naming them.
    #[test]
    fn subsystems_name_their_bad_settings() {
        let with = |change: fn(&mut Config)| {
            let mut config = Config::default();
            change(&mut config);
            check_config(&config).map_err(|e| e.to_string())
        };
        assert!(with(|_| {}).is_ok());
        assert!(
            with(|c| c.webhook_allowlist = "10.0.0.0/99".into())
                .unwrap_err()
                .contains("webhook_allowlist")
        );
        assert!(
            with(|c| c.trusted_proxies = "nonsense".into())
                .unwrap_err()
                .contains("trusted_proxies")
        );
        assert!(
            with(|c| c.meta_token_key = config::SecretSetting::new("c2hvcnQ="))
                .unwrap_err()
                .contains("meta_token_key")
        );
        assert!(
            with(|c| c.secrets_key = config::SecretSetting::new("c2hvcnQ="))
                .unwrap_err()
                .contains("secrets_key")
        );
        assert!(
            with(|c| c.embedded_device_os = "Plan9".into())
                .unwrap_err()
                .contains("embedded_device_os")
        );
    }
}
