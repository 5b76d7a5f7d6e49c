//! The SQL of [`MetaStore`](super::MetaStore), shared by both backends like `sql.rs`.

macro_rules! meta_cols {
    () => {
        concat!(
            "m.number_id, m.tenant_id, m.waba_id, m.phone_number_id, m.app_id, m.token, m.pin, m.phone, m.waba, m.checked_at, ",
            "m.coexistence, m.coex_webhooks, m.coex_history_messages, m.coex_contacts, m.coex_echoes, m.coex_history, m.coex_last_at, ",
            "m.coex_retry_at"
        )
    };
}

macro_rules! impl_meta_store {
    ($store:ty) => {
        async fn insert_account<'c, E>(conn: E, tenant: &TenantId, a: &$crate::server::store::MetaAccount, at: i64) -> StoreResult<()>
        where
            E: sqlx::Executor<'c, Database = <$store as Backend>::Db>,
        {
            sqlx::query(concat!(
                "INSERT INTO meta_numbers (number_id, tenant_id, waba_id, phone_number_id, app_id, token, pin, phone, waba, ",
                "checked_at, coexistence, coex_retry_at, created_at, updated_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $10, $10)"
            ))
            .bind(a.number_id.as_str())
            .bind(tenant.as_str())
            .bind(&a.waba_id)
            .bind(&a.phone_number_id)
            .bind(a.app_id.as_deref())
            .bind(&a.token)
            .bind(a.pin.as_deref())
            .bind(a.phone.to_string())
            .bind(a.waba.to_string())
            .bind(at)
            .bind(a.coexistence.as_ref().map(ToString::to_string))
            .bind(a.sync_retry_at.map(to_millis))
            .execute(conn)
            .await?;
            Ok(())
        }

        #[async_trait::async_trait]
        impl $crate::server::store::MetaStore for $store {
            async fn create_meta_number(&self, tenant: &TenantId, new: $crate::server::store::NewMetaNumber<'_>) -> StoreResult<Number> {
                let (n, a) = (new.number, new.account);
                let at = to_millis(n.at);
                let mut tx = self.writer.begin().await?;
                insert_number(&mut *tx, tenant, n).await?;
                let row: NumberRow = sqlx::query_as(concat!(
                    "UPDATE numbers SET connected_at = $3 WHERE tenant_id = $1 AND id = $2 RETURNING ",
                    number_cols!()
                ))
                .bind(tenant.as_str())
                .bind(n.id.as_str())
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                insert_account(&mut *tx, tenant, a, at).await?;
                if let Some(link) = new.link {
                    // Single use: the link takes the number it made and dies, unless another
                    // request used it first (or it ended meanwhile): then nothing is kept.
                    let done = sqlx::query(concat!(
                        "UPDATE links SET number_id = $3, ended_at = $4, end_reason = 'used' ",
                        "WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL AND expires_at > $4"
                    ))
                    .bind(tenant.as_str())
                    .bind(link.as_str())
                    .bind(n.id.as_str())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                }
                for event in new.events {
                    insert_event(&mut *tx, tenant, event).await?;
                }
                tx.commit().await?;
                Ok(row.into())
            }

            async fn convert_to_meta(&self, tenant: &TenantId, c: $crate::server::store::MetaConversion<'_>) -> StoreResult<Number> {
                let at = to_millis(c.at);
                let mut tx = self.writer.begin().await?;
                // The link must still be live and the number not paired meanwhile (a QR scan
                // that won the race keeps the number on its WhatsApp Web rail).
                let used = sqlx::query(concat!(
                    "UPDATE links SET ended_at = $4, end_reason = 'used' ",
                    "WHERE tenant_id = $1 AND id = $2 AND number_id = $3 AND ended_at IS NULL AND expires_at > $4"
                ))
                .bind(tenant.as_str())
                .bind(c.link.as_str())
                .bind(c.number.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if used.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let row: Option<NumberRow> = sqlx::query_as(concat!(
                    "UPDATE numbers SET provider = 'META', engine = 'meta', engine_ref = $3, state = 'OPEN', ",
                    "connected_at = $4, updated_at = $4 ",
                    "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL AND state <> 'OPEN' RETURNING ",
                    number_cols!()
                ))
                .bind(tenant.as_str())
                .bind(c.number.as_str())
                .bind(c.engine_ref.to_string())
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Err(StoreError::NotFound) };
                insert_account(&mut *tx, tenant, c.account, at).await?;
                insert_event(&mut *tx, tenant, c.event).await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn count_coexistence(
                &self,
                waba_id: &str,
                phone_number_id: &str,
                d: &$crate::server::store::CoexDelivery,
                at: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let done = sqlx::query(concat!(
                    "UPDATE meta_numbers SET coex_webhooks = coex_webhooks + 1, ",
                    "coex_history_messages = coex_history_messages + $3, coex_contacts = coex_contacts + $4, ",
                    "coex_echoes = coex_echoes + $5, coex_history = COALESCE($6, coex_history), coex_last_at = $7 ",
                    "WHERE waba_id = $1 AND phone_number_id = $2 ",
                    "AND number_id IN (SELECT id FROM numbers WHERE deleted_at IS NULL)"
                ))
                .bind(waba_id)
                .bind(phone_number_id)
                .bind(d.history_messages)
                .bind(d.contacts)
                .bind(d.echoes)
                .bind(d.history)
                .bind(to_millis(at))
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected())
            }

            async fn coex_retries_due(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<$crate::server::store::MetaAccount>> {
                let rows: Vec<$crate::server::store::MetaRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    meta_cols!(),
                    " FROM meta_numbers m JOIN numbers n ON n.id = m.number_id ",
                    "WHERE m.coex_retry_at IS NOT NULL AND m.coex_retry_at <= $1 AND n.deleted_at IS NULL ",
                    "ORDER BY m.coex_retry_at LIMIT $2"
                ))
                .bind(to_millis(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn move_coex_retry(
                &self,
                number: &NumberId,
                seen: DateTime<Utc>,
                next: Option<DateTime<Utc>>,
                coexistence: Option<&serde_json::Value>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(concat!(
                    "UPDATE meta_numbers SET coex_retry_at = $3, coexistence = COALESCE($4, coexistence) ",
                    "WHERE number_id = $1 AND coex_retry_at = $2"
                ))
                .bind(number.as_str())
                .bind(to_millis(seen))
                .bind(next.map(to_millis))
                .bind(coexistence.map(ToString::to_string))
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn meta_account(&self, tenant: &TenantId, number: &NumberId) -> StoreResult<$crate::server::store::MetaAccount> {
                let row: $crate::server::store::MetaRow = sqlx::query_as(concat!(
                    "SELECT ",
                    meta_cols!(),
                    " FROM meta_numbers m WHERE m.tenant_id = $1 AND m.number_id = $2"
                ))
                .bind(tenant.as_str())
                .bind(number.as_str())
                .fetch_one(&self.pool)
                .await?;
                Ok(row.into())
            }

            async fn meta_accounts_of_tenant(&self, tenant: &TenantId) -> StoreResult<Vec<$crate::server::store::MetaAccount>> {
                let rows: Vec<$crate::server::store::MetaRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    meta_cols!(),
                    " FROM meta_numbers m WHERE m.tenant_id = $1"
                ))
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn meta_accounts_of_waba(&self, waba_id: &str) -> StoreResult<Vec<$crate::server::store::MetaAccount>> {
                let rows: Vec<$crate::server::store::MetaRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    meta_cols!(),
                    " FROM meta_numbers m JOIN numbers n ON n.id = m.number_id ",
                    "WHERE m.waba_id = $1 AND n.deleted_at IS NULL ORDER BY m.created_at, m.number_id"
                ))
                .bind(waba_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn save_meta_phone(
                &self,
                tenant: &TenantId,
                number: &NumberId,
                phone: &serde_json::Value,
                at: DateTime<Utc>,
                event: Option<&NewEvent>,
            ) -> StoreResult<()> {
                let mut tx = self.writer.begin().await?;
                let done = sqlx::query(
                    "UPDATE meta_numbers SET phone = $3, checked_at = $4, updated_at = $4 WHERE tenant_id = $1 AND number_id = $2",
                )
                .bind(tenant.as_str())
                .bind(number.as_str())
                .bind(phone.to_string())
                .bind(to_millis(at))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if let Some(event) = event {
                    insert_event(&mut *tx, tenant, event).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
