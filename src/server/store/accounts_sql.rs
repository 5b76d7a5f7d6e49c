//! The SQL of [`DashboardStore`](super::DashboardStore), shared by both backends like `sql.rs`.

macro_rules! user_cols {
    () => {
        "id, tenant_id, email, password_hash, created_at"
    };
}

macro_rules! session_select {
    () => {
        concat!(
            "SELECT s.id, s.tenant_id, s.user_id, u.email, s.csrf, s.created_at, s.expires_at ",
            "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.revoked_at IS NULL AND s.expires_at > $1 "
        )
    };
}

/// A link with its number and funnel (`LinkOverviewRow`); the caller adds `WHERE …`.
macro_rules! link_overview_select {
    () => {
        concat!(
            "SELECT l.id, l.tenant_id, l.number_id, l.provider, l.meta_flow, l.branding, l.redirect_url, l.refresh_url, ",
            "l.external_ref, l.locale, l.created_at, l.expires_at, l.opened_at, l.ended_at, l.end_reason, l.passkey_required_at, ",
            "n.name AS number_name, n.phone AS number_phone, n.state AS number_state, n.connected_at AS number_connected_at, ",
            "CAST(l.windows_opened AS BIGINT) AS windows_opened, CAST(l.codes_shown AS BIGINT) AS codes_shown, ",
            "CAST(l.qr_rotations AS BIGINT) AS qr_rotations, l.last_failure, ",
            "c.claimed_at AS passkey_claimed_at, c.confirmed_at AS passkey_confirmed_at, c.failed_at AS passkey_failed_at ",
            "FROM links l LEFT JOIN numbers n ON n.id = l.number_id AND n.tenant_id = l.tenant_id ",
            "LEFT JOIN passkey_ceremonies c ON c.link_id = l.id "
        )
    };
}

/// `link_view::status` in SQL, for `l` (a link) and `n` (its number), judged at `$2`: keep
/// the two in step, the list filters and counts by this one.
macro_rules! link_status_case {
    () => {
        concat!(
            "(CASE WHEN l.end_reason = 'used' THEN 'connected' WHEN l.end_reason = 'revoked' THEN 'revoked' ",
            "WHEN l.end_reason = 'replaced' THEN 'replaced' WHEN n.state = 'OPEN' THEN 'connected' ",
            "WHEN l.expires_at <= $2 THEN 'expired' WHEN l.opened_at IS NOT NULL THEN 'opened' ELSE 'active' END)"
        )
    };
}

