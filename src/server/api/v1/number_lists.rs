//! Listing a tenant's numbers: the documented whole list, pages of it (keyset cursors,
//! filters), and a CSV export streamed page by page, so 10,000 numbers cost a page's memory.
use std::{collections::HashMap, sync::Arc};

use axum::{
    Json,
    body::Body,
    extract::{Query, RawQuery, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};

use crate::server::{
    api::ErrorOut,
    auth::ApiClient,
    domain::Provider,
    error::{ApiError, ApiResult},
    list_pages::{Page, PageKey},
    services::{number_list, numbers},
    state::AppState,
    store::{ApiKey, MetaAccount, Number},
    views,
};
use crate::types::numbers::{NumberOut, NumberPageOut};

type Params = Query<Vec<(String, String)>>;

/// The parameters that ask for a page instead of the whole list.
const PAGING: [&str; 7] = ["limit", "cursor", "state", "provider", "q", "createdAfter", "createdBefore"];

/// List numbers
///
/// The tenant's live numbers, oldest first (a number-scoped key sees only its own). Without
/// parameters, all of them as an array, as documented. With any of `limit` (1–500, default
/// 100), `cursor`, `state`, `provider`, `q` (a piece of the name, or digits of the phone),
/// `createdAfter`, `createdBefore` (RFC 3339): one page `{data, nextCursor}`, the next page's
/// address also in a `Link: <…>; rel="next"` header. Pages are keyset (never offset): walking
/// them returns each number once while others are created or deleted. A page has an `ETag`:
/// asked again with it in `If-None-Match`, an unchanged page answers `304 Not Modified`.
#[utoipa::path(get, path = "/numbers", tag = "numbers", security(("api_key" = [])),
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("state" = Option<String>, Query, description = "OPEN, CONNECTING or CLOSE"),
        ("provider" = Option<String>, Query, description = "PILOT_STATUS or META"), ("q" = Option<String>, Query),
        ("createdAfter" = Option<String>, Query), ("createdBefore" = Option<String>, Query)),
    responses((status = 200, body = Vec<NumberOut>, description = "without paging parameters; with them, a NumberPageOut"),
        (status = 304, description = "a page whose ETag the request named in If-None-Match, unchanged"),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR naming the parameter"), (status = 401, body = ErrorOut)))]
pub async fn list_numbers(
    State(state): State<AppState>,
    client: ApiClient,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    Query(params): Params,
) -> ApiResult<Response> {
    if !params.iter().any(|(k, _)| PAGING.contains(&k.as_str())) {
        let numbers = numbers::list(&state, &client).await?;
        return Ok(Json(outs(&state, &client, &numbers).await?).into_response());
    }
    let query = number_list::query_of(&params)?;
    // Read before the page, so a page kept under this version is never older than it.
    let version = state.store.number_list_version(&client.tenant).await?;
    let key = PageKey {
        tenant: client.tenant.clone(),
        scope: client.number.clone(),
        query: raw.unwrap_or_default(),
    };
    if let Some(page) = state.list_pages.get(&key, version) {
        return Ok(page.respond(&headers));
    }
    let page = numbers::page(&state, &client, query).await?;
    let out = NumberPageOut {
        data: outs(&state, &client, &page.numbers).await?,
        next_cursor: page.next.clone(),
    };
    let body = serde_json::to_vec(&out).map_err(ApiError::internal)?;
    let link = page.next.and_then(|next| {
        let kept = params.iter().filter(|(k, _)| k != "cursor").map(|(k, v)| (k.as_str(), v.as_str()));
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept.chain([("cursor", next.as_str())]))
            .finish();
        HeaderValue::from_str(&format!("<{}/v1/numbers?{query}>; rel=\"next\"", state.public_base)).ok()
    });
    let page = Arc::new(Page::new(version, body.into(), link));
    state.list_pages.keep(key, page.clone());
    Ok(page.respond(&headers))
}

/// Export numbers (CSV)
///
/// Every live number the key may see (the same filters as the list), as CSV: `id, name,
/// number, state, provider, engine, createdAt, connectedAt`. Streamed a page at a time.
#[utoipa::path(get, path = "/numbers/export", tag = "numbers", security(("api_key" = [])),
    params(("state" = Option<String>, Query), ("provider" = Option<String>, Query), ("q" = Option<String>, Query),
        ("createdAfter" = Option<String>, Query), ("createdBefore" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv", description = "one header line, then a line per number"), (status = 400, body = ErrorOut), (status = 401, body = ErrorOut)))]
pub async fn export_numbers(State(state): State<AppState>, client: ApiClient, Query(params): Params) -> ApiResult<Response> {
    let query = number_list::query_of(&params)?;
    let mut response = Body::from_stream(number_list::csv(state, client, query)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(number_list::CSV_TYPE));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(number_list::CSV_DISPOSITION));
    Ok(response)
}

/// The list's items; Meta numbers show their last known health and coexistence, as in the
/// detail.
async fn outs(state: &AppState, client: &ApiClient, numbers: &[(Number, Vec<ApiKey>)]) -> ApiResult<Vec<NumberOut>> {
    let accounts: HashMap<_, MetaAccount> = if numbers.iter().any(|(n, _)| n.provider == Provider::Meta) {
        let all = state.store.meta_accounts_of_tenant(&client.tenant).await?;
        all.into_iter().map(|a| (a.number_id.clone(), a)).collect()
    } else {
        HashMap::new()
    };
    Ok(numbers
        .iter()
        .map(|(n, keys)| {
            let mut out = views::number(n, keys);
            if let Some(account) = accounts.get(&n.id) {
                crate::server::meta::view::overlay(&mut out, account);
            }
            out
        })
        .collect())
}
