//! One owner per number, cluster-wide. A number's linking window and its session run on the
//! process that holds its lease (the `session_leases` row the embedded engine uses too, under
//! the same holder name); any other process that must act on the number asks the owner
//! through a command row and a notification, and waits for the owner's answer. A lease
//! nobody renews runs out, and the next process to need the number takes it over.
//!
//! Leases and commands run on real time, not the app's clock (tests move that one): they
//! measure whether processes are alive.
//!
//! On SQLite one process owns the database file, so its holder name is fixed: a restarted
//! process finds its own leases, not a dead stranger's.
use std::{
    collections::HashSet,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use chrono::Utc;
use serde_json::Value;

use super::commands::{Action, Failure, FailureKind};
use crate::server::{
    domain::NumberId,
    live::Live,
    store::{Command, Store},
};

/// How long an asker waits for the owner's answer before it looks at the lease again.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);
/// Commands and answers are announced; this is the safety net under lost notifications.
const RECHECK: Duration = Duration::from_millis(500);

/// Who runs a number now.
#[derive(Debug, PartialEq, Eq)]
pub enum Owner {
    Here,
    There(String),
}

#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    holder: String,
    store: Arc<dyn Store>,
    live: Live,
    lease: chrono::Duration,
    /// The numbers whose lease this process holds (renewed by [`Cluster::renew`]).
    owned: Mutex<HashSet<NumberId>>,
    /// Set by [`Cluster::release_all`]: a stopping process takes nothing on.
    stopping: std::sync::atomic::AtomicBool,
}

