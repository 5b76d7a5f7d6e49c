//! `spawn_app()`: the whole server on an ephemeral port, its own database, typed helpers that
//! assert the status they expect.
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Duration, Utc};
use pairlink::server::{
    self, Settings,
    clock::Clock,
    config::{Config, DatabaseUrl},
    state::AppState,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::{net::TcpListener, task::JoinHandle};

/// A clock tests can move.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new() -> Arc<Self> {
        // Whole milliseconds, as the database stores them, so round trips compare equal.
        let now = pairlink::server::domain::from_millis(Utc::now().timestamp_millis());
        Arc::new(Self(Mutex::new(now)))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub database_url: DatabaseUrl,
    http: reqwest::Client,
    server: JoinHandle<()>,
    _dir: Arc<TempDir>,
}

pub struct Options {
    pub sandbox: bool,
    /// Reuse a database (to restart on it); a fresh SQLite file otherwise.
    pub database: Option<(DatabaseUrl, Arc<TempDir>)>,
    pub sweep_interval_seconds: u64,
    /// Non-public webhook targets the app admits; tests' receivers listen on 127.0.0.1.
    pub webhook_allowlist: String,
    /// Any other setting a test needs.
    pub configure: fn(&mut Config),
    /// Where the Meta Graph API is: a stand-in server the test started.
    pub meta_graph_url: Option<String>,
    /// An Evolution API stand-in's base URL: turns the Evolution engine on (key
    /// [`EVOLUTION_KEY`], webhook secret [`EVOLUTION_SECRET`]).
    pub evolution: Option<String>,
}

pub const EVOLUTION_KEY: &str = "evo-test-global-key";
pub const EVOLUTION_SECRET: &str = "evo_hook_secret_0123456789abcdef";

impl Default for Options {
    fn default() -> Self {
        // Sweeps are driven by hand in tests unless one asks for the background task.
        Self {
            sandbox: true,
            database: None,
            sweep_interval_seconds: 3600,
            webhook_allowlist: "127.0.0.1".into(),
            configure: |_| {},
            meta_graph_url: None,
            evolution: None,
        }
    }
}

/// A fresh, empty PostgreSQL schema in `TEST_DATABASE_URL`, as a database URL.
pub async fn pg_database() -> (DatabaseUrl, Arc<TempDir>) {
    let admin = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL must name a PostgreSQL database for these tests (the README's test command sets it)");
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin).await.expect("connect to TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await
        .unwrap();
    let sep = if admin.contains('?') { '&' } else { '?' };
    (
        DatabaseUrl::new(format!("{admin}{sep}options=-c%20search_path%3D{schema}")),
        Arc::new(tempfile::tempdir().unwrap()),
    )
}

/// A local port nothing listens on (bound, then let go).
/// The tests' HTTP client. A server that stops answering fails the test after a minute with
/// a timeout error, rather than hanging the whole run until CI gives up. (A read timeout, not
/// a total one: event streams stay open as long as their heartbeats arrive.)
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .read_timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("http client")
}

pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

/// The key the tests' apps seal secrets under (PostgreSQL needs one configured).
pub const TEST_SECRETS_KEY: &str = "c2VhbGVkIHNlY3JldHMgZm9yIHRoZSB0ZXN0cyEhISE=";

/// What `/metrics` asks of the tests' scrapes.
pub const METRICS_TOKEN: &str = "test-metrics-token";

pub async fn spawn_with(options: Options) -> TestApp {
    try_spawn_with(options).await.expect("app builds")
}

/// As [`spawn_with`], for tests of an app that must refuse to start.
pub async fn try_spawn_with(options: Options) -> anyhow::Result<TestApp> {
    let (database_url, dir) = options.database.unwrap_or_else(|| {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        (DatabaseUrl::new(format!("sqlite://{}/pairlink.db", dir.path().display())), dir)
    });
    let mut config = Config {
        database_url: database_url.clone(),
        sandbox: options.sandbox,
        sweep_interval_seconds: options.sweep_interval_seconds,
        webhook_allowlist: options.webhook_allowlist,
        // Tests move the clock and expect deliveries soon after.
        webhook_poll_millis: 20,
        // The embedded engine never reaches WhatsApp from a test: its device stores live in
        // the test's folder and its socket points at a closed local port.
        embedded_data_dir: dir.path().join("wa").display().to_string(),
        embedded_ws_url: format!("ws://127.0.0.1:{}/ws/chat", closed_port()),
        embedded_wa_version: "2.3000.1026131876".into(),
        metrics_token: pairlink::server::config::SecretSetting::new(METRICS_TOKEN),
        secrets_key: pairlink::server::config::SecretSetting::new(TEST_SECRETS_KEY),
        ..Config::default()
    };
    if let Some(url) = options.evolution {
        config.evolution_url = url;
        config.evolution_api_key = pairlink::server::config::SecretSetting::new(EVOLUTION_KEY);
        config.evolution_webhook_secret = pairlink::server::config::SecretSetting::new(EVOLUTION_SECRET);
    }
    (options.configure)(&mut config);
    if let Some(url) = options.meta_graph_url {
        config.meta_graph_url = url;
    }
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("pairlink")
        .site_root("target/site")
        .build();
    let clock = ManualClock::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let settings = Settings {
        config,
        leptos,
        site: pairlink::server::site::Site::Disk(std::path::Path::new("target/site").into()),
        assets: pairlink::ui::assets::Assets::unbuilt(),
        clock: clock.clone(),
    };
    let (router, state) = server::build(settings, addr).await?;
    let server = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .unwrap();
    });
    Ok(TestApp {
        base: format!("http://{addr}"),
        state,
        clock,
        database_url,
        http: http_client(),
        server,
        _dir: dir,
    })
}

