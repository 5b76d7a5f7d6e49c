//! The dashboard's list of API keys, a page at a time: a tenant with 10,000 numbers has a key
//! per number. Searched by the key's name or last four, or its number's name or phone;
//! filtered by kind (tenant keys, number keys), with the counts.
use chrono::{DateTime, Utc};

use super::link_view::{PAGE_DEFAULT, PAGE_MAX};
use crate::server::{
    auth::ApiClient,
    domain::{ApiKeyId, from_millis, to_millis},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{KeyKind, KeyOverview, KeyQuery},
};
use crate::types::{
    admin::KeyItem,
    admin_keys::{KeyCounts, KeysOut},
};

/// The query the list's fields ask for (empty = not set); 400 naming a bad one.
pub fn query_of(search: &str, kind: &str, cursor: &str, limit: u32) -> ApiResult<KeyQuery> {
    let limit = match limit {
        0 => PAGE_DEFAULT,
        l if l <= PAGE_MAX => l,
        _ => {
            return Err(ApiError::validation(
                "limit",
                format!("must be a whole number from 1 to {PAGE_MAX}"),
            ));
        }
    };
    let kind = match kind.trim() {
        "" => None,
        k => Some(KeyKind::parse(k).ok_or_else(|| ApiError::validation("kind", "must be tenant or number"))?),
    };
    let after = match cursor.trim() {
        "" => None,
        c => Some(cursor_position(c).ok_or_else(|| ApiError::validation("cursor", "is not a cursor this list gave"))?),
    };
    let text = search.trim();
    if text.chars().count() > 100 {
        return Err(ApiError::validation("q", "must be at most 100 characters"));
    }
    // A phone is searched by its digits, however it was typed (as the other lists do).
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let phone_like = !digits.is_empty() && text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let search = Some(if phone_like { digits } else { text.to_owned() }).filter(|s| !s.is_empty());
    Ok(KeyQuery {
        kind,
        search,
        after,
        limit,
    })
}

/// A page of `query`, where the next starts, and the tenant's keys per kind.
pub async fn page(state: &AppState, client: &ApiClient, mut query: KeyQuery) -> ApiResult<KeysOut> {
    client.require_tenant_scope()?;
    let limit = query.limit as usize;
    // One more than asked says whether a next page exists, without counting.
    query.limit += 1;
    let mut keys = state.store.list_api_keys_page(&client.tenant, &query).await?;
    let next_cursor = (keys.len() > limit).then(|| cursor_of(&keys[limit - 1]));
    keys.truncate(limit);
    let counted = state.store.count_api_keys(&client.tenant).await?;
    let count = |k: KeyKind| counted.iter().find(|(c, _)| *c == k).map_or(0, |(_, n)| *n);
    Ok(KeysOut {
        items: keys.into_iter().map(item).collect(),
        next_cursor,
        counts: KeyCounts {
            tenant: count(KeyKind::Tenant),
            number: count(KeyKind::Number),
        },
    })
}

fn item(o: KeyOverview) -> KeyItem {
    KeyItem {
        id: o.key.id.to_string(),
        name: o.key.name,
        last4: o.key.last4,
        number_id: o.key.number_id.as_ref().map(ToString::to_string),
        number_name: o.number_name,
        number_phone: o.number_phone.map(|p| format!("+{p}")),
        created_at: o.key.created_at,
    }
}

/// An opaque cursor: where the page after `last` starts.
fn cursor_of(last: &KeyOverview) -> String {
    use base64::Engine as _;
    let raw = format!("{}:{}", to_millis(last.key.created_at), last.key.id);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// The position a cursor names; `None` for anything we did not make.
fn cursor_position(cursor: &str) -> Option<(DateTime<Utc>, ApiKeyId)> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (at, id) = text.split_once(':')?;
    let at: i64 = at.parse().ok()?;
    (id.starts_with("key_") && id.len() < 64).then(|| (from_millis(at), ApiKeyId::from_trusted(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_names_a_key_and_the_filters_are_checked() {
        let raw = |s: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
        };
        let at = from_millis(1_700_000_000_123);
        assert_eq!(
            cursor_position(&raw("1700000000123:key_abc")),
            Some((at, ApiKeyId::from_trusted("key_abc")))
        );
        assert_eq!(cursor_position(&raw("1700000000123:lnk_abc")), None);
        assert!(query_of("", "all", "", 0).is_err() && query_of("", "", "", 501).is_err());
        assert_eq!(query_of("+55 (11) 9", "number", "", 0).unwrap().search.as_deref(), Some("55119"));
        assert_eq!(query_of("", "", "", 0).unwrap().limit, PAGE_DEFAULT);
    }
}
