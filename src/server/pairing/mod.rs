//! The pairing runtime: what happens between "open a linking window" and "the number is
//! connected", for every engine, on any number of processes sharing one database.
//!
//! Services ask [`Runtime`] to open windows, to watch them and to act on a number; it runs
//! the action on the process that owns the number (`cluster`: one lease per number) or asks
//! that process to, through the database. Engines report to it (`windows`): it checks what
//! they report (the expected phone), shares what the page shows (`link_views`), records the
//! number's state and events (`events`) and announces the change.
pub mod cluster;
pub mod commands;
pub mod events;
pub mod funnel;
pub mod repair;
pub mod windows;

use std::sync::Arc;

use serde_json::{Value, json};

use self::{
    cluster::{Cluster, Owner},
    commands::{Action, Failure, FailureKind},
    windows::{WatchGuard, Windows},
};
use crate::server::{
    clock::Clock,
    domain::{NumberId, NumberState, PhoneE164, passkey::Assertion},
    engines::{Engine, EngineKind, LinkState, NumberCtx},
    live::Live,
    store::{Number, Store, StoredView},
};

/// How long commands nobody deleted are kept (an asker that died before it read its answer).
const COMMANDS_KEPT: chrono::Duration = chrono::Duration::minutes(10);

/// Where an action ran: here (with its result), or not, because `Elsewhere` holds the lease.
enum Ran {
    Here(Result<Value, Failure>),
    Elsewhere(String),
}

