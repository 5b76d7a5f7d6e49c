//! Live updates: "number N changed" fanned out to every open page stream in this process and,
//! on PostgreSQL, to every other process through `LISTEN/NOTIFY` (no extra broker).
use std::{sync::Arc, time::Duration};

use tokio::sync::broadcast;

use super::{config::DatabaseUrl, domain::NumberId, store::Store};

pub const CHANNEL: &str = "pairlink_live";

#[derive(Clone)]
pub struct Live {
    tx: broadcast::Sender<NumberId>,
    store: Arc<dyn Store>,
}

impl Live {
    pub fn new(store: Arc<dyn Store>) -> Self {
        // Receivers that fall this far behind just recompute their snapshot (see `Lagged`).
        let (tx, _) = broadcast::channel(1024);
        Self { tx, store }
    }

    /// Tells every watcher of `number`, here and in other processes, to look again.
    pub async fn notify(&self, number: &NumberId) {
        let _ = self.tx.send(number.clone());
        if let Err(err) = self.store.publish_live(number).await {
            tracing::warn!(number.id = %number, error = %err, "could not notify other processes");
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<NumberId> {
        self.tx.subscribe()
    }

    /// Forwards other processes' notifications into this one. PostgreSQL only; a no-op task
    /// on SQLite, where one process owns the file.
    pub fn spawn_listener(&self, url: &DatabaseUrl) -> Option<tokio::task::JoinHandle<()>> {
        if !url.expose().starts_with("postgres") {
            return None;
        }
        let (tx, url) = (self.tx.clone(), url.expose().to_owned());
        Some(tokio::spawn(async move {
            loop {
                if let Err(err) = listen(&url, &tx).await {
                    tracing::warn!(error = %err, "live-update listener lost its connection; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }))
    }
}

async fn listen(url: &str, tx: &broadcast::Sender<NumberId>) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let note = listener.recv().await?;
        let _ = tx.send(NumberId::from_trusted(note.payload()));
    }
}
