//! The audit log, filtered by kind of action and by who did it.
use leptos::prelude::*;

use crate::{error::AppError, types::admin::AuditPage};

/// Entries shown at a time.
pub const AUDIT_PAGE: i64 = 50;

/// Newest first, 50 at a time; `cursor` (a page's `next_cursor`) pages back.
#[server(endpoint = "admin/audit")]
pub async fn admin_audit(action: String, actor: String, #[server(default)] cursor: String) -> Result<AuditPage, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::services::audit;
    use crate::server::store::AuditFilter;
    use crate::types::admin::AuditItem;

    let (state, admin) = signed_in().await?;
    let filter = AuditFilter {
        action_prefix: Some(action),
        actor_id: Some(actor),
        after: None,
        limit: AUDIT_PAGE,
    };
    let (entries, next_cursor) = audit::page(&state, &admin.client, filter, &cursor).await.map_err(fail)?;
    let items = entries
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
        .collect();
    Ok(AuditPage { items, next_cursor })
}
