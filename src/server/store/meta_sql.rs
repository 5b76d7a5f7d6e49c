//! The SQL of [`MetaStore`](super::MetaStore), shared by both backends like `sql.rs`.

macro_rules! meta_cols {
    () => {
        "m.number_id, m.tenant_id, m.waba_id, m.phone_number_id, m.app_id, m.token, m.pin, m.phone, m.waba, m.checked_at"
    };
}

macro_rules! impl_meta_store {
    ($store:ty) => {
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
                sqlx::query(concat!(
                    "INSERT INTO meta_numbers (number_id, tenant_id, waba_id, phone_number_id, app_id, token, pin, phone, waba, ",
                    "checked_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $10)"
                ))
                .bind(n.id.as_str())
                .bind(tenant.as_str())
                .bind(&a.waba_id)
                .bind(&a.phone_number_id)
                .bind(a.app_id.as_deref())
                .bind(&a.token)
                .bind(a.pin.as_deref())
                .bind(a.phone.to_string())
                .bind(a.waba.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
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
