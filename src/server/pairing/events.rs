//! Events: built in the documented webhook shape, written with the change that causes them,
//! and the sink through which engines report state.
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::server::{
    domain::{EventId, NumberId, PhoneE164},
    engines::{EngineEvent, EventSink, LinkState, NumberCtx},
    live::Live,
    store::{Fenced, Link, NewEvent, Number, Store},
};

pub const NUMBER_CREATED: &str = "number.created";
pub const NUMBER_CONNECTED: &str = "number.connected";
pub const NUMBER_DISCONNECTED: &str = "number.disconnected";
pub const NUMBER_REMOVED: &str = "number.removed";
pub const NUMBER_RESTORED: &str = "number.restored";
pub const LINK_OPENED: &str = "link.opened";
pub const LINK_EXPIRED: &str = "link.expired";
pub const LINK_FAILED: &str = "link.failed";
/// WhatsApp asked the phone for its passkey (once per link; only to endpoints that list it).
pub const LINK_PASSKEY_REQUIRED: &str = "link.passkey_required";

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

/// A `link.*` event: the number's fields (when the link has a number) plus `linkId`,
/// `externalRef` and `expiresAt`, so platforms can match it to the link they created.
pub fn link_event(kind: &str, link: &Link, number: Option<Subject<'_>>, at: DateTime<Utc>, extra: Value) -> NewEvent {
    let mut fields = json!({ "linkId": link.id, "externalRef": link.external_ref, "expiresAt": link.expires_at });
    if let (Value::Object(fields), Value::Object(extra)) = (&mut fields, extra) {
        fields.extend(extra);
    }
    match number {
        Some(subject) => number_event(kind, subject, at, fields),
        None => {
            let id = EventId::generate();
            let mut data = json!({ "id": id, "numberId": null, "createdAt": at });
            if let (Value::Object(data), Value::Object(fields)) = (&mut data, fields) {
                data.extend(fields);
            }
            NewEvent {
                id,
                number_id: None,
                kind: kind.into(),
                payload: json!({ "event": kind, "data": data }),
                at,
            }
        }
    }
}

/// Persists what engines report (the number's state and, for the transitions that have one,
/// its event, in one transaction) and tells live page streams.
pub struct StoreSink {
    store: Arc<dyn Store>,
    live: Live,
    repair: Option<super::repair::RepairLinks>,
    funnel: super::funnel::Funnel,
    /// This process's name on leases: what an engine running here reports is recorded only
    /// while this process holds the number (fencing).
    holder: Option<String>,
}

impl StoreSink {
    pub fn new(store: Arc<dyn Store>, live: Live) -> Self {
        Self {
            store,
            live,
            repair: None,
            funnel: Default::default(),
            holder: None,
        }
    }

    /// Fences the states of engines that run here with this process's lease `holder`.
    pub fn holding_as(mut self, holder: &str) -> Self {
        self.holder = Some(holder.to_owned());
        self
    }

    /// Lets `number.disconnected` carry a re-pair link for tenants that ask for one.
    pub fn with_repair_links(mut self, repair: super::repair::RepairLinks) -> Self {
        self.repair = Some(repair);
        self
    }

    async fn disconnected(&self, ev: &EngineEvent, reason: &str) -> NewEvent {
        let mut extra = json!({ "reason": reason });
        if let Some(repair) = &self.repair
            && let (Some(Value::Object(link)), Value::Object(fields)) =
                (repair.for_disconnect(self.store.as_ref(), &ev.number, ev.at).await, &mut extra)
        {
            fields.extend(link);
        }
        number_event(NUMBER_DISCONNECTED, (&ev.number).into(), ev.at, extra)
    }

    /// `link.passkey_required`, once per link: the platform hears its customer is stuck at
    /// WhatsApp's passkey check (the dashboard shows it on the link).
    async fn passkey_required(&self, ev: &EngineEvent, expires_at: Option<DateTime<Utc>>) {
        let n = &ev.number;
        let Ok(Some(link)) = self.store.current_link(&n.tenant, &n.number).await else {
            return;
        };
        if link.passkey_required_at.is_some() {
            return;
        }
        let event = link_event(
            LINK_PASSKEY_REQUIRED,
            &link,
            Some(n.into()),
            ev.at,
            json!({ "passkeyExpiresAt": expires_at }),
        );
        match self.store.mark_link_passkey_required(&n.tenant, &link.id, &event).await {
            Ok(true) => crate::server::metrics::link_event("passkey_required"),
            Ok(false) => {}
            Err(err) => tracing::error!(number.id = %n.number, error = %err, "could not record a passkey request"),
        }
    }

