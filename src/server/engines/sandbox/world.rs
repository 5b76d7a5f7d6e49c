//! WhatsApp's side of the sandbox: the rules a real WhatsApp enforces on every client, kept
//! where every process of the deployment meets them, so a rule broken across processes fails
//! the way it would in production.
//!
//! - A device has one live connection: a second one replaces the first, and the first is told
//!   (`replaced`), which ends its session.
//! - A message id is one message: WhatsApp keeps the first message sent under an id, so a
//!   retried send with the same id delivers nothing more.
//!
//! In the app the world is the shared database (PostgreSQL for several processes), announced
//! through `Live`; tests of the engine alone use one in this process's memory.
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};

use super::SentMessage;
use crate::server::{
    domain::NumberId,
    live::{Live, NumberChanges},
    store::{SandboxMessage, Store, StoreError},
};

/// The topic a new connection is announced on, so a replaced one hears of it at once.
const DEVICES_TOPIC: &str = "sandbox:devices";
/// Messages a number's list shows (the newest).
const MESSAGES_SHOWN: u32 = 1000;

#[derive(Clone)]
pub struct World {
    /// This engine's connection name: one per process, as each process runs its own clients.
    connection: String,
    place: Place,
}

#[derive(Clone)]
enum Place {
    Shared { store: Arc<dyn Store>, live: Live },
    Memory(Arc<Mutex<Memory>>),
}

#[derive(Default)]
struct Memory {
    devices: HashMap<NumberId, String>,
    messages: Vec<SentMessage>,
    /// Bumped by every connection, as the shared world announces one.
    connects: Option<tokio::sync::watch::Sender<u64>>,
}

impl World {
    /// The world every process shares: the database, announced through `live`.
    pub fn shared(store: Arc<dyn Store>, live: Live) -> Self {
        Self {
            connection: new_connection(),
            place: Place::Shared { store, live },
        }
    }

    /// A world of this process only (engine tests), shared by the engines given its clones
    /// through [`World::another_process`].
    pub fn in_memory() -> Self {
        let memory = Memory {
            connects: Some(tokio::sync::watch::channel(0).0),
            ..Memory::default()
        };
        Self {
            connection: new_connection(),
            place: Place::Memory(Arc::new(Mutex::new(memory))),
        }
    }

    /// The same world seen from another process (its own connection name).
    pub fn another_process(&self) -> Self {
        Self {
            connection: new_connection(),
            place: self.place.clone(),
        }
    }

    /// Connects this process's client of `number`'s device; true when it replaced another
    /// live connection (which is then told).
    pub async fn connect(&self, number: &NumberId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let replaced = match &self.place {
            Place::Shared { store, .. } => store.sandbox_connect(number, &self.connection, at).await?.is_some(),
            Place::Memory(memory) => {
                let mut m = memory.lock().unwrap_or_else(|p| p.into_inner());
                let before = m.devices.insert(number.clone(), self.connection.clone());
                before.is_some_and(|b| b != self.connection)
            }
        };
        if replaced {
            self.announce().await;
        }
        Ok(replaced)
    }

    /// Ends this process's connection of `number`'s device, if it is still the live one.
    pub async fn disconnect(&self, number: &NumberId) -> Result<(), StoreError> {
        match &self.place {
            Place::Shared { store, .. } => store.sandbox_disconnect(number, &self.connection).await,
            Place::Memory(memory) => {
                let mut m = memory.lock().unwrap_or_else(|p| p.into_inner());
                if m.devices.get(number) == Some(&self.connection) {
                    m.devices.remove(number);
                }
                Ok(())
            }
        }
    }

    /// The devices this process's connections are still live on.
    pub async fn still_connected(&self) -> Result<HashSet<NumberId>, StoreError> {
        match &self.place {
            Place::Shared { store, .. } => Ok(store.sandbox_connected(&self.connection).await?.into_iter().collect()),
            Place::Memory(memory) => {
                let m = memory.lock().unwrap_or_else(|p| p.into_inner());
                Ok(m.devices
                    .iter()
                    .filter(|(_, c)| **c == self.connection)
                    .map(|(n, _)| n.clone())
                    .collect())
            }
        }
    }

    /// Wakes when some connection replaced another (anywhere in the world).
    pub fn replacements(&self) -> Replacements {
        match &self.place {
            Place::Shared { live, .. } => Replacements::Shared(live.subscribe_topic(DEVICES_TOPIC)),
            Place::Memory(memory) => {
                let m = memory.lock().unwrap_or_else(|p| p.into_inner());
                let rx = m.connects.as_ref().map(tokio::sync::watch::Sender::subscribe);
                Replacements::Memory(rx)
            }
        }
    }

    async fn announce(&self) {
        match &self.place {
            Place::Shared { live, .. } => live.announce(DEVICES_TOPIC).await,
            Place::Memory(memory) => {
                let m = memory.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(tx) = &m.connects {
                    tx.send_modify(|n| *n += 1);
                }
            }
        }
    }

    /// Accepts a message; false when its id was sent before (nothing more is delivered).
    pub async fn deliver(&self, message: &SentMessage) -> Result<bool, StoreError> {
        match &self.place {
            Place::Shared { store, .. } => {
                let row = SandboxMessage {
                    id: message.id.clone(),
                    number: message.from.clone(),
                    to: message.to.clone(),
                    body: message.body.clone(),
                    at: message.at,
                };
                store.sandbox_deliver(&row).await
            }
            Place::Memory(memory) => {
                let mut m = memory.lock().unwrap_or_else(|p| p.into_inner());
                if m.messages.iter().any(|s| s.id == message.id) {
                    return Ok(false);
                }
                m.messages.push(message.clone());
                Ok(true)
            }
        }
    }

    /// What `number` sent, oldest first.
    pub async fn sent_by(&self, number: &NumberId) -> Result<Vec<SentMessage>, StoreError> {
        match &self.place {
            Place::Shared { store, .. } => Ok(store
                .sandbox_messages(number, MESSAGES_SHOWN)
                .await?
                .into_iter()
                .map(|m| SentMessage {
                    id: m.id,
                    from: m.number,
                    to: m.to,
                    body: m.body,
                    at: m.at,
                })
                .collect()),
            Place::Memory(memory) => {
                let m = memory.lock().unwrap_or_else(|p| p.into_inner());
                Ok(m.messages.iter().filter(|s| &s.from == number).cloned().collect())
            }
        }
    }
}

/// Wakes a process's sandbox when a connection somewhere replaced another.
pub enum Replacements {
    Shared(NumberChanges),
    Memory(Option<tokio::sync::watch::Receiver<u64>>),
}

impl Replacements {
    pub async fn changed(&mut self) {
        match self {
            Self::Shared(changes) => changes.changed().await,
            Self::Memory(Some(rx)) => {
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            Self::Memory(None) => std::future::pending::<()>().await,
        }
    }
}

fn new_connection() -> String {
    format!("conn-{}", uuid::Uuid::new_v4().simple())
}
