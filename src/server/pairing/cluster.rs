//! One owner per number, cluster-wide. A number's linking window and its session run on the
//! process that holds its lease (the `session_leases` row the embedded engine uses too, under
//! the same holder name); any other process that must act on the number asks the owner
//! through a command row and a notification, and waits for the owner's answer. A lease
//! nobody renews runs out, and the next process to need the number takes it over.
//!
//! Lease ends are the database's clock (see `store::SessionStore`); the waits here are real
//! time, not the app's clock (tests move that one): they measure whether processes are alive.
//!
//! A command runs at most once. An asker withdraws a command its holder has not taken within
//! [`TAKEN_WITHIN`] (the holder is dead or stuck; withdrawn, it can never run) and looks at
//! the lease again; one the holder took is waited for, never sent again, for as long as the
//! holder still holds the number (a holder answers every command within [`RUNS_WITHIN`]).
//!
//! On SQLite one process owns the database file (a lock enforces it), so its holder name is
//! fixed: a restarted process finds its own leases, not a dead stranger's.
use std::{
    collections::HashSet,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use chrono::Utc;
use serde_json::Value;
use tokio::time::Instant;

use super::commands::{Action, Failure, FailureKind};
use crate::server::{
    domain::NumberId,
    live::Live,
    store::{Command, Store},
};

/// How long a live holder takes to pick a command up: it is woken by a notification, and
/// reads its commands every `RECHECK * 2` whatever happens.
pub const TAKEN_WITHIN: Duration = Duration::from_secs(2);
/// How long a holder lets one command run before it answers that it timed out.
pub const RUNS_WITHIN: Duration = Duration::from_secs(30);
/// Commands and answers are announced; this is the safety net under lost notifications.
const RECHECK: Duration = Duration::from_millis(500);
/// How often an asker waiting for a taken command checks that its holder still lives.
const HOLDER_RECHECK: Duration = Duration::from_secs(1);

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
    lease: Duration,
    /// The numbers whose lease this process holds (renewed by [`Cluster::renew`]).
    owned: Mutex<HashSet<NumberId>>,
    /// Set by [`Cluster::release_all`]: a stopping process takes nothing on.
    stopping: std::sync::atomic::AtomicBool,
    /// Starting something for a number (claim, then start) and letting it go when nothing
    /// runs (look, then release) take turns per number, or a release decided on an old
    /// window's end would drop the lease of the window just opened (striped: bounded memory).
    turns: Vec<tokio::sync::Mutex<()>>,
}

