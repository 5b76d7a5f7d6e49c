//! Budgets that hold against a client who varies its headers, addresses and identities: who a
//! client is ([`ClientAddress`]: the peer, or the first untrusted `X-Forwarded-For` hop behind
//! our own proxies, IPv6 by /64), how many requests an address, a verified API key and the
//! sign-in form may make, how many password hashes run at once, and how many live streams stay
//! open. The middleware that applies them is `throttle`; this module knows no routes.
//!
//! Budgets are per process: behind a load balancer of N processes a client gets up to N times
//! each, which bounds abuse as well; exact cluster-wide counting would put a database write in
//! front of every request.
use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::http::HeaderMap;
use governor::{
    DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::NoOpMiddleware,
};
use ipnet::{IpNet, Ipv6Net};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{config::Config, error::ApiError};

/// The budget a request spends from: its client's address, an IPv6 client by its /64 (one
/// subscriber's network: a host picks any of 2^64 addresses in it at will).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddress(IpAddr);

impl ClientAddress {
    pub fn of(ip: IpAddr) -> Self {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(Ipv6Net::new(v6, 64).map_or(v6, |n| n.network())),
            },
            v4 => v4,
        };
        Self(ip)
    }

    pub fn ip(self) -> IpAddr {
        self.0
    }
}

/// After this many failed sign-ins for one email, each further attempt waits; the wait
/// doubles per failure up to `login_delay_max_seconds`, and is forgotten after a quiet spell.
const FREE_FAILURES: u32 = 5;
const FIRST_DELAY: Duration = Duration::from_millis(250);
const FAILURES_FORGOTTEN_AFTER: Duration = Duration::from_secs(15 * 60);

type Keyed<K> = DefaultKeyedRateLimiter<K>;

pub struct RateLimits {
    /// Every request from an address, whatever route (the outermost budget).
    every: Keyed<ClientAddress>,
    /// Public and unauthenticated requests from an address.
    public: Keyed<ClientAddress>,
    /// Authenticated API calls, by the verified key's id.
    keys: Keyed<String>,
    /// Sign-in attempts from an address, and from everyone together.
    login_addresses: Keyed<ClientAddress>,
    login_all: DefaultDirectRateLimiter<NoOpMiddleware>,
    /// Failed sign-ins per email: they slow further attempts down, never refuse them, so a
    /// stranger who knows an email cannot lock its owner out.
    login_failures: Mutex<HashMap<String, Failures>>,
    max_login_delay: Duration,
    /// Argon2 takes ~20 MB and tens of milliseconds: at most this many at once.
    hashes: Arc<Semaphore>,
    hash_wait: Duration,
    pub streams: StreamSlots,
    proxies: Vec<IpNet>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            every: RateLimiter::keyed(per_minute(config.rate_limit_address_per_minute)),
            public: RateLimiter::keyed(per_minute(config.rate_limit_public_per_minute)),
            keys: RateLimiter::keyed(per_minute(config.rate_limit_api_per_minute)),
            login_addresses: RateLimiter::keyed(per_minute(config.login_attempts_per_minute)),
            login_all: RateLimiter::direct(per_minute(config.login_attempts_per_minute_all)),
            login_failures: Mutex::default(),
            max_login_delay: Duration::from_secs(config.login_delay_max_seconds),
            hashes: Arc::new(Semaphore::new(config.password_hashes_at_once.max(1) as usize)),
            hash_wait: Duration::from_millis(config.password_hash_wait_millis),
            streams: StreamSlots::new(config),
            proxies: config.trusted_proxies.split(',').filter_map(|p| parse_net(p.trim())).collect(),
        }
    }

    /// Forgets idle clients, so memory follows the active ones.
    pub fn forget_idle(&self) {
        self.every.retain_recent();
        self.public.retain_recent();
        self.keys.retain_recent();
        self.login_addresses.retain_recent();
        self.failures().retain(|_, f| f.last.elapsed() < FAILURES_FORGOTTEN_AFTER);
    }

    /// Who sent a request: the peer, or, when the peer is one of our proxies, the nearest hop
    /// of `X-Forwarded-For` that is not. Every line of the header counts (a proxy may add a
    /// line of its own rather than extend the client's), in order.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<ClientAddress> {
        let trusted = |ip: &IpAddr| self.proxies.iter().any(|n| n.contains(ip));
        let peer = peer?;
        if !trusted(&peer) {
            return Some(ClientAddress::of(peer));
        }
        let hops: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|line| line.split(','))
            .filter_map(|h| h.trim().parse().ok())
            .collect();
        Some(ClientAddress::of(hops.into_iter().rev().find(|ip| !trusted(ip)).unwrap_or(peer)))
    }

    /// Any request at all from `who`.
    pub fn check_any(&self, who: ClientAddress) -> Result<(), ApiError> {
        verdict(self.every.check_key(&who))
    }

    /// A public or unauthenticated request from `who`.
    pub fn check_public(&self, who: ClientAddress) -> Result<(), ApiError> {
        verdict(self.public.check_key(&who))
    }

    /// An API call made with the verified key `key_id`.
    pub fn check_key(&self, key_id: &str) -> Result<(), ApiError> {
        verdict(self.keys.check_key(&key_id.to_owned()))
    }

    /// One sign-in attempt: within everyone's budget and the address's.
    pub fn check_login(&self, who: Option<ClientAddress>) -> Result<(), ApiError> {
        verdict(self.login_all.check())?;
        who.map_or(Ok(()), |who| verdict(self.login_addresses.check_key(&who)))
    }

    /// How long an attempt for `email` waits before its password is checked.
    pub fn login_delay(&self, email: &str) -> Duration {
        let count = self.failures().get(email).map_or(0, |f| f.count);
        let doublings = count.saturating_sub(FREE_FAILURES);
        if count < FREE_FAILURES {
            return Duration::ZERO;
        }
        FIRST_DELAY
            .saturating_mul(1u32.checked_shl(doublings.min(20)).unwrap_or(u32::MAX))
            .min(self.max_login_delay)
    }

    pub fn login_failed(&self, email: &str) {
        let mut failures = self.failures();
        let entry = failures.entry(email.to_owned()).or_insert(Failures {
            count: 0,
            last: Instant::now(),
        });
        entry.count = entry.count.saturating_add(1);
        entry.last = Instant::now();
    }

    pub fn login_succeeded(&self, email: &str) {
        self.failures().remove(email);
    }

    /// A turn at hashing a password; 429 when none frees up within `password_hash_wait_millis`.
    pub async fn hash_turn(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(self.hash_wait, self.hashes.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::rate_limited(1)),
        }
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        self.login_failures.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn verdict(result: Result<(), governor::NotUntil<governor::clock::QuantaInstant>>) -> Result<(), ApiError> {
    result.map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::rate_limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
    })
}

