use leptos::prelude::*;

use crate::{error::AppError, types::connect::ConnectPageData};

/// The connect page's data, read on the server for the first render.
#[server(endpoint = "connect_page")]
pub async fn get_connect_page(token: String, query: String) -> Result<ConnectPageData, AppError> {
    use axum::http::{HeaderMap, header};
    let state = expect_context::<crate::server::state::AppState>();
    let headers: HeaderMap = leptos_axum::extract().await.unwrap_or_default();
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .into_owned()
        .collect();
    let page = crate::server::services::public::page(
        &state,
        &token,
        &params,
        &header(header::ACCEPT_LANGUAGE),
        &header(header::USER_AGENT),
    )
    .await?;
    Ok(page)
}
