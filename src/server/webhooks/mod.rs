//! Outgoing webhooks: the SSRF guard, signatures, the HTTP client and the delivery worker.
//! What to deliver is decided by the store (one delivery per event and matching endpoint,
//! written with the event); this module gets it there.
pub mod client;
pub mod guard;
pub mod schedule;
pub mod signer;
pub mod worker;

use std::{sync::Arc, time::Duration};

use self::{
    client::Sender,
    guard::{AddressGuard, Allowlist},
    worker::WorkerHandle,
};
use super::{
    clock::Clock,
    config::{Config, ConfigError, invalid},
    store::Store,
};

/// The webhook settings only this subsystem can read (the allowlist's syntax).
pub fn check_config(config: &Config) -> Result<(), ConfigError> {
    match Allowlist::parse(&config.webhook_allowlist) {
        Ok(_) => Ok(()),
        Err(message) => invalid("webhook_allowlist", &message),
    }
}

/// The webhook machinery an app holds: the guard the API checks URLs with, and the worker
/// when this process runs one.
#[derive(Clone)]
pub struct Webhooks {
    pub guard: Arc<AddressGuard>,
    worker: Option<WorkerHandle>,
}

impl Webhooks {
    /// Starts the worker if the configuration asks for it.
    /// `changes` are the live updates (see `Live`): the worker looks for deliveries as soon
    /// as a number changes, rather than at its next poll.
    pub fn start(
        config: &Config,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        changes: tokio::sync::broadcast::Receiver<super::live::Change>,
        links: worker::LinkUrls,
    ) -> anyhow::Result<Self> {
        let allowlist = Allowlist::parse(&config.webhook_allowlist).map_err(anyhow::Error::msg)?;
        let guard = Arc::new(AddressGuard::new(allowlist));
        let worker = if config.webhook_worker {
            let timeout = Duration::from_secs(config.webhook_timeout_seconds);
            let sender = Sender::new(timeout, guard.clone())?;
            let poll = Duration::from_millis(config.webhook_poll_millis);
            let policy = super::store::DeliveryPolicy {
                in_flight_per_tenant: config.webhook_in_flight_per_tenant.into(),
                in_flight_per_endpoint: config.webhook_in_flight_per_endpoint.into(),
                failures_to_open: config.webhook_circuit_failures.into(),
                open_for: chrono::Duration::seconds(config.webhook_circuit_open_seconds as i64),
            };
            let timing = worker::Timing { timeout, poll };
            Some(worker::Worker::new(store, clock, sender, timing, policy, links).spawn(changes))
        } else {
            None
        };
        Ok(Self { guard, worker })
    }

    /// How this process's worker is doing, for `/readyz`.
    pub fn worker_status(&self) -> worker::WorkerStatus {
        self.worker.as_ref().map_or(worker::WorkerStatus::Off, WorkerHandle::status)
    }

    /// Stops claiming and waits for the attempts under way.
    pub async fn shutdown(&self) {
        if let Some(worker) = &self.worker {
            worker.shutdown().await;
        }
    }

    /// Stops at once, dropping attempts under way, as a crash would.
    pub fn abort(&self) {
        if let Some(worker) = &self.worker {
            worker.abort();
        }
    }
}
