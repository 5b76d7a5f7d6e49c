//! The dashboard's list of links, a page at a time: each with a status people read and its
//! funnel, filtered by status and searched by the number's name or phone, with the counts.
use chrono::{DateTime, Utc};

use super::page_cursor;

use crate::server::{
    auth::ApiClient,
    domain::LinkId,
    error::{ApiError, ApiResult},
    state::AppState,
    store::{LinkEnd, LinkOverview, LinkQuery, LinkStatus},
};
use crate::types::admin::{LinkCounts, LinkItem, LinksOut};

/// The query the list's fields ask for (empty = not set); 400 naming a bad one.
pub fn query_of(state: &AppState, search: &str, status: &str, cursor: &str, limit: u32) -> ApiResult<LinkQuery> {
    let limit = page_cursor::limit(limit)?;
    let status = match status.trim() {
        "" => None,
        s => Some(
            LinkStatus::parse(s)
                .ok_or_else(|| ApiError::validation("status", "must be active, opened, connected, expired, revoked or replaced"))?,
        ),
    };
    let after = page_cursor::decode(cursor, "lnk_")?.map(|(at, id)| (at, LinkId::from_trusted(id)));
    let search = page_cursor::search(search)?;
    Ok(LinkQuery {
        status,
        search,
        after,
        limit,
        now: state.clock.now(),
    })
}

/// A page of `query`, where the next starts, and the tenant's links per status.
pub async fn page(state: &AppState, client: &ApiClient, mut query: LinkQuery) -> ApiResult<LinksOut> {
    client.require_tenant_scope()?;
    let limit = query.limit as usize;
    // One more than asked says whether a next page exists, without counting.
    query.limit += 1;
    let mut links = state.store.list_links_page(&client.tenant, &query).await?;
    let next_cursor = (links.len() > limit).then(|| cursor_of(&links[limit - 1]));
    links.truncate(limit);
    let counted = state.store.count_links_by_status(&client.tenant, query.now).await?;
    let count = |s: LinkStatus| counted.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
    Ok(LinksOut {
        items: links.into_iter().map(|l| item(l, query.now)).collect(),
        next_cursor,
        counts: LinkCounts {
            active: count(LinkStatus::Active),
            opened: count(LinkStatus::Opened),
            connected: count(LinkStatus::Connected),
            expired: count(LinkStatus::Expired),
            revoked: count(LinkStatus::Revoked),
            replaced: count(LinkStatus::Replaced),
        },
    })
}

/// Where the page after `last` starts.
fn cursor_of(last: &LinkOverview) -> String {
    page_cursor::encode(last.link.created_at, last.link.id.as_str())
}

fn item(o: LinkOverview, now: DateTime<Utc>) -> LinkItem {
    let l = &o.link;
    let status = status(&o, now).as_str();
    LinkItem {
        id: l.id.to_string(),
        number_id: l.number_id.as_ref().map(ToString::to_string),
        number_name: o.number_name.clone(),
        number_phone: o.number_phone.as_ref().map(|p| format!("+{p}")),
        status: status.into(),
        provider: l.provider.as_str().into(),
        external_ref: l.external_ref.clone(),
        created_at: l.created_at,
        expires_at: l.expires_at,
        opened_at: l.opened_at,
        connected_at: (status == "connected").then_some(o.number_connected_at).flatten(),
        windows_opened: o.funnel.windows_opened,
        codes_shown: o.funnel.codes_shown,
        qr_rotations: o.funnel.qr_rotations,
        failure: o.funnel.last_failure.clone(),
        passkey_required_at: l.passkey_required_at,
        passkey_claimed_at: o.funnel.passkey_claimed_at,
        passkey_confirmed_at: o.funnel.passkey_confirmed_at,
        passkey_failed_at: o.funnel.passkey_failed_at,
    }
}

/// `connected` when the link paired its number, else how it ended, else `expired`, `opened`
/// or `active` (`link_status_case!` in the store says the same in SQL).
fn status(o: &LinkOverview, now: DateTime<Utc>) -> LinkStatus {
    let l = &o.link;
    match l.end_reason {
        Some(LinkEnd::Used) => LinkStatus::Connected,
        Some(LinkEnd::Revoked) => LinkStatus::Revoked,
        Some(LinkEnd::Replaced) => LinkStatus::Replaced,
        None if o.number_state.as_deref() == Some("OPEN") => LinkStatus::Connected,
        None if l.expires_at <= now => LinkStatus::Expired,
        None if l.opened_at.is_some() => LinkStatus::Opened,
        None => LinkStatus::Active,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::domain::from_millis;

    #[test]
    fn a_cursor_names_a_link_and_nothing_else_is_one() {
        let at = from_millis(1_700_000_000_123);
        let raw = |s: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
        };
        assert_eq!(
            page_cursor::decode(&raw("1700000000123:lnk_abc"), "lnk_").unwrap(),
            Some((at, "lnk_abc".to_owned()))
        );
        assert!(page_cursor::decode(&raw("1700000000123:num_abc"), "lnk_").is_err());
        assert!(page_cursor::decode("not a cursor", "lnk_").is_err());
    }
}
