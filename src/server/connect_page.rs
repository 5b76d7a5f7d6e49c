//! The connect page's routes: its document, rendered whole on the server from one read of the
//! link, and the plain forms that open a linking window, make a passkey hand-off code and check
//! pasted WABA credentials, so the page works before its WASM has arrived (a tap on a slow
//! phone) and without JavaScript.
use axum::{
    Router,
    extract::{Path, Request, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use leptos::prelude::*;

use super::{
    error::ApiError,
    services::{
        connect_data::{self, page_path, with_query},
        meta_link, passkey, public,
    },
    state::AppState,
};
use crate::types::{
    connect::{ConnectPageData, Refused},
    links::MetaCredentialsIn,
};
use crate::ui::pages::ConnectDocument;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/connect/{token}", get(page))
        .route("/connect/{token}/start", post(start))
        .route("/connect/{token}/handoff", post(handoff))
        .route("/connect/{token}/credentials", post(credentials))
        .layer(axum::middleware::from_fn_with_state(state.clone(), super::throttle::limit))
}

fn query_of(req_query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req_query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

async fn page(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    render_page(state, token, req, |page| page).await
}

/// The most a credentials form may post: three ids and a token are well under a kilobyte.
const CREDENTIALS_FORM_LIMIT: usize = 16 * 1024;

/// Pasted WABA credentials from the plain form (a tap before the WASM has arrived, or no
/// JavaScript): the same check as the page's own call. Connected, the page again (303: a
/// reload does not post twice); refused, the page with the reason under its field. What was
/// posted is never echoed: the person types the token again.
async fn credentials(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, CREDENTIALS_FORM_LIMIT).await else {
        let too_large = "the form is larger than three ids, a token and a PIN";
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", too_large).into_response();
    };
    let field = |name: &str| {
        url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let input = MetaCredentialsIn {
        waba_id: field("wabaId"),
        phone_number_id: field("phoneNumberId"),
        access_token: field("accessToken"),
        pin: field("pin"),
    };
    let req = Request::from_parts(parts, axum::body::Body::empty());
    match meta_link::meta_credentials(&state, &token, &input).await {
        Ok(_) => {
            let query = query_of(req.uri().query());
            let kept = query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            Redirect::to(&with_query(&page_path(&token), kept)).into_response()
        }
        Err(err) => {
            let refused = Refused {
                code: err.code.to_string(),
                message: err.message.clone(),
            };
            render_page(state, token, req, |page| ConnectPageData {
                credentials_refused: Some(refused),
                ..page
            })
            .await
        }
    }
}

/// The page's passkey hand-off without JavaScript: makes the code and shows the page with it
/// in this answer (a code never goes in a URL; a reload asks for a new one).
async fn handoff(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    match passkey::handoff(&state, &token).await {
        Ok(code) => {
            render_page(state, token, req, |page| ConnectPageData {
                handoff: Some(code),
                ..page
            })
            .await
        }
        // The page explains a dead link or a passkey step that moved on.
        Err(_) => {
            let query = query_of(req.uri().query());
            let kept = query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            Redirect::to(&with_query(&page_path(&token), kept)).into_response()
        }
    }
}

/// The page for `token`, as `answer` makes it from the link's page (a form's outcome in it).
async fn render_page(state: AppState, token: String, req: Request, answer: impl FnOnce(ConnectPageData) -> ConnectPageData) -> Response {
    let query = query_of(req.uri().query());
    let headers: &HeaderMap = req.headers();
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let page = match connect_data::page(
        &state,
        &token,
        &query,
        &header(header::ACCEPT_LANGUAGE),
        &header(header::USER_AGENT),
    )
    .await
    {
        Ok(page) => answer(page),
        Err(err) => return err.into_response(),
    };
    let assets = state.assets.clone();
    let render =
        leptos_axum::render_app_async_with_context(|| {}, move || view! { <ConnectDocument page=page.clone() assets=assets.clone() /> });
    render(req).await
}

/// Opens (or joins) the window, then shows the page again (303: a reload does not post twice).
/// A dead link or a paired number is the page's to explain; any other failure is flagged.
async fn start(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    let query = query_of(req.uri().query());
    let failed = match public::connect(&state, &token).await {
        Ok(_) => false,
        Err(err) if err.code.starts_with("LINK_") || err.code == "NUMBER_ALREADY_CONNECTED" => false,
        Err(err) => {
            tracing::warn!(code = err.code, "a connect page's start form failed");
            true
        }
    };
    let kept = query.iter().filter(|(k, _)| k != "failed").map(|(k, v)| (k.as_str(), v.as_str()));
    let flag = failed.then_some(("failed", "1"));
    Redirect::to(&with_query(&page_path(&token), kept.chain(flag))).into_response()
}
