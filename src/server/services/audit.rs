//! The audit log: who did what, and when. Services record their own actions, so the REST API
//! and the dashboard are logged alike.
use serde_json::Value;

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

/// Newest first; `action` is a prefix (`webhook.`), `before` pages back in time.
pub async fn list(state: &AppState, client: &ApiClient, mut filter: AuditFilter) -> ApiResult<Vec<AuditEntry>> {
    client.require_tenant_scope()?;
    if let Some(action) = &filter.action_prefix
        && !action.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    {
        return Err(ApiError::validation("action", "must be an action name like webhook.created"));
    }
    filter.action_prefix = filter.action_prefix.filter(|a| !a.is_empty());
    filter.actor_id = filter.actor_id.filter(|a| !a.is_empty());
    filter.limit = filter.limit.clamp(1, 200);
    Ok(state.store.list_audit(&client.tenant, &filter).await?)
}
