//! Listing a tenant's numbers by the API's parameters: what a query asks for, and the CSV
//! export, streamed a page at a time through the same keyset so 10,000 numbers cost a page's
//! memory. The API and the dashboard both call these.
use axum::body::Bytes;
use futures::Stream;

use super::numbers::{self, PAGE_DEFAULT, PAGE_MAX};
use crate::server::{
    auth::ApiClient,
    domain::{NumberState, Provider},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{Number, NumberQuery},
};

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const CSV_DISPOSITION: &str = "attachment; filename=\"numbers.csv\"";

/// The filters and page size a list's parameters ask for; 400 naming a bad one.
pub fn query_of(params: &[(String, String)]) -> ApiResult<NumberQuery> {
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
                // A phone is searched by its digits, however it was typed; a number's id finds it.
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                let phone_like = !digits.is_empty() && text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
                if text.starts_with("num_") {
                    q.only = Some(crate::server::domain::NumberId::from_trusted(text));
                } else {
                    q.search = Some(if phone_like { digits } else { text.to_owned() }).filter(|s| !s.is_empty());
                }
            }
            "createdAfter" => q.created_after = Some(time("createdAfter", v)?),
            "createdBefore" => q.created_before = Some(time("createdBefore", v)?),
            _ => {}
        }
    }
    Ok(q)
}

/// Every number `query` matches, as CSV lines, a page of 500 at a time.
pub fn csv(state: AppState, client: ApiClient, mut query: NumberQuery) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
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
                    Some((Ok(Bytes::from(chunk)), next))
                }
                // Mid-stream there is no status left to send: the body ends short, and the
                // client sees a truncated download rather than a quiet partial file.
                Err(err) => Some((Err(std::io::Error::other(err.message)), None)),
            }
        }
    });
    futures::StreamExt::chain(futures::stream::once(async move { Ok(header_line) }), pages)
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
