//! Live updates: "number N changed" fanned out to every open page stream in this process and,
//! on PostgreSQL, to every other process through `LISTEN/NOTIFY` (no extra broker).
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::sync::{broadcast, watch};

use super::{config::DatabaseUrl, domain::NumberId, store::Store};

pub const CHANNEL: &str = "pairlink_live";

#[derive(Clone)]
pub struct Live {
    /// Every change, for whoever cares about all numbers (the webhook worker, the dashboard).
    tx: broadcast::Sender<NumberId>,
    /// One number's changes, for its pages.
    numbers: NumberChannels,
    store: Arc<dyn Store>,
}

impl Live {
    pub fn new(store: Arc<dyn Store>) -> Self {
        // Receivers that fall this far behind just recompute their snapshot (see `Lagged`).
        let (tx, _) = broadcast::channel(1024);
        Self {
            tx,
            numbers: NumberChannels::default(),
            store,
        }
    }

    /// Tells every watcher of `number`, here and in other processes, to look again.
    pub async fn notify(&self, number: &NumberId) {
        self.dispatch(number.clone());
        if let Err(err) = self.store.publish_live(number).await {
            tracing::warn!(number.id = %number, error = %err, "could not notify other processes");
        }
    }

    /// Every number's changes.
    pub fn subscribe(&self) -> broadcast::Receiver<NumberId> {
        self.tx.subscribe()
    }

    /// Only `number`'s changes: a page's stream wakes for its own number, not for each of the
    /// other pairings going on (with 10,000 pages open, waking all of them on every change
    /// made every pairing cost 10,000 wake-ups, each a socket read in its connection).
    pub fn subscribe_number(&self, number: &NumberId) -> NumberChanges {
        self.numbers.subscribe(number)
    }

    fn dispatch(&self, number: NumberId) {
        self.numbers.changed(&number);
        let _ = self.tx.send(number);
    }

    /// Forwards other processes' notifications into this one. PostgreSQL only; a no-op task
    /// on SQLite, where one process owns the file.
    pub fn spawn_listener(&self, url: &DatabaseUrl) -> Option<tokio::task::JoinHandle<()>> {
        if !url.expose().starts_with("postgres") {
            return None;
        }
        let (live, url) = (self.clone(), url.expose().to_owned());
        Some(tokio::spawn(async move {
            loop {
                if let Err(err) = listen(&url, &live).await {
                    tracing::warn!(error = %err, "live-update listener lost its connection; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }))
    }
}

async fn listen(url: &str, live: &Live) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let note = listener.recv().await?;
        live.dispatch(NumberId::from_trusted(note.payload()));
    }
}

/// A change counter per watched number; an entry lives while someone holds its receiver.
#[derive(Clone, Default)]
struct NumberChannels(Arc<Mutex<HashMap<NumberId, watch::Sender<u64>>>>);

impl NumberChannels {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<NumberId, watch::Sender<u64>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn subscribe(&self, number: &NumberId) -> NumberChanges {
        let rx = self.lock().entry(number.clone()).or_insert_with(|| watch::channel(0).0).subscribe();
        NumberChanges {
            rx: Some(rx),
            number: number.clone(),
            channels: self.clone(),
        }
    }

    fn changed(&self, number: &NumberId) {
        if let Some(tx) = self.lock().get(number) {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// One number's changes since this was made (or last waited on).
pub struct NumberChanges {
    /// Always `Some` until dropped.
    rx: Option<watch::Receiver<u64>>,
    number: NumberId,
    channels: NumberChannels,
}

impl NumberChanges {
    /// Waits for the number's next change (at once if one came since the last wait). Changes
    /// that come while nobody waits are one wake-up, not many.
    pub async fn changed(&mut self) {
        if let Some(rx) = &mut self.rx {
            // The sender lives in the map while this receiver does, so this cannot fail.
            let _ = rx.changed().await;
        }
    }
}

impl Drop for NumberChanges {
    fn drop(&mut self) {
        drop(self.rx.take());
        let mut numbers = self.channels.lock();
        if numbers.get(&self.number).is_some_and(|tx| tx.receiver_count() == 0) {
            numbers.remove(&self.number);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> NumberId {
        NumberId::from_trusted(s)
    }

    #[tokio::test]
    async fn a_number_subscriber_wakes_for_its_own_number_only_and_leaves_no_entry_behind() {
        let channels = NumberChannels::default();
        let mut ours = channels.subscribe(&id("num_a"));
        let mut also_ours = channels.subscribe(&id("num_a"));
        let mut wait = Box::pin(ours.changed());
        for other in ["num_b", "num_c"] {
            channels.changed(&id(other));
        }
        assert!(futures::poll!(&mut wait).is_pending(), "woken by another number");
        channels.changed(&id("num_a"));
        assert!(futures::poll!(&mut wait).is_ready());
        drop(wait);
        // Several changes while nobody waited: one wake-up, then quiet again.
        channels.changed(&id("num_a"));
        channels.changed(&id("num_a"));
        assert!(futures::poll!(Box::pin(also_ours.changed())).is_ready());
        assert!(futures::poll!(Box::pin(also_ours.changed())).is_pending());

        drop(ours);
        assert_eq!(channels.len(), 1, "the other page still watches");
        drop(also_ours);
        assert_eq!(channels.len(), 0, "the last page to leave removes the number");
        channels.changed(&id("num_a"));
        assert_eq!(channels.len(), 0, "a change nobody watches makes no entry");
    }
}
