//! What a webhook endpoint is made of, parsed at the edge: its URL, name, event list and
//! signing secret.
use base64::{Engine as _, engine::general_purpose::STANDARD};
use rand::RngCore;
use url::Url;

use super::Invalid;

/// Events this server sends.
pub const EMITTED_EVENTS: &[&str] = &[
    "number.created",
    "number.connected",
    "number.disconnected",
    "number.removed",
    "number.restored",
    "link.opened",
    "link.expired",
    "link.failed",
    "link.passkey_required",
    "number.health_degraded",
    "number.health_blocked",
    "number.recovered",
];

/// Documented events this server cannot emit (no shadowban detection, no leads): the filter
/// for delivery logs accepts them, as it accepts every documented name.
const DROPPED_EVENTS: &[&str] = &["number.health_shadowban", "lead.received"];

pub const ALL_EVENTS: &str = "*";

/// What "send test event" delivers: to one endpoint, whatever it subscribes to.
pub const TEST_EVENT: &str = "webhook.test";

/// Most names one endpoint may list.
pub const MAX_EVENT_NAMES: usize = 100;

/// The events an endpoint subscribes to, as asked, or `*`; empty dispatches nothing. The
/// documented API accepts names its provider cannot emit (`message.*`, `call.*`,
/// `lead.received`, …) and ignores them, so clients written for it subscribe to them: they are
/// kept (the endpoint shows what was asked) and never match. Only names that cannot be event
/// names (spaces, commas, control characters) are refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter(Vec<String>);

impl EventFilter {
    pub fn parse(field: &'static str, input: &[String]) -> Result<Self, Invalid> {
        if input.len() > MAX_EVENT_NAMES {
            return Err(Invalid::new(field, format!("at most {MAX_EVENT_NAMES} event names")));
        }
        let mut names: Vec<String> = Vec::new();
        for raw in input {
            let name = raw.trim();
            if name == ALL_EVENTS {
                return Ok(Self(vec![ALL_EVENTS.into()]));
            }
            // The stored list is comma-joined, hence no commas; the rest keeps names readable.
            let well_formed = (1..=64).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '*' | ':'));
            if !well_formed {
                return Err(Invalid::new(
                    field,
                    format!(
                        "{name:?} is not an event name (1 to 64 letters, digits, '.', '_', '-', ':' or '*'); this \
                         server sends {} (\"*\" for all)",
                        EMITTED_EVENTS.join(", ")
                    ),
                ));
            }
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
        Ok(Self(names))
    }

    /// The names asked for that this server never sends, so a client can tell a typo or an
    /// unsupported subscription from a quiet endpoint.
    pub fn never_sent(&self) -> Vec<String> {
        self.0
            .iter()
            .filter(|n| n.as_str() != ALL_EVENTS && !EMITTED_EVENTS.contains(&n.as_str()))
            .cloned()
            .collect()
    }

    /// A single event name, for filters: the same vocabulary, `*` excluded.
    pub fn parse_name(field: &'static str, input: &str) -> Result<String, Invalid> {
        let name = input.trim();
        if EMITTED_EVENTS.contains(&name) || DROPPED_EVENTS.contains(&name) || name == TEST_EVENT {
            Ok(name.to_owned())
        } else {
            Err(Invalid::new(field, format!("{name:?} is not a known event")))
        }
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// `,a,b,` so that `LIKE '%,a,%'` matches a whole name; `''` for none.
    pub fn to_stored(&self) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            format!(",{},", self.0.join(","))
        }
    }

    pub fn from_stored(stored: &str) -> Self {
        Self(stored.split(',').filter(|n| !n.is_empty()).map(str::to_owned).collect())
    }

    /// The LIKE pattern (escape character `\`) that finds `kind` in a stored list. Event names
    /// hold `_`, a LIKE wildcard, hence the escaping.
    pub fn like_pattern(kind: &str) -> String {
        let mut pattern = String::from("%,");
        for c in kind.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str(",%");
        pattern
    }
}

/// A label people give an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookName(String);

