//! The SSRF guard. Tenants choose webhook URLs, so without it anyone with an API key could
//! make this server POST into its own network. Targets must be public addresses unless the
//! operator's allowlist (`webhook_allowlist`: hostnames and CIDRs) admits the host or IP.
//! URLs are checked when saved and, after DNS resolution, again on every delivery, because
//! a name can point elsewhere by then.
use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::LazyLock,
    time::Duration,
};

use ipnet::IpNet;
use url::Host;

use crate::server::domain::{Invalid, WebhookUrl};

/// Ranges that are not the public internet: RFC 6890 special-purpose registries, minus the
/// few globally reachable entries. IPv4-mapped and NAT64 IPv6 forms are judged by the IPv4
/// address they carry (see [`embedded_v4`]).
static NON_PUBLIC: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    [
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard"),
        ("2001:db8::/32", "documentation"),
        ("fc00::/7", "unique local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    ]
    .into_iter()
    .map(|(net, why)| (net.parse().expect("a valid CIDR"), why))
    .collect()
});

/// Why an address is not public, or `None` for a public one.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    if let IpAddr::V6(v6) = ip
        && let Some(v4) = embedded_v4(v6)
    {
        return non_public_reason(IpAddr::V4(v4));
    }
    NON_PUBLIC.iter().find(|(net, _)| net.contains(&ip)).map(|(_, why)| *why)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::/96`) or
/// 6to4 (`2002::/16`) address: those reach whatever IPv4 address they carry.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let tail = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..5] == [0, 0, 0, 0, 0] && s[5] == 0xffff || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(tail())
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8))
    } else {
        None
    }
}

/// Hosts and networks the operator admits although they are not public (a receiver on the
/// same machine, an internal service).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Allowlist {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl Allowlist {
    /// Comma-separated hostnames, IP addresses and CIDRs: `hooks.internal, 10.1.0.0/16, ::1`.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut list = Self::default();
        for entry in input.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Ok(net) = entry.parse::<IpNet>() {
                list.nets.push(net);
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                list.nets.push(IpNet::from(ip));
            } else if is_hostname(entry) {
                list.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!("{entry:?} is neither a hostname, an IP address nor a CIDR"));
            }
        }
        Ok(list)
    }

    pub fn admits_ip(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(&ip))
    }

    pub fn admits_name(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    fn admits(&self, host: &Host<&str>) -> bool {
        match host {
            Host::Domain(name) => self.admits_name(name),
            Host::Ipv4(ip) => self.admits_ip(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => self.admits_ip(IpAddr::V6(*ip)),
        }
    }
}

fn is_hostname(s: &str) -> bool {
    s.len() <= 253
        && s.split('.')
            .all(|label| !label.is_empty() && label.len() <= 63 && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// A refused address. Its message names neither the address nor its kind: a tenant who saves
/// `http://internal-name/` must not learn what our resolver maps it to (a map of our network,
/// one guess at a time). The operator's log line has both (`ip`, `reason`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a public address: webhooks go to public addresses only")]
pub struct Blocked {
    pub ip: IpAddr,
    pub reason: &'static str,
}

/// Applies the rules above to URLs and resolved addresses.
#[derive(Clone, Debug, Default)]
pub struct AddressGuard {
    allowlist: Allowlist,
}

impl AddressGuard {
    pub fn new(allowlist: Allowlist) -> Self {
        Self { allowlist }
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Blocked> {
        match non_public_reason(ip) {
            Some(reason) if !self.allowlist.admits_ip(ip) => Err(Blocked { ip, reason }),
            _ => Ok(()),
        }
    }

    /// The addresses a name resolved to that may be used; an error when none may.
    pub fn filter(&self, name: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, Blocked> {
        if self.allowlist.admits_name(name) {
            return Ok(addrs);
        }
        let mut first_refusal = None;
        let allowed: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match self.check_ip(a.ip()) {
                Ok(()) => true,
                Err(blocked) => {
                    first_refusal.get_or_insert(blocked);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), first_refusal) {
            (true, Some(blocked)) => Err(blocked),
            _ => Ok(allowed),
        }
    }

    /// What can be told without DNS: plain http only for admitted hosts, literal IPs public
    /// or admitted. `Ok(Some(name))` leaves a name to resolve.
    pub fn check_static<'u>(&self, url: &'u WebhookUrl) -> Result<Option<&'u str>, String> {
        let host = url.url().host().ok_or("the URL has no host")?;
        if url.url().scheme() != "https" && !self.allowlist.admits(&host) {
            return Err("must be an https URL (plain http only for hosts the server's webhook allowlist admits)".into());
        }
        match host {
            Host::Domain(name) => Ok(Some(name)),
            Host::Ipv4(ip) => self.check_ip(IpAddr::V4(ip)).map(|()| None).map_err(|b| b.to_string()),
            Host::Ipv6(ip) => self.check_ip(IpAddr::V6(ip)).map(|()| None).map_err(|b| b.to_string()),
        }
    }

