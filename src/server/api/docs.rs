//! `/openapi.json` and `/docs`, a reference page rendered here from the same document, so it
//! works on a server with no internet access (no CDN scripts).
use std::{fmt::Write, sync::Arc};

use axum::{Json, Router, response::Html, routing::get};
use utoipa::openapi::{OpenApi, path::Operation};

use crate::server::state::AppState;

pub fn router(doc: Arc<OpenApi>) -> Router<AppState> {
    let html = Arc::new(render(&doc));
    let json = doc.clone();
    Router::new()
        .route("/openapi.json", get(move || async move { Json(json.as_ref().clone()) }))
        .route("/docs", get(move || async move { Html(html.as_ref().clone()) }))
}

fn render(doc: &OpenApi) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p>{}</p><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>x-api-key</code>.</p>",
        esc(&doc.info.title),
        esc(doc.info.description.as_deref().unwrap_or_default())
    );
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                operation(&mut body, method, path, op);
            }
        }
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Pairlink API reference</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )
}

fn operation(out: &mut String, method: &str, path: &str, op: &Operation) {
    let _ = write!(
        out,
        "<section><h2><span class=\"m {}\">{method}</span> <code>{}</code></h2>",
        method.to_lowercase(),
        esc(path)
    );
    if let Some(summary) = &op.summary {
        let _ = write!(out, "<p class=\"s\">{}</p>", esc(summary));
    }
    if let Some(description) = &op.description {
        let _ = write!(out, "<p>{}</p>", esc(description));
    }
    let auth = if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        "API key"
    } else {
        "none"
    };
    let _ = write!(out, "<p class=\"a\">Auth: {auth}</p><ul>");
    for status in op.responses.responses.keys() {
        let _ = write!(out, "<li><code>{}</code></li>", esc(status));
    }
    out.push_str("</ul></section>");
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f8fafc;color:#0f172a}main{max-width:60rem;margin:auto;padding:2rem}section{background:#fff;border:1px solid #e2e8f0;border-radius:.5rem;padding:1rem;margin:1rem 0}h2{font-size:1rem;margin:0}.m{display:inline-block;min-width:4rem;font-weight:700}.get{color:#15803d}.post{color:#1d4ed8}.delete{color:#b91c1c}.put,.patch{color:#a16207}.s{font-weight:600}.a{color:#475569;font-size:.875rem}ul{margin:0;padding-left:1.25rem;font-size:.875rem}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(esc("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
    }
}
