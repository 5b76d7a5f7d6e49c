//! The audit log: who did what, and when. Services record their own actions, so the REST API
//! and the dashboard are logged alike.
use serde_json::Value;

use super::page_cursor;
use crate::server::{
    auth::{Actor, ApiClient},
    domain::AuditId,
    error::{ApiError, ApiResult},
    state::AppState,
    store::{AuditEntry, AuditFilter},
};

/// Writes one entry. A failure is logged and swallowed: the action itself has happened.
pub async fn record(state: &AppState, client: &ApiClient, action: &str, target: Option<&str>, detail: Value) {
    let entry = entry(state, client, action, target, detail);
    if let Err(err) = state.store.insert_audit(&client.tenant, &entry).await {
        tracing::warn!(tenant.id = %client.tenant, action, error = %err, "could not write the audit log");
    }
}

/// The entry for `client` doing `action` now, for a store call that writes it in the action's
/// own transaction.
pub fn entry(state: &AppState, client: &ApiClient, action: &str, target: Option<&str>, detail: Value) -> AuditEntry {
    let (actor, actor_id, actor_label) = match &client.actor {
        Actor::Key { id, last4 } => ("key", id.to_string(), format!("API key …{last4}")),
        Actor::User { id, email } => ("user", id.to_string(), email.clone()),
    };
    AuditEntry {
        id: AuditId::generate(),
        actor: actor.into(),
        actor_id,
        actor_label,
        action: action.into(),
        target: target.map(str::to_owned),
        detail,
        created_at: state.clock.now(),
    }
}

/// One page, newest first, after `cursor` (blank: the newest), and the cursor of the next page
/// if there is one; `action` is a prefix (`webhook.`).
pub async fn page(
    state: &AppState,
    client: &ApiClient,
    mut filter: AuditFilter,
    cursor: &str,
) -> ApiResult<(Vec<AuditEntry>, Option<String>)> {
    client.require_tenant_scope()?;
    filter.after = page_cursor::decode(cursor, "aud_")?.map(|(at, id)| (at, AuditId::from_trusted(id)));
    if let Some(action) = &filter.action_prefix
        && !action.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    {
        return Err(ApiError::validation("action", "must be an action name like webhook.created"));
    }
    filter.action_prefix = filter.action_prefix.filter(|a| !a.is_empty());
    filter.actor_id = filter.actor_id.filter(|a| !a.is_empty());
    let limit = filter.limit.clamp(1, 200) as usize;
    // One more than asked says whether an older page exists, without counting.
    filter.limit = limit as i64 + 1;
    let mut entries = state.store.list_audit(&client.tenant, &filter).await?;
    let next = (entries.len() > limit).then(|| page_cursor::encode(entries[limit - 1].created_at, entries[limit - 1].id.as_str()));
    entries.truncate(limit);
    Ok((entries, next))
}
