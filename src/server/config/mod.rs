//! Typed configuration: code defaults, then the `[pairlink]` table of `Leptos.toml`, then
//! `PAIRLINK_*` environment variables (and plain `DATABASE_URL`). Plain values are checked at
//! load; a setting only a subsystem understands (an address list, a key, a device name) is
//! checked by that subsystem (`server::check_config` runs them all at start-up), so this
//! module depends on nothing else in the crate.
use std::path::Path;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

mod report;
mod secrets;

pub use self::{
    report::{Line, report},
    secrets::{DatabaseKind, DatabaseUrl, SecretSetting, masking},
};

pub const DEFAULT_CONFIG_FILE: &str = "Leptos.toml";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://path` (created on first run) or `postgres://user:pass@host/db`.
    pub database_url: DatabaseUrl,
    /// The address people reach this server at, used to build links. Empty: derived from
    /// the listening address.
    pub public_url: String,
    /// Turns on the sandbox engine: fake phones for demos and tests, labelled as such.
    pub sandbox: bool,
    /// A tracing filter, e.g. `info` or `pairlink=debug,sqlx=warn`.
    pub log: String,
    /// How long a deleted number can be restored.
    pub soft_delete_days: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Connections in the database pool.
    pub db_max_connections: u32,
    /// Default lifetime of a pairing link, in seconds (24 h).
    pub link_ttl_seconds: i64,
    /// How often expired links are looked for, in seconds.
    pub sweep_interval_seconds: u64,
    /// Sandbox only: how long its first QR lives (WhatsApp: 60 s). Shorter for demos and tests.
    pub sandbox_first_qr_seconds: u64,
    /// Sandbox only: how long each of its next five QRs lives (WhatsApp: 20 s).
    pub sandbox_next_qr_seconds: u64,
    /// Accepts the documented `x-api-key-id` header (a key's id instead of the key). Off by
    /// default: ids appear in responses and logs, and with this on an id is as good as its key.
    pub api_key_id_header: bool,
    /// Requests per minute one API key may make.
    pub rate_limit_api_per_minute: u32,
    /// Requests per minute one client address may make to the public link endpoints (and
    /// unauthenticated API calls). IPv6 clients are counted by /64.
    pub rate_limit_public_per_minute: u32,
    /// Requests per minute one client address may make to anything (pages, assets, API).
    pub rate_limit_address_per_minute: u32,
    /// Proxies (IPs or CIDRs, comma-separated) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: String,
    /// Meta app id for Embedded Signup on the connect page (empty: not configured).
    pub meta_app_id: String,
    /// Facebook Login for Business configuration id for Embedded Signup.
    pub meta_config_id: String,
    /// Graph API version the page's Facebook SDK uses.
    pub meta_graph_version: String,
    /// Where people get the passkey extension (its browser-store listing), shown on the
    /// connect page's passkey screen; empty: the page only names it.
    pub passkey_extension_url: String,
    /// A number (`num_…`, usually of the operator's own tenant) that sends pairing links for
    /// tenants with no default sender of their own; empty: none.
    pub operator_sender_number_id: String,
    /// Runs the webhook delivery worker in this process.
    pub webhook_worker: bool,
    /// Hostnames, IPs and CIDRs, comma-separated, that webhooks may target although they
    /// are not public addresses (and may use plain http), e.g. `127.0.0.1,hooks.internal`.
    pub webhook_allowlist: String,
    /// How long one delivery attempt may take, in seconds.
    pub webhook_timeout_seconds: u64,
    /// How often the worker looks for due deliveries, in milliseconds.
    pub webhook_poll_millis: u64,
    /// Delivery attempts one tenant, and one endpoint, may have under way at once, counted
    /// across all processes: a tenant whose receivers hang cannot hold every worker.
    pub webhook_in_flight_per_tenant: u32,
    pub webhook_in_flight_per_endpoint: u32,
    /// Webhook endpoints one tenant may have.
    pub webhook_endpoints_per_tenant: u32,
    /// Failed attempts in a row after which an endpoint rests (its deliveries wait, none are
    /// dropped) for `webhook_circuit_open_seconds` before one more try.
    pub webhook_circuit_failures: u32,
    pub webhook_circuit_open_seconds: u64,
    /// Log lines as `text` (for people) or `json` (one object per line, for collectors).
    pub log_format: String,
    /// Serves Prometheus metrics at `/metrics`.
    pub metrics: bool,
    /// Meta Graph API host; the version (`meta_graph_version`) is appended. Tests point it at
    /// a stand-in.
    pub meta_graph_url: String,
    /// The Meta app's secret: exchanges Embedded Signup codes and checks `X-Hub-Signature-256`.
    pub meta_app_secret: SecretSetting,
    /// 32 bytes, base64: the AES-256-GCM key Meta access tokens are stored under. Without it
    /// the Meta features are off, and Meta settings refuse to load.
    pub meta_token_key: SecretSetting,
    /// What Meta must send to verify our webhook URL; empty = derived from `meta_token_key`.
    pub meta_verify_token: SecretSetting,
    /// How long a dashboard sign-in lasts, in hours.
    pub session_hours: u32,
    /// Sign-in attempts per minute allowed per client address.
    pub login_attempts_per_minute: u32,
    /// Sign-in attempts per minute allowed from everyone together.
    pub login_attempts_per_minute_all: u32,
    /// Longest wait before a sign-in for an email that keeps failing is checked, in seconds.
    pub login_delay_max_seconds: u64,
    /// Password hashes (argon2id, ~20 MB each) computed at once, across all sign-ins.
    pub password_hashes_at_once: u32,
    /// How long a sign-in waits for a turn at hashing before a 429, in milliseconds.
    pub password_hash_wait_millis: u64,
    /// Live streams (Server-Sent Events) open at once per link, per client address and per
    /// dashboard session.
    pub streams_per_link: u32,
    pub streams_per_address: u32,
    pub streams_per_session: u32,
    /// 32 bytes, base64: the key webhook signing secrets and device key copies are sealed
    /// under (AES-256-GCM). Empty: read from `secrets_key_file` (see `keyring`).
    pub secrets_key: SecretSetting,
    /// A file holding that key; empty: `secrets.key` beside a SQLite database (generated on
    /// first start, mode 0600). PostgreSQL needs `secrets_key` or this.
    pub secrets_key_file: String,
    /// The bearer token `/metrics` asks for; empty: `/metrics` answers 401 to everyone.
    pub metrics_token: SecretSetting,
    /// Evolution API base URL, e.g. `https://evo.example.com` (empty: the engine is off).
    pub evolution_url: String,
    /// Evolution's global `AUTHENTICATION_API_KEY`, sent as the `apikey` header.
    pub evolution_api_key: SecretSetting,
    /// The secret path segment of `/hooks/evolution/<secret>`, where Evolution posts its
    /// webhooks (at least 24 characters).
    pub evolution_webhook_secret: SecretSetting,
    /// How many times a link's linking window reopens by itself while its page is watched,
    /// before the page must ask again.
    pub qr_window_reopens_per_link: u32,
    /// Linking windows one tenant may have open at once through automatic reopening.
    pub qr_windows_per_tenant: u32,
    /// First wait after WhatsApp throttles pairing (doubles on each repeat), in seconds.
    pub pairing_backoff_seconds: u64,
    /// Engine new numbers get unless their tenant picks one: `sandbox`, `embedded`; empty
    /// means `sandbox` in sandbox mode and `embedded` otherwise.
    pub default_engine: String,
    /// Runs the built-in WhatsApp Web engine (whatsapp-rust) in this process.
    pub embedded_engine: bool,
    /// Embedded engine: the folder of the per-number device key stores.
    pub embedded_data_dir: String,
    /// Embedded engine: WhatsApp's websocket URL; empty for WhatsApp's own.
    pub embedded_ws_url: String,
    /// Embedded engine: a pinned WhatsApp Web version (`2.3000.1026131876`); empty to ask WhatsApp.
    pub embedded_wa_version: String,
    /// Embedded engine: the OS of the name "Linked devices" shows, `Chrome (<os>)`.
    pub embedded_device_os: String,
    /// Embedded engine: a window without a QR after this long fails (connect errors are silent).
    pub embedded_connect_timeout_seconds: u64,
    /// Embedded engine: how long a connected session may stay unreachable before it is
    /// reported disconnected; a shorter drop is a flap, not news.
    pub embedded_disconnect_confirm_seconds: u64,
    /// Embedded engine: pause between the sessions reconnected at start-up.
    pub embedded_resume_stagger_millis: u64,
    /// Embedded engine: lifetime of a process's claim on a session; renewed every third of it.
    pub embedded_lease_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DatabaseUrl::new("sqlite://data/pairlink.db"),
            public_url: String::new(),
            sandbox: false,
            log: "info,sqlx=warn".into(),
            soft_delete_days: 30,
            max_body_bytes: 64 * 1024,
            db_max_connections: 10,
            link_ttl_seconds: 24 * 3600,
            sweep_interval_seconds: 30,
            sandbox_first_qr_seconds: 60,
            sandbox_next_qr_seconds: 20,
            api_key_id_header: false,
            rate_limit_api_per_minute: 600,
            rate_limit_public_per_minute: 300,
            rate_limit_address_per_minute: 1200,
            trusted_proxies: String::new(),
            meta_app_id: String::new(),
            meta_config_id: String::new(),
            meta_graph_version: "v26.0".into(),
            passkey_extension_url: String::new(),
            operator_sender_number_id: String::new(),
            webhook_worker: true,
            webhook_allowlist: String::new(),
            webhook_timeout_seconds: 10,
            webhook_poll_millis: 1000,
            webhook_in_flight_per_tenant: 8,
            webhook_in_flight_per_endpoint: 2,
            webhook_endpoints_per_tenant: 50,
            webhook_circuit_failures: 10,
            webhook_circuit_open_seconds: 60,
            log_format: "text".into(),
            metrics: true,
            meta_graph_url: "https://graph.facebook.com".into(),
            meta_app_secret: SecretSetting::default(),
            meta_token_key: SecretSetting::default(),
            meta_verify_token: SecretSetting::default(),
            session_hours: 168,
            login_attempts_per_minute: 10,
            login_attempts_per_minute_all: 300,
            login_delay_max_seconds: 10,
            password_hashes_at_once: 4,
            password_hash_wait_millis: 3000,
            streams_per_link: 4,
            streams_per_address: 30,
            streams_per_session: 6,
            metrics_token: SecretSetting::default(),
            secrets_key: SecretSetting::default(),
            secrets_key_file: String::new(),
            evolution_url: String::new(),
            evolution_api_key: SecretSetting::default(),
            evolution_webhook_secret: SecretSetting::default(),
            qr_window_reopens_per_link: 5,
            qr_windows_per_tenant: 20,
            pairing_backoff_seconds: 30,
            default_engine: String::new(),
            embedded_engine: true,
            embedded_data_dir: "data/wa".into(),
            embedded_ws_url: String::new(),
            embedded_wa_version: String::new(),
            embedded_device_os: "Windows".into(),
            embedded_connect_timeout_seconds: 20,
            embedded_disconnect_confirm_seconds: 90,
            embedded_resume_stagger_millis: 750,
            embedded_lease_seconds: 15,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: {field}: {message}")]
    Invalid { field: &'static str, message: String },
}

