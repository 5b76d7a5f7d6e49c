//! The delivery worker: claims due deliveries under a lease, sends them, records every
//! attempt and schedules the next. Any number of workers (processes) may share a database;
//! the lease keeps each delivery with one of them at a time, and a crashed worker's leases
//! simply run out, so every committed event is delivered at least once.
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use super::{
    client::{Outcome, Sender},
    schedule::{AfterFailure, after_failure, parse_retry_after},
    signer,
};
use crate::server::{
    clock::Clock,
    domain::AttemptId,
    store::{ClaimedDelivery, NewAttempt, NextStep, Store},
};

/// Deliveries one process sends at the same time.
const MAX_IN_FLIGHT: usize = 16;
/// A lease outlives the attempt's timeout by this much, so it only runs out on a worker
/// that stopped.
const LEASE_MARGIN: Duration = Duration::from_secs(60);

pub struct Worker {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sender: Sender,
    name: String,
    claims: AtomicU64,
    poll: Duration,
    lease: Duration,
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, sender: Sender, timeout: Duration, poll: Duration) -> Self {
        Self {
            store,
            clock,
            sender,
            name: format!("wrk_{}", uuid::Uuid::now_v7().simple()),
            claims: AtomicU64::new(0),
            poll,
            lease: timeout + LEASE_MARGIN,
        }
    }

    pub fn spawn(self) -> WorkerHandle {
        let cancel = CancellationToken::new();
        let task = tokio::spawn(Arc::new(self).run(cancel.clone()));
        WorkerHandle {
            cancel,
            task: Arc::new(Mutex::new(Some(task))),
        }
    }

    async fn run(self: Arc<Self>, cancel: CancellationToken) {
        tracing::info!(worker = %self.name, "webhook worker started");
        let mut in_flight = JoinSet::new();
        loop {
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
        match self.store.claim_deliveries(&lease, now, until, limit as i64).await {
            Ok(claimed) => claimed,
            Err(err) => {
                // SQLite answers "busy" under contention; the next poll tries again.
                tracing::warn!(worker = %self.name, error = %err, "could not claim webhook deliveries");
                Vec::new()
            }
        }
    }

    #[tracing::instrument(skip_all, fields(delivery.id = %d.id, tenant.id = %d.tenant_id, webhook.id = %d.webhook_id, event.id = %d.event_id))]
    async fn deliver(self: Arc<Self>, d: ClaimedDelivery) {
        let at = self.clock.now();
        let outcome = self.sender.post(&d.url, headers(&d, at), d.body.clone()).await;
        let next = next_step(&d, &outcome, at);
        let attempt = NewAttempt {
            id: AttemptId::generate(),
            status_code: outcome.status.map(i64::from),
            error: outcome.error.clone(),
            latency_ms: i64::try_from(outcome.latency.as_millis()).unwrap_or(i64::MAX),
            response_body: outcome.response_snippet.clone(),
            at,
        };
        match self.store.finish_delivery(&d, &attempt, next).await {
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
}

impl WorkerHandle {
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
