//! The audit log, filtered by kind of action and by who did it.
use leptos::prelude::*;

use crate::{error::AppError, types::admin::AuditItem};

/// Newest first, 100 at a time; `before` (RFC 3339) pages back.
#[server(endpoint = "admin/audit")]
pub async fn admin_audit(action: String, actor: String, before: String) -> Result<Vec<AuditItem>, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::error::ApiError;
    use crate::server::services::audit;
    use crate::server::store::AuditFilter;

    let (state, admin) = signed_in().await?;
    let before = match before.trim() {
        "" => None,
        raw => Some(
            chrono::DateTime::parse_from_rfc3339(raw)
                .map_err(|_| fail(ApiError::validation("before", "must be an RFC 3339 time")))?
                .to_utc(),
        ),
    };
    let filter = AuditFilter {
        action_prefix: Some(action),
        actor_id: Some(actor),
        before,
        limit: 100,
    };
    let entries = audit::list(&state, &admin.client, filter).await.map_err(fail)?;
    Ok(entries
        .into_iter()
        .map(|e| AuditItem {
            id: e.id.to_string(),
            actor: e.actor,
            actor_id: e.actor_id,
            actor_label: e.actor_label,
            action: e.action,
            target: e.target,
            detail: e.detail.to_string(),
            created_at: e.created_at,
        })
        .collect())
}
