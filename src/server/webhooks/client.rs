//! The one HTTP client deliveries go through: rustls, a per-attempt timeout, no redirects
//! (a 3xx is a failed attempt, as at svix and Stripe), no proxies from the environment, and
//! DNS answers filtered by the address guard, so a name cannot be pointed at a private
//! address between the check and the connection.
use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::{
    dns::{Addrs, Name, Resolve, Resolving},
    header::HeaderMap,
    redirect::Policy,
};

use super::guard::{AddressGuard, Blocked};
use crate::server::domain::WebhookUrl;

/// At most this much of a receiver's answer is kept, for the logs.
pub const RESPONSE_SNIPPET_BYTES: usize = 1024;

/// What one attempt came to.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub status: Option<u16>,
    /// `kind: detail` when no HTTP answer came, e.g. `timeout: …`, `blocked_address: …`.
    pub error: Option<String>,
    pub latency: Duration,
    pub response_snippet: Option<String>,
    pub retry_after: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn failed(kind: &str, detail: impl std::fmt::Display, started: Instant) -> Self {
        Self {
            error: Some(format!("{kind}: {detail}")),
            latency: started.elapsed(),
            ..Self::default()
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DnsFailed(String);

pub struct Sender {
    http: reqwest::Client,
    guard: Arc<AddressGuard>,
    timeout: Duration,
}

impl Sender {
    pub fn new(timeout: Duration, guard: Arc<AddressGuard>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { guard: guard.clone() }))
            .user_agent(concat!("Pairlink-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http, guard, timeout })
    }

    /// POSTs `body` as it is. Never fails: whatever happens is the attempt's outcome.
    pub async fn post(&self, url: &str, headers: HeaderMap, body: String) -> Outcome {
        let started = Instant::now();
        let url = match WebhookUrl::parse("url", url) {
            Ok(url) => url,
            Err(invalid) => return Outcome::failed("invalid_url", invalid.message, started),
        };
        // Literal IPs and the scheme are not seen by the resolver.
        if let Err(reason) = self.guard.check_static(&url) {
            return Outcome::failed("blocked_address", reason, started);
        }
        let sent = self.http.post(url.url().clone()).headers(headers).body(body).send().await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => return Outcome::failed(error_kind(&err), self.describe(&err), started),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let response_snippet = read_snippet(response).await;
        Outcome {
            status: Some(status),
            error: None,
            latency: started.elapsed(),
            response_snippet,
            retry_after,
        }
    }

    fn describe(&self, err: &reqwest::Error) -> String {
        if err.is_timeout() {
            return format!("no answer within {} s", self.timeout.as_secs());
        }
        let mut innermost: &dyn std::error::Error = err;
        while let Some(next) = innermost.source() {
            innermost = next;
        }
        innermost.to_string()
    }
}

fn error_kind(err: &reqwest::Error) -> &'static str {
    if find::<Blocked>(err) {
        "blocked_address"
    } else if find::<DnsFailed>(err) {
        "dns_failed"
    } else if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connection_failed"
    } else {
        "request_failed"
    }
}

fn find<E: std::error::Error + 'static>(err: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if e.is::<E>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// The start of the answer, read no further: a receiver could send gigabytes.
async fn read_snippet(mut response: reqwest::Response) -> Option<String> {
    let mut bytes = Vec::new();
    while bytes.len() < RESPONSE_SNIPPET_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(RESPONSE_SNIPPET_BYTES);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (!text.is_empty()).then_some(text)
}

/// Resolves with the system resolver, then keeps only the addresses the guard allows.
struct GuardedResolver {
    guard: Arc<AddressGuard>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| DnsFailed(format!("{host}: {e}")))?
                .collect();
            let allowed = guard.filter(&host, found)?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::webhooks::guard::Allowlist;

    fn sender(allow: &str) -> Sender {
        Sender::new(
            Duration::from_secs(2),
            Arc::new(AddressGuard::new(Allowlist::parse(allow).unwrap())),
        )
        .unwrap()
    }

    fn error_of(outcome: &Outcome) -> &str {
        assert_eq!(outcome.status, None);
        outcome.error.as_deref().unwrap()
    }

    #[tokio::test]
    async fn refuses_private_targets_before_connecting() {
        let s = sender("");
        let out = s.post("https://127.0.0.1:9/", HeaderMap::new(), "{}".into()).await;
        assert!(error_of(&out).starts_with("blocked_address: not a public address"), "{out:?}");
        assert!(
            !error_of(&out).contains("127.0.0.1") && !error_of(&out).contains("loopback"),
            "{out:?}"
        );
        // A name is resolved first, and its loopback answer refused by the resolver.
        let out = s.post("https://localhost:9/", HeaderMap::new(), "{}".into()).await;
        assert!(error_of(&out).starts_with("blocked_address:"), "{out:?}");
        let out = s.post("http://hooks.example.com/", HeaderMap::new(), "{}".into()).await;
        assert!(error_of(&out).contains("https"), "{out:?}");
    }

    #[tokio::test]
    async fn reports_what_went_wrong_when_no_answer_came() {
        // Bind and drop a listener: nothing listens on that port now.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let out = sender("127.0.0.1")
            .post(&format!("http://127.0.0.1:{port}/"), HeaderMap::new(), "{}".into())
            .await;
        assert!(error_of(&out).starts_with("connection_failed:"), "{out:?}");
        let out = sender("").post("https://hooks.invalid/", HeaderMap::new(), "{}".into()).await;
        assert!(error_of(&out).starts_with("dns_failed:"), "{out:?}");
        let out = sender("").post("not a url", HeaderMap::new(), "{}".into()).await;
        assert!(error_of(&out).starts_with("invalid_url:"), "{out:?}");
    }

    #[test]
    fn only_2xx_is_success() {
        let with = |s| Outcome {
            status: Some(s),
            ..Outcome::default()
        };
        assert!(with(200).succeeded() && with(204).succeeded() && with(299).succeeded());
        assert!(!with(301).succeeded() && !with(199).succeeded() && !with(500).succeeded());
        assert!(!Outcome::default().succeeded());
    }
}
