//! The files a page links to under `/pkg/`, by the content-hashed names the build gave them
//! (`scripts/assets.mjs` writes them to `pkg/manifest.json`). Two browser bundles: the connect
//! page's, which a customer's phone downloads, and the dashboard's, which carries the whole app.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assets {
    pub css: String,
    pub connect: Bundle,
    pub dashboard: Bundle,
}

/// A wasm-bindgen bundle: its JavaScript glue and its WebAssembly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub js: String,
    pub wasm: String,
}

impl Assets {
    /// The names the build gives its outputs before hashing them, for an app that serves no
    /// page (one-shot commands, API tests).
    pub fn unbuilt() -> Self {
        let bundle = |name: &str| Bundle {
            js: format!("{name}.js"),
            wasm: format!("{name}.wasm"),
        };
        Self {
            css: "pairlink.css".into(),
            connect: bundle("pairlink"),
            dashboard: bundle("dashboard"),
        }
    }

    /// Every file named, for checking that they exist.
    pub fn files(&self) -> [&str; 5] {
        [
            &self.css,
            &self.connect.js,
            &self.connect.wasm,
            &self.dashboard.js,
            &self.dashboard.wasm,
        ]
    }
}

pub fn href(file: &str) -> String {
    format!("/pkg/{file}")
}

/// The stylesheet, then the bundle: preloaded (the WASM is fetched while the JS glue parses),
/// and started by a nonced module script that hydrates the page.
#[component]
pub fn PageAssets(css: String, bundle: Bundle) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    let (js, wasm) = (href(&bundle.js), href(&bundle.wasm));
    let start = format!("import({js:?}).then(m => m.default({{module_or_path: {wasm:?}}}).then(() => m.hydrate()));");
    view! {
        <link rel="stylesheet" href=href(&css) />
        <link rel="modulepreload" href=js />
        // `crossorigin` makes the preload match the glue's own `fetch` of the WASM.
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous" />
        <script type="module" nonce=nonce>{start}</script>
    }
}