macro_rules! impl_account_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::server::store::DashboardStore for $store {
            async fn create_user(&self, tenant: &TenantId, user: &User) -> StoreResult<User> {
                let row: UserRow = sqlx::query_as(concat!(
                    "INSERT INTO users (id, tenant_id, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ",
                    user_cols!()
                ))
                .bind(user.id.as_str())
                .bind(tenant.as_str())
                .bind(user.email.as_str())
                .bind(user.password_hash.as_str())
                .bind(to_millis(user.created_at))
                .fetch_one(&self.writer)
                .await?;
                Ok(row.into())
            }

            async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
                let row: Option<UserRow> = sqlx::query_as(concat!("SELECT ", user_cols!(), " FROM users WHERE email = $1"))
                    .bind(email.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn list_users(&self, tenant: &TenantId) -> StoreResult<Vec<User>> {
                let rows: Vec<UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_cols!(),
                    " FROM users WHERE tenant_id = $1 ORDER BY created_at"
                ))
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn create_session(&self, tenant: &TenantId, s: &NewSession) -> StoreResult<()> {
                let done = sqlx::query(concat!(
                    "INSERT INTO sessions (id, token_hash, tenant_id, user_id, csrf, created_at, expires_at) ",
                    "SELECT $1, $2, $3, $4, $5, $6, $7 FROM users WHERE id = $4 AND tenant_id = $3"
                ))
                .bind(s.id.as_str())
                .bind(&s.token_hash)
                .bind(tenant.as_str())
                .bind(s.user_id.as_str())
                .bind(&s.csrf)
                .bind(to_millis(s.at))
                .bind(to_millis(s.expires_at))
                .execute(&self.writer)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn find_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>> {
                let row: Option<SessionRow> = sqlx::query_as(concat!(session_select!(), "AND s.token_hash = $2"))
                    .bind(to_millis(now))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn list_sessions(&self, tenant: &TenantId, now: DateTime<Utc>) -> StoreResult<Vec<Session>> {
                let rows: Vec<SessionRow> = sqlx::query_as(concat!(session_select!(), "AND s.tenant_id = $2 ORDER BY s.created_at DESC"))
                    .bind(to_millis(now))
                    .bind(tenant.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn revoke_session(&self, tenant: &TenantId, id: &SessionId, at: DateTime<Utc>) -> StoreResult<()> {
                let done = sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .bind(to_millis(at))
                    .execute(&self.writer)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn list_deleted_numbers(&self, tenant: &TenantId, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Number>> {
                let rows: Vec<NumberRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    number_cols!(),
                    " FROM numbers WHERE tenant_id = $1 AND deleted_at IS NOT NULL AND restorable_until > $2",
                    " ORDER BY deleted_at DESC, id DESC LIMIT $3"
                ))
                .bind(tenant.as_str())
                .bind(to_millis(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn count_deleted_numbers(&self, tenant: &TenantId, now: DateTime<Utc>) -> StoreResult<i64> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM numbers WHERE tenant_id = $1 AND deleted_at IS NOT NULL AND restorable_until > $2",
                )
                .bind(tenant.as_str())
                .bind(to_millis(now))
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            async fn list_api_keys_page(
                &self,
                tenant: &TenantId,
                q: &$crate::server::store::KeyQuery,
            ) -> StoreResult<Vec<$crate::server::store::KeyOverview>> {
                // No cursor: a position after every key; a row comparison so the index is
                // sought to the cursor (as `list_links_page` does).
                let (after_at, after_id) = match &q.after {
                    Some((at, id)) => (to_millis(*at), id.as_str().to_owned()),
                    None => (i64::MAX, String::new()),
                };
                let rows: Vec<$crate::server::store::key_query::KeyOverviewRow> = sqlx::query_as(concat!(
                    "SELECT k.id, k.tenant_id, k.number_id, k.name, k.key_last4, k.created_at, ",
                    "n.name AS number_name, n.phone AS number_phone ",
                    "FROM api_keys k LEFT JOIN numbers n ON n.id = k.number_id AND n.tenant_id = k.tenant_id ",
                    "WHERE k.tenant_id = $1 AND k.revoked_at IS NULL ",
                    "AND (CAST($2 AS TEXT) IS NULL OR (CASE WHEN k.number_id IS NULL THEN 'tenant' ELSE 'number' END) = CAST($2 AS TEXT)) ",
                    "AND (CAST($3 AS TEXT) IS NULL OR LOWER(k.name) LIKE $3 ESCAPE '\\' OR LOWER(k.key_last4) LIKE $3 ESCAPE '\\' ",
                    "OR LOWER(n.name) LIKE $3 ESCAPE '\\' OR n.phone LIKE $3 ESCAPE '\\') ",
                    "AND (k.created_at, k.id) < ($4, $5) ",
                    "ORDER BY k.created_at DESC, k.id DESC LIMIT $6"
                ))
                .bind(tenant.as_str())
                .bind(q.kind.map(|k| k.as_str()))
                .bind(q.like_pattern())
                .bind(after_at)
                .bind(after_id)
                .bind(i64::from(q.limit))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn count_api_keys(&self, tenant: &TenantId) -> StoreResult<Vec<($crate::server::store::KeyKind, i64)>> {
                let rows: Vec<(String, i64)> = sqlx::query_as(concat!(
                    "SELECT CASE WHEN number_id IS NULL THEN 'tenant' ELSE 'number' END, CAST(COUNT(*) AS BIGINT) ",
                    "FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL GROUP BY 1"
                ))
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(k, n)| $crate::server::store::KeyKind::parse(&k).map(|k| (k, n)))
                    .collect())
            }

            async fn revoke_api_key(&self, tenant: &TenantId, key: &ApiKeyId, at: DateTime<Utc>) -> StoreResult<()> {
                let done = sqlx::query("UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
                    .bind(tenant.as_str())
                    .bind(key.as_str())
                    .bind(to_millis(at))
                    .execute(&self.writer)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn list_link_overviews(&self, tenant: &TenantId, limit: i64) -> StoreResult<Vec<LinkOverview>> {
                let rows: Vec<LinkOverviewRow> = sqlx::query_as(concat!(
                    link_overview_select!(),
                    "WHERE l.tenant_id = $1 ORDER BY l.created_at DESC, l.id DESC LIMIT $2"
                ))
                .bind(tenant.as_str())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn list_links_page(&self, tenant: &TenantId, q: &$crate::server::store::LinkQuery) -> StoreResult<Vec<LinkOverview>> {
                // No cursor: a position after every link. A row comparison rather than
                // `$5 IS NULL OR …`, so both databases seek the index to the cursor instead of
                // reading every newer link first (page 2,000 costs what page 1 does).
                let (after_at, after_id) = match &q.after {
                    Some((at, id)) => (to_millis(*at), id.as_str().to_owned()),
                    None => (i64::MAX, String::new()),
                };
                // One statement whatever the filters: an absent one is a NULL that matches all.
                let rows: Vec<LinkOverviewRow> = sqlx::query_as(concat!(
                    link_overview_select!(),
                    "WHERE l.tenant_id = $1 AND ($3 IS NULL OR ",
                    link_status_case!(),
                    " = $3) AND ($4 IS NULL OR LOWER(n.name) LIKE $4 ESCAPE '\\' OR n.phone LIKE $4 ESCAPE '\\')",
                    " AND (l.created_at, l.id) < ($5, $6)",
                    " ORDER BY l.created_at DESC, l.id DESC LIMIT $7"
                ))
                .bind(tenant.as_str())
                .bind(to_millis(q.now))
                .bind(q.status.map(|s| s.as_str()))
                .bind(q.like_pattern())
                .bind(after_at)
                .bind(after_id)
                .bind(i64::from(q.limit))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn count_links_by_status(
                &self,
                tenant: &TenantId,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<($crate::server::store::LinkStatus, i64)>> {
                let rows: Vec<(String, i64)> = sqlx::query_as(concat!(
                    "SELECT status, CAST(COUNT(*) AS BIGINT) FROM (SELECT ",
                    link_status_case!(),
                    " AS status FROM links l LEFT JOIN numbers n ON n.id = l.number_id AND n.tenant_id = l.tenant_id",
                    " WHERE l.tenant_id = $1) s GROUP BY status"
                ))
                .bind(tenant.as_str())
                .bind(to_millis(now))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(s, n)| $crate::server::store::LinkStatus::parse(&s).map(|s| (s, n)))
                    .collect())
            }

            async fn note_link_step(&self, tenant: &TenantId, number: &NumberId, step: FunnelStep) -> StoreResult<()> {
                sqlx::query(concat!(
                    "UPDATE links SET windows_opened = windows_opened + $3, codes_shown = codes_shown + $4, ",
                    "qr_rotations = qr_rotations + $5 WHERE tenant_id = $1 AND number_id = $2 AND ended_at IS NULL"
                ))
                .bind(tenant.as_str())
                .bind(number.as_str())
                .bind(i32::from(step.window_opened))
                .bind(i32::from(step.code_shown))
                .bind(i32::from(step.qr_rotated))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn note_link_failure(&self, tenant: &TenantId, number: &NumberId, reason: &str) -> StoreResult<()> {
                sqlx::query("UPDATE links SET last_failure = $3 WHERE tenant_id = $1 AND number_id = $2 AND ended_at IS NULL")
                    .bind(tenant.as_str())
                    .bind(number.as_str())
                    .bind(reason)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn insert_audit(&self, tenant: &TenantId, e: &AuditEntry) -> StoreResult<()> {
                insert_audit_row(&self.writer, tenant, e).await
            }

            async fn list_audit(&self, tenant: &TenantId, f: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
                // CAST gives PostgreSQL the parameter types it cannot infer from `IS NULL`.
                let rows: Vec<AuditRow> = sqlx::query_as(concat!(
                    "SELECT id, actor, actor_id, actor_label, action, target, detail, created_at FROM audit_log WHERE tenant_id = $1 ",
                    "AND (CAST($2 AS TEXT) IS NULL OR substr(action, 1, length(CAST($2 AS TEXT))) = CAST($2 AS TEXT)) ",
                    "AND (CAST($3 AS TEXT) IS NULL OR actor_id = CAST($3 AS TEXT)) ",
                    "AND (CAST($4 AS BIGINT) IS NULL OR (created_at, id) < (CAST($4 AS BIGINT), CAST($5 AS TEXT))) ",
                    "ORDER BY created_at DESC, id DESC LIMIT $6"
                ))
                .bind(tenant.as_str())
                .bind(&f.action_prefix)
                .bind(&f.actor_id)
                .bind(f.after.as_ref().map(|(at, _)| to_millis(*at)))
                .bind(f.after.as_ref().map(|(_, id)| id.as_str()))
                .bind(f.limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }
    };
}
