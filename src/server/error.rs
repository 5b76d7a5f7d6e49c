//! The API's error envelope: `{"error": "<sentence>", "code": "<UPPER_SNAKE>"}`. Internal
//! causes are logged once here and never sent to the client.
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{
    domain::Invalid,
    engines::EngineError,
    pairing::commands::{Failure, FailureKind},
    store::StoreError,
};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Logged for 5xx, never shown.
    source: Option<anyhow::Error>,
    /// More keys for the body, beside `error` and `code` (e.g. `refreshUrl`).
    extra: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            source: None,
            extra: Default::default(),
        }
    }

    pub fn with_field(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    pub fn validation(field: &str, message: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("{field}: {message}"))
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "a valid API key is required in the x-api-key header",
        )
    }

    pub fn number_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NUMBER_NOT_FOUND", "no such number")
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 429 with how long to wait, in the body (`retryAfterSeconds`) and in `Retry-After`.
    pub fn rate_limited(seconds: u64) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many requests; slow down")
            .with_field("retryAfterSeconds", seconds.max(1))
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "something went wrong on our side")
        }
    }

    /// 503 `DATABASE_UNAVAILABLE`: the database did not answer; the client may retry.
    pub fn database_unavailable(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "DATABASE_UNAVAILABLE",
                "the database is unavailable; try again shortly",
            )
            .with_field("retryAfterSeconds", 5)
        }
    }

    /// The process that runs the number did not take the request (it stopped, died or hangs),
    /// or stopped while running it: nothing to fix on our side and safe to repeat (every
    /// action is idempotent: a send keeps its message id), and within a lease another
    /// process runs the number. Not a server fault of this request, so no 5xx.
    pub fn number_moving() -> Self {
        Self::conflict(
            "NUMBER_MOVING",
            "the server running this number is stopping or not answering; another takes it over within seconds, so try again shortly",
        )
        .with_field("retryAfterSeconds", 5)
    }

    pub fn upstream(code: &'static str, source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                code,
                "the pairing engine did not answer; try again shortly",
            )
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self::validation(&e.field, e.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "not found"),
            StoreError::Conflict => Self::conflict("CONFLICT", "conflicts with an existing record"),
            other if other.is_unavailable() => Self::database_unavailable(other),
            other => Self::internal(other),
        }
    }
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> Self {
        match f.kind {
            FailureKind::NoAnswer | FailureKind::Interrupted => Self::number_moving(),
            _ => f.into_engine_error().into(),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Conflict(message) => Self::conflict("ENGINE_CONFLICT", message),
            EngineError::Moving(_) => Self::number_moving(),
            EngineError::Unsupported => Self::new(
                StatusCode::BAD_REQUEST,
                "FEATURE_NOT_SUPPORTED",
                "this number's engine cannot do that",
            ),
            EngineError::RateLimited { retry_after } => {
                let err = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RATE_LIMITED",
                    "the pairing engine asked us to slow down",
                );
                match retry_after {
                    Some(wait) => err.with_field("retryAfterSeconds", wait.as_secs().max(1)),
                    None => err,
                }
            }
            other => Self::upstream("UPSTREAM_ERROR", other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(source) = &self.source {
            tracing::error!(code = self.code, error = format!("{source:#}"), "request failed");
        }
        let retry_after = self.extra.get("retryAfterSeconds").and_then(serde_json::Value::as_u64);
        let mut body = json!({ "error": self.message, "code": self.code });
        if let serde_json::Value::Object(map) = &mut body {
            map.extend(self.extra);
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
