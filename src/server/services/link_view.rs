//! The dashboard's list of links: each with a status people read and its funnel.
use chrono::{DateTime, Utc};

use crate::server::{
    auth::ApiClient,
    error::ApiResult,
    state::AppState,
    store::{LinkEnd, LinkOverview},
};
use crate::types::admin::LinkItem;

pub async fn list(state: &AppState, client: &ApiClient) -> ApiResult<Vec<LinkItem>> {
    client.require_tenant_scope()?;
    let links = state.store.list_link_overviews(&client.tenant, 200).await?;
    let now = state.clock.now();
    Ok(links.into_iter().map(|l| item(l, now)).collect())
}

fn item(o: LinkOverview, now: DateTime<Utc>) -> LinkItem {
    let l = &o.link;
    let status = status(&o, now);
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
/// or `active`.
fn status(o: &LinkOverview, now: DateTime<Utc>) -> &'static str {
    let l = &o.link;
    match l.end_reason {
        Some(LinkEnd::Used) => "connected",
        Some(LinkEnd::Revoked) => "revoked",
        Some(LinkEnd::Replaced) => "replaced",
        None if o.number_state.as_deref() == Some("OPEN") => "connected",
        None if l.expires_at <= now => "expired",
        None if l.opened_at.is_some() => "opened",
        None => "active",
    }
}
