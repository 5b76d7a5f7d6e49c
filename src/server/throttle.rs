//! The middleware that spends the budgets of `ratelimit`. Two layers:
//! - [`every_request`], outermost, names the client once ([`ClientAddress`], kept in the
//!   request's extensions for whatever needs it later: sign-in, streams) and spends its
//!   per-address budget on every route: pages, server functions, assets, logos, the API.
//! - [`limit`], on `/v1` and the connect page: public and unauthenticated requests spend the
//!   address's public budget whatever headers they carry; API calls are authenticated here
//!   and spend their verified key's budget, so a made-up key is no way into a fresh bucket
//!   and spelling a real key differently is no way into a second one.
use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, OriginalUri, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{
    auth::{self, Authenticated},
    ratelimit::ClientAddress,
    state::AppState,
};

/// Meta's webhooks are signed, and Meta sends every message event of busy numbers from a few
/// addresses: a per-address limit would only make it retry.
fn exempt(path: &str) -> bool {
    path.ends_with("/meta/webhook")
}

/// Routes anyone may call without a key: the link's own endpoints and the connect page.
fn public(path: &str) -> bool {
    [
        "/v1/remote-pairing/",
        "/v1/passkey/",
        "/v1/connect/",
        "/api/v1/remote-pairing/",
        "/api/v1/passkey/",
        "/api/v1/connect/",
        "/connect/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

pub async fn every_request(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let client = state.limits.client(peer, req.headers());
    if let Some(client) = client {
        req.extensions_mut().insert(client);
        if !exempt(req.uri().path())
            && let Err(err) = state.limits.check_any(client)
        {
            return err.into_response();
        }
    }
    next.run(req).await
}

pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Inside `/v1` (nested) the URI has lost its prefix; the route's full path is the original.
    let path = match req.extensions().get::<OriginalUri>() {
        Some(original) => original.path().to_owned(),
        None => req.uri().path().to_owned(),
    };
    if exempt(&path) {
        return next.run(req).await;
    }
    let client = req.extensions().get::<ClientAddress>().copied();
    if public(&path) {
        return match client.map(|c| state.limits.check_public(c)) {
            Some(Err(err)) => err.into_response(),
            _ => next.run(req).await,
        };
    }
    let (mut parts, body) = req.into_parts();
    let caller = match auth::authenticate(&parts, &state).await {
        Ok(caller) => caller,
        Err(err) => return err.into_response(),
    };
    let verdict = match (&caller, client) {
        (Some(caller), _) => match caller.key() {
            Some(id) => state.limits.check_key(id.as_str()),
            None => Ok(()),
        },
        (None, Some(client)) => state.limits.check_public(client),
        (None, None) => Ok(()),
    };
    if let Err(err) = verdict {
        return err.into_response();
    }
    // The handler's extractor takes this instead of looking the key up a second time.
    parts.extensions.insert(Authenticated(caller));
    next.run(Request::from_parts(parts, body)).await
}
