//! Prometheus metrics (served at `/metrics` by `api::metrics`), through the `metrics` facade: code anywhere records
//! with `metrics::counter!` and friends, and one recorder per process renders them.
//!
//! Counters are per process (several processes sharing a database each count what they
//! did); gauges that describe shared state (the webhook queue) are read from the database at
//! scrape time, so every process reports the same figure.
use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "pairlink_http_requests_total";
pub const HTTP_DURATION: &str = "pairlink_http_request_duration_seconds";
/// Label `event`: `created`, `opened`, `connected`, `expired`, `failed`, `passkey_required`.
pub const LINKS: &str = "pairlink_links_total";
/// Label `outcome`: `delivered`, `retry`, `dead`, `lease_lost`, `unrecorded`.
pub const WEBHOOK_ATTEMPTS: &str = "pairlink_webhook_attempts_total";
pub const WEBHOOK_DURATION: &str = "pairlink_webhook_attempt_duration_seconds";
pub const WEBHOOK_QUEUE: &str = "pairlink_webhook_queue_depth";
pub const WEBHOOK_QUEUE_HELP: &str = "Webhook deliveries waiting to be delivered (pending), across all processes";
/// Labels `engine`, `state`.
pub const ENGINE_SESSIONS: &str = "pairlink_engine_sessions";
pub const ENGINE_SESSIONS_HELP: &str = "Engine sessions held by this process, by engine and link state";

/// Latency buckets, in seconds: sub-millisecond API calls up to slow webhook receivers.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use. Tests run many apps in one process; they
/// share it, as they share the process.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .expect("non-empty buckets");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if something else installed a recorder first; ours then stays empty,
        // which the metrics tests would show.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        describe();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, matched route and status");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by method and matched route"
    );
    describe_counter!(
        LINKS,
        "Pairing-link events this process recorded: created, opened, connected, expired, failed"
    );
    describe_counter!(WEBHOOK_ATTEMPTS, "Webhook delivery attempts, by outcome");
    describe_histogram!(WEBHOOK_DURATION, Unit::Seconds, "Time a webhook receiver took to answer");
}

/// Counts one pairing-link event (see [`LINKS`]).
pub fn link_event(event: &'static str) {
    metrics::counter!(LINKS, "event" => event).increment(1);
}

/// Middleware: counts and times every request by its matched route, never its raw path
/// (public link paths carry secret tokens, and raw paths would explode the label set).
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!(HTTP_DURATION, "method" => method.clone(), "route" => route.clone()).record(start.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status).increment(1);
    response
}