impl Cluster {
    pub fn new(store: Arc<dyn Store>, live: Live, lease: Duration) -> Self {
        let holder = if store.backend() == "sqlite" {
            "pairlink-local".to_owned()
        } else {
            format!("pairlink-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
        };
        Self {
            inner: Arc::new(Inner {
                holder,
                store,
                live,
                lease: chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30)),
                owned: Mutex::new(HashSet::new()),
                stopping: Default::default(),
            }),
        }
    }

    /// This process's name on its leases and in the commands sent to it.
    pub fn holder(&self) -> &str {
        &self.inner.holder
    }

    /// How often leases are renewed: a third of their length, so one missed renewal is not
    /// a lost lease.
    pub fn renew_every(&self) -> Duration {
        (self.inner.lease / 3).to_std().unwrap_or(Duration::from_secs(10))
    }

    fn owned(&self) -> std::sync::MutexGuard<'_, HashSet<NumberId>> {
        self.inner.owned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether this process holds `number`'s lease, as far as it knows.
    pub fn owns(&self, number: &NumberId) -> bool {
        self.owned().contains(number)
    }

    /// Takes `number`'s lease if nobody holds one in force; otherwise names who does.
    pub async fn claim(&self, number: &NumberId) -> Result<Owner, Failure> {
        if self.stopping() {
            return Err(Failure::new(FailureKind::NoAnswer, "this process is stopping"));
        }
        // The holder may let go between the two reads: then try again.
        for _ in 0..3 {
            // Leases measure whether processes are alive: real time, whatever the app's clock.
            let now = Utc::now();
            if self
                .inner
                .store
                .acquire_lease(number, &self.inner.holder, now, now + self.inner.lease)
                .await?
            {
                self.owned().insert(number.clone());
                return Ok(Owner::Here);
            }
            if let Some(holder) = self.inner.store.lease_holder(number, now).await? {
                self.owned().remove(number);
                return Ok(Owner::There(holder));
            }
        }
        Err(Failure::unavailable("the lease on this number keeps changing hands"))
    }

    /// Lets `number` go, so whoever needs it next takes it at once.
    pub async fn release(&self, number: &NumberId) {
        if !self.owned().remove(number) {
            return;
        }
        if let Err(err) = self.inner.store.release_lease(number, &self.inner.holder).await {
            tracing::warn!(number.id = %number, error = %err, "could not release a lease");
        }
    }

    /// Renews every lease this process holds; returns the ones another process took.
    pub async fn renew(&self) -> Vec<NumberId> {
        let numbers: Vec<NumberId> = self.owned().iter().cloned().collect();
        let mut lost = Vec::new();
        for number in numbers {
            let now = Utc::now();
            match self
                .inner
                .store
                .acquire_lease(&number, &self.inner.holder, now, now + self.inner.lease)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(number.id = %number, "lease lost to another process");
                    self.owned().remove(&number);
                    lost.push(number);
                }
                // Kept: the next renewal tries again, well within the lease.
                Err(err) => tracing::warn!(number.id = %number, error = %err, "could not renew a lease"),
            }
        }
        lost
    }

    /// Whether [`Cluster::release_all`] ran.
    pub fn stopping(&self) -> bool {
        self.inner.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Gives up every lease and takes no more (a graceful stop); returns the numbers let go.
    pub async fn release_all(&self) -> Vec<NumberId> {
        self.inner.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        let numbers: Vec<NumberId> = self.owned().drain().collect();
        for number in &numbers {
            if let Err(err) = self.inner.store.release_lease(number, &self.inner.holder).await {
                tracing::warn!(number.id = %number, error = %err, "could not release a lease");
            }
        }
        numbers
    }

    /// Asks `holder` to do `action` on `number` and waits for its answer. `None` when no
    /// answer came in time (the holder died or stopped): the caller looks at the lease again.
    pub async fn ask(&self, holder: &str, number: &NumberId, action: &Action) -> Result<Option<Result<Value, Failure>>, Failure> {
        let id = uuid::Uuid::now_v7().simple().to_string();
        // Subscribed before the command exists, so its answer cannot slip by.
        let mut answered = self.inner.live.subscribe_topic(&done_topic(&id));
        let command = Command {
            id: id.clone(),
            holder: holder.to_owned(),
            number: number.clone(),
            action: serde_json::to_string(action).map_err(|e| Failure::unavailable(&e.to_string()))?,
            created_at: Utc::now(),
        };
        self.inner.store.push_command(&command).await?;
        self.inner.live.announce(&command_topic(holder)).await;
        let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
        let answer = loop {
            if let Some(result) = self.inner.store.command_result(&id).await? {
                break Some(serde_json::from_str(&result).unwrap_or_else(|e| Err(Failure::unavailable(&e.to_string()))));
            }
            if tokio::time::Instant::now() >= deadline {
                break None;
            }
            let _ = tokio::time::timeout(RECHECK, answered.changed()).await;
        };
        if let Err(err) = self.inner.store.delete_command(&id).await {
            tracing::warn!(error = %err, "could not delete an answered command");
        }
        Ok(answer)
    }

    /// Serves the commands sent to this process until `stop` flips: each runs in a task of
    /// its own (an open waits on WhatsApp), answered through `run`.
    pub fn serve<F, Fut>(&self, run: F, mut stop: tokio::sync::watch::Receiver<bool>)
    where
        F: Fn(Command) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Value, Failure>> + Send + 'static,
    {
        let this = self.clone();
        let run = Arc::new(run);
        tokio::spawn(async move {
            let mut wake = this.inner.live.subscribe_topic(&command_topic(&this.inner.holder));
            loop {
                match this.inner.store.take_commands(&this.inner.holder, Utc::now()).await {
                    Ok(commands) => {
                        for command in commands {
                            let (this, run) = (this.clone(), run.clone());
                            tokio::spawn(async move {
                                let id = command.id.clone();
                                let result = run(command).await;
                                let text = serde_json::to_string(&result).unwrap_or_default();
                                if let Err(err) = this.inner.store.finish_command(&id, &text, Utc::now()).await {
                                    tracing::warn!(error = %err, "could not answer a command");
                                }
                                this.inner.live.announce(&done_topic(&id)).await;
                            });
                        }
                    }
                    Err(err) => tracing::warn!(error = %err, "could not read the commands sent to this process"),
                }
                tokio::select! {
                    _ = wake.changed() => {}
                    _ = tokio::time::sleep(RECHECK * 2) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }
}

fn command_topic(holder: &str) -> String {
    format!("cmd:{holder}")
}

fn done_topic(id: &str) -> String {
    format!("done:{id}")
}
