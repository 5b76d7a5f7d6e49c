//! Meta numbers, the tenant's side: bring-your-own-WABA creation, a live refresh of the
//! phone's fields, and sending a link from a Meta number (an authentication template).
use serde_json::json;

use super::{
    meta::{self, Credentials, Origin, Step},
    numbers,
};
use crate::server::{
    auth::ApiClient,
    domain::{NumberId, PhoneE164, Provider},
    engines::LinkState,
    error::ApiResult,
    meta::{
        engine::state_of,
        graph::{ErrorClass, GraphError, TemplateMessage},
    },
    pairing::events::{NUMBER_CONNECTED, NUMBER_DISCONNECTED, number_event},
    state::AppState,
    store::{MetaAccount, Number, Template},
};
use crate::types::meta::MetaNumberIn;

/// `POST /v1/numbers/meta`: the credentials validated live, the number created `OPEN`.
pub async fn create(state: &AppState, client: &ApiClient, input: MetaNumberIn) -> ApiResult<(Number, MetaAccount)> {
    let engine = meta::engine(state)?;
    let name = crate::server::domain::parse_display_name("name", input.name.as_deref())?;
    let name = name.as_str();
    let expected = input.number.as_deref().map(|n| PhoneE164::parse("number", n)).transpose()?;
    let waba_id = meta::meta_id("wabaId", input.waba_id.as_deref())?;
    let phone_id = meta::meta_id("phoneNumberId", input.phone_number_id.as_deref().or(input.meta_phone_id.as_deref()))?;
    let (token, pin) = meta::check_secrets(input.access_token.as_deref(), input.pin.as_deref())?;
    let credentials = Credentials {
        waba_id,
        phone_number_id: phone_id,
        access_token: &token,
        pin: pin.as_deref(),
    };
    let verified = meta::verify_credentials(&engine, &credentials).await?;
    let origin = Origin {
        tenant: &client.tenant,
        name: Some(name.to_owned()),
        expected_phone: expected,
        link: None,
    };
    let number = meta::create_number(state, &engine, origin, verified).await?;
    let account = state.store.meta_account(&client.tenant, &number.id).await?;
    Ok((number, account))
}

/// Where Meta must send this server's webhooks.
pub fn webhook_url(state: &AppState) -> String {
    format!("{}/v1/meta/webhook", state.public_base)
}

/// The Meta side of a number as last known, or read from Graph now with `refresh`; `None`
/// for numbers that are not on Meta.
pub async fn account(state: &AppState, client: &ApiClient, id: &NumberId, refresh: bool) -> ApiResult<Option<(Number, MetaAccount)>> {
    let number = numbers::get(state, client, id).await?;
    if number.provider != Provider::Meta {
        return Ok(None);
    }
    if !refresh {
        let account = state.store.meta_account(&client.tenant, id).await?;
        return Ok(Some((number, account)));
    }
    let engine = meta::engine(state)?;
    let (_, phone) = engine.refresh(&crate::server::engines::NumberCtx::of(&number)).await?;
    let phone = phone.map_err(|e| {
        let mut err = meta::fail(Step::Phone, e);
        // Nothing the caller sent was wrong: Meta refused us.
        if err.status == axum::http::StatusCode::BAD_REQUEST {
            err.status = axum::http::StatusCode::BAD_GATEWAY;
        }
        err
    })?;
    let now = state.clock.now();
    let live = state_of(&phone, number.phone.digits());
    // A Cloud API number's state is always settled (never a transient drop).
    let Some(settled) = live.number_state() else {
        return Ok(Some((number.clone(), state.store.meta_account(&client.tenant, id).await?)));
    };
    if settled != number.state {
        let event = match &live {
            LinkState::LoggedOut { reason } => number_event(NUMBER_DISCONNECTED, (&number).into(), now, json!({ "reason": reason })),
            _ => number_event(NUMBER_CONNECTED, (&number).into(), now, json!({ "provider": "META" })),
        };
        state
            .store
            .transition_number(&client.tenant, id, settled, now, Some(&event))
            .await?;
        state.live.notify(&client.tenant, id).await;
    }
    let number = state.store.get_number(&client.tenant, id).await?;
    let account = state.store.meta_account(&client.tenant, id).await?;
    Ok(Some((number, account)))
}

/// Sends `template` from a Meta `sender` to `to`, with the link's token as the template's
/// parameter (authentication templates carry a code). `Err` is the `messageError`.
pub async fn send_link(state: &AppState, sender: &Number, to: &Number, template: &Template, code: &str) -> Result<(), String> {
    let engine = meta::engine(state).map_err(|_| "SENDER_NOT_CONNECTED".to_owned())?;
    let ctx = crate::server::engines::NumberCtx::of(sender);
    let account = engine.account(&ctx).await.map_err(|e| format!("SEND_FAILED: {e}"))?;
    let token = engine.token_of(&account).map_err(|e| format!("SEND_FAILED: {e}"))?;
    let message = TemplateMessage {
        to_digits: to.phone.digits(),
        name: &template.name,
        language: &template.language,
        code,
    };
    match engine.graph.send_template(&token, &account.phone_number_id, &message).await {
        Ok(_) => Ok(()),
        Err(e) => Err(send_failure(&e)),
    }
}

/// `SEND_FAILED: <our code>: <what Meta said> (<Meta's code>)`.
fn send_failure(e: &GraphError) -> String {
    let code = match e.class() {
        ErrorClass::Template => "META_TEMPLATE_ERROR",
        ErrorClass::RateLimited => "META_RATE_LIMITED",
        ErrorClass::Token => "META_TOKEN_INVALID",
        ErrorClass::Permission => "META_PERMISSION_DENIED",
        ErrorClass::Recipient => "META_RECIPIENT_ERROR",
        ErrorClass::Unavailable => "UPSTREAM_ERROR",
        _ => "META_ERROR",
    };
    match e {
        GraphError::Api {
            message, code: meta_code, ..
        } => format!("SEND_FAILED: {code}: {message} ({meta_code})"),
        other => format!("SEND_FAILED: {code}: {other}"),
    }
}
