//! Events: built in the documented webhook shape, written with the change that causes them,
//! and the sink through which engines report state.
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::server::{
    domain::{EventId, NumberId, PhoneE164},
    engines::{EngineEvent, EventSink, LinkState, NumberCtx},
    store::{NewEvent, Number, Store},
};

pub const NUMBER_CREATED: &str = "number.created";
pub const NUMBER_CONNECTED: &str = "number.connected";
pub const NUMBER_DISCONNECTED: &str = "number.disconnected";
pub const NUMBER_REMOVED: &str = "number.removed";
pub const NUMBER_RESTORED: &str = "number.restored";

/// The number an event is about.
pub struct Subject<'a> {
    pub id: &'a NumberId,
    pub phone: &'a PhoneE164,
    pub name: &'a str,
}

impl<'a> From<&'a Number> for Subject<'a> {
    fn from(n: &'a Number) -> Self {
        Self {
            id: &n.id,
            phone: &n.phone,
            name: &n.name,
        }
    }
}

impl<'a> From<&'a NumberCtx> for Subject<'a> {
    fn from(n: &'a NumberCtx) -> Self {
        Self {
            id: &n.number,
            phone: &n.phone,
            name: &n.name,
        }
    }
}

/// `{"event": kind, "data": {id, numberId, phone, displayName, createdAt, …extra}}`; `data.id`
/// is the event id, stable across delivery retries.
pub fn number_event(kind: &str, subject: Subject<'_>, at: DateTime<Utc>, extra: Value) -> NewEvent {
    let id = EventId::generate();
    let mut data = json!({
        "id": id,
        "numberId": subject.id,
        "phone": subject.phone.e164(),
        "displayName": subject.name,
        "createdAt": at,
    });
    if let (Value::Object(data), Value::Object(extra)) = (&mut data, extra) {
        data.extend(extra);
    }
    NewEvent {
        id,
        number_id: Some(subject.id.clone()),
        kind: kind.into(),
        payload: json!({ "event": kind, "data": data }),
        at,
    }
}

/// Persists what engines report: the number's state and, for the transitions that have one,
/// its event, in one transaction.
pub struct StoreSink {
    store: Arc<dyn Store>,
}

impl StoreSink {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl EventSink for StoreSink {
    async fn publish(&self, ev: EngineEvent) {
        let event = match &ev.state {
            LinkState::Connected { .. } => Some(number_event(NUMBER_CONNECTED, (&ev.number).into(), ev.at, json!({}))),
            LinkState::LoggedOut { reason } => Some(number_event(
                NUMBER_DISCONNECTED,
                (&ev.number).into(),
                ev.at,
                json!({ "reason": reason }),
            )),
            _ => None,
        };
        let n = &ev.number;
        if let Err(err) = self
            .store
            .transition_number(&n.tenant, &n.number, ev.state.number_state(), ev.at, event.as_ref())
            .await
        {
            tracing::error!(tenant.id = %n.tenant, number.id = %n.number, error = %err, "could not record an engine state change");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_events_have_the_documented_shape() {
        let id = NumberId::generate();
        let phone = PhoneE164::parse("number", "+5511999998888").unwrap();
        let at = Utc::now();
        let event = number_event(
            NUMBER_DISCONNECTED,
            Subject {
                id: &id,
                phone: &phone,
                name: "Shop",
            },
            at,
            json!({"reason": "device_removed"}),
        );
        let data = &event.payload["data"];
        assert_eq!(event.payload["event"], "number.disconnected");
        assert_eq!(data["id"], event.id.as_str());
        assert_eq!(data["numberId"], id.as_str());
        assert_eq!(data["phone"], "+5511999998888");
        assert_eq!(data["displayName"], "Shop");
        assert_eq!(data["reason"], "device_removed");
        assert_eq!(data["createdAt"], serde_json::to_value(at).unwrap());
    }
}