#[derive(Clone)]
pub struct Runtime {
    windows: Windows,
    cluster: Cluster,
    store: Arc<dyn Store>,
    live: Live,
    clock: Arc<dyn Clock>,
    /// Flipped by [`Runtime::hand_over`]: page streams served here end, and their browsers
    /// reconnect through the load balancer to a process that stays.
    draining: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Runtime {
    pub fn new(windows: Windows, cluster: Cluster, store: Arc<dyn Store>, live: Live, clock: Arc<dyn Clock>) -> Self {
        Self {
            windows,
            cluster,
            store,
            live,
            clock,
            draining: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }

    pub fn windows(&self) -> &Windows {
        &self.windows
    }

    /// This process's name on leases (the embedded engine's too).
    pub fn holder(&self) -> &str {
        self.cluster.holder()
    }

    /// Flips when this process hands its work over (see [`Runtime::hand_over`]).
    pub fn draining(&self) -> tokio::sync::watch::Receiver<bool> {
        self.draining.subscribe()
    }

    /// Opens (or joins) the number's linking window, with a pairing code for its phone:
    /// one window per number however many processes are asked at once.
    pub async fn open(&self, number: &Number) -> Result<LinkState, Failure> {
        let action = Action::Open {
            code_for: Some(number.phone.e164()),
        };
        let value = self.act(number, action).await?;
        serde_json::from_value(value).map_err(|e| Failure::unavailable(&e.to_string()))
    }

    /// What the number's page shows now, the same on every process.
    pub async fn status(&self, engine: &dyn Engine, number: &Number) -> LinkState {
        self.windows.status(engine, &NumberCtx::of(number)).await.unwrap_or(LinkState::Idle)
    }

    /// The same, from the shared view the caller read with the number (one query a poll).
    pub async fn status_from(&self, engine: &dyn Engine, number: &Number, view: Option<StoredView>) -> LinkState {
        self.windows
            .status_from(engine, &NumberCtx::of(number), view)
            .await
            .unwrap_or(LinkState::Idle)
    }

    /// Counts a page as watching the number until the guard drops.
    pub fn watch(&self, number: &Number) -> WatchGuard {
        self.windows.watch(&NumberCtx::of(number))
    }

    /// Runs `action` on the number's owner: here when this process holds (or can take) its
    /// lease, else on the holder, asked through the database. Runs it at most once: a command
    /// the holder took is waited for, never sent again; one it did not take in time was
    /// withdrawn, and the lease is looked at again only if it changed hands meanwhile.
    pub async fn act(&self, number: &Number, action: Action) -> Result<Value, Failure> {
        for _ in 0..3 {
            if self.stopping() {
                return Err(Failure::new(
                    FailureKind::NoAnswer,
                    "this process is stopping; another runs the number",
                ));
            }
            match self.run_if_owner(number, &action).await? {
                Ran::Here(answer) => return answer,
                Ran::Elsewhere(holder) => match self.cluster.ask(&holder, &number.id, &action).await? {
                    // The holder let go meanwhile: look again.
                    Some(Err(f)) if f.kind == FailureKind::NoAnswer => continue,
                    Some(answer) => return answer,
                    None => {
                        tracing::warn!(number.id = %number.id, holder = %holder, "the process that runs this number did not take a command");
                        // Still its number: it is dead or stuck, and its lease will run out.
                        if self.cluster.holder_of(&number.id).await?.as_deref() == Some(holder.as_str()) {
                            break;
                        }
                    }
                },
            }
        }
        Err(Failure::new(
            FailureKind::NoAnswer,
            "the process that runs this number is not answering; try again in a few seconds",
        ))
    }

    /// Runs `action` here when this process holds (or can take) the number's lease; else
    /// names the holder.
    async fn run_if_owner(&self, number: &Number, action: &Action) -> Result<Ran, Failure> {
        let was_ours = self.cluster.owns(&number.id);
        Ok(match self.cluster.claim(&number.id).await? {
            Owner::Here => {
                let answer = self.run_here(number, action, !was_ours).await;
                self.settle(number).await;
                Ran::Here(answer)
            }
            Owner::There(holder) => Ran::Elsewhere(holder),
        })
    }

    /// Gives the number's lease up when nothing runs for it here any more (an action that
    /// found nothing to do, a session that ended): a lease is held exactly while a window or
    /// session runs, so an idle one never keeps others from a number.
    async fn settle(&self, number: &Number) {
        let Some(engine) = self.windows.engines().and_then(|e| e.get(&number.engine)) else {
            return;
        };
        if !engine.kind().runs_here() {
            return;
        }
        let _turn = self.cluster.turn(&number.id).await;
        let state = engine.status(&NumberCtx::of(number)).await.unwrap_or(LinkState::Idle);
        if !runs(&state) {
            self.cluster.release(&number.id).await;
        }
    }

    /// Runs `action` here, where the number's lease is held. A number this process just took
    /// over is re-attached first (a connected sandbox phone, an embedded session).
    async fn run_here(&self, number: &Number, action: &Action, fresh: bool) -> Result<Value, Failure> {
        let engines = self.windows.engines().ok_or_else(|| Failure::unavailable("engines not ready"))?;
        let engine = engines
            .get(&number.engine)
            .ok_or_else(|| Failure::new(FailureKind::NotFound, "no engine for this number on this server"))?;
        let ctx = NumberCtx::of(number);
        // Taken over: the session comes back here first (not to be deleted: that wipes it).
        if fresh && number.state == NumberState::Open && action != &Action::Delete {
            engine.resume(&ctx).await?;
        }
        let phone = |p: &str| PhoneE164::parse("phone", p).map_err(|_| Failure::new(FailureKind::Conflict, "not a phone number"));
        let sandbox = || {
            engines
                .sandbox()
                .cloned()
                .ok_or_else(|| Failure::new(FailureKind::Unsupported, "the sandbox is not enabled"))
        };
        match action {
            Action::Open { code_for } => {
                let code_for = code_for.as_deref().map(phone).transpose()?;
                let state = self.windows.open(engine.as_ref(), &ctx, code_for).await?;
                Ok(serde_json::to_value(state).unwrap_or_default())
            }
            Action::Reopen => match self.windows.reopen_for(&ctx, true).await {
                Ok(()) => Ok(Value::Null),
                Err(skipped) => Err(Failure::new(FailureKind::Conflict, format!("not reopened: {skipped:?}"))),
            },
            Action::Send { to, body, id } => Ok(json!(engine.send_text(&ctx, &phone(to)?, body, id.as_deref()).await?)),
            Action::Scan { phone: from } => {
                let from = from.as_deref().map(phone).transpose()?;
                sandbox()?.scan_from(&number.id, from.as_ref()).await?;
                Ok(Value::Null)
            }
            Action::Unlink => {
                sandbox()?.unlink(&number.id).await?;
                Ok(Value::Null)
            }
            Action::Passkey { credential } => {
                sandbox()?.ask_passkey(&number.id, credential.clone()).await?;
                Ok(Value::Null)
            }
            Action::PasskeyAssertion { assertion } => {
                let unreadable = |e: String| Failure::new(FailureKind::Conflict, format!("the assertion is unreadable: {e}"));
                let json = serde_json::from_str(assertion).map_err(|e| unreadable(e.to_string()))?;
                let assertion = Assertion::decode(&json).map_err(|e| unreadable(e.to_string()))?;
                engine.passkey_response(&ctx, &assertion).await?;
                Ok(Value::Null)
            }
            Action::PasskeyConfirm => {
                engine.passkey_confirm(&ctx).await?;
                Ok(Value::Null)
            }
            Action::Fail { reason } => {
                sandbox()?.fail(&number.id, reason).await?;
                Ok(Value::Null)
            }
            Action::Release | Action::Delete => {
                self.windows.forget(&number.id);
                engine.delete(&ctx).await?;
                // Nothing runs for it here any more: the lease goes with the session.
                self.cluster.release(&number.id).await;
                Ok(Value::Null)
            }
        }
    }

    /// Serves the commands other processes send here, renews this process's leases (one
    /// statement a tick) and stops at once whatever runs here for a lease it lost, and takes
    /// over `OPEN` numbers whose session runs nowhere; until `stop` flips.
    pub fn start(&self, stop: tokio::sync::watch::Receiver<bool>) {
        let this = self.clone();
        self.cluster.serve(
            move |command| {
                let this = this.clone();
                async move { this.answer(command).await }
            },
            stop.clone(),
        );
        // Two loops: a slow adoption (a resume that connects) must never hold a renewal
        // back, or this process's own leases lapse under it.
        let (this, mut halt) = (self.clone(), stop.clone());
        tokio::spawn(async move {
            let mut renew = tokio::time::interval(this.cluster.renew_every());
            renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = renew.tick() => {
                        for lost in this.cluster.renew().await {
                            // Unless taken back since (a new window here).
                            if !this.cluster.owns(&lost) {
                                this.stop_running(&lost).await;
                            }
                        }
                    }
                    _ = halt.changed() => return,
                }
            }
        });
        let (this, mut halt) = (self.clone(), stop);
        tokio::spawn(async move {
            let mut adopt = tokio::time::interval(this.cluster.renew_every());
            adopt.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = adopt.tick() => this.adopt_orphans().await,
                    _ = halt.changed() => return,
                }
            }
        });
    }

    /// Ends what this process runs for `number` (its window, its engine's client) without
    /// touching the lease, which is not (or no longer) this process's.
    async fn stop_running(&self, number: &NumberId) {
        self.windows.forget(number);
        let engines = self.windows.engines().cloned().unwrap_or_default();
        if let Ok(Some(n)) = self.store.find_number_anywhere(number).await
            && let Some(engine) = engines.get(&n.engine)
        {
            engine.let_go(&NumberCtx::of(&n)).await;
        }
    }

    /// Takes over the `OPEN` numbers of engines that run sessions in-process whose lease
    /// nobody holds (their process died, or a resume failed and let go): within a lease of
    /// the loss, some process runs each of them again.
    async fn adopt_orphans(&self) {
        let engines = self.windows.engines().cloned().unwrap_or_default();
        for kind in [EngineKind::Sandbox, EngineKind::Embedded] {
            let Some(engine) = engines.get(kind.as_str()) else { continue };
            let orphans = match self.store.orphaned_sessions(kind.as_str()).await {
                Ok(orphans) => orphans,
                Err(err) => return tracing::warn!(error = %err, "could not look for orphaned sessions"),
            };
            for number in orphans {
                if self.stopping() {
                    return;
                }
                if !matches!(self.cluster.claim(&number.id).await, Ok(Owner::Here)) {
                    continue;
                }
                tracing::info!(number.id = %number.id, "taking over a session that runs nowhere");
                if let Err(err) = self.take_up(&engine, &number).await {
                    tracing::warn!(number.id = %number.id, error = %err, "could not record a session that ended");
                }
            }
        }
    }

    /// Runs a number whose lease this process just claimed (at start-up, or adopting it):
    /// resumes its session, gives the lease up when nothing runs (held, it would keep every
    /// other process off an `OPEN` number nobody runs; released, another process or this one
    /// a tick later adopts it), and records the state the resume found, so a session that
    /// ended (logged out) says so.
    async fn take_up(&self, engine: &Arc<dyn Engine>, number: &Number) -> crate::server::store::StoreResult<()> {
        let resumed = match engine.resume(&NumberCtx::of(number)).await {
            Ok(resumed) => resumed,
            Err(err) => {
                tracing::warn!(number.id = %number.id, error = %err, "could not resume a session; another process will");
                self.cluster.release(&number.id).await;
                return Ok(());
            }
        };
        if !runs(&resumed) {
            self.cluster.release(&number.id).await;
        }
        if let Some(now_state) = resumed.number_state().filter(|s| *s != number.state) {
            self.store
                .transition_number(&number.tenant_id, &number.id, now_state, self.clock.now(), None)
                .await?;
        }
        Ok(())
    }

    async fn answer(&self, command: crate::server::store::Command) -> Result<Value, Failure> {
        let action: Action = serde_json::from_str(&command.action).map_err(|e| Failure::unavailable(&e.to_string()))?;
        let number = self
            .store
            .find_number_anywhere(&command.number)
            .await?
            .filter(|n| n.deleted_at.is_none())
            .ok_or_else(|| Failure::new(FailureKind::NotFound, "no such number"))?;
        if self.stopping() {
            return Err(Failure::new(FailureKind::NoAnswer, "this process is stopping"));
        }
        match self.run_if_owner(&number, &action).await? {
            Ran::Here(answer) => answer,
            // Moved on: the asker looks at the lease again.
            Ran::Elsewhere(_) => Err(Failure::new(FailureKind::NoAnswer, "this process no longer runs the number")),
        }
    }

    /// Ends windows that ran out (see `windows`) and forgets stale commands.
    pub async fn sweep(&self) {
        self.windows.sweep().await;
        if let Err(err) = self.store.forget_commands(chrono::Utc::now() - COMMANDS_KEPT).await {
            tracing::warn!(error = %err, "could not forget old commands");
        }
    }

    /// Re-attaches engines to the numbers this process takes at start (the ones nobody else
    /// runs); a number another process runs stays there. A window cannot outlive its process,
    /// so numbers caught mid-pairing fall back to `CLOSE` and their page opens a new one.
    pub async fn resume_all(&self) -> anyhow::Result<()> {
        let engines = self.windows.engines().cloned().unwrap_or_default();
        for number in self.store.numbers_to_resume().await? {
            let Some(engine) = engines.get(&number.engine) else {
                continue;
            };
            match self.cluster.claim(&number.id).await {
                Ok(Owner::Here) => {}
                Ok(Owner::There(_)) => continue,
                Err(err) => return Err(anyhow::anyhow!("taking the lease of {}: {err}", number.id)),
            }
            self.take_up(&engine, &number).await?;
        }
        Ok(())
    }

    /// A graceful stop: takes nothing more on, stops every window and client this process
    /// runs (an embedded client flushes and copies its keys first), and only then gives the
    /// leases up and wakes the pages of those numbers, so the processes they stream from take
    /// them over now, not a lease later, and never while a client still runs here. Last, the
    /// page streams served here end (the graceful shutdown would otherwise wait for pages to
    /// leave), and their browsers reconnect to another process.
    pub async fn hand_over(&self) {
        self.cluster.stop_taking();
        let numbers = self.cluster.held();
        for number in &numbers {
            self.stop_running(number).await;
        }
        let released = self.cluster.release_all().await;
        let woken: std::collections::HashSet<&NumberId> = numbers.iter().chain(&released).collect();
        for number in woken {
            self.live.wake(number).await;
        }
        if !numbers.is_empty() {
            tracing::info!(
                numbers = numbers.len(),
                "handed linking windows and sessions over to the other processes"
            );
        }
        let _ = self.draining.send(true);
    }

    fn stopping(&self) -> bool {
        self.cluster.stopping()
    }
}

fn runs(state: &LinkState) -> bool {
    state.runs_a_client()
}