impl Config {
    /// Loads from `file` (if it exists) and the environment.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment(file))
    }

    /// Where the settings come from, in order: code defaults, `file`, the environment.
    pub fn figment(file: &Path) -> Figment {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Figment::from(Toml::file(file)).focus("pairlink"))
            .merge(Environment::from_process())
    }

    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        // Lossy, so that `PAIRLINK_SANDBOX=1` means true as operators expect.
        let config: Config = figment.extract_lossy().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.database_url.kind()?;
        let url = &self.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return invalid("public_url", "must start with http:// or https://");
        }
        if self.max_body_bytes < 1024 {
            return invalid("max_body_bytes", "must be at least 1024");
        }
        if self.db_max_connections == 0 {
            return invalid("db_max_connections", "must be at least 1");
        }
        if !(60..=604_800).contains(&self.link_ttl_seconds) {
            return invalid("link_ttl_seconds", "must be between 60 and 604800");
        }
        if self.sandbox_first_qr_seconds == 0 || self.sandbox_next_qr_seconds == 0 {
            return invalid("sandbox_first_qr_seconds", "sandbox QR lifetimes must be at least 1 second");
        }
        if self.session_hours == 0 || self.login_attempts_per_minute == 0 {
            return invalid("session_hours", "session_hours and login_attempts_per_minute must be at least 1");
        }
        if [
            self.rate_limit_api_per_minute,
            self.rate_limit_public_per_minute,
            self.rate_limit_address_per_minute,
            self.login_attempts_per_minute_all,
            self.password_hashes_at_once,
            self.streams_per_link,
            self.streams_per_address,
            self.streams_per_session,
            self.webhook_in_flight_per_tenant,
            self.webhook_in_flight_per_endpoint,
            self.webhook_endpoints_per_tenant,
            self.webhook_circuit_failures,
        ]
        .contains(&0)
        {
            return invalid(
                "rate_limit_api_per_minute",
                "rate limits, password_hashes_at_once, streams_per_* and the webhook shares must be at least 1",
            );
        }
        if self.sweep_interval_seconds == 0 {
            return invalid("sweep_interval_seconds", "must be at least 1");
        }
        if self.soft_delete_days == 0 {
            return invalid("soft_delete_days", "must be at least 1");
        }
        if !(1..=300).contains(&self.webhook_timeout_seconds) {
            return invalid("webhook_timeout_seconds", "must be 1 to 300");
        }
        if !(10..=60_000).contains(&self.webhook_poll_millis) {
            return invalid("webhook_poll_millis", "must be 10 to 60000");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return invalid("log_format", "must be text or json");
        }
        self.validate_evolution()?;
        if self.qr_windows_per_tenant == 0 {
            return invalid("qr_windows_per_tenant", "must be at least 1");
        }
        if !(1..=3600).contains(&self.pairing_backoff_seconds) {
            return invalid("pairing_backoff_seconds", "must be 1 to 3600");
        }
        self.validate_meta()
    }

    fn validate_evolution(&self) -> Result<(), ConfigError> {
        if self.evolution_url.is_empty() {
            return Ok(());
        }
        if url::Url::parse(&self.evolution_url).map_or(true, |u| !matches!(u.scheme(), "http" | "https")) {
            return invalid("evolution_url", "must be an http:// or https:// URL");
        }
        if self.evolution_api_key.expose().is_empty() {
            return invalid("evolution_api_key", "is required with evolution_url");
        }
        let secret = self.evolution_webhook_secret.expose();
        if secret.len() < 24 || !secret.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return invalid(
                "evolution_webhook_secret",
                "is required with evolution_url: at least 24 letters, digits, '-' or '_'",
            );
        }
        Ok(())
    }

    fn validate_meta(&self) -> Result<(), ConfigError> {
        let url = &self.meta_graph_url;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return invalid("meta_graph_url", "must start with http:// or https://");
        }
        if self.meta_token_key.is_empty() {
            let configured = [
                self.meta_app_id.as_str(),
                self.meta_app_secret.expose(),
                self.meta_verify_token.expose(),
            ];
            if configured.iter().any(|v| !v.is_empty()) {
                return invalid("meta_token_key", "is required when Meta is configured (32 random bytes, base64)");
            }
        }
        Ok(())
    }

    /// The base of links we hand out, without a trailing slash.
    pub fn public_base(&self, listening: std::net::SocketAddr) -> String {
        if self.public_url.is_empty() {
            format!("http://{listening}")
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }
}

