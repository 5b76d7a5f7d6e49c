//! Logs: one line per request with the matched route (never the raw path, which for public
//! link endpoints would carry a secret token), plus whatever the layers below record.
//! `log_format = "json"` writes each line as one JSON object, span fields included.
use axum::{extract::MatchedPath, http::Request};
use tracing::Span;
use tracing_subscriber::{EnvFilter, fmt};

pub fn init(filter: &str, format: &str) {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(filter));
    // stdout belongs to CLI output (`tenant create` prints JSON there); logs go to stderr.
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().with_current_span(true).with_span_list(false).try_init()
    } else {
        builder.try_init()
    };
}

pub fn request_span<B>(req: &Request<B>) -> Span {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!("request", method = %req.method(), route)
}
