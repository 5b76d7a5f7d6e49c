//! A page's one read (its link, number and shared view), kept for a moment per token. A page
//! polls every second or two and its stream wakes on each change, and most of those reads
//! find what the last one found: the read costs more than the rest of the answer.
//!
//! A kept read is served only while nothing was announced for its number or link since it
//! was made: the topic's version ([`Live::number_version`]) is noted *before* the database is
//! read, so a change written meanwhile makes the read stale at once, here and, through
//! `LISTEN/NOTIFY`, on every other process as soon as the notification lands. What changes
//! without an announcement (a lease that lapsed with its process, a rename) shows within
//! [`MAX_AGE`]. The first read of a token only learns which number and link it names.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use super::{
    domain::{LinkId, NumberId},
    live::Live,
    store::{LinkForPage, Store, StoreResult},
};

/// Longest a read is kept, announced changes or not.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// Tokens kept at most; past it the map starts over (cheaper than evicting one by one, and a
/// read is one second's worth anyway).
const MAX_TOKENS: usize = 20_000;

#[derive(Clone)]
pub struct PageReads {
    store: Arc<dyn Store>,
    live: Live,
    max_age: Duration,
    kept: Arc<Mutex<HashMap<String, Kept>>>,
}

/// What a token names, and its last read with the version noted before it.
struct Kept {
    link: LinkId,
    number: Option<NumberId>,
    read: Option<(u64, Instant, LinkForPage)>,
}

impl PageReads {
    pub fn new(store: Arc<dyn Store>, live: Live) -> Self {
        Self::keeping_for(store, live, MAX_AGE)
    }

    /// Reads kept at most `max_age` (tests pick theirs).
    pub fn keeping_for(store: Arc<dyn Store>, live: Live, max_age: Duration) -> Self {
        Self {
            store,
            live,
            max_age,
            kept: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn version(&self, link: &LinkId, number: Option<&NumberId>) -> u64 {
        let of_number = number.map_or(0, |n| self.live.number_version(n));
        of_number.wrapping_add(self.live.link_version(link))
    }

    /// What the page of the link whose token hashes to `token_hash` shows, as
    /// [`Store::find_link_for_page`] reads it, or as it was read a moment ago when nothing
    /// changed since.
    pub async fn read(&self, token_hash: &str) -> StoreResult<Option<LinkForPage>> {
        let started = Instant::now();
        let noted = {
            let kept = self.lock();
            match kept.get(token_hash) {
                Some(k) => {
                    let version = self.version(&k.link, k.number.as_ref());
                    if let Some((at_version, at, read)) = &k.read
                        && *at_version == version
                        && started.duration_since(*at) < self.max_age
                    {
                        return Ok(Some(read.clone()));
                    }
                    Some((version, k.link.clone(), k.number.clone()))
                }
                None => None,
            }
        };
        let read = self.store.find_link_for_page(token_hash).await?;
        let mut kept = self.lock();
        let Some(found) = &read else {
            kept.remove(token_hash);
            return Ok(None);
        };
        if kept.len() >= MAX_TOKENS && !kept.contains_key(token_hash) {
            kept.clear();
        }
        let (link, number) = (found.link.id.clone(), found.link.number_id.clone());
        // Kept only under the version noted for what the token named before the read: a
        // link that got its number since (Meta signup) starts again.
        let read_kept = match noted {
            Some((version, was_link, was_number)) if was_link == link && was_number == number => Some((version, started, found.clone())),
            _ => None,
        };
        kept.insert(
            token_hash.to_owned(),
            Kept {
                link,
                number,
                read: read_kept,
            },
        );
        Ok(read)
    }
}
