//! Evolution API (2.3.x) as an engine: one Evolution instance per number, named after the
//! tenant and the number (`ten_…-num_…`) so its webhooks resolve without a lookup table.
//! Evolution pushes QR refs and connection changes to `/hooks/evolution/<secret>`; we keep the
//! last state per number here so pages read it without calling Evolution each time.
//!
//! Evolution's own behaviour we live with: once `connect` was given a phone, it asks WhatsApp
//! for a new pairing code on every QR refresh; we show the newest one it reports. It keeps
//! minting QRs until its `QRCODE_LIMIT`, so the service closes windows nobody watches.
mod client;
pub mod hooks;

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use self::{
    client::{Answer, Client},
    hooks::{Hook, pairing_from},
};
use super::{Capabilities, Engine, EngineError, EngineEvent, EngineKind, EventSink, LinkRequest, LinkState, NumberCtx, SettingsSync};
use crate::server::{
    clock::Clock,
    domain::{NumberId, NumberProfile, PhoneE164, TenantId},
};

/// The webhooks we ask Evolution for (its upper-snake event names).
const EVENTS: [&str; 2] = ["QRCODE_UPDATED", "CONNECTION_UPDATE"];

/// The documented number settings Evolution acts on (its instance settings); the others
/// concern messages, which pass Pairlink by.
const ACTED_ON: [&str; 6] = [
    "rejectCall",
    "msgRejectCall",
    "ignoreGroups",
    "alwaysOnline",
    "readMessages",
    "historyImportEnabled",
];

pub struct EvolutionSettings {
    /// e.g. `https://evo.example.com`.
    pub base_url: String,
    pub api_key: String,
    /// Where Evolution must post, secret included: `https://pair.example/hooks/evolution/<secret>`.
    pub webhook_url: String,
}

pub struct EvolutionEngine {
    client: Client,
    webhook_url: String,
    sink: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    /// The state we last published per number. Serialises a number's updates too.
    last: Mutex<HashMap<NumberId, LinkState>>,
}

/// `ten_…-num_…`: the instance of a number. Ids hold no `-`, so the split is unambiguous.
pub fn instance_name(tenant: &TenantId, number: &NumberId) -> String {
    format!("{tenant}-{number}")
}

/// The tenant and number an instance name stands for, if it is one of ours.
pub fn parse_instance(name: &str) -> Option<(TenantId, NumberId)> {
    let (tenant, number) = name.split_once('-')?;
    let ok = |id: &str, prefix: &str| {
        id.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
    };
    (ok(tenant, TenantId::PREFIX) && ok(number, NumberId::PREFIX)).then(|| (TenantId::from_trusted(tenant), NumberId::from_trusted(number)))
}

impl EvolutionEngine {
    pub fn new(settings: EvolutionSettings, sink: Arc<dyn EventSink>, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        Ok(Self {
            client: Client::new(&settings.base_url, &settings.api_key)?,
            webhook_url: settings.webhook_url,
            sink,
            clock,
            last: Mutex::new(HashMap::new()),
        })
    }

    /// A webhook Evolution posted about `ctx`'s instance: maps it and publishes the change.
    pub async fn ingest(&self, ctx: &NumberCtx, hook: &Hook) {
        let mut last = self.last.lock().await;
        let Some(state) = hooks::next_state(last.get(&ctx.number), hooks::signal(hook), self.clock.now()) else {
            return;
        };
        self.set(&mut last, ctx, state).await;
    }

    async fn set(&self, last: &mut HashMap<NumberId, LinkState>, ctx: &NumberCtx, state: LinkState) {
        last.insert(ctx.number.clone(), state.clone());
        let event = EngineEvent {
            from: EngineKind::Evolution,
            number: ctx.clone(),
            state,
            at: self.clock.now(),
        };
        self.sink.publish(event).await;
    }

