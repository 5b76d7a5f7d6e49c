//! What the webhook half of the store hands back and takes in.
use chrono::{DateTime, Utc};

use crate::server::domain::{AttemptId, DeliveryId, EventFilter, EventId, NumberId, TenantId, WebhookId, WebhookSecret};

/// An endpoint, without its secret: only the worker's claims carry that.
#[derive(Clone, Debug)]
pub struct Webhook {
    pub id: WebhookId,
    pub tenant_id: TenantId,
    /// `None` for a tenant-wide endpoint.
    pub number_id: Option<NumberId>,
    pub name: String,
    pub url: String,
    pub events: EventFilter,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewWebhook {
    pub id: WebhookId,
    pub number_id: Option<NumberId>,
    pub name: String,
    pub url: String,
    pub events: EventFilter,
    pub secret: WebhookSecret,
    pub active: bool,
    pub at: DateTime<Utc>,
}

/// `None` leaves a field as it is.
#[derive(Default)]
pub struct WebhookPatch {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<EventFilter>,
    pub active: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Every attempt of the schedule failed.
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    pub fn from_stored(value: &str) -> Self {
        match value {
            "delivered" => Self::Delivered,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }

    /// A status a person asked to filter by: exactly one of the three names.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, crate::server::domain::Invalid> {
        match input.trim() {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "dead" => Ok(Self::Dead),
            _ => Err(crate::server::domain::Invalid::new(field, "must be pending, delivered or dead")),
        }
    }
}

/// Which of a tenant's deliveries a log shows; `None` does not filter.
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter {
    pub webhook: Option<WebhookId>,
    pub status: Option<DeliveryStatus>,
    /// Only deliveries to the endpoints bound to this number (number-scoped callers).
    pub number: Option<NumberId>,
    /// Only deliveries before this `(created_at, id)`, newest first (keyset pagination).
    pub after: Option<(DateTime<Utc>, DeliveryId)>,
    pub limit: i64,
}

/// One event on its way to one endpoint.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: DeliveryId,
    pub tenant_id: TenantId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_kind: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The event's body, exactly as delivered.
    pub payload: String,
}

#[derive(Clone, Debug)]
pub struct Attempt {
    pub id: AttemptId,
    pub delivery_id: DeliveryId,
    /// 1 for the first attempt of the delivery, and so on.
    pub attempt: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A delivery with its attempts, newest delivery first, attempts oldest first.
#[derive(Clone, Debug)]
pub struct DeliveryLog {
    pub delivery: Delivery,
    pub attempts: Vec<Attempt>,
}

/// How deliveries share the workers: no tenant or endpoint holds more than its share of
/// attempts in flight (counted across every process, by their leases), each claim takes the
/// tenants in turn, and an endpoint that keeps failing rests (its circuit opens) while its
/// deliveries wait. `Default` is no limits, for tests of the store's other rules.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryPolicy {
    pub in_flight_per_tenant: i64,
    pub in_flight_per_endpoint: i64,
    /// Attempts without a 2xx in a row that open an endpoint's circuit.
    pub failures_to_open: i64,
    /// How long an open circuit keeps the endpoint's deliveries waiting.
    pub open_for: chrono::Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            in_flight_per_tenant: i64::MAX / 4,
            in_flight_per_endpoint: i64::MAX / 4,
            failures_to_open: i64::MAX,
            open_for: chrono::Duration::zero(),
        }
    }
}

/// A delivery a worker holds the lease on, with everything it needs to send it.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub id: DeliveryId,
    /// Names this claim; finishing with a lease that another claim replaced changes nothing.
    pub lease: String,
    pub tenant_id: TenantId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub attempts: i64,
    pub step: i64,
    pub url: String,
    pub secret: WebhookSecret,
    /// The stored event payload: the exact bytes to POST.
    pub body: String,
}

/// The outcome of one attempt, as logged.
#[derive(Clone, Debug)]
pub struct NewAttempt {
    pub id: AttemptId,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub at: DateTime<Utc>,
}

/// Where a delivery goes after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    RetryAt { at: DateTime<Utc>, step: i64 },
    Dead,
}
