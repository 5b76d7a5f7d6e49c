//! The logo SQL both backends run (see `sql.rs`).

macro_rules! impl_logo_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::server::store::LogoStore for $store {
            async fn insert_logo(
                &self,
                tenant: &TenantId,
                new: &$crate::server::store::NewLogo,
            ) -> StoreResult<$crate::server::store::Logo> {
                let row: $crate::server::store::LogoRow = sqlx::query_as(concat!(
                    "INSERT INTO logos (id, tenant_id, mime_type, file_name, size_bytes, content, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, tenant_id, mime_type, file_name, size_bytes, created_at"
                ))
                .bind(new.id.as_str())
                .bind(tenant.as_str())
                .bind(&new.mime_type)
                .bind(&new.file_name)
                .bind(new.content.len() as i64)
                .bind(&new.content)
                .bind(to_millis(new.at))
                .fetch_one(&self.writer)
                .await?;
                Ok(row.into())
            }

            async fn get_logo(&self, tenant: &TenantId, id: &$crate::server::domain::LogoId) -> StoreResult<$crate::server::store::Logo> {
                let row: $crate::server::store::LogoRow = sqlx::query_as(
                    "SELECT id, tenant_id, mime_type, file_name, size_bytes, created_at FROM logos WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_one(&self.pool)
                .await?;
                Ok(row.into())
            }

            async fn logo_content(&self, id: &$crate::server::domain::LogoId) -> StoreResult<(String, Vec<u8>)> {
                Ok(sqlx::query_as("SELECT mime_type, content FROM logos WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_one(&self.pool)
                    .await?)
            }
        }
    };
}
