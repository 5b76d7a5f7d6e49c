//! The error server functions return to the UI: a stable code and a sentence, never internals.
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Transport failures (offline, server restarting) are worth a retry; say so.
        Self {
            code: "TRANSPORT".into(),
            message: format!("could not reach the server ({value})"),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::error::ApiError> for AppError {
    fn from(e: crate::server::error::ApiError) -> Self {
        Self {
            code: e.code.into(),
            message: e.message.clone(),
        }
    }
}