    async fn connection_state(&self, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let answer = self
            .call(Method::GET, &format!("/instance/connectionState/{}", name(ctx)), None)
            .await?;
        let answer = expect_ok(answer, "read the connection state")?;
        Ok(match answer.body["instance"]["state"].as_str() {
            // Evolution says open but not who; the phone that paired was checked when it did.
            Some("open") => LinkState::Connected {
                phone_digits: ctx.phone.digits().to_owned(),
            },
            _ => LinkState::Idle,
        })
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Answer, EngineError> {
        self.client.call(method, path, body).await
    }
}

fn name(ctx: &NumberCtx) -> String {
    instance_name(&ctx.tenant, &ctx.number)
}

/// A 2xx, or the error Evolution's 4xx means.
fn expect_ok(answer: Answer, what: &str) -> Result<Answer, EngineError> {
    if answer.status.is_success() {
        return Ok(answer);
    }
    Err(EngineError::Unavailable(format!(
        "Evolution would not {what}: HTTP {} {}",
        answer.status.as_u16(),
        client::message(&answer.body)
    )))
}

#[async_trait]
impl Engine for EvolutionEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Evolution
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            qr: true,
            pair_code: true,
            code_on_open: true,
        }
    }

    async fn create(&self, tenant: &TenantId, number: &NumberId) -> Result<Value, EngineError> {
        let instance = instance_name(tenant, number);
        let body = json!({
            "instanceName": instance,
            "integration": "WHATSAPP-BAILEYS",
            // No socket until a page asks for a window.
            "qrcode": false,
            "webhook": {
                "url": self.webhook_url,
                "byEvents": false,
                "base64": false,
                "events": EVENTS,
            },
        });
        let answer = expect_ok(
            self.call(Method::POST, "/instance/create", Some(&body)).await?,
            "create an instance",
        )?;
        // A new instance is closed: no need to ask Evolution until something happens.
        self.last.lock().await.insert(number.clone(), LinkState::Idle);
        // The instance token (`hash`) is not kept: every call uses the global key.
        Ok(json!({
            "instance": instance,
            "instanceId": answer.body["instance"]["instanceId"],
        }))
    }

    async fn link(&self, ctx: &NumberCtx, request: LinkRequest) -> Result<LinkState, EngineError> {
        let (pair_code_for, may_open) = request.parts();
        if !may_open {
            let last = self.last.lock().await;
            let state = last.get(&ctx.number);
            let live = state
                .and_then(LinkState::pairing)
                .is_some_and(|p| p.window_ends_at > self.clock.now());
            if !live {
                // The window this code was for has moved on: say where the number stands.
                return Ok(state.cloned().unwrap_or(LinkState::Idle));
            }
        }
        let path = match &pair_code_for {
            Some(phone) => format!("/instance/connect/{}?number={}", name(ctx), phone.digits()),
            None => format!("/instance/connect/{}", name(ctx)),
        };
        let answer = expect_ok(self.call(Method::GET, &path, None).await?, "open a linking window")?;
        let body = &answer.body;
        if body["error"].as_bool() == Some(true) {
            return Err(EngineError::Unavailable(format!(
                "Evolution could not open a linking window: {}",
                client::message(body)
            )));
        }
        if body["instance"]["state"].as_str() == Some("open") {
            return Err(EngineError::Conflict("the number is already connected".into()));
        }
        let mut last = self.last.lock().await;
        let now = self.clock.now();
        let prev = last
            .get(&ctx.number)
            .and_then(LinkState::pairing)
            .filter(|p| p.window_ends_at > now);
        let text = |k: &str| body[k].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let count = body["count"].as_u64().and_then(|c| u32::try_from(c).ok());
        // A code only counts when we asked for one on this call.
        let code = pair_code_for.as_ref().and_then(|_| text("pairingCode"));
        let state = LinkState::Pairing(pairing_from(prev, text("code"), code, count, now));
        self.set(&mut last, ctx, state.clone()).await;
        Ok(state)
    }

    async fn status(&self, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        if let Some(state) = self.last.lock().await.get(&ctx.number) {
            return Ok(state.clone());
        }
        let state = self.connection_state(ctx).await?;
        self.last.lock().await.entry(ctx.number.clone()).or_insert_with(|| state.clone());
        Ok(state)
    }

    /// Evolution keeps sessions across our restarts; we only learn where each one stands.
    /// A closed instance stays closed: no QR is minted for a page nobody has open.
    async fn resume(&self, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let state = self.connection_state(ctx).await?;
        self.last.lock().await.insert(ctx.number.clone(), state.clone());
        Ok(state)
    }

    async fn delete(&self, ctx: &NumberCtx) -> Result<(), EngineError> {
        let answer = self.call(Method::DELETE, &format!("/instance/delete/{}", name(ctx)), None).await?;
        // Gone already is what we wanted.
        if answer.status != StatusCode::NOT_FOUND {
            expect_ok(answer, "delete the instance")?;
        }
        self.last.lock().await.remove(&ctx.number);
        Ok(())
    }

    async fn logout(&self, ctx: &NumberCtx) -> Result<(), EngineError> {
        let answer = self.call(Method::DELETE, &format!("/instance/logout/{}", name(ctx)), None).await?;
        // 400: the instance is closed already; 404: it is gone. Either way nothing is linked.
        if !matches!(answer.status, StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND) {
            expect_ok(answer, "log the instance out")?;
        }
        let mut last = self.last.lock().await;
        if matches!(last.get(&ctx.number), Some(LinkState::Pairing(_))) {
            last.insert(ctx.number.clone(), LinkState::Idle);
        }
        Ok(())
    }

    // Evolution picks its own message ids: `id` cannot be honoured there.
    async fn send_text(&self, ctx: &NumberCtx, to: &PhoneE164, body: &str, _id: Option<&str>) -> Result<String, EngineError> {
        let payload = json!({ "number": to.digits(), "text": body, "delay": 0 });
        let answer = self
            .call(Method::POST, &format!("/message/sendText/{}", name(ctx)), Some(&payload))
            .await?;
        if answer.status == StatusCode::BAD_REQUEST && answer.body.to_string().contains("\"exists\":false") {
            return Err(EngineError::Unavailable("the recipient is not on WhatsApp".into()));
        }
        let answer = expect_ok(answer, "send the message")?;
        answer.body["key"]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| EngineError::Unavailable("Evolution sent no message id".into()))
    }

    async fn apply_settings(&self, ctx: &NumberCtx, profile: &NumberProfile, changed: &[String]) -> SettingsSync {
        let (ours, skipped): (Vec<String>, Vec<String>) = changed.iter().cloned().partition(|k| ACTED_ON.contains(&k.as_str()));
        if ours.is_empty() {
            return SettingsSync {
                skipped,
                ..SettingsSync::default()
            };
        }
        // Evolution takes the whole settings object at once; the stored profile is the truth.
        let body = json!({
            "rejectCall": profile.switch("rejectCall"),
            "msgCall": profile.text("msgRejectCall").unwrap_or_default(),
            "groupsIgnore": profile.switch("ignoreGroups"),
            "alwaysOnline": profile.switch("alwaysOnline"),
            "readMessages": profile.switch("readMessages"),
            "readStatus": false,
            "syncFullHistory": profile.switch("historyImportEnabled"),
        });
        let set = self.call(Method::POST, &format!("/settings/set/{}", name(ctx)), Some(&body)).await;
        match set.and_then(|answer| expect_ok(answer, "set the instance's settings")) {
            Ok(_) => SettingsSync {
                applied: ours,
                skipped,
                failed: Vec::new(),
            },
            Err(err) => {
                tracing::warn!(number.id = %ctx.number, error = %err, "Evolution did not take the number's settings");
                SettingsSync {
                    failed: ours,
                    skipped,
                    applied: Vec::new(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_round_trip_and_foreign_ones_are_refused() {
        let (t, n) = (TenantId::generate(), NumberId::generate());
        assert_eq!(parse_instance(&instance_name(&t, &n)), Some((t, n)));
        for foreign in [
            "",
            "t42-n7",
            "ten_-num_1",
            "ten_1-num_",
            "ten_1-num_1-x",
            "num_1-ten_1",
            "ten_1num_1",
        ] {
            assert_eq!(parse_instance(foreign), None, "{foreign}");
        }
    }
}
