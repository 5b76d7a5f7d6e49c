//! Rate limits: per API key, and per client address on the public link endpoints (which need
//! no key and are polled). Over the limit: 429 `RATE_LIMITED` with `Retry-After` and
//! `retryAfterSeconds`. `X-Forwarded-For` names the client only when the direct peer is a
//! configured proxy, so nobody escapes their budget by sending the header themselves.
use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use ipnet::IpNet;

use super::{config::Config, domain::hex_sha256, error::ApiError, state::AppState};

pub struct RateLimits {
    keys: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    /// Dashboard sign-ins, keyed `ip:<addr>` and `email:<address>` so guessing is slowed both
    /// from one place and against one account.
    logins: DefaultKeyedRateLimiter<String>,
    proxies: Vec<IpNet>,
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            keys: RateLimiter::keyed(per_minute(config.rate_limit_api_per_minute)),
            addresses: RateLimiter::keyed(per_minute(config.rate_limit_public_per_minute)),
            logins: RateLimiter::keyed(per_minute(config.login_attempts_per_minute)),
            proxies: config.trusted_proxies.split(',').filter_map(|p| parse_net(p.trim())).collect(),
        }
    }

    /// Forgets idle clients, so memory follows the active ones.
    pub fn forget_idle(&self) {
        self.keys.retain_recent();
        self.addresses.retain_recent();
        self.logins.retain_recent();
    }

    /// One sign-in attempt from `peer` for `email`; 429 once either has used its budget.
    pub fn check_login(&self, peer: Option<IpAddr>, forwarded: Option<&str>, email: &str) -> Result<(), ApiError> {
        let address = self.client(peer, forwarded).map(|ip| format!("ip:{ip}"));
        for key in address.into_iter().chain([format!("email:{email}")]) {
            self.check(Key::Login(key))?;
        }
        Ok(())
    }

    /// The client address: the peer, or the first untrusted hop of `X-Forwarded-For` when the
    /// peer is one of our proxies.
    fn client(&self, peer: Option<IpAddr>, forwarded: Option<&str>) -> Option<IpAddr> {
        let trusted = |ip: &IpAddr| self.proxies.iter().any(|n| n.contains(ip));
        let peer = peer?;
        if !trusted(&peer) {
            return Some(peer);
        }
        let hops: Vec<IpAddr> = forwarded
            .unwrap_or_default()
            .split(',')
            .filter_map(|h| h.trim().parse().ok())
            .collect();
        Some(hops.into_iter().rev().find(|ip| !trusted(ip)).unwrap_or(peer))
    }

    fn check(&self, key: Key) -> Result<(), ApiError> {
        let verdict = match &key {
            Key::Api(hash) => self.keys.check_key(hash),
            Key::Address(ip) => self.addresses.check_key(ip),
            Key::Login(key) => self.logins.check_key(key),
        };
        verdict.map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::rate_limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
    }
}

enum Key {
    Api(String),
    Address(IpAddr),
    Login(String),
}

pub fn parse_net(value: &str) -> Option<IpNet> {
    value
        .parse::<IpNet>()
        .ok()
        .or_else(|| value.parse::<IpAddr>().ok().map(IpNet::from))
}

/// The middleware on `/v1` and the connect page.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Meta's webhooks are signed, and Meta sends every message event of busy numbers from a
    // few addresses: a per-address limit would only make it retry.
    if req.uri().path().ends_with("/meta/webhook") {
        return next.run(req).await;
    }
    let public = {
        let path = req.uri().path();
        [
            "/v1/remote-pairing/",
            "/v1/connect/",
            "/api/v1/remote-pairing/",
            "/api/v1/connect/",
            "/connect/",
        ]
        .iter()
        .any(|p| path.starts_with(p))
    };
    let api_key = req
        .headers()
        .get("x-api-key")
        .or_else(|| req.headers().get(axum::http::header::AUTHORIZATION))
        .and_then(|v| v.to_str().ok())
        .map(|v| hex_sha256(v.trim().as_bytes()));
    let key = match api_key {
        Some(hash) if !public => Some(Key::Api(hash)),
        _ => {
            let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
            state.limits.client(peer, forwarded).map(Key::Address)
        }
    };
    if let Some(key) = key
        && let Err(err) = state.limits.check(key)
    {
        return err.into_response();
    }
    next.run(req).await
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

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let direct = limits("");
        assert_eq!(direct.client(Some(ip("203.0.113.9")), Some("1.2.3.4")), Some(ip("203.0.113.9")));
        let proxied = limits("10.0.0.0/8, 127.0.0.1");
        assert_eq!(
            proxied.client(Some(ip("10.1.2.3")), Some("198.51.100.7, 10.0.0.5")),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(proxied.client(Some(ip("10.1.2.3")), None), Some(ip("10.1.2.3")));
        assert_eq!(
            proxied.client(Some(ip("203.0.113.9")), Some("198.51.100.7")),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn over_the_quota_is_429_with_a_wait() {
        let l = limits("");
        let who = || Key::Address("203.0.113.9".parse().unwrap());
        assert!(l.check(who()).is_ok() && l.check(who()).is_ok());
        let err = l.check(who()).unwrap_err();
        assert_eq!((err.status.as_u16(), err.code), (429, "RATE_LIMITED"));
        assert!(
            l.check(Key::Address("203.0.113.10".parse().unwrap())).is_ok(),
            "others keep their budget"
        );
    }

    #[test]
    fn proxies_parse_as_ips_or_cidrs() {
        assert!(parse_net("127.0.0.1").is_some() && parse_net("10.0.0.0/8").is_some() && parse_net("::1").is_some());
        assert!(parse_net("proxy.internal").is_none());
    }
}