    async fn event_for(&self, ev: &EngineEvent) -> Option<NewEvent> {
        let n = &ev.number;
        let (kind, reason) = webhook_for(&ev.state)?;
        if kind == NUMBER_DISCONNECTED {
            // Carries a re-pair link for tenants that ask for one.
            return Some(self.disconnected(ev, reason.unwrap_or_default()).await);
        }
        let extra = reason.map_or_else(|| json!({}), |r| json!({ "reason": r }));
        if kind == LINK_FAILED {
            let link = self.store.current_link(&n.tenant, &n.number).await.ok().flatten()?;
            return Some(link_event(kind, &link, Some(n.into()), ev.at, extra));
        }
        Some(number_event(kind, n.into(), ev.at, extra))
    }
}

/// The webhook an engine state causes (written only if the number's state changes with it),
/// and its `reason`.
pub fn webhook_for(state: &LinkState) -> Option<(&'static str, Option<&str>)> {
    match state {
        LinkState::Connected { .. } => Some((NUMBER_CONNECTED, None)),
        LinkState::LoggedOut { reason } => Some((NUMBER_DISCONNECTED, Some(reason))),
        // A window closing is routine (the page opens another); a final refusal, or a
        // phone that is not the expected one, fails the link.
        LinkState::Failed { reason, retryable } if !retryable || reason == crate::server::engines::reason::WRONG_NUMBER => {
            Some((LINK_FAILED, Some(reason)))
        }
        LinkState::Failed { .. }
        | LinkState::Idle
        | LinkState::Pairing(_)
        | LinkState::PasskeyRequired { .. }
        | LinkState::Paired { .. }
        | LinkState::Disconnected { .. } => None,
    }
}

#[async_trait]
impl EventSink for StoreSink {
    async fn publish(&self, ev: EngineEvent) {
        let n = &ev.number;
        // A transient drop changes nothing stored; the page still looks again.
        if let Some(state) = ev.state.number_state() {
            let event = self.event_for(&ev).await;
            let changed = match self.holder.as_deref().filter(|_| ev.from.runs_here()) {
                Some(holder) => match self
                    .store
                    .transition_number_held(&n.tenant, &n.number, state, ev.at, event.as_ref(), holder)
                    .await
                {
                    Ok(Fenced::Held(changed)) => Ok(changed),
                    Ok(Fenced::Lost) => {
                        tracing::warn!(number.id = %n.number, "not recorded: this process no longer holds the number");
                        return;
                    }
                    Err(err) => Err(err),
                },
                None => {
                    self.store
                        .transition_number(&n.tenant, &n.number, state, ev.at, event.as_ref())
                        .await
                }
            };
            match (&changed, &ev.state) {
                (Ok(Some(_)), LinkState::Connected { .. }) => crate::server::metrics::link_event("connected"),
                (Ok(Some(_)), LinkState::Failed { .. }) if event.is_some() => crate::server::metrics::link_event("failed"),
                _ => {}
            }
            if let Err(err) = changed {
                tracing::error!(tenant.id = %n.tenant, number.id = %n.number, error = %err, "could not record an engine state change");
            }
        }
        if let LinkState::PasskeyRequired { expires_at, .. } = &ev.state {
            self.passkey_required(&ev, *expires_at).await;
        }
        self.funnel.note(self.store.as_ref(), &ev).await;
        self.live.notify(&n.tenant, &n.number).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every engine state, as webhooks report it.
    #[test]
    fn every_link_state_has_its_webhook_or_none() {
        use crate::server::engines::{Pairing, reason};
        let failed = |r: &str, retryable| LinkState::Failed {
            reason: r.into(),
            retryable,
        };
        let pairing = LinkState::Pairing(Pairing {
            qr: None,
            code: None,
            window_ends_at: Utc::now(),
        });
        assert_eq!(
            webhook_for(&LinkState::Connected { phone_digits: "1".into() }),
            Some((NUMBER_CONNECTED, None))
        );
        for why in [reason::LOGGED_OUT, reason::BANNED, reason::REPLACED] {
            let state = LinkState::LoggedOut { reason: why.into() };
            assert_eq!(webhook_for(&state), Some((NUMBER_DISCONNECTED, Some(why))));
        }
        assert_eq!(
            webhook_for(&failed(reason::WRONG_NUMBER, true)),
            Some((LINK_FAILED, Some(reason::WRONG_NUMBER)))
        );
        assert_eq!(
            webhook_for(&failed(reason::CLIENT_OUTDATED, false)),
            Some((LINK_FAILED, Some(reason::CLIENT_OUTDATED)))
        );
        for routine in [
            failed(reason::QR_WINDOW_CLOSED, true),
            failed(reason::QR_LIMIT, true),
            failed(reason::THROTTLED, true),
            LinkState::Idle,
            pairing,
            LinkState::PasskeyRequired {
                expires_at: None,
                request: None,
                confirmation: None,
            },
            LinkState::Paired { phone_digits: "1".into() },
            LinkState::Disconnected {
                reason: reason::CONNECTION_LOST.into(),
            },
        ] {
            assert_eq!(webhook_for(&routine), None, "{routine:?}");
        }
    }

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