/// Stripes of [`Inner::turns`].
const TURNS: usize = 64;

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
                lease,
                owned: Mutex::new(HashSet::new()),
                stopping: Default::default(),
                turns: (0..TURNS).map(|_| tokio::sync::Mutex::new(())).collect(),
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
        self.inner.lease / 3
    }

    fn owned(&self) -> std::sync::MutexGuard<'_, HashSet<NumberId>> {
        self.inner.owned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `number`'s turn: held while something starts for it, or while it is let go.
    pub async fn turn(&self, number: &NumberId) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        number.hash(&mut hasher);
        self.inner.turns[(hasher.finish() as usize) % TURNS].lock().await
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
            if self.inner.store.acquire_lease(number, &self.inner.holder, self.inner.lease).await? {
                self.owned().insert(number.clone());
                return Ok(Owner::Here);
            }
            if let Some(holder) = self.inner.store.lease_holder(number).await? {
                self.owned().remove(number);
                return Ok(Owner::There(holder));
            }
        }
        // Nothing was run: the caller may simply try again (409 NUMBER_MOVING).
        Err(Failure::new(FailureKind::NoAnswer, "the lease on this number keeps changing hands"))
    }

    /// Who holds `number`'s lease now, if anyone (this process included).
    pub async fn holder_of(&self, number: &NumberId) -> Result<Option<String>, Failure> {
        Ok(self.inner.store.lease_holder(number).await?)
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

    /// Renews every lease this process holds, in one statement; returns the ones it no longer
    /// holds (another process took them): whatever runs here for them must stop at once. A
    /// stopping process renews nothing: the leases it gives up stay given up.
    pub async fn renew(&self) -> Vec<NumberId> {
        if self.stopping() {
            return Vec::new();
        }
        // Only a lease held before this renewal began can be lost by it: one claimed while the
        // statement ran is not in its answer, and taken for lost, its session was stopped
        // while the row (renewed by holder name ever after) kept every other process off it.
        let before = self.owned().clone();
        let held = match self.inner.store.renew_leases(&self.inner.holder, self.inner.lease).await {
            Ok(held) => held.into_iter().collect::<HashSet<_>>(),
            // Kept: the next renewal tries again, well within the lease.
            Err(err) => {
                tracing::warn!(error = %err, "could not renew this process's leases");
                return Vec::new();
            }
        };
        let mut owned = self.owned();
        let lost: Vec<NumberId> = owned
            .iter()
            .filter(|n| before.contains(*n) && !held.contains(*n))
            .cloned()
            .collect();
        for number in &lost {
            tracing::warn!(number.id = %number, "lease lost to another process; stopping what runs here for it");
            owned.remove(number);
        }
        // Leases taken for this process by an engine's own start (same holder name) follow
        // the process's renewals too.
        owned.extend(held);
        lost
    }

    /// The numbers this process holds, as far as it knows.
    pub fn held(&self) -> Vec<NumberId> {
        self.owned().iter().cloned().collect()
    }

    /// Stops taking anything on (a graceful stop begins): claims fail, renewals stop.
    pub fn stop_taking(&self) {
        self.inner.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether [`Cluster::release_all`] ran.
    pub fn stopping(&self) -> bool {
        self.inner.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Gives up every lease and takes no more (a graceful stop, once nothing runs here any
    /// more); returns the numbers let go.
    pub async fn release_all(&self) -> Vec<NumberId> {
        self.stop_taking();
        let numbers: Vec<NumberId> = self.owned().drain().collect();
        for number in &numbers {
            if let Err(err) = self.inner.store.release_lease(number, &self.inner.holder).await {
                tracing::warn!(number.id = %number, error = %err, "could not release a lease");
            }
        }
        numbers
    }

    /// Asks `holder` to do `action` on `number` and waits for its answer. `None` when the
    /// holder did not take the command in time: it was withdrawn, never ran, and the caller
    /// may look at the lease again. A command taken is waited for while its holder holds
    /// the number; if the holder dies with it, the answer is a failure whose outcome is
    /// unknown, never a second run.
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
        let answer = self.wait_for(&id, holder, number, &mut answered).await;
        if let Err(err) = self.inner.store.delete_command(&id).await {
            tracing::warn!(error = %err, "could not delete an answered command");
        }
        answer
    }

    async fn wait_for(
        &self,
        id: &str,
        holder: &str,
        number: &NumberId,
        answered: &mut crate::server::live::NumberChanges,
    ) -> Result<Option<Result<Value, Failure>>, Failure> {
        let asked = Instant::now();
        let mut holder_checked = Instant::now();
        loop {
            let progress = self.inner.store.command_progress(id).await?;
            match progress {
                Some(p) if p.result.is_some() => {
                    let result = p.result.unwrap_or_default();
                    return Ok(Some(
                        serde_json::from_str(&result).unwrap_or_else(|e| Err(Failure::unavailable(&e.to_string()))),
                    ));
                }
                Some(p) if !p.taken && asked.elapsed() >= TAKEN_WITHIN => {
                    if self.inner.store.cancel_command(id).await? {
                        return Ok(None);
                    }
                    // Taken at this very moment: wait for it like any other.
                }
                Some(p) if p.taken && holder_checked.elapsed() >= HOLDER_RECHECK => {
                    holder_checked = Instant::now();
                    if self.inner.store.lease_holder(number).await?.as_deref() != Some(holder) {
                        return Ok(Some(Err(Failure::new(
                            FailureKind::Interrupted,
                            "the process running this command stopped before it answered; its outcome is unknown",
                        ))));
                    }
                }
                Some(_) => {}
                // Forgotten (the sweep drops commands older than any wait): nothing more to learn.
                None => {
                    return Ok(Some(Err(Failure::new(
                        FailureKind::Interrupted,
                        "the command was forgotten before it was answered",
                    ))));
                }
            }
            let _ = tokio::time::timeout(RECHECK, answered.changed()).await;
        }
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
                                // Every command is answered, so its asker never waits forever.
                                let result = match tokio::time::timeout(RUNS_WITHIN, run(command)).await {
                                    Ok(result) => result,
                                    Err(_) => Err(Failure::new(
                                        FailureKind::Interrupted,
                                        "the command took too long; its outcome is unknown",
                                    )),
                                };
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
