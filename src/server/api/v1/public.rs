//! The public token endpoints the connect page (or a platform's own UI) calls. No API key:
//! the token is the credential, and any `x-api-key` sent along is ignored.
use std::{convert::Infallible, time::Duration};

use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use tokio_stream::StreamExt;

use crate::server::{
    api::{ErrorOut, JsonBody},
    domain::with_absolute_logo,
    error::ApiResult,
    ratelimit::{ClientAddress, StreamOwner},
    services::{
        public::{self, Access},
        watch::{self, Update},
    },
    state::AppState,
};
use crate::types::{
    branding::BrandingOut,
    links::{MetaCredentialsIn, MetaEmbeddedIn, TokenConnectOut, TokenInfoOut, TokenStatusOut},
    meta::MetaLinkOut,
};

type Params = Query<Vec<(String, String)>>;

/// What a link is for
///
/// Name, masked number, state, resolved branding. The first call records `link.opened`.
/// 404 with `LINK_NOT_FOUND`, `LINK_EXPIRED` (with `refreshUrl` when the link has one),
/// `LINK_ALREADY_USED` or `LINK_REVOKED` for a link that cannot be used.
#[utoipa::path(get, path = "/remote-pairing/{token}", tag = "link (public)", params(("token" = String, Path)),
    responses((status = 200, body = TokenInfoOut), (status = 404, body = ErrorOut)))]
pub async fn link_info(State(state): State<AppState>, Path(token): Path<String>, Query(q): Params) -> ApiResult<Json<TokenInfoOut>> {
    let mut info = public::info(&state, &token, &q).await?;
    info.branding = with_absolute_logo(info.branding, &state.public_base);
    Ok(Json(info))
}

/// Start pairing
///
/// Opens a linking window and returns its QR and pairing code, or returns the window already
/// open: however many calls arrive, the number has one window. No body needed.
#[utoipa::path(post, path = "/remote-pairing/{token}/connect", tag = "link (public)", params(("token" = String, Path)),
    responses((status = 200, body = TokenConnectOut), (status = 400, body = ErrorOut, description = "SECONDARY_LINK_NOT_SUPPORTED for ?link=secondary"), (status = 404, body = ErrorOut), (status = 409, body = ErrorOut, description = "NUMBER_ALREADY_CONNECTED; NUMBER_MOVING (Retry-After): the server running the number is stopping or not answering, nothing was done, try again")))]
pub async fn link_connect(State(state): State<AppState>, Path(token): Path<String>, Query(q): Params) -> ApiResult<Json<TokenConnectOut>> {
    super::dual::primary_link_only(&q)?;
    Ok(Json(public::connect(&state, &token).await?))
}

/// The link's state now
///
/// State, `linkState`, and the live QR and code while a window is open: enough for a page to
/// poll. After pairing, the page that paired can still read the final state for a few minutes.
#[utoipa::path(get, path = "/remote-pairing/{token}/status", tag = "link (public)", params(("token" = String, Path)),
    responses((status = 200, body = TokenStatusOut), (status = 404, body = ErrorOut)))]
pub async fn link_status(State(state): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<TokenStatusOut>> {
    let resolved = public::resolve(&state, &token, Access::Poll).await?;
    Ok(Json(public::snapshot(&state, &resolved).await?))
}

/// The link's state as it changes (Server-Sent Events)
///
/// `status` events carry the same JSON as `…/status` each time something changes (a new QR,
/// the phone pairing, a failure); comments every 15 s keep proxies from closing the stream.
/// An `end` event (`{code, error}`) closes it: `CONNECTED`, or why the link died. A link, a
/// client address and a dashboard session may each hold only a few streams at once (429
/// `TOO_MANY_STREAMS` beyond them).
#[utoipa::path(get, path = "/remote-pairing/{token}/events", tag = "link (public)", params(("token" = String, Path)),
    responses((status = 200, description = "text/event-stream of `status` and `end` events"), (status = 404, body = ErrorOut),
        (status = 429, body = ErrorOut, description = "TOO_MANY_STREAMS or RATE_LIMITED")))]
