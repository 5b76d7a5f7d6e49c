//! Live updates: "number N changed" (or "link L changed", for a link that has no number yet)
//! fanned out to every open page stream in this process and, on PostgreSQL, to every other
//! process through `LISTEN/NOTIFY` (no extra broker). A notification's payload is its topic:
//! a number id and its tenant (`num_…@ten_…`, so a dashboard hears only its tenant's numbers
//! without reading them), or `link:` and a link id.
use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::sync::{broadcast, watch};

use super::{
    config::DatabaseUrl,
    domain::{LinkId, NumberId, TenantId},
    store::Store,
};

pub const CHANNEL: &str = "pairlink_live";
const LINK_TOPIC: &str = "link:";
/// Between a number and its tenant in a payload.
const TENANT_SEP: char = '@';
/// Version slots (see [`Versions`]): enough that two numbers rarely share one.
const VERSION_SLOTS: usize = 4096;

/// A number's change, as those who watch every number hear it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub number: NumberId,
    /// `None` from a process of an earlier version (its payload named the number only).
    pub tenant: Option<TenantId>,
}

#[derive(Clone)]
pub struct Live {
    /// Every change, for whoever cares about all numbers (the webhook worker, the dashboard).
    tx: broadcast::Sender<Change>,
    /// One number's (or numberless link's) changes, for its pages.
    numbers: TopicChannels,
    /// Counts the times other processes' notifications may have been lost (the LISTEN
    /// connection dropped), for those who show every number: they read everything again.
    resyncs: Arc<watch::Sender<u64>>,
    versions: Arc<Versions>,
    store: Arc<dyn Store>,
}

/// How many changes were heard for each topic, by slot: whoever notes a topic's version
/// before reading what it names knows the read is stale once the version moves. Topics are
/// hashed to a fixed number of slots, so memory stays flat; two topics sharing a slot only
/// cost an extra read. A resync moves every version.
struct Versions {
    slots: Box<[AtomicU64]>,
    epoch: AtomicU64,
}

