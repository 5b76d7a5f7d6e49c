//! The SQL of [`KeyStore`](super::KeyStore), shared by both backends like `sql.rs`. The
//! helpers that write a key are expanded beside the backend's other statements, so a link's
//! transaction can bind its key (`links_sql.rs`).

macro_rules! key_cols {
    () => {
        "id, tenant_id, number_id, name, key_last4, created_at"
    };
}

/// A key and, for a number key, its number: a key of a deleted number does not authenticate.
macro_rules! live_key_select {
    () => {
        "SELECT k.id, k.tenant_id, k.number_id, k.name, k.key_last4, k.created_at FROM api_keys k LEFT JOIN numbers n ON n.id = k.number_id"
    };
}

/// The live keys of the numbers from `($2, $3)` to `($4, $5)` by `(created_at, id)`: a page's
/// keys. The page's numbers first (their index), then each one's keys by number: never every
/// key of the tenant, which has a key per number when its platform hands one to each
/// customer (#24). SQLite is held to that plan, `CROSS JOIN` for the order and `$by_number`
/// (`INDEXED BY api_keys_number`; empty on PostgreSQL, which plans on fresh statistics):
/// left to itself it read every key of the tenant for each page without statistics, and
/// every key of the table for each number of the page on statistics taken while the table
/// held a key or two. The tenant is checked through the number, which is the tenant's (a key
/// is bound only to its own tenant's numbers). The plans are tested in `plans.rs`.
macro_rules! keys_of_numbers_sql {
    ($by_number:literal) => {
        concat!(
            "SELECT k.id, k.tenant_id, k.number_id, k.name, k.key_last4, k.created_at",
            " FROM numbers n CROSS JOIN api_keys k ",
            $by_number,
            " WHERE k.number_id = n.id",
            " AND n.tenant_id = $1",
            " AND (n.created_at, n.id) >= ($2, $3) AND (n.created_at, n.id) <= ($4, $5)",
            " AND k.revoked_at IS NULL",
            " ORDER BY k.created_at, k.id"
        )
    };
}

/// `KeyStore` for a backend (`$by_number`: see `keys_of_numbers_sql!`), and the key writes
/// other transactions share.
macro_rules! impl_key_store {
    ($store:ty, $by_number:literal) => {
        #[async_trait::async_trait]
        impl $crate::server::store::KeyStore for $store {
            async fn insert_api_key(&self, tenant: &TenantId, key: &NewApiKey) -> StoreResult<ApiKey> {
                insert_key(&self.pool, tenant, key).await
            }

            async fn find_api_key(&self, hash: &KeyHash) -> StoreResult<Option<ApiKey>> {
                let row: Option<ApiKeyRow> = sqlx::query_as(concat!(
                    live_key_select!(),
                    " WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.number_id IS NULL OR n.deleted_at IS NULL)"
                ))
                .bind(hash.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_api_key_by_id(&self, id: &ApiKeyId) -> StoreResult<Option<ApiKey>> {
                let row: Option<ApiKeyRow> = sqlx::query_as(concat!(
                    live_key_select!(),
                    " WHERE k.id = $1 AND k.revoked_at IS NULL AND (k.number_id IS NULL OR n.deleted_at IS NULL)"
                ))
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_api_keys(&self, tenant: &TenantId) -> StoreResult<Vec<ApiKey>> {
                let rows: Vec<ApiKeyRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    key_cols!(),
                    " FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL ORDER BY created_at, id"
                ))
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn rotate_api_key(&self, tenant: &TenantId, old: &ApiKeyId, new: &NewApiKey) -> StoreResult<ApiKey> {
                let mut tx = self.writer.begin().await?;
                let done = sqlx::query("UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
                    .bind(tenant.as_str())
                    .bind(old.as_str())
                    .bind(to_millis(new.at))
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let key = insert_key(&mut *tx, tenant, new).await?;
                tx.commit().await?;
                Ok(key)
            }

            async fn replace_number_keys(&self, tenant: &TenantId, number: &NumberId, new: &NewApiKey) -> StoreResult<ApiKey> {
                let mut tx = self.writer.begin().await?;
                sqlx::query("UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND number_id = $2 AND revoked_at IS NULL")
                    .bind(tenant.as_str())
                    .bind(number.as_str())
                    .bind(to_millis(new.at))
                    .execute(&mut *tx)
                    .await?;
                let key = insert_key(&mut *tx, tenant, new).await?;
                tx.commit().await?;
                Ok(key)
            }

            async fn bind_api_key(&self, tenant: &TenantId, key: &ApiKeyId, number: &NumberId) -> StoreResult<()> {
                bind_key(&self.writer, tenant, key, number).await
            }

            async fn list_keys_of_numbers(&self, tenant: &TenantId, first: &Number, last: &Number) -> StoreResult<Vec<ApiKey>> {
                let rows: Vec<ApiKeyRow> = sqlx::query_as(keys_of_numbers_sql!($by_number))
                    .bind(tenant.as_str())
                    .bind(to_millis(first.created_at))
                    .bind(first.id.as_str())
                    .bind(to_millis(last.created_at))
                    .bind(last.id.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }

        async fn insert_key<'c, E>(conn: E, tenant: &TenantId, key: &NewApiKey) -> StoreResult<ApiKey>
        where
            E: sqlx::Executor<'c, Database = <$store as Backend>::Db>,
        {
            let row: ApiKeyRow = sqlx::query_as(concat!(
                "INSERT INTO api_keys (id, tenant_id, number_id, name, key_hash, key_last4, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
                key_cols!()
            ))
            .bind(key.id.as_str())
            .bind(tenant.as_str())
            .bind(key.number_id.as_ref().map(|n| n.as_str()))
            .bind(&key.name)
            .bind(key.hash.as_str())
            .bind(&key.last4)
            .bind(to_millis(key.at))
            .fetch_one(conn)
            .await?;
            Ok(row.into())
        }

        /// Moves a live key to `number`; `NotFound` when the key was revoked meanwhile.
        async fn bind_key<'c, E>(conn: E, tenant: &TenantId, key: &ApiKeyId, number: &NumberId) -> StoreResult<()>
        where
            E: sqlx::Executor<'c, Database = <$store as Backend>::Db>,
        {
            let done = sqlx::query("UPDATE api_keys SET number_id = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
                .bind(tenant.as_str())
                .bind(key.as_str())
                .bind(number.as_str())
                .execute(conn)
                .await?;
            if done.rows_affected() == 0 {
                Err(StoreError::NotFound)
            } else {
                Ok(())
            }
        }
    };
}
