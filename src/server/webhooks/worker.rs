//! The delivery worker: claims due deliveries under a lease, sends them, records every
//! attempt and schedules the next. Any number of workers (processes) may share a database;
//! the lease keeps each delivery with one of them at a time, and a crashed worker's leases
//! simply run out, so every committed event is delivered at least once.
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use tokio::{
    sync::broadcast,
    task::{JoinHandle, JoinSet},
};
use tokio_util::sync::CancellationToken;

use super::{
    client::{Outcome, Sender},
    schedule::{AfterFailure, after_failure, parse_retry_after},
    signer,
};
use crate::server::{
    clock::Clock,
    crypto::Sealer,
    domain::AttemptId,
    store::{ClaimedDelivery, DeliveryPolicy, NewAttempt, NextStep, Store},
};

/// The least time between two claims woken by live updates, so a burst of changes costs
/// one claim rather than one each.
const WAKE_GAP: Duration = Duration::from_millis(5);
/// Deliveries one process sends at the same time.
const MAX_IN_FLIGHT: usize = 16;
/// A lease outlives the attempt's timeout by this much, so it only runs out on a worker
/// that stopped.
const LEASE_MARGIN: Duration = Duration::from_secs(60);

/// How long an attempt may take, and how often to look for due deliveries.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub timeout: Duration,
    pub poll: Duration,
}

pub struct Worker {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sender: Sender,
    name: String,
    claims: AtomicU64,
    poll: Duration,
    lease: Duration,
    policy: DeliveryPolicy,
    links: LinkUrls,
    health: Arc<Health>,
}

/// What the worker needs to write a repair link's URL into the body it sends.
#[derive(Clone, Debug)]
pub struct LinkUrls {
    /// Where links point, without a trailing slash.
    pub base: String,
    pub tokens: Sealer,
}

impl LinkUrls {
    /// The body with `data.repairLink.url` filled in, when it has a repair link without one:
    /// the stored event keeps only the link's id, and the token is derived from it, never
    /// stored (see `pairing::repair`).
    fn complete(&self, body: &str) -> Option<String> {
        if !body.contains("\"repairLink\"") {
            return None;
        }
        let mut value: serde_json::Value = serde_json::from_str(body).ok()?;
        let link = value.pointer_mut("/data/repairLink")?.as_object_mut()?;
        if link.contains_key("url") {
            return None;
        }
        let id = link.get("linkId")?.as_str()?.to_owned();
        let token = self.tokens.derived_token(crate::server::crypto::REPAIR_LINK_TOKENS, &id);
        link.insert("url".into(), format!("{}/connect/{token}", self.base).into());
        serde_json::to_string(&value).ok()
    }
}

/// What `/readyz` knows of a worker: when its loop last went round, and whether its last
/// claim reached the database.
struct Health {
    started: Instant,
    /// Milliseconds after `started` of the last turn of the loop.
    beat: AtomicU64,
    claims_failing: AtomicBool,
    /// The longest a healthy loop goes without a turn.
    stale_after: Duration,
}

impl Health {
    fn beat(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.beat.store(ms, Ordering::Relaxed);
    }
}

/// How a worker is doing, for `/readyz`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerStatus {
    /// This process runs no worker (`webhook_worker = false`).
    Off,
    Running,
    /// Its task ended (shut down, aborted or panicked).
    Stopped,
    /// Its loop has not gone round for longer than a poll and an attempt's timeout allow.
    Stalled,
    /// It goes round but cannot claim deliveries (the database refuses).
    Failing,
}

impl WorkerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Running => "running",
            Self::Stopped => "stopped",
            Self::Stalled => "stalled",
            Self::Failing => "failing",
        }
    }

    /// Whether the process can be sent traffic: a process without a worker can.
    pub fn is_healthy(self) -> bool {
        matches!(self, Self::Off | Self::Running)
    }
}

