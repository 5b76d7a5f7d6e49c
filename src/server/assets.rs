//! The built browser files: found through `pkg/manifest.json` at start-up (a server whose pages
//! would link to missing files refuses to start), and served as a CDN would: brotli or gzip
//! compressed once at build time, immutable under their content-hashed names, from the
//! binary itself or a developer's folder (`server::site`).
use anyhow::Context;
use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::services::ServeDir;

use super::{site::Site, state::AppState};
use crate::{app::shell, ui::assets::Assets};

pub const MANIFEST: &str = "pkg/manifest.json";

/// Reads the site's manifest and checks every file it names is there.
pub fn load(site: &Site) -> anyhow::Result<Assets> {
    let text = site.read(MANIFEST).ok_or_else(|| missing(site, MANIFEST))?;
    let assets: Assets =
        serde_json::from_slice(&text).with_context(|| format!("{MANIFEST} ({}) is not a Pairlink asset manifest", site.describe()))?;
    for file in assets.files() {
        let path = format!("pkg/{file}");
        anyhow::ensure!(site.has(&path), missing(site, &path));
    }
    Ok(assets)
}

fn missing(site: &Site, path: &str) -> anyhow::Error {
    let at = match site {
        Site::Disk(root) => root.join(path).display().to_string(),
        Site::Memory(_) => format!("{path} (in the site built into this binary)"),
    };
    anyhow::anyhow!(
        "the browser assets are missing: {at} not found. Build them with `scripts/build.sh` (add --release for \
         production), which also builds them into the binary, or set LEPTOS_SITE_ROOT to a built site"
    )
}

/// `/pkg/*`, a precompressed `.br` or `.gz` beside each file taken when the browser accepts
/// it.
pub fn router<S: Clone + Send + Sync + 'static>(site: &Site, assets: &Assets) -> Router<S> {
    let router = match site {
        Site::Disk(root) => Router::new().nest_service("/pkg", ServeDir::new(root.join("pkg")).precompressed_br().precompressed_gzip()),
        Site::Memory(files) => {
            let files = files.clone();
            Router::new().route(
                "/pkg/{*file}",
                get(move |req: Request| async move {
                    let path = req.uri().path().trim_start_matches('/');
                    files
                        .respond(req.method(), path, req.headers())
                        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
                }),
            )
        }
    };
    let hashed: std::sync::Arc<[String]> = assets.files().iter().map(|f| (*f).to_owned()).collect();
    router.layer(axum::middleware::from_fn(move |req: Request, next: Next| {
        let hashed = hashed.clone();
        async move {
            let name = req.uri().path().rsplit('/').next().unwrap_or_default().to_owned();
            let response = next.run(req).await;
            cache_headers(response, hashed.contains(&name))
        }
    }))
}

/// A content-hashed name never changes meaning, so browsers and CDNs keep it for a year; any
/// other file here (the unhashed build outputs) is checked every time.
fn cache_headers(mut response: Response, hashed: bool) -> Response {
    if !response.status().is_success() && response.status() != axum::http::StatusCode::NOT_MODIFIED {
        return response;
    }
    let headers = response.headers_mut();
    let policy = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// What no route answers: a file of the site (the favicon, `embed.js`), else the app's own
/// "not found" page.
pub fn with_fallback(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let assets = state.assets.clone();
    let Site::Memory(files) = &state.site else {
        // Leptos's handler reads the folder at `leptos_options.site_root`, which is the site's.
        return router.fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || leptos::context::provide_context(assets.clone()),
            shell,
        ));
    };
    let files = files.clone();
    let context_state = state.clone();
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || {
            leptos::context::provide_context(context_state.clone());
            leptos::context::provide_context(assets.clone());
        },
        move || shell(options.clone()),
    );
    router.fallback(move |req: Request| {
        let (files, render) = (files.clone(), render.clone());
        async move {
            let path = req.uri().path().trim_start_matches('/');
            if let Some(file) = files.respond(req.method(), path, req.headers()) {
                return cache_headers(file, false);
            }
            let mut response = render(req).await;
            // As Leptos's own handler: a miss is a 404 unless the page set a status itself.
            if response.status() == StatusCode::OK {
                *response.status_mut() = StatusCode::NOT_FOUND;
            }
            response
        }
    })
}
