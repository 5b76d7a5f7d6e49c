//! Sealing at the edge of the database, shared by both backends like `sql.rs`: the one
//! place secrets turn into what is stored, and the start-up pass over what was stored before.

/// Sealing at the edge of the database: the one place secrets turn into what is stored.
macro_rules! impl_sealing {
    ($store:ty) => {
        impl $store {
            fn seal_text(&self, row: &str, plain: &str) -> String {
                match self.sealer.get() {
                    Some(s) => s.seal_text(row, plain),
                    None => plain.to_owned(),
                }
            }

            fn open_text(&self, row: &str, stored: String) -> StoreResult<String> {
                match self.sealer.get() {
                    Some(s) => Ok(s.open_text(row, &stored)?),
                    None if $crate::server::crypto::Sealer::is_sealed_text(&stored) => Err($crate::server::crypto::SealError.into()),
                    None => Ok(stored),
                }
            }

            fn seal_bytes(&self, row: &str, plain: &[u8]) -> Vec<u8> {
                match self.sealer.get() {
                    Some(s) => s.seal_bytes(row, plain),
                    None => plain.to_vec(),
                }
            }

            fn open_bytes(&self, row: &str, stored: Vec<u8>) -> StoreResult<Vec<u8>> {
                match self.sealer.get() {
                    Some(s) => Ok(s.open_bytes(row, &stored)?),
                    None if $crate::server::crypto::Sealer::is_sealed_bytes(&stored) => Err($crate::server::crypto::SealError.into()),
                    None => Ok(stored),
                }
            }
        }

        #[async_trait::async_trait]
        impl $crate::server::store::SealingStore for $store {
            fn install_sealer(&self, sealer: $crate::server::crypto::Sealer) {
                let _ = self.sealer.set(sealer);
            }

            async fn holds_secrets(&self) -> StoreResult<bool> {
                let (n,): (i64,) = sqlx::query_as("SELECT (SELECT COUNT(*) FROM webhook_endpoints) + (SELECT COUNT(*) FROM device_keys)")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n > 0)
            }

            async fn check_sealer(&self) -> StoreResult<()> {
                let secret: Option<(String, String)> =
                    sqlx::query_as("SELECT id, secret FROM webhook_endpoints WHERE secret LIKE 'sealed:%' LIMIT 1")
                        .fetch_optional(&self.pool)
                        .await?;
                if let Some((id, secret)) = secret {
                    self.open_text(&id, secret)?;
                }
                let keys: Option<(String, Vec<u8>)> = sqlx::query_as("SELECT number_id, store FROM device_keys LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?;
                if let Some((number, keys)) = keys {
                    self.open_bytes(&number, keys)?;
                }
                Ok(())
            }

            async fn seal_plaintext(&self) -> StoreResult<u64> {
                use $crate::server::crypto::Sealer;
                let mut sealed = 0;
                // Only what is not sealed yet is read: this runs at every start, and device key
                // stores are tens of kilobytes each.
                let secrets: Vec<(String, String)> =
                    sqlx::query_as("SELECT id, secret FROM webhook_endpoints WHERE secret NOT LIKE 'sealed:%'")
                        .fetch_all(&self.pool)
                        .await?;
                for (id, secret) in secrets.into_iter().filter(|(_, s)| !Sealer::is_sealed_text(s)) {
                    // Compared with the value read, so a rotation meanwhile is not overwritten.
                    sealed += sqlx::query("UPDATE webhook_endpoints SET secret = $2 WHERE id = $1 AND secret = $3")
                        .bind(&id)
                        .bind(self.seal_text(&id, &secret))
                        .bind(&secret)
                        .execute(&self.writer)
                        .await?
                        .rows_affected();
                }
                let keys: Vec<(String, Vec<u8>)> =
                    sqlx::query_as("SELECT number_id, store FROM device_keys WHERE substr(store, 1, 8) <> $1")
                        .bind($crate::server::crypto::BLOB_MAGIC)
                        .fetch_all(&self.pool)
                        .await?;
                for (number, keys) in keys.into_iter().filter(|(_, k)| !Sealer::is_sealed_bytes(k)) {
                    sealed += sqlx::query("UPDATE device_keys SET store = $2 WHERE number_id = $1 AND store = $3")
                        .bind(&number)
                        .bind(self.seal_bytes(&number, &keys))
                        .bind(&keys)
                        .execute(&self.writer)
                        .await?
                        .rows_affected();
                }
                Ok(sealed)
            }
        }
    };
}