/// `trusted_proxies` must be addresses or networks this module can read.
pub fn check_config(config: &Config) -> Result<(), crate::server::config::ConfigError> {
    let proxies = config.trusted_proxies.split(',').map(str::trim).filter(|p| !p.is_empty());
    if proxies.clone().any(|p| parse_net(p).is_none()) {
        return crate::server::config::invalid("trusted_proxies", "must be IP addresses or CIDRs, comma-separated");
    }
    Ok(())
}

pub fn parse_net(value: &str) -> Option<IpNet> {
    value
        .parse::<IpNet>()
        .ok()
        .or_else(|| value.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Open live streams (Server-Sent Events) counted per link token, per client address and per
/// dashboard session: each holds a connection and wakes on every change of its number, so
/// their number must be bounded where requests per minute cannot see them.
pub struct StreamSlots {
    open: Arc<Mutex<HashMap<String, u32>>>,
    per_token: u32,
    per_address: u32,
    per_session: u32,
}

/// What a stream is counted against.
pub enum StreamOwner<'a> {
    Token(&'a str),
    Session(&'a str),
}

/// A stream's places in the counts, given back when the stream is dropped.
#[derive(Debug)]
pub struct StreamSlot {
    keys: Vec<String>,
    open: Arc<Mutex<HashMap<String, u32>>>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

impl StreamSlots {
    fn new(config: &Config) -> Self {
        Self {
            open: Arc::default(),
            per_token: config.streams_per_link,
            per_address: config.streams_per_address,
            per_session: config.streams_per_session,
        }
    }

    /// Takes a slot for a new stream, or 429 `TOO_MANY_STREAMS` when any of its counts is full.
    /// Tokens and session ids are counted by their hash: the map never holds a credential.
    pub fn open(&self, owner: StreamOwner<'_>, address: Option<ClientAddress>) -> Result<StreamSlot, ApiError> {
        let mut keys = vec![match owner {
            StreamOwner::Token(t) => (format!("t:{}", super::domain::hex_sha256(t.as_bytes())), self.per_token),
            StreamOwner::Session(s) => (format!("s:{}", super::domain::hex_sha256(s.as_bytes())), self.per_session),
        }];
        if let Some(a) = address {
            keys.push((format!("a:{}", a.ip()), self.per_address));
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if keys.iter().any(|(key, cap)| open.get(key).is_some_and(|n| n >= cap)) {
            return Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_STREAMS",
                "too many live streams are open; close one and try again",
            )
            .with_field("retryAfterSeconds", 5));
        }
        for (key, _) in &keys {
            *open.entry(key.clone()).or_default() += 1;
        }
        Ok(StreamSlot {
            keys: keys.into_iter().map(|(k, _)| k).collect(),
            open: self.open.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(proxies: &str) -> RateLimits {
        RateLimits::new(&Config {
            trusted_proxies: proxies.into(),
            rate_limit_public_per_minute: 2,
            ..Config::default()
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", line.parse().unwrap());
        }
        headers
    }

    fn who(s: &str) -> Option<ClientAddress> {
        Some(ClientAddress::of(ip(s)))
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let direct = limits("");
        assert_eq!(direct.client(Some(ip("203.0.113.9")), &forwarded(&["1.2.3.4"])), who("203.0.113.9"));
        let proxied = limits("10.0.0.0/8, 127.0.0.1");
        assert_eq!(
            proxied.client(Some(ip("10.1.2.3")), &forwarded(&["198.51.100.7, 10.0.0.5"])),
            who("198.51.100.7")
        );
        assert_eq!(proxied.client(Some(ip("10.1.2.3")), &HeaderMap::new()), who("10.1.2.3"));
        assert_eq!(
            proxied.client(Some(ip("203.0.113.9")), &forwarded(&["198.51.100.7"])),
            who("203.0.113.9")
        );
    }

    #[test]
    fn every_forwarded_for_line_counts_and_the_last_untrusted_hop_wins() {
        let proxied = limits("10.0.0.0/8");
        // The client wrote the first line; our proxy appended the address it saw as a second.
        let headers = forwarded(&["1.1.1.1", "198.51.100.7, 10.0.0.5"]);
        assert_eq!(proxied.client(Some(ip("10.1.2.3")), &headers), who("198.51.100.7"));
        let headers = forwarded(&["1.1.1.1", "198.51.100.8"]);
        assert_eq!(proxied.client(Some(ip("10.1.2.3")), &headers), who("198.51.100.8"));
    }

    #[test]
    fn ipv6_clients_are_one_client_per_64() {
        assert_eq!(
            ClientAddress::of(ip("2001:db8:1:2:aaaa::1")),
            ClientAddress::of(ip("2001:db8:1:2:ffff:1:2:3"))
        );
        assert_ne!(ClientAddress::of(ip("2001:db8:1:2::1")), ClientAddress::of(ip("2001:db8:1:3::1")));
        assert_eq!(ClientAddress::of(ip("::ffff:198.51.100.7")), ClientAddress::of(ip("198.51.100.7")));
        assert_eq!(ClientAddress::of(ip("2001:db8:1:2:3:4:5:6")).ip(), ip("2001:db8:1:2::"));
    }

    #[test]
    fn over_the_quota_is_429_with_a_wait() {
        let l = limits("");
        let a = ClientAddress::of(ip("203.0.113.9"));
        assert!(l.check_public(a).is_ok() && l.check_public(a).is_ok());
        let err = l.check_public(a).unwrap_err();
        assert_eq!((err.status.as_u16(), err.code), (429, "RATE_LIMITED"));
        assert!(
            l.check_public(ClientAddress::of(ip("203.0.113.10"))).is_ok(),
            "others keep their budget"
        );
    }

    #[test]
    fn failed_sign_ins_slow_an_email_down_and_a_success_forgives() {
        let l = RateLimits::new(&Config {
            login_delay_max_seconds: 2,
            ..Config::default()
        });
        for _ in 0..FREE_FAILURES {
            assert_eq!(l.login_delay("a@x.io"), Duration::ZERO);
            l.login_failed("a@x.io");
        }
        assert_eq!(l.login_delay("a@x.io"), FIRST_DELAY);
        l.login_failed("a@x.io");
        assert_eq!(l.login_delay("a@x.io"), FIRST_DELAY * 2);
        for _ in 0..40 {
            l.login_failed("a@x.io");
        }
        assert_eq!(l.login_delay("a@x.io"), Duration::from_secs(2), "capped");
        assert_eq!(l.login_delay("b@x.io"), Duration::ZERO, "per email");
        l.login_succeeded("a@x.io");
        assert_eq!(l.login_delay("a@x.io"), Duration::ZERO);
    }

    #[test]
    fn streams_are_capped_per_owner_and_address_and_slots_come_back() {
        let l = RateLimits::new(&Config {
            streams_per_link: 2,
            streams_per_address: 3,
            ..Config::default()
        });
        let a = who("203.0.113.9");
        let one = l.streams.open(StreamOwner::Token("rp_1"), a).unwrap();
        let _two = l.streams.open(StreamOwner::Token("rp_1"), a).unwrap();
        assert_eq!(l.streams.open(StreamOwner::Token("rp_1"), a).unwrap_err().code, "TOO_MANY_STREAMS");
        let _three = l.streams.open(StreamOwner::Token("rp_2"), a).unwrap();
        assert!(l.streams.open(StreamOwner::Token("rp_3"), a).is_err(), "the address is full");
        drop(one);
        assert!(l.streams.open(StreamOwner::Token("rp_1"), a).is_ok());
    }

    #[test]
    fn proxies_parse_as_ips_or_cidrs() {
        assert!(parse_net("127.0.0.1").is_some() && parse_net("10.0.0.0/8").is_some() && parse_net("::1").is_some());
        assert!(parse_net("proxy.internal").is_none());
    }
}
