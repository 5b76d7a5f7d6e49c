//! The lease and device-key SQL both backends run (see `sql.rs`). A lease is taken with one
//! conditional upsert, so the database settles races between processes; `$now` is the
//! database's clock in milliseconds, the one clock every process's lease ends are read with.

macro_rules! impl_session_store {
    ($store:ty, $now:literal) => {
        #[async_trait::async_trait]
        impl $crate::server::store::SessionStore for $store {
            async fn acquire_lease(&self, number: &NumberId, holder: &str, lease: std::time::Duration) -> StoreResult<bool> {
                let done = sqlx::query(concat!(
                    "INSERT INTO session_leases (number_id, holder, expires_at) VALUES ($1, $2, ",
                    $now,
                    " + $3) ",
                    "ON CONFLICT (number_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at ",
                    "WHERE session_leases.holder = $2 OR session_leases.expires_at <= ",
                    $now
                ))
                .bind(number.as_str())
                .bind(holder)
                .bind($crate::server::store::lease_millis(lease))
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn renew_leases(&self, holder: &str, lease: std::time::Duration) -> StoreResult<Vec<NumberId>> {
                let held: Vec<String> = sqlx::query_scalar(concat!(
                    "UPDATE session_leases SET expires_at = ",
                    $now,
                    " + $2 WHERE holder = $1 RETURNING number_id"
                ))
                .bind(holder)
                .bind($crate::server::store::lease_millis(lease))
                .fetch_all(&self.writer)
                .await?;
                Ok(held.into_iter().map(NumberId::from_trusted).collect())
            }

            async fn release_lease(&self, number: &NumberId, holder: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM session_leases WHERE number_id = $1 AND holder = $2")
                    .bind(number.as_str())
                    .bind(holder)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn lease_holder(&self, number: &NumberId) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar(concat!(
                    "SELECT holder FROM session_leases WHERE number_id = $1 AND expires_at > ",
                    $now
                ))
                .bind(number.as_str())
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn orphaned_sessions(&self, engine: &str) -> StoreResult<Vec<Number>> {
                let rows: Vec<NumberRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    number_cols!(),
                    " FROM numbers WHERE deleted_at IS NULL AND state = 'OPEN' AND engine = $1 ",
                    "AND id NOT IN (SELECT number_id FROM session_leases WHERE expires_at > ",
                    $now,
                    ") ORDER BY created_at, id"
                ))
                .bind(engine)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn save_device_keys(
                &self,
                number: &NumberId,
                keys: &[u8],
                at: DateTime<Utc>,
                holder: Option<&str>,
            ) -> StoreResult<$crate::server::store::Fenced<()>> {
                let done = sqlx::query(concat!(
                    "INSERT INTO device_keys (number_id, store, updated_at) SELECT $1, $2, $3 WHERE ",
                    lease_held!($now, "$1", "$4"),
                    " ON CONFLICT (number_id) DO UPDATE SET store = excluded.store, updated_at = excluded.updated_at"
                ))
                .bind(number.as_str())
                .bind(self.seal_bytes(number.as_str(), keys))
                .bind(to_millis(at))
                .bind(holder)
                .execute(&self.writer)
                .await?;
                Ok(match done.rows_affected() {
                    0 => $crate::server::store::Fenced::Lost,
                    _ => $crate::server::store::Fenced::Held(()),
                })
            }

            async fn load_device_keys(&self, number: &NumberId) -> StoreResult<Option<Vec<u8>>> {
                let stored: Option<Vec<u8>> = sqlx::query_scalar("SELECT store FROM device_keys WHERE number_id = $1")
                    .bind(number.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                stored.map(|s| self.open_bytes(number.as_str(), s)).transpose()
            }

            async fn delete_device_keys(&self, number: &NumberId) -> StoreResult<()> {
                sqlx::query("DELETE FROM device_keys WHERE number_id = $1")
                    .bind(number.as_str())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }
        }
    };
}