pub async fn link_events(
    State(state): State<AppState>,
    Path(token): Path<String>,
    address: Option<Extension<ClientAddress>>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let slot = state.limits.streams.open(StreamOwner::Token(&token), address.map(|a| a.0))?;
    let updates = watch::watch(state, token).await?;
    let stream = updates.map(move |update| {
        // The slot is given back when the stream, and with it this closure, is dropped.
        let _slot = &slot;
        Ok(match update {
            Update::Status(status) => Event::default().event("status").json_data(status).unwrap_or_default(),
            Update::End { code, message } => Event::default()
                .event("end")
                .json_data(serde_json::json!({ "code": code, "error": message }))
                .unwrap_or_default(),
        })
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("heartbeat")))
}

/// A link's branding, resolved
///
/// URL query (cosmetic fields only) > the link's branding > the tenant's > defaults.
#[utoipa::path(get, path = "/connect/{token}/branding", tag = "link (public)", params(("token" = String, Path)),
    responses((status = 200, body = BrandingOut), (status = 404, body = ErrorOut)))]
pub async fn link_branding(State(state): State<AppState>, Path(token): Path<String>, Query(q): Params) -> ApiResult<Json<BrandingOut>> {
    let branding = public::branding(&state, &token, &q).await?;
    Ok(Json(BrandingOut {
        branding: with_absolute_logo(branding, &state.public_base),
    }))
}

/// Meta Embedded Signup result
///
/// Where the page posts `{code, wabaId, phoneNumberId, businessId?}` after Embedded Signup.
/// Exchanges the code for a business token, subscribes our app to the WABA, registers the
/// number with a PIN we generate, reads its display number and verified name, creates the
/// number `OPEN` in the link's tenant and uses the link up. 400 naming the field (or
/// `META_CODE_INVALID`), 404 for a link that cannot be used, 503 `META_NOT_CONFIGURED`.
#[utoipa::path(post, path = "/remote-pairing/{token}/meta/embedded", tag = "link (public)", request_body = MetaEmbeddedIn, params(("token" = String, Path)),
    responses((status = 200, body = MetaLinkOut), (status = 400, body = ErrorOut), (status = 404, body = ErrorOut), (status = 503, body = ErrorOut, description = "META_NOT_CONFIGURED")))]
pub async fn link_meta_embedded(
    State(state): State<AppState>,
    Path(token): Path<String>,
    JsonBody(input): JsonBody<MetaEmbeddedIn>,
) -> ApiResult<Json<MetaLinkOut>> {
    Ok(Json(
        crate::server::services::meta_link::meta_embedded(&state, &token, &input).await?,
    ))
}

/// Existing WABA credentials
///
/// Where the page posts `{wabaId, phoneNumberId, accessToken, pin?}`: validated live with Meta
/// like `POST /v1/numbers/meta`, then the number is created `OPEN` in the link's tenant and the
/// link is used up. 400 names the field at fault (`field: why` in `error`).
#[utoipa::path(post, path = "/remote-pairing/{token}/meta/credentials", tag = "link (public)", request_body = MetaCredentialsIn, params(("token" = String, Path)),
    responses((status = 200, body = MetaLinkOut), (status = 400, body = ErrorOut), (status = 404, body = ErrorOut), (status = 503, body = ErrorOut, description = "META_NOT_CONFIGURED")))]
pub async fn link_meta_credentials(
    State(state): State<AppState>,
    Path(token): Path<String>,
    JsonBody(input): JsonBody<MetaCredentialsIn>,
) -> ApiResult<Json<MetaLinkOut>> {
    Ok(Json(
        crate::server::services::meta_link::meta_credentials(&state, &token, &input).await?,
    ))
}