    /// The check made when a URL is saved. A name that does not resolve now is accepted: it
    /// may be set up later, and every delivery checks again.
    pub async fn check_url(&self, field: &'static str, url: &WebhookUrl) -> Result<(), Invalid> {
        let Some(name) = self.check_static(url).map_err(|m| Invalid::new(field, m))? else {
            return Ok(());
        };
        if self.allowlist.admits_name(name) {
            return Ok(());
        }
        let lookup = tokio::net::lookup_host((name, 0));
        let Ok(Ok(addrs)) = tokio::time::timeout(Duration::from_secs(3), lookup).await else {
            return Ok(());
        };
        for addr in addrs {
            self.check_ip(addr.ip()).map_err(|b| {
                tracing::info!(host = %name, ip = %b.ip, reason = b.reason, "refused a webhook URL");
                Invalid::new(field, format!("{name} is {b}"))
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn classifies_special_purpose_addresses() {
        for (addr, why) in [
            ("0.0.0.0", "unspecified"),
            ("10.1.2.3", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("169.254.169.254", "link-local"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("192.0.2.7", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("224.0.0.251", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fd00::1", "unique local"),
            ("fc12:3456::1", "unique local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:c0a8:0101::1", "private"),
            ("2001:db8::1", "documentation"),
            ("192.88.99.1", "6to4 relay anycast"),
            ("64:ff9b:1::808:808", "local-use NAT64"),
            ("64:ff9b:1:ffff::1", "local-use NAT64"),
        ] {
            assert_eq!(non_public_reason(ip(addr)), Some(why), "{addr}");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(non_public_reason(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn a_refusal_names_neither_the_address_nor_its_kind() {
        let message = AddressGuard::default().check_ip(ip("10.20.30.40")).unwrap_err().to_string();
        assert!(message.contains("not a public address"), "{message}");
        assert!(!message.contains("10.20") && !message.contains("private"), "{message}");
    }

    #[test]
    fn allowlists_take_hosts_ips_and_cidrs() {
        let list = Allowlist::parse(" 127.0.0.1, hooks.Internal ,10.1.0.0/16,::1,, ").unwrap();
        assert!(list.admits_ip(ip("127.0.0.1")) && !list.admits_ip(ip("127.0.0.2")));
        assert!(list.admits_ip(ip("10.1.200.3")) && !list.admits_ip(ip("10.2.0.1")));
        assert!(list.admits_ip(ip("::1")));
        assert!(list.admits_name("hooks.internal") && list.admits_name("HOOKS.internal."));
        assert!(!list.admits_name("evil.hooks.internal"));
        assert_eq!(Allowlist::parse("").unwrap(), Allowlist::default());
        for bad in ["10.0.0.0/33", "hooks internal", "http://x", "a..b", "*.example.com"] {
            assert!(Allowlist::parse(bad).is_err(), "{bad}");
        }
    }

    fn url(s: &str) -> WebhookUrl {
        WebhookUrl::parse("url", s).unwrap()
    }

    #[test]
    fn static_checks_refuse_plain_http_and_private_literals_unless_admitted() {
        let strict = AddressGuard::default();
        assert!(strict.check_static(&url("http://example.com/")).is_err());
        assert!(strict.check_static(&url("https://10.0.0.1/")).is_err());
        assert!(strict.check_static(&url("https://[::1]:8443/")).is_err());
        assert_eq!(strict.check_static(&url("https://1.1.1.1/")), Ok(None));
        assert_eq!(
            strict.check_static(&url("https://hooks.example.com/")),
            Ok(Some("hooks.example.com"))
        );
        let local = AddressGuard::new(Allowlist::parse("127.0.0.1,receiver.test").unwrap());
        assert_eq!(local.check_static(&url("http://127.0.0.1:9000/in")), Ok(None));
        assert_eq!(local.check_static(&url("http://receiver.test/")), Ok(Some("receiver.test")));
        assert!(local.check_static(&url("http://127.0.0.2/")).is_err());
    }

    #[test]
    fn resolved_addresses_are_filtered() {
        let guard = AddressGuard::new(Allowlist::parse("192.168.7.7").unwrap());
        let addrs = |list: &[&str]| list.iter().map(|a| SocketAddr::new(ip(a), 443)).collect::<Vec<_>>();
        assert_eq!(
            guard.filter("x.test", addrs(&["10.0.0.1", "1.1.1.1", "192.168.7.7"])).unwrap(),
            addrs(&["1.1.1.1", "192.168.7.7"])
        );
        let err = guard.filter("x.test", addrs(&["127.0.0.1", "10.0.0.1"])).unwrap_err();
        assert_eq!((err.ip, err.reason), (ip("127.0.0.1"), "loopback"));
        let named = AddressGuard::new(Allowlist::parse("x.test").unwrap());
        assert_eq!(named.filter("x.test", addrs(&["127.0.0.1"])).unwrap().len(), 1);
    }

    #[tokio::test]
    async fn saved_urls_are_checked_after_resolution() {
        let strict = AddressGuard::default();
        let err = strict.check_url("url", &url("https://localhost:8443/")).await.unwrap_err();
        assert!(err.message.contains("not a public address"), "{}", err.message);
        assert!(
            !err.message.contains("127.0.0.1") && !err.message.contains("loopback"),
            "{}",
            err.message
        );
        // Unresolvable now (no DNS here): accepted, and checked again at delivery.
        strict.check_url("url", &url("https://hooks.invalid/")).await.unwrap();
        let local = AddressGuard::new(Allowlist::parse("localhost").unwrap());
        local.check_url("url", &url("http://localhost:9/")).await.unwrap();
    }
}