impl Worker {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        sender: Sender,
        timing: Timing,
        policy: DeliveryPolicy,
        links: LinkUrls,
    ) -> Self {
        let Timing { timeout, poll } = timing;
        Self {
            store,
            clock,
            sender,
            name: format!("wrk_{}", uuid::Uuid::now_v7().simple()),
            claims: AtomicU64::new(0),
            poll,
            lease: timeout + LEASE_MARGIN,
            policy,
            links,
            health: Arc::new(Health {
                started: Instant::now(),
                beat: AtomicU64::new(0),
                claims_failing: AtomicBool::new(false),
                // A turn waits at most a poll, or an attempt (bounded by the timeout) when
                // every slot is busy; a claim may wait for a database connection.
                stale_after: poll + timeout + Duration::from_secs(30),
            }),
        }
    }

    pub fn spawn(self, changes: broadcast::Receiver<crate::server::live::Change>) -> WorkerHandle {
        let cancel = CancellationToken::new();
        let health = self.health.clone();
        let task = tokio::spawn(Arc::new(self).run(cancel.clone(), changes));
        WorkerHandle {
            cancel,
            task: Arc::new(Mutex::new(Some(task))),
            health,
        }
    }

    async fn run(self: Arc<Self>, cancel: CancellationToken, mut changes: broadcast::Receiver<crate::server::live::Change>) {
        let mut listening = true;
        tracing::info!(worker = %self.name, "webhook worker started");
        let mut in_flight = JoinSet::new();
        loop {
            self.health.beat();
            while in_flight.try_join_next().is_some() {}
            let room = MAX_IN_FLIGHT - in_flight.len();
            let claimed = if room > 0 { self.claim(room).await } else { Vec::new() };
            let full = claimed.len() == room;
            for delivery in claimed {
                in_flight.spawn(self.clone().deliver(delivery));
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(self.poll), if !full => {}
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                // A number changed, so an event was likely just committed: claim now. A
                // burst of changes becomes one claim, at most one per WAKE_GAP.
                woken = changes.recv(), if listening && !full => {
                    if matches!(woken, Err(broadcast::error::RecvError::Closed)) {
                        listening = false;
                    }
                    tokio::time::sleep(WAKE_GAP).await;
                    while changes.try_recv().is_ok() {}
                }
            }
        }
        // Attempts under way finish (each is bounded by the timeout) rather than wait out
        // their lease in another process.
        while in_flight.join_next().await.is_some() {}
        tracing::info!(worker = %self.name, "webhook worker stopped");
    }

    async fn claim(&self, limit: usize) -> Vec<ClaimedDelivery> {
        let lease = format!("{}:{}", self.name, self.claims.fetch_add(1, Ordering::Relaxed));
        let now = self.clock.now();
        let until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let claimed = self.store.claim_deliveries(&lease, now, until, limit as i64, &self.policy).await;
        self.health.claims_failing.store(claimed.is_err(), Ordering::Relaxed);
        match claimed {
            Ok(claimed) => claimed,
            Err(err) => {
                // SQLite answers "busy" under contention; the next poll tries again.
                tracing::warn!(worker = %self.name, error = %err, "could not claim webhook deliveries");
                Vec::new()
            }
        }
    }

    #[tracing::instrument(skip_all, fields(delivery.id = %d.id, tenant.id = %d.tenant_id, webhook.id = %d.webhook_id, event.id = %d.event_id))]
    async fn deliver(self: Arc<Self>, mut d: ClaimedDelivery) {
        let at = self.clock.now();
        if let Some(body) = self.links.complete(&d.body) {
            d.body = body;
        }
        let outcome = self.sender.post(&d.url, headers(&d, at), d.body.clone()).await;
        let next = next_step(&d, &outcome, at);
        metrics::histogram!(crate::server::metrics::WEBHOOK_DURATION).record(outcome.latency.as_secs_f64());
        let attempt = NewAttempt {
            id: AttemptId::generate(),
            status_code: outcome.status.map(i64::from),
            error: outcome.error.clone(),
            latency_ms: i64::try_from(outcome.latency.as_millis()).unwrap_or(i64::MAX),
            response_body: outcome.response_snippet.clone(),
            at,
        };
        let recorded = self.store.finish_delivery(&d, &attempt, next, &self.policy).await;
        let outcome_label = match (&recorded, next) {
            (Ok(true), NextStep::Delivered) => "delivered",
            (Ok(true), NextStep::RetryAt { .. }) => "retry",
            (Ok(true), NextStep::Dead) => "dead",
            (Ok(false), _) => "lease_lost",
            (Err(_), _) => "unrecorded",
        };
        metrics::counter!(crate::server::metrics::WEBHOOK_ATTEMPTS, "outcome" => outcome_label).increment(1);
        match recorded {
            Ok(true) => tracing::debug!(status = ?outcome.status, error = ?outcome.error, next = ?next, "webhook attempt recorded"),
            Ok(false) => tracing::warn!("webhook attempt finished after its lease was taken over; logged only"),
            Err(err) => tracing::error!(error = %err, "could not record a webhook attempt; it will be retried when the lease ends"),
        }
    }
}