/// `PAIRLINK_*` variables and plain `DATABASE_URL`. Figment's own `Env` guesses each value's
/// type, so `PAIRLINK_META_APP_ID=1234567890` became a number that a string setting refused
/// (and `00123` would lose its zeros): here a setting whose default is text takes the value as
/// written, and only the other settings (numbers, switches) have theirs parsed.
pub struct Environment {
    vars: Vec<(String, String)>,
}

impl Environment {
    pub fn from_process() -> Self {
        // PAIRLINK_CONFIG names the file itself (see the CLI), it is not a setting.
        let prefixed = Env::prefixed("PAIRLINK_").ignore(&["config"]);
        let database = Env::raw().only(&["DATABASE_URL"]);
        let vars: Vec<(String, String)> = prefixed
            .iter()
            .chain(database.iter())
            .map(|(k, v)| (k.as_str().to_owned(), v))
            .collect();
        Self::new(vars)
    }

    /// Variables named without the `PAIRLINK_` prefix.
    pub fn new(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            vars: vars.into_iter().collect(),
        }
    }
}

impl figment::Provider for Environment {
    fn metadata(&self) -> figment::Metadata {
        figment::Metadata::named("`PAIRLINK_` environment variable(s)")
    }

    fn data(&self) -> Result<figment::value::Map<figment::Profile, figment::value::Dict>, figment::Error> {
        use figment::value::Value;
        let defaults = Figment::from(Serialized::defaults(Config::default()));
        let mut dict = figment::value::Dict::new();
        for (name, raw) in &self.vars {
            let key = name.to_ascii_lowercase();
            let value = match defaults.find_value(&key) {
                Ok(Value::String(..)) => Value::from(raw.clone()),
                _ => raw.parse::<Value>().unwrap_or_else(|never| match never {}),
            };
            dict.insert(key, value);
        }
        Ok(figment::Profile::Default.collect(dict))
    }
}