impl TestApp {
    /// Stops serving and hands back the database, to start another app on it. Like a crash:
    /// the webhook worker drops the attempts it has under way.
    pub fn stop(self) -> (DatabaseUrl, Arc<TempDir>) {
        self.state.webhooks.abort();
        self.server.abort();
        self.state.stop_background();
        (self.database_url, self._dir)
    }

    /// The same database, for a second app process beside this one.
    pub fn database(&self) -> (DatabaseUrl, Arc<TempDir>) {
        (self.database_url.clone(), self._dir.clone())
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A call without an API key, as the connect page makes.
    pub async fn public(&self, method: Method, path: &str) -> (StatusCode, Value) {
        self.raw(method, path, None, None).await
    }

    /// Creates a remote-pairing link; returns the 201 body.
    pub async fn create_link(&self, key: &str, body: Value) -> Value {
        self.expect(Method::POST, "/v1/numbers/remote-pairing", key, Some(body), StatusCode::CREATED)
            .await
    }

    /// Opens a Server-Sent Events stream and yields `(event, data)` pairs as they arrive.
    pub async fn sse(&self, path: &str) -> tokio::sync::mpsc::Receiver<(String, Value)> {
        use futures::StreamExt;
        let res = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let mut body = res.bytes_stream();
        tokio::spawn(async move {
            let mut buf = String::new();
            while let Some(Ok(chunk)) = body.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    let mut event = String::from("message");
                    let mut data = String::new();
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("event:") {
                            event = v.trim().to_owned();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim_start());
                        }
                    }
                    if !data.is_empty()
                        && tx
                            .send((event, serde_json::from_str(&data).unwrap_or(Value::String(data))))
                            .await
                            .is_err()
                    {
                        return;
                    }
                }
            }
        });
        rx
    }

    pub async fn tenant(&self, name: &str) -> Tenant {
        let (tenant, key) = pairlink::server::services::tenants::create_tenant(&self.state, name).await.unwrap();
        Tenant {
            id: tenant.id.to_string(),
            key: key.secret.reveal().to_owned(),
        }
    }

    pub async fn number_key(&self, tenant: &Tenant, number_id: &str) -> String {
        let tenant_id = pairlink::server::domain::TenantId::from_trusted(tenant.id.clone());
        let number = pairlink::server::domain::NumberId::from_trusted(number_id);
        let issued = pairlink::server::services::tenants::issue_key(&self.state, &tenant_id, Some(&number))
            .await
            .unwrap();
        issued.secret.reveal().to_owned()
    }

    pub async fn raw(&self, method: Method, path: &str, key: Option<&str>, body: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body.to_owned());
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// Sends and asserts the status, returning the JSON body.
    pub async fn expect(&self, method: Method, path: &str, key: &str, body: Option<Value>, status: StatusCode) -> Value {
        let text = body.map(|b| b.to_string());
        let (got, value) = self.raw(method.clone(), path, Some(key), text.as_deref()).await;
        assert_eq!(got, status, "{method} {path} answered {value}");
        value
    }

    /// Sends and asserts an error status and code; errors always carry both keys.
    pub async fn expect_error(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
        status: StatusCode,
        code: &str,
    ) -> Value {
        let (got, value) = self.raw(method.clone(), path, key, body).await;
        assert_eq!(got, status, "{method} {path} answered {value}");
        assert_eq!(value["code"], code, "{method} {path} answered {value}");
        assert!(value["error"].as_str().is_some_and(|e| !e.is_empty()), "{value}");
        value
    }

    pub async fn create_number(&self, key: &str, name: &str, phone: &str) -> Value {
        self.expect(
            Method::POST,
            "/v1/numbers",
            key,
            Some(json!({ "name": name, "number": phone })),
            StatusCode::CREATED,
        )
        .await
    }

    pub async fn get(&self, path: &str, key: &str) -> Value {
        self.expect(Method::GET, path, key, None, StatusCode::OK).await
    }

    pub async fn post(&self, path: &str, key: &str) -> Value {
        self.expect(Method::POST, path, key, None, StatusCode::OK).await
    }

    pub async fn event_kinds(&self, id: &str, key: &str) -> Vec<String> {
        let events = self.get(&format!("/v1/numbers/{id}/events"), key).await;
        events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .collect()
    }
}

pub struct Tenant {
    pub id: String,
    pub key: String,
}

/// A site for `pairlink serve` processes, which refuse to start without the browser files their
/// pages link to: the manifest and the files it names, made once per test run. (These tests
/// drive the API; the browser tests serve the real build.)
pub fn site_root() -> &'static std::path::Path {
    static SITE: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let assets = pairlink::ui::assets::Assets::unbuilt();
        std::fs::write(pkg.join("manifest.json"), serde_json::to_string(&assets).unwrap()).unwrap();
        for file in assets.files() {
            std::fs::write(pkg.join(file), "").unwrap();
        }
        dir
    })
    .path()
}
