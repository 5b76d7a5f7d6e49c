//! Listing a tenant's numbers: the documented whole list, pages of it (keyset cursors,
//! filters), and a CSV export streamed page by page, so 10,000 numbers cost a page's memory.
use std::collections::HashMap;

use axum::{
    Json,
    body::{Body, Bytes},
    extract::{Query, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use crate::server::{
    api::ErrorOut,
    auth::ApiClient,
    domain::{NumberState, Provider},
    error::{ApiError, ApiResult},
    services::numbers::{self, PAGE_DEFAULT, PAGE_MAX},
    state::AppState,
    store::{ApiKey, MetaAccount, Number, NumberQuery},
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
/// them returns each number once while others are created or deleted.
#[utoipa::path(get, path = "/numbers", tag = "numbers", security(("api_key" = [])),
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query), ("state" = Option<String>, Query, description = "OPEN, CONNECTING or CLOSE"),
        ("provider" = Option<String>, Query, description = "PILOT_STATUS or META"), ("q" = Option<String>, Query),
        ("createdAfter" = Option<String>, Query), ("createdBefore" = Option<String>, Query)),
    responses((status = 200, body = Vec<NumberOut>, description = "without paging parameters; with them, a NumberPageOut"),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR naming the parameter"), (status = 401, body = ErrorOut)))]
pub async fn list_numbers(State(state): State<AppState>, client: ApiClient, Query(params): Params) -> ApiResult<Response> {
    if !params.iter().any(|(k, _)| PAGING.contains(&k.as_str())) {
        let numbers = numbers::list(&state, &client).await?;
        return Ok(Json(outs(&state, &client, &numbers).await?).into_response());
    }
    let query = query_of(&params)?;
    let page = numbers::page(&state, &client, query).await?;
    let out = NumberPageOut {
        data: outs(&state, &client, &page.numbers).await?,
        next_cursor: page.next.clone(),
    };
    let mut response = Json(out).into_response();
    if let Some(next) = page.next {
        let kept = params.iter().filter(|(k, _)| k != "cursor").map(|(k, v)| (k.as_str(), v.as_str()));
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept.chain([("cursor", next.as_str())]))
            .finish();
        let link = format!("<{}/v1/numbers?{query}>; rel=\"next\"", state.public_base);
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
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
    let mut query = query_of(&params)?;
    query.limit = PAGE_MAX;
    query.after = None;
    let header_line = Bytes::from_static(b"id,name,number,state,provider,engine,createdAt,connectedAt\r\n");
    let pages = futures::stream::unfold(Some(query), move |next| {
        let (state, client) = (state.clone(), client.clone());
        async move {
            let query = next?;
            match numbers::page(&state, &client, query.clone()).await {
                Ok(page) => {
                    let mut chunk = String::new();
                    for (n, _) in &page.numbers {
                        csv_line(&mut chunk, n);
                    }
                    let after = page.next.as_deref().and_then(numbers::cursor_position);
                    let next = after.map(|after| NumberQuery {
                        after: Some(after),
                        ..query
                    });
                    Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), next))
                }
                // Mid-stream there is no status left to send: the body ends short, and the
                // client sees a truncated download rather than a quiet partial file.
                Err(err) => Some((Err(std::io::Error::other(err.message)), None)),
            }
        }
    });
    let body = futures::StreamExt::chain(futures::stream::once(async move { Ok(header_line) }), pages);
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"numbers.csv\""),
    );
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

fn query_of(params: &[(String, String)]) -> ApiResult<NumberQuery> {
    let mut q = NumberQuery {
        limit: PAGE_DEFAULT,
        ..NumberQuery::default()
    };
    let time = |field: &str, v: &str| {
        chrono::DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| ApiError::validation(field, "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z"))
    };
    for (k, v) in params {
        match k.as_str() {
            "limit" => {
                q.limit = v
                    .parse()
                    .ok()
                    .filter(|l| (1..=PAGE_MAX).contains(l))
                    .ok_or_else(|| ApiError::validation("limit", format!("must be a whole number from 1 to {PAGE_MAX}")))?;
            }
            "cursor" => {
                q.after = Some(numbers::cursor_position(v).ok_or_else(|| ApiError::validation("cursor", "is not a cursor this API gave"))?);
            }
            "state" => {
                q.state = Some(match v.as_str() {
                    "OPEN" => NumberState::Open,
                    "CONNECTING" => NumberState::Connecting,
                    "CLOSE" => NumberState::Close,
                    _ => return Err(ApiError::validation("state", "must be OPEN, CONNECTING or CLOSE")),
                });
            }
            "provider" => {
                q.provider = Some(match v.as_str() {
                    "PILOT_STATUS" => Provider::PilotStatus,
                    "META" => Provider::Meta,
                    _ => return Err(ApiError::validation("provider", "must be PILOT_STATUS or META")),
                });
            }
            "q" => {
                let text = v.trim();
                if text.chars().count() > 100 {
                    return Err(ApiError::validation("q", "must be at most 100 characters"));
                }
                // A phone is searched by its digits, however it was typed.
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                let phone_like = !digits.is_empty() && text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
                q.search = Some(if phone_like { digits } else { text.to_owned() }).filter(|s| !s.is_empty());
            }
            "createdAfter" => q.created_after = Some(time("createdAfter", v)?),
            "createdBefore" => q.created_before = Some(time("createdBefore", v)?),
            _ => {}
        }
    }
    Ok(q)
}

/// One CSV line (RFC 4180). A cell that a spreadsheet would run as a formula gets a leading
/// `'` (names are the customers' own text).
fn csv_line(out: &mut String, n: &Number) {
    let cells = [
        n.id.as_str().to_owned(),
        n.name.clone(),
        n.phone.digits().to_owned(),
        n.state.as_str().to_owned(),
        n.provider.as_str().to_owned(),
        n.engine.clone(),
        n.created_at.to_rfc3339(),
        n.connected_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
    ];
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{cell}")
        } else {
            cell.clone()
        };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_parameters_are_checked_and_a_phone_is_searched_by_its_digits() {
        let p = |pairs: &[(&str, &str)]| query_of(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>());
        assert_eq!(p(&[]).unwrap().limit, PAGE_DEFAULT);
        assert!(p(&[("limit", "0")]).is_err() && p(&[("limit", "501")]).is_err() && p(&[("limit", "x")]).is_err());
        assert!(p(&[("cursor", "bm90IGEgY3Vyc29y")]).is_err());
        assert!(p(&[("state", "open")]).is_err());
        assert_eq!(p(&[("q", "+55 (11) 9999")]).unwrap().search.as_deref(), Some("55119999"));
        assert_eq!(p(&[("q", "Loja 10")]).unwrap().search.as_deref(), Some("Loja 10"));
        assert!(p(&[("createdAfter", "yesterday")]).is_err());
    }
}
