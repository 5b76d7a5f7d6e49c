//! The dashboard's list of API keys, a page at a time: a tenant with 10,000 numbers has a key
//! per number. Searched by the key's name or last four, or its number's name or phone;
//! filtered by kind (tenant keys, number keys), with the counts.
use super::page_cursor;
use crate::server::{
    auth::ApiClient,
    domain::ApiKeyId,
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
    let limit = page_cursor::limit(limit)?;
    let kind = match kind.trim() {
        "" => None,
        k => Some(KeyKind::parse(k).ok_or_else(|| ApiError::validation("kind", "must be tenant or number"))?),
    };
    let after = page_cursor::decode(cursor, "key_")?.map(|(at, id)| (at, ApiKeyId::from_trusted(id)));
    let search = page_cursor::search(search)?;
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

/// Where the page after `last` starts.
fn cursor_of(last: &KeyOverview) -> String {
    page_cursor::encode(last.key.created_at, last.key.id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{domain::from_millis, services::page_cursor::PAGE_DEFAULT};

    #[test]
    fn a_cursor_names_a_key_and_the_filters_are_checked() {
        let raw = |s: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
        };
        let at = from_millis(1_700_000_000_123);
        assert_eq!(
            page_cursor::decode(&raw("1700000000123:key_abc"), "key_").unwrap(),
            Some((at, "key_abc".to_owned()))
        );
        assert!(page_cursor::decode(&raw("1700000000123:lnk_abc"), "key_").is_err());
        assert!(query_of("", "all", "", 0).is_err() && query_of("", "", "", 501).is_err());
        assert_eq!(query_of("+55 (11) 9", "number", "", 0).unwrap().search.as_deref(), Some("55119"));
        assert_eq!(query_of("", "", "", 0).unwrap().limit, PAGE_DEFAULT);
    }
}
