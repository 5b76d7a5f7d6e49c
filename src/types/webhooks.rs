//! The webhooks API's bodies. The signing secret appears in one shape only, the answer to
//! creating an endpoint.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// `POST /v1/webhooks`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateWebhookIn {
    /// Where deliveries go: https (plain http only for hosts the server allowlists).
    pub url: Option<String>,
    /// A label; defaults to the URL's host.
    pub name: Option<String>,
    /// Event names, or `["*"]` for all. Empty or omitted: nothing is delivered.
    pub events: Option<Vec<String>>,
    /// Bind the webhook to one number (also read from the `x-whatsapp-number-id` header).
    /// Omitted with a tenant key: the webhook is tenant-wide. A number key's webhooks are
    /// always bound to its number.
    pub whatsapp_number_id: Option<String>,
    /// Default true; false creates it paused.
    pub active: Option<bool>,
}

/// `PATCH /v1/webhooks/{id}`: what is sent changes, the rest stays. The number cannot change.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateWebhookIn {
    pub name: Option<String>,
    pub url: Option<String>,
    /// Replaces the whole list.
    pub events: Option<Vec<String>>,
    /// False pauses deliveries (none are created; pending ones wait); true resumes.
    pub active: Option<bool>,
    pub whatsapp_number_id: Option<String>,
}

/// A webhook endpoint, never with its secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookOut {
    pub id: String,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    /// Names in `events` this server never sends (accepted, as the documented API accepts
    /// them, and ignored): a typo or an event of another product.
    #[serde(default)]
    pub ignored_events: Vec<String>,
    /// `null` for a tenant-wide webhook.
    pub whatsapp_number_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The answer to creating a webhook: the only time its signing secret is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhookOut {
    #[serde(flatten)]
    pub webhook: WebhookOut,
    /// `whsec_…`: keys `x-pilot-status-signature` (HMAC-SHA256 of the body with this whole
    /// string) and `webhook-signature` (Standard Webhooks). Store it now; it is not shown again.
    pub secret: String,
}

/// One attempt to deliver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttemptOut {
    pub id: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    pub success: bool,
    /// The receiver's HTTP status; `null` when no answer came (see `error`).
    pub status_code: Option<i64>,
    /// Why no usable answer came: `timeout: …`, `connection_failed: …`, `blocked_address: …`.
    pub error: Option<String>,
    pub latency_ms: i64,
    /// The start of the receiver's answer (at most 1 KiB).
    pub response_body: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One event's delivery to the webhook, with every attempt; the top-level `statusCode`,
/// `latencyMs` and `error` are the latest attempt's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryLogOut {
    /// The delivery id (what `…/logs/{deliveryId}/retry` takes).
    pub id: String,
    pub delivery_id: String,
    pub webhook_id: String,
    /// The event id: `data.id` in the body and the `webhook-id` header.
    pub event_id: String,
    pub event: String,
    /// `pending` (waiting for an attempt), `delivered` or `dead` (every retry failed).
    pub status: String,
    pub success: bool,
    pub attempt_count: i64,
    pub status_code: Option<i64>,
    pub latency_ms: Option<i64>,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The body delivered.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub payload: Value,
    pub attempts: Vec<AttemptOut>,
}

/// `GET /v1/webhooks/{id}/logs` query.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct LogsQuery {
    /// 1 to 50; default 20.
    pub limit: Option<String>,
    /// Only deliveries of this event.
    pub event: Option<String>,
}