/// The error that names `field`, for the checks here and in the subsystems.
pub fn invalid<T>(field: &'static str, message: &str) -> Result<T, ConfigError> {
    Err(ConfigError::Invalid {
        field,
        message: message.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::Serialized;

    #[test]
    fn evolution_settings_are_checked_and_hidden() {
        let ok = serde_json::json!({
            "evolution_url": "http://evo:8080",
            "evolution_api_key": "k-secret",
            "evolution_webhook_secret": "abcdefghijklmnopqrstuvwxyz",
        });
        let config = from(ok.clone()).unwrap();
        assert!(!format!("{config:?}").contains("k-secret"));
        assert!(!format!("{config:?}").contains("abcdefghijklmnop"));
        let mut short = ok.clone();
        short["evolution_webhook_secret"] = "short".into();
        assert!(from(short).unwrap_err().to_string().contains("evolution_webhook_secret"));
        let mut no_key = ok.clone();
        no_key["evolution_api_key"] = "".into();
        assert!(from(no_key).unwrap_err().to_string().contains("evolution_api_key"));
        let mut bad_url = ok;
        bad_url["evolution_url"] = "evo:8080".into();
        assert!(from(bad_url).unwrap_err().to_string().contains("evolution_url"));
    }

    fn from(overrides: serde_json::Value) -> Result<Config, ConfigError> {
        Config::from_figment(Figment::from(Serialized::defaults(Config::default())).merge(Serialized::globals(overrides)))
    }

    #[test]
    fn debug_hides_the_database_password() {
        let url = DatabaseUrl::new("postgres://app:s3cret@db:5432/pairlink");
        assert_eq!(format!("{url:?}"), "postgres://app:***@db:5432/pairlink");
        let config = from(serde_json::json!({"database_url": "postgres://app:s3cret@db/p"})).unwrap();
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    /// Every text setting takes an all-digit value from the environment as written (Meta app
    /// ids are all digits), zeros and all; numbers and switches are still parsed.
    #[test]
    fn text_settings_take_digits_from_the_environment_as_written() {
        let defaults = serde_json::to_value(Config::default()).unwrap();
        let text: Vec<&String> = defaults
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, _)| k)
            .collect();
        assert!(text.len() >= 15 && text.iter().any(|k| *k == "meta_app_id"), "{text:?}");
        let vars = text.iter().map(|k| (k.to_uppercase(), "0012345678".to_owned()));
        let vars = vars.chain([("SANDBOX".into(), "1".into()), ("SESSION_HOURS".into(), "12".into())]);
        let figment = Figment::from(Serialized::defaults(Config::default())).merge(Environment::new(vars));
        let config: Config = figment.extract_lossy().unwrap();
        let loaded = serde_json::to_value(&config).unwrap();
        for key in text {
            assert_eq!(loaded[key], "0012345678", "{key}");
        }
        assert!(config.sandbox && config.session_hours == 12);
    }

    #[test]
    fn lossy_booleans_accept_one_and_zero() {
        assert!(from(serde_json::json!({"sandbox": "1"})).unwrap().sandbox);
        assert!(!from(serde_json::json!({"sandbox": "0"})).unwrap().sandbox);
    }

    #[test]
    fn bad_values_name_the_setting() {
        let err = from(serde_json::json!({"database_url": "mysql://x"})).unwrap_err();
        assert!(err.to_string().contains("database_url"), "{err}");
        let err = from(serde_json::json!({"public_url": "ftp://x"})).unwrap_err();
        assert!(err.to_string().contains("public_url"), "{err}");
        let err = from(serde_json::json!({"nonsense": 1})).unwrap_err();
        assert!(err.to_string().contains("nonsense"), "{err}");
        let err = from(serde_json::json!({"webhook_timeout_seconds": 0})).unwrap_err();
        assert!(err.to_string().contains("webhook_timeout_seconds"), "{err}");
        let err = from(serde_json::json!({"webhook_poll_millis": 1})).unwrap_err();
        assert!(err.to_string().contains("webhook_poll_millis"), "{err}");
        let err = from(serde_json::json!({"meta_app_secret": "s"})).unwrap_err();
        assert!(err.to_string().contains("meta_token_key"), "{err}");
        let err = from(serde_json::json!({"meta_graph_url": "graph.facebook.com"})).unwrap_err();
        assert!(err.to_string().contains("meta_graph_url"), "{err}");
    }

    #[test]
    fn switches_read_zero_as_off() {
        assert!(!from(serde_json::json!({"webhook_worker": "0"})).unwrap().webhook_worker);
    }

    /// `Leptos.toml` documents every setting with its default; keep the two in step.
    #[test]
    fn leptos_toml_lists_every_setting_with_its_default() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_CONFIG_FILE);
        let from_file: Config = Figment::from(Toml::file(path)).focus("pairlink").extract().unwrap();
        assert_eq!(from_file, Config::default());
    }
}
