//! The built browser files: found through `pkg/manifest.json` at start-up (a server whose pages
//! would link to missing files refuses to start), and served as a CDN would: brotli or gzip
//! compressed once at build time, immutable under their content-hashed names.
use std::path::Path;

use anyhow::Context;
use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use tower_http::services::ServeDir;

use crate::ui::assets::Assets;

pub const MANIFEST: &str = "manifest.json";

/// Reads the manifest under `<site_root>/pkg` and checks every file it names is there.
pub fn load(site_root: &str) -> anyhow::Result<Assets> {
    let pkg = Path::new(site_root).join("pkg");
    let manifest = pkg.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest).map_err(|_| missing(&manifest))?;
    let assets: Assets = serde_json::from_str(&text).with_context(|| format!("{} is not a Pairlink asset manifest", manifest.display()))?;
    for file in assets.files() {
        let path = pkg.join(file);
        anyhow::ensure!(path.is_file(), missing(&path));
    }
    Ok(assets)
}

fn missing(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "the browser assets are missing: {} not found. Build them with `scripts/build.sh` (add --release for \
         production), or set LEPTOS_SITE_ROOT to a built site",
        path.display()
    )
}

/// `/pkg/*` from `<site_root>/pkg`, a precompressed `.br` or `.gz` beside each file taken when
/// the browser accepts it.
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &str, assets: &Assets) -> Router<S> {
    let dir = ServeDir::new(Path::new(site_root).join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let hashed: std::sync::Arc<[String]> = assets.files().iter().map(|f| (*f).to_owned()).collect();
    Router::new()
        .nest_service("/pkg", dir)
        .layer(axum::middleware::from_fn(move |req: Request, next: Next| {
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