impl WebhookName {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, Invalid> {
        let name = input.trim();
        if name.is_empty() {
            return Err(Invalid::new(field, "must not be empty"));
        }
        if name.chars().count() > 100 {
            return Err(Invalid::new(field, "must be at most 100 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(Invalid::new(field, "must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An absolute `http(s)` URL with a host and no credentials. Whether plain `http` and the
/// host's addresses are acceptable is the address guard's call, which knows the allowlist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, Invalid> {
        let input = input.trim();
        if input.len() > 2048 {
            return Err(Invalid::new(field, "must be at most 2048 characters"));
        }
        let url = Url::parse(input).map_err(|e| Invalid::new(field, format!("is not a valid URL ({e})")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(Invalid::new(field, "must be an https URL"));
        }
        if url.host().is_none() {
            return Err(Invalid::new(field, "must name a host"));
        }
        // Credentials in a URL end up in logs and screenshots; receivers should check the
        // signature instead.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::new(field, "must not contain a user name or password"));
        }
        Ok(Self(url))
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// `whsec_` and 32 random bytes in base64: the Standard Webhooks secret format. Kept out of
/// `Debug` and never serialized; the API shows it once, when the endpoint is created.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

pub const SECRET_PREFIX: &str = "whsec_";

impl WebhookSecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
    }

    pub fn from_stored(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(names: &[&str]) -> Result<EventFilter, Invalid> {
        EventFilter::parse("events", &names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn event_lists_keep_what_was_asked_once_and_tell_what_never_fires() {
        let asked = [
            "number.created",
            " link.opened",
            "number.created",
            "number.health_shadowban",
            "message.*",
        ];
        let f = events(&asked).unwrap();
        assert_eq!(f.names(), ["number.created", "link.opened", "number.health_shadowban", "message.*"]);
        assert_eq!(f.never_sent(), ["number.health_shadowban", "message.*"]);
        assert_eq!(f.to_stored(), ",number.created,link.opened,number.health_shadowban,message.*,");
        assert_eq!(EventFilter::from_stored(&f.to_stored()), f);
        assert_eq!(events(&["link.failed", "*"]).unwrap().names(), ["*"]);
        assert!(events(&["*"]).unwrap().never_sent().is_empty());
        let none = events(&[]).unwrap();
        assert_eq!((none.to_stored(), EventFilter::from_stored("")), (String::new(), none));
    }

    #[test]
    fn malformed_event_names_are_refused_naming_the_field() {
        for bad in ["", " ", "a,b", "number created", "number.%", "x\ny", &"e".repeat(65)] {
            let err = events(&["number.created", bad]).unwrap_err();
            assert_eq!(err.field, "events", "{bad:?}");
        }
        let many: Vec<String> = (0..=MAX_EVENT_NAMES).map(|i| format!("e{i}")).collect();
        assert!(EventFilter::parse("events", &many).is_err());
        assert!(EventFilter::parse_name("event", "*").is_err());
        assert_eq!(EventFilter::parse_name("event", "link.expired").unwrap(), "link.expired");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(EventFilter::like_pattern("number.health_blocked"), "%,number.health\\_blocked,%");
        assert_eq!(EventFilter::like_pattern("link.opened"), "%,link.opened,%");
    }

    #[test]
    fn names_are_trimmed_bounded_and_printable() {
        assert_eq!(WebhookName::parse("name", "  CRM  ").unwrap().as_str(), "CRM");
        assert!(WebhookName::parse("name", " ").is_err());
        assert!(WebhookName::parse("name", &"x".repeat(101)).is_err());
        assert!(WebhookName::parse("name", "a\nb").is_err());
        assert!(WebhookName::parse("name", &"é".repeat(100)).is_ok());
    }

    #[test]
    fn urls_need_http_a_host_and_no_credentials() {
        assert!(WebhookUrl::parse("url", "https://hooks.example.com/in?x=1").is_ok());
        assert!(WebhookUrl::parse("url", "http://127.0.0.1:8080/").is_ok());
        for bad in [
            "",
            "hooks.example.com/in",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "https://user@example.com/",
            "file:///etc/passwd",
            "https://",
        ] {
            assert_eq!(WebhookUrl::parse("url", bad).unwrap_err().field, "url", "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(WebhookUrl::parse("url", &long).is_err());
    }

    #[test]
    fn secrets_follow_the_standard_format_and_hide_in_debug() {
        let s = WebhookSecret::generate();
        let body = s.reveal().strip_prefix(SECRET_PREFIX).unwrap();
        assert_eq!(STANDARD.decode(body).unwrap().len(), 32);
        assert_ne!(s, WebhookSecret::generate());
        assert!(!format!("{s:?}").contains(body));
    }
}
