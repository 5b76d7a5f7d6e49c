//! What the dashboard's webhook section sends and gets. The signing secret appears only in
//! [`SecretOut`], the answer to creating an endpoint or rotating its secret.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::webhooks::WebhookOut;

/// The endpoints, and what the form offers: every event the service sends, the live numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhooksOut {
    pub endpoints: Vec<WebhookOut>,
    pub events: Vec<String>,
}

/// The endpoint form. `events` are the ticked boxes (`input[events][]`); an empty
/// `number_id` is tenant-wide (and is ignored on update: the number cannot change).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookFormIn {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub number_id: String,
}

/// An endpoint with its new signing secret: shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecretOut {
    pub webhook: WebhookOut,
    pub secret: String,
}

/// One line of the delivery log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryItem {
    pub id: String,
    pub webhook_id: String,
    pub webhook_name: String,
    pub event: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
}

/// One delivery, in full: what was sent and what came back, attempt by attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryDetail {
    pub item: DeliveryItem,
    pub url: String,
    pub event_id: String,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The JSON body, pretty-printed.
    pub body: String,
    pub attempts: Vec<AttemptDetail>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptDetail {
    pub attempt: i64,
    pub at: DateTime<Utc>,
    /// As sent, except the signatures (derived from the secret), which are only named.
    pub request_headers: Vec<(String, String)>,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    /// The start of the answer (at most 1 KiB).
    pub response_body: Option<String>,
    pub duration_ms: i64,
}

/// A page of the delivery log and where the next (older) one starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveriesPage {
    pub items: Vec<DeliveryItem>,
    /// Pass as `cursor` for the older page; `null` on the last one.
    pub next_cursor: Option<String>,
}
