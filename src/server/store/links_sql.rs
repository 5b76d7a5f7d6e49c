//! The SQL of [`LinkStore`](super::LinkStore) and [`SettingsStore`](super::SettingsStore),
//! shared by both backends like `sql.rs`.

macro_rules! link_cols {
    () => {
        "id, tenant_id, number_id, provider, meta_flow, branding, redirect_url, refresh_url, external_ref, locale, created_at, expires_at, opened_at, ended_at, end_reason, passkey_required_at"
    };
}

macro_rules! template_cols {
    () => {
        "id, name, category, language, body, created_at, updated_at"
    };
}

/// A link (`l`) and its number (`n`, `n_` prefixed), for the public token endpoints.
macro_rules! link_and_number_select {
    () => {
        concat!(
            "SELECT l.id, l.tenant_id, l.number_id, l.provider, l.meta_flow, l.branding, l.redirect_url, l.refresh_url, ",
            "l.external_ref, l.locale, l.created_at, l.expires_at, l.opened_at, l.ended_at, l.end_reason, l.passkey_required_at, ",
            "n.id AS n_id, n.tenant_id AS n_tenant_id, n.name AS n_name, n.phone AS n_phone, n.provider AS n_provider, ",
            "n.engine AS n_engine, n.engine_ref AS n_engine_ref, n.state AS n_state, n.created_at AS n_created_at, ",
            "n.updated_at AS n_updated_at, n.connected_at AS n_connected_at, n.deleted_at AS n_deleted_at, ",
            "n.restorable_until AS n_restorable_until, n.profile AS n_profile"
        )
    };
}