impl Versions {
    fn new() -> Self {
        Self {
            slots: (0..VERSION_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            epoch: AtomicU64::new(0),
        }
    }

    fn slot(&self, topic: &str) -> &AtomicU64 {
        let mut hasher = DefaultHasher::new();
        topic.hash(&mut hasher);
        &self.slots[(hasher.finish() as usize) % self.slots.len()]
    }

    /// A notification's payload was heard: its topic's version moves.
    fn heard(&self, payload: &str) {
        let topic = payload.split_once(TENANT_SEP).map_or(payload, |(number, _)| number);
        self.slot(topic).fetch_add(1, Ordering::AcqRel);
    }

    fn resync(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    fn of(&self, topic: &str) -> u64 {
        // Both only grow, so their sum moves whenever either does.
        self.epoch
            .load(Ordering::Acquire)
            .wrapping_add(self.slot(topic).load(Ordering::Acquire))
    }
}

impl Live {
    pub fn new(store: Arc<dyn Store>) -> Self {
        // Receivers that fall this far behind just recompute their snapshot (see `Lagged`).
        let (tx, _) = broadcast::channel(1024);
        Self {
            tx,
            numbers: TopicChannels::default(),
            resyncs: Arc::new(watch::channel(0).0),
            versions: Arc::new(Versions::new()),
            store,
        }
    }

    /// How many changes of `number` this process has heard of (see [`Versions`]).
    pub fn number_version(&self, number: &NumberId) -> u64 {
        self.versions.of(number.as_str())
    }

    /// The same for a link that has no number yet ([`Live::notify_link`]).
    pub fn link_version(&self, link: &LinkId) -> u64 {
        self.versions.of(&format!("{LINK_TOPIC}{link}"))
    }

    /// Tells every watcher of `tenant`'s `number`, here and in other processes, to look again.
    pub async fn notify(&self, tenant: &TenantId, number: &NumberId) {
        self.publish(format!("{number}{TENANT_SEP}{tenant}")).await;
    }

    /// The same where the tenant is not at hand (a stopping process waking the numbers it
    /// hands over): dashboards read the number to know whether it is theirs.
    pub async fn wake(&self, number: &NumberId) {
        self.publish(number.as_str().to_owned()).await;
    }

    /// Tells the pages of `link`, a link that had no number until now (Meta signup), to look
    /// again; nobody else hears it.
    pub async fn notify_link(&self, link: &LinkId) {
        self.publish(format!("{LINK_TOPIC}{link}")).await;
    }

    async fn publish(&self, topic: String) {
        self.dispatch(topic.clone());
        if let Err(err) = self.store.publish_live(&topic).await {
            tracing::warn!(topic = %topic, error = %err, "could not notify other processes");
        }
    }

    /// Announces `topic` (one of the runtime's own, `cmd:` and `done:`; never a number id) here
    /// and to other processes; only its subscribers hear it.
    pub async fn announce(&self, topic: &str) {
        debug_assert!(topic.contains(':'), "runtime topics carry a prefix");
        self.publish(topic.to_owned()).await;
    }

    /// Only `topic`'s announcements ([`Live::announce`]).
    pub fn subscribe_topic(&self, topic: &str) -> NumberChanges {
        self.numbers.subscribe(topic)
    }

    /// Every number's changes.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }

    /// Only `number`'s changes: a page's stream wakes for its own number, not for each of the
    /// other pairings going on (with 10,000 pages open, waking all of them on every change
    /// made every pairing cost 10,000 wake-ups, each a socket read in its connection).
    pub fn subscribe_number(&self, number: &NumberId) -> NumberChanges {
        self.numbers.subscribe(number.as_str())
    }

    /// Only `link`'s own changes ([`Live::notify_link`]).
    pub fn subscribe_link(&self, link: &LinkId) -> NumberChanges {
        self.numbers.subscribe(&format!("{LINK_TOPIC}{link}"))
    }

    /// Changes whenever notifications may have been missed: read every number again.
    pub fn resyncs(&self) -> watch::Receiver<u64> {
        self.resyncs.subscribe()
    }

    fn dispatch(&self, topic: String) {
        // Counted before anyone wakes: a woken reader must not trust what it kept.
        self.versions.heard(&topic);
        fan_out(&self.numbers, &self.tx, topic);
    }

    /// Notifications may have been lost: every watcher here looks again.
    fn resync(&self) {
        self.versions.resync();
        self.numbers.changed_all();
        self.resyncs.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Forwards other processes' notifications into this one. PostgreSQL only; a no-op task
    /// on SQLite, where one process owns the file.
    pub fn spawn_listener(&self, url: &DatabaseUrl) -> Option<tokio::task::JoinHandle<()>> {
        if !url.expose().starts_with("postgres") {
            return None;
        }
        let (live, url) = (self.clone(), url.expose().to_owned());
        Some(tokio::spawn(async move {
            // Nothing was missed before the first connection; after it, anything sent while
            // no connection listened was.
            let mut missed = false;
            loop {
                if let Err(err) = listen(&url, &live, missed).await {
                    tracing::warn!(error = %err, "live-update listener lost its connection; reconnecting");
                }
                missed = true;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }))
    }
}

/// Listens until an error; `missed` asks for a resync once listening.
async fn listen(url: &str, live: &Live, missed: bool) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    if missed {
        live.resync();
    }
    loop {
        match listener.try_recv().await? {
            Some(note) => live.dispatch(note.payload().to_owned()),
            // The connection dropped, and sqlx has connected and listened again (`recv`
            // would have done so silently): what other processes sent in between is lost.
            None => {
                tracing::warn!("live-update listener reconnected; every watcher looks again");
                live.resync();
            }
        }
    }
}

/// Wakes the topic's watchers; a number's change also goes to those who watch every number,
/// a link's or the runtime's (prefixed topics) does not (a link's number, once made,
/// announces itself).
fn fan_out(topics: &TopicChannels, every: &broadcast::Sender<Change>, payload: String) {
    let (topic, tenant) = match payload.split_once(TENANT_SEP) {
        Some((number, tenant)) => (number, Some(TenantId::from_trusted(tenant))),
        None => (payload.as_str(), None),
    };
    topics.changed(topic);
    if !topic.contains(':') {
        let _ = every.send(Change {
            number: NumberId::from_trusted(topic),
            tenant,
        });
    }
}

/// A change counter per watched topic; an entry lives while someone holds its receiver.
#[derive(Clone, Default)]
struct TopicChannels(Arc<Mutex<HashMap<String, watch::Sender<u64>>>>);

impl TopicChannels {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<u64>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn subscribe(&self, topic: &str) -> NumberChanges {
        let rx = self
            .lock()
            .entry(topic.to_owned())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        NumberChanges {
            rx: Some(rx),
            topic: topic.to_owned(),
            channels: self.clone(),
        }
    }

    fn changed(&self, topic: &str) {
        if let Some(tx) = self.lock().get(topic) {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    fn changed_all(&self) {
        for tx in self.lock().values() {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// One number's (or link's) changes since this was made (or last waited on).
pub struct NumberChanges {
    /// Always `Some` until dropped.
    rx: Option<watch::Receiver<u64>>,
    topic: String,
    channels: TopicChannels,
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
        if numbers.get(&self.topic).is_some_and(|tx| tx.receiver_count() == 0) {
            numbers.remove(&self.topic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> &str {
        s
    }

    #[tokio::test]
    async fn a_number_subscriber_wakes_for_its_own_number_only_and_leaves_no_entry_behind() {
        let channels = TopicChannels::default();
        let mut ours = channels.subscribe(id("num_a"));
        let mut also_ours = channels.subscribe(id("num_a"));
        let mut wait = Box::pin(ours.changed());
        for other in ["num_b", "num_c"] {
            channels.changed(id(other));
        }
        assert!(futures::poll!(&mut wait).is_pending(), "woken by another number");
        channels.changed(id("num_a"));
        assert!(futures::poll!(&mut wait).is_ready());
        drop(wait);
        // Several changes while nobody waited: one wake-up, then quiet again.
        channels.changed(id("num_a"));
        channels.changed(id("num_a"));
        assert!(futures::poll!(Box::pin(also_ours.changed())).is_ready());
        assert!(futures::poll!(Box::pin(also_ours.changed())).is_pending());

        drop(ours);
        assert_eq!(channels.len(), 1, "the other page still watches");
        drop(also_ours);
        assert_eq!(channels.len(), 0, "the last page to leave removes the number");
        channels.changed(id("num_a"));
        assert_eq!(channels.len(), 0, "a change nobody watches makes no entry");
    }

    #[tokio::test]
    async fn a_resync_wakes_every_topic() {
        let topics = TopicChannels::default();
        let (mut a, mut b) = (topics.subscribe("num_a"), topics.subscribe("cmd:x"));
        assert!(futures::poll!(Box::pin(a.changed())).is_pending());
        topics.changed_all();
        assert!(futures::poll!(Box::pin(a.changed())).is_ready());
        assert!(futures::poll!(Box::pin(b.changed())).is_ready());
    }

    #[tokio::test]
    async fn a_link_watcher_wakes_for_its_own_link_only_and_links_stay_off_the_all_numbers_channel() {
        let topics = TopicChannels::default();
        let (every, mut all) = broadcast::channel(8);
        let link = LinkId::from_trusted("lnk_a");
        let mut page = topics.subscribe(&format!("{LINK_TOPIC}{link}"));
        fan_out(&topics, &every, "num_other".into());
        fan_out(&topics, &every, format!("{LINK_TOPIC}lnk_b"));
        assert!(futures::poll!(Box::pin(page.changed())).is_pending(), "woken by another's news");
        fan_out(&topics, &every, format!("{LINK_TOPIC}{link}"));
        assert!(futures::poll!(Box::pin(page.changed())).is_ready());
        assert_eq!(all.try_recv().unwrap().number.as_str(), "num_other");
        assert!(all.try_recv().is_err(), "link topics are not numbers");
    }

    #[test]
    fn a_topic_version_moves_with_its_own_news_and_with_a_resync() {
        let versions = Versions::new();
        let (a, b) = (versions.of("num_a"), versions.of("num_b"));
        versions.heard("num_a@ten_x");
        assert_eq!(versions.of("num_a"), a + 1, "a number's news names its tenant too");
        assert_eq!(versions.of("num_b"), b, "another number's version stays");
        versions.heard("link:lnk_a");
        assert_eq!(versions.of("link:lnk_a"), 1);
        versions.resync();
        assert_eq!((versions.of("num_a"), versions.of("num_b")), (a + 2, b + 1), "all moved");
    }
}