/// `content-type`, both signature schemes and the Standard Webhooks id and timestamp.
/// `webhook-id` is the event id, the same on every retry, so receivers can dedupe.
fn headers(d: &ClaimedDelivery, at: DateTime<Utc>) -> HeaderMap {
    let timestamp = at.timestamp();
    let signed = signer::sign(&d.secret, d.event_id.as_str(), timestamp, d.body.as_bytes());
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in [
        ("webhook-id", d.event_id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signed.standard),
        ("x-pilot-status-signature", signed.pilot_status),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers
}

/// An attempt's request headers as the dashboard shows them: the same names as [`headers`]
/// sends; the signatures are derived from the secret, so they are named, not shown.
pub fn shown_headers(event_id: &str, at: DateTime<Utc>) -> Vec<(String, String)> {
    let hidden = "(signature, not shown)".to_owned();
    [
        ("content-type", "application/json".to_owned()),
        ("user-agent", concat!("Pairlink-Webhooks/", env!("CARGO_PKG_VERSION")).to_owned()),
        ("webhook-id", event_id.to_owned()),
        ("webhook-timestamp", at.timestamp().to_string()),
        ("webhook-signature", hidden.clone()),
        ("x-pilot-status-signature", hidden),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn next_step(d: &ClaimedDelivery, outcome: &Outcome, at: DateTime<Utc>) -> NextStep {
    if outcome.succeeded() {
        return NextStep::Delivered;
    }
    let retry_after = match outcome.status {
        Some(429 | 503) => outcome.retry_after.as_deref().and_then(|v| parse_retry_after(v, at)),
        _ => None,
    };
    match after_failure(d.step, retry_after, &mut rand::rng()) {
        AfterFailure::RetryIn { delay, step } => NextStep::RetryAt {
            at: at + chrono::Duration::from_std(delay).unwrap_or_default(),
            step,
        },
        AfterFailure::GiveUp => NextStep::Dead,
    }
}

/// Stops the worker: `shutdown` lets attempts under way finish, `abort` drops them (their
/// leases run out and another worker retries them), like a crash.
#[derive(Clone)]
pub struct WorkerHandle {
    cancel: CancellationToken,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
    health: Arc<Health>,
}

impl WorkerHandle {
    pub fn status(&self) -> WorkerStatus {
        let running = self
            .task
            .lock()
            .expect("worker handle lock")
            .as_ref()
            .is_some_and(|t| !t.is_finished());
        if !running {
            return WorkerStatus::Stopped;
        }
        let h = &self.health;
        let last = Duration::from_millis(h.beat.load(Ordering::Relaxed));
        if h.started.elapsed().saturating_sub(last) > h.stale_after {
            WorkerStatus::Stalled
        } else if h.claims_failing.load(Ordering::Relaxed) {
            WorkerStatus::Failing
        } else {
            WorkerStatus::Running
        }
    }

    pub async fn shutdown(&self) {
        self.cancel.cancel();
        let task = self.task.lock().expect("worker handle lock").take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    pub fn abort(&self) {
        self.cancel.cancel();
        if let Some(task) = self.task.lock().expect("worker handle lock").take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::domain::{DeliveryId, EventId, TenantId, WebhookId, WebhookSecret};

    fn claim(step: i64) -> ClaimedDelivery {
        ClaimedDelivery {
            id: DeliveryId::generate(),
            lease: "w:0".into(),
            tenant_id: TenantId::generate(),
            webhook_id: WebhookId::generate(),
            event_id: EventId::generate(),
            attempts: step,
            step,
            url: "https://hooks.example.com/".into(),
            secret: WebhookSecret::generate(),
            body: r#"{"event":"number.created","data":{}}"#.into(),
        }
    }

    fn answered(status: u16, retry_after: Option<&str>) -> Outcome {
        Outcome {
            status: Some(status),
            retry_after: retry_after.map(str::to_owned),
            ..Outcome::default()
        }
    }

    #[test]
    fn success_failure_and_exhaustion() {
        let at = Utc::now();
        assert_eq!(next_step(&claim(0), &answered(204, None), at), NextStep::Delivered);
        let NextStep::RetryAt { at: next, step } = next_step(&claim(0), &answered(500, None), at) else {
            panic!("a 500 is retried")
        };
        assert_eq!(step, 1);
        assert!(next - at >= chrono::Duration::seconds(4) && next - at <= chrono::Duration::seconds(6));
        assert_eq!(next_step(&claim(8), &answered(500, None), at), NextStep::Dead);
        assert_eq!(next_step(&claim(8), &Outcome::default(), at), NextStep::Dead);
    }

    #[test]
    fn retry_after_counts_only_on_429_and_503() {
        let at = Utc::now();
        for status in [429, 503] {
            let NextStep::RetryAt { at: next, .. } = next_step(&claim(0), &answered(status, Some("600")), at) else {
                panic!()
            };
            assert_eq!(next - at, chrono::Duration::seconds(600), "{status}");
        }
        let NextStep::RetryAt { at: next, .. } = next_step(&claim(0), &answered(500, Some("600")), at) else {
            panic!()
        };
        assert!(next - at <= chrono::Duration::seconds(6));
    }

    #[test]
    fn headers_carry_the_event_id_timestamp_and_both_signatures() {
        let d = claim(0);
        let at = Utc::now();
        let h = headers(&d, at);
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["webhook-id"], d.event_id.as_str());
        assert_eq!(h["webhook-timestamp"], at.timestamp().to_string().as_str());
        let signed = signer::sign(&d.secret, d.event_id.as_str(), at.timestamp(), d.body.as_bytes());
        assert_eq!(h["webhook-signature"], signed.standard.as_str());
        assert_eq!(h["x-pilot-status-signature"], signed.pilot_status.as_str());
    }
}