macro_rules! impl_link_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::server::store::LinkStore for $store {
            async fn issue_link_with(&self, tenant: &TenantId, link: &NewLink, with: LinkIssue<'_>) -> StoreResult<(Link, Option<Number>)> {
                let mut tx = self.writer.begin().await?;
                let mut number = None;
                if let Some((new, event)) = with.new_number {
                    number = Some(Number::from(insert_number(&mut *tx, tenant, new).await?));
                    insert_event(&mut *tx, tenant, event).await?;
                }
                if let (Some(key), Some(number)) = (with.bind_key, &number) {
                    bind_key(&mut *tx, tenant, key, &number.id).await?;
                }
                if let Some(entry) = with.audit {
                    insert_audit_row(&mut *tx, tenant, entry).await?;
                }
                // A number made in this transaction has no earlier link to replace.
                if number.is_none() {
                    sqlx::query("UPDATE links SET ended_at = $3, end_reason = 'replaced' WHERE tenant_id = $1 AND number_id = $2 AND ended_at IS NULL")
                        .bind(tenant.as_str())
                        .bind(link.number_id.as_ref().map(|n| n.as_str()))
                        .bind(to_millis(link.at))
                        .execute(&mut *tx)
                        .await?;
                }
                let row: LinkRow = sqlx::query_as(concat!(
                    "INSERT INTO links (id, tenant_id, number_id, token_hash, provider, meta_flow, branding, redirect_url, refresh_url, ",
                    "external_ref, locale, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ",
                    link_cols!()
                ))
                .bind(link.id.as_str())
                .bind(tenant.as_str())
                .bind(link.number_id.as_ref().map(|n| n.as_str()))
                .bind(&link.token_hash)
                .bind(link.provider.as_str())
                .bind(&link.meta_flow)
                .bind(serde_json::to_string(&link.branding).unwrap_or_else(|_| "{}".into()))
                .bind(&link.redirect_url)
                .bind(&link.refresh_url)
                .bind(&link.external_ref)
                .bind(&link.locale)
                .bind(to_millis(link.at))
                .bind(to_millis(link.expires_at))
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok((row.into(), number))
            }

            async fn find_link_by_token(&self, token_hash: &str) -> StoreResult<Option<Link>> {
                let row: Option<LinkRow> = sqlx::query_as(concat!("SELECT ", link_cols!(), " FROM links WHERE token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn find_link_and_number_by_token(&self, token_hash: &str) -> StoreResult<Option<(Link, Option<Number>)>> {
                let row: Option<LinkNumberRow> = sqlx::query_as(concat!(
                    link_and_number_select!(),
                    " FROM links l LEFT JOIN numbers n ON n.tenant_id = l.tenant_id AND n.id = l.number_id WHERE l.token_hash = $1"
                ))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn current_link(&self, tenant: &TenantId, number: &NumberId) -> StoreResult<Option<Link>> {
                let row: Option<LinkRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    link_cols!(),
                    " FROM links WHERE tenant_id = $1 AND number_id = $2 AND ended_at IS NULL ORDER BY created_at DESC LIMIT 1"
                ))
                .bind(tenant.as_str())
                .bind(number.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn end_link(&self, tenant: &TenantId, link: &LinkId, end: LinkEnd, at: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE links SET ended_at = $3, end_reason = $4 WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL")
                    .bind(tenant.as_str())
                    .bind(link.as_str())
                    .bind(to_millis(at))
                    .bind(end.as_str())
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_link_expiry(&self, tenant: &TenantId, link: &LinkId, at: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE links SET expires_at = $3 WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL AND expires_at > $3")
                    .bind(tenant.as_str())
                    .bind(link.as_str())
                    .bind(to_millis(at))
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn mark_link_opened(&self, tenant: &TenantId, link: &LinkId, event: &NewEvent) -> StoreResult<bool> {
                self.mark_link_once("opened_at", tenant, link, event).await
            }

            async fn links_due_for_expiry(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Link>> {
                let rows: Vec<LinkRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    link_cols!(),
                    " FROM links WHERE ended_at IS NULL AND expiry_noticed_at IS NULL AND expires_at <= $1 ORDER BY expires_at LIMIT $2"
                ))
                .bind(to_millis(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn mark_link_passkey_required(&self, tenant: &TenantId, link: &LinkId, event: &NewEvent) -> StoreResult<bool> {
                self.mark_link_once("passkey_required_at", tenant, link, event).await
            }

            async fn mark_link_expired(&self, tenant: &TenantId, link: &LinkId, event: &NewEvent) -> StoreResult<bool> {
                self.mark_link_once("expiry_noticed_at", tenant, link, event).await
            }
        }

        impl $store {
            /// Sets a one-time timestamp column and writes its event, both or neither.
            async fn mark_link_once(&self, column: &'static str, tenant: &TenantId, link: &LinkId, event: &NewEvent) -> StoreResult<bool> {
                let sql = match column {
                    "opened_at" => "UPDATE links SET opened_at = $3 WHERE tenant_id = $1 AND id = $2 AND opened_at IS NULL",
                    "passkey_required_at" => {
                        "UPDATE links SET passkey_required_at = $3 WHERE tenant_id = $1 AND id = $2 AND passkey_required_at IS NULL"
                    }
                    _ => "UPDATE links SET expiry_noticed_at = $3 WHERE tenant_id = $1 AND id = $2 AND expiry_noticed_at IS NULL",
                };
                let mut tx = self.writer.begin().await?;
                let done = sqlx::query(sql).bind(tenant.as_str()).bind(link.as_str()).bind(to_millis(event.at)).execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_event(&mut *tx, tenant, event).await?;
                tx.commit().await?;
                Ok(true)
            }
        }

        #[async_trait::async_trait]
        impl $crate::server::store::SettingsStore for $store {
            async fn settings(&self, tenant: &TenantId) -> StoreResult<TenantSettings> {
                let row: Option<SettingsRow> = sqlx::query_as("SELECT branding, default_sender_number_id, embed_origins, engine, repair_link_on_disconnect, number_keys_send_links, official_fallback FROM tenant_settings WHERE tenant_id = $1")
                    .bind(tenant.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into).unwrap_or_default())
            }

            async fn save_branding(&self, tenant: &TenantId, branding: &Branding, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(concat!(
                    "INSERT INTO tenant_settings (tenant_id, branding, updated_at) VALUES ($1, $2, $3) ",
                    "ON CONFLICT (tenant_id) DO UPDATE SET branding = excluded.branding, updated_at = excluded.updated_at"
                ))
                .bind(tenant.as_str())
                .bind(serde_json::to_string(branding).unwrap_or_else(|_| "{}".into()))
                .bind(to_millis(at))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn save_embed_origins(&self, tenant: &TenantId, origins: &[String], at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(concat!(
                    "INSERT INTO tenant_settings (tenant_id, embed_origins, updated_at) VALUES ($1, $2, $3) ",
                    "ON CONFLICT (tenant_id) DO UPDATE SET embed_origins = excluded.embed_origins, updated_at = excluded.updated_at"
                ))
                .bind(tenant.as_str())
                .bind(origins.join(" "))
                .bind(to_millis(at))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn save_engine_settings(&self, tenant: &TenantId, switches: &EngineSettings<'_>, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(concat!(
                    "INSERT INTO tenant_settings (tenant_id, engine, repair_link_on_disconnect, number_keys_send_links, official_fallback, updated_at) ",
                    "VALUES ($1, $2, $3, $4, $5, $6) ",
                    "ON CONFLICT (tenant_id) DO UPDATE SET engine = excluded.engine, ",
                    "repair_link_on_disconnect = excluded.repair_link_on_disconnect, ",
                    "number_keys_send_links = excluded.number_keys_send_links, ",
                    "official_fallback = excluded.official_fallback, updated_at = excluded.updated_at"
                ))
                .bind(tenant.as_str())
                .bind(switches.engine)
                .bind(switches.repair_link_on_disconnect)
                .bind(switches.number_keys_send_links)
                .bind(switches.official_fallback)
                .bind(to_millis(at))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn save_default_sender(&self, tenant: &TenantId, number: Option<&NumberId>, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(concat!(
                    "INSERT INTO tenant_settings (tenant_id, default_sender_number_id, updated_at) VALUES ($1, $2, $3) ",
                    "ON CONFLICT (tenant_id) DO UPDATE SET default_sender_number_id = excluded.default_sender_number_id, updated_at = excluded.updated_at"
                ))
                .bind(tenant.as_str())
                .bind(number.map(|n| n.as_str()))
                .bind(to_millis(at))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn insert_template(&self, tenant: &TenantId, t: &Template) -> StoreResult<()> {
                sqlx::query("INSERT INTO templates (id, tenant_id, name, category, language, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(t.id.as_str())
                    .bind(tenant.as_str())
                    .bind(&t.name)
                    .bind(&t.category)
                    .bind(&t.language)
                    .bind(&t.body)
                    .bind(to_millis(t.created_at))
                    .bind(to_millis(t.updated_at))
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn update_template(&self, tenant: &TenantId, t: &Template) -> StoreResult<()> {
                let done = sqlx::query("UPDATE templates SET name = $3, language = $4, body = $5, updated_at = $6 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_str())
                    .bind(t.id.as_str())
                    .bind(&t.name)
                    .bind(&t.language)
                    .bind(&t.body)
                    .bind(to_millis(t.updated_at))
                    .execute(&self.writer)
                    .await?;
                if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            }

            async fn delete_template(&self, tenant: &TenantId, id: &TemplateId) -> StoreResult<()> {
                let done = sqlx::query("DELETE FROM templates WHERE tenant_id = $1 AND id = $2").bind(tenant.as_str()).bind(id.as_str()).execute(&self.writer).await?;
                if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
            }

            async fn get_template(&self, tenant: &TenantId, id: &TemplateId) -> StoreResult<Template> {
                let row: TemplateRow = sqlx::query_as(concat!("SELECT ", template_cols!(), " FROM templates WHERE tenant_id = $1 AND id = $2"))
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.into())
            }

            async fn list_templates(&self, tenant: &TenantId) -> StoreResult<Vec<Template>> {
                let rows: Vec<TemplateRow> = sqlx::query_as(concat!("SELECT ", template_cols!(), " FROM templates WHERE tenant_id = $1 ORDER BY name, language"))
                    .bind(tenant.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn find_template(&self, tenant: &TenantId, name: &str) -> StoreResult<Option<Template>> {
                let row: Option<TemplateRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    template_cols!(),
                    " FROM templates WHERE tenant_id = $1 AND name = $2 ORDER BY created_at LIMIT 1"
                ))
                .bind(tenant.as_str())
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }
        }
    };
}
