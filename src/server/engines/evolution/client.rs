//! Evolution API over HTTP: every call carries the `apikey` header; answers are JSON.
use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde_json::Value;

use crate::server::engines::EngineError;

/// How long one call may take. `connect` itself waits up to ~2 s for Baileys' first QR.
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    api_key: String,
}

/// An answer Evolution gave: its status and JSON body (`Null` when it was not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Client {
    pub fn new(base: &str, api_key: &str) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: reqwest::Client::builder().timeout(TIMEOUT).build()?,
            base: base.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
        })
    }

    /// Sends a call; a 2xx or 4xx comes back as an [`Answer`] for the caller to judge,
    /// throttling, server errors and transport failures as an [`EngineError`].
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Answer, EngineError> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("apikey", &self.api_key);
        if let Some(body) = body {
            req = req.header(header::CONTENT_TYPE, "application/json").body(body.to_string());
        }
        // reqwest's error names the URL, never headers, so the key stays out of logs.
        let res = req
            .send()
            .await
            .map_err(|e| EngineError::Unavailable(format!("cannot reach Evolution: {}", e.without_url())))?;
        let status = res.status();
        let retry_after = res
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = res
            .bytes()
            .await
            .map_err(|e| EngineError::Unavailable(format!("Evolution's answer was cut: {}", e.without_url())))?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        match status {
            StatusCode::TOO_MANY_REQUESTS => Err(EngineError::RateLimited { retry_after }),
            StatusCode::UNAUTHORIZED => Err(EngineError::Unavailable(
                "Evolution refused our API key (check evolution_api_key)".into(),
            )),
            s if s.is_server_error() => Err(EngineError::Unavailable(format!(
                "Evolution failed on {method} {}: HTTP {} {}",
                redact_path(path),
                s.as_u16(),
                message(&body)
            ))),
            _ => Ok(Answer { status, body }),
        }
    }
}

/// The human part of an Evolution error body: `response.message` (a string or a list) or `message`.
pub fn message(body: &Value) -> String {
    let m = &body["response"]["message"];
    let m = if m.is_null() { &body["message"] } else { m };
    match m {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Paths name instances only, but queries may carry a phone; errors show the path alone.
fn redact_path(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}
