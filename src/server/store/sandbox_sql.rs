//! The sandbox's WhatsApp side in SQL, the same on both backends (see `sql.rs`).

macro_rules! impl_sandbox_store {
    // `$order`: the column that keeps the order messages were accepted in.
    ($store:ty, $order:literal) => {
        #[async_trait::async_trait]
        impl $crate::server::store::SandboxStore for $store {
            async fn sandbox_connect(&self, number: &NumberId, connection: &str, at: DateTime<Utc>) -> StoreResult<Option<String>> {
                let mut tx = self.writer.begin().await?;
                let before: Option<String> = sqlx::query_scalar("SELECT connection FROM sandbox_devices WHERE number_id = $1")
                    .bind(number.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(concat!(
                    "INSERT INTO sandbox_devices (number_id, connection, connected_at) VALUES ($1, $2, $3) ",
                    "ON CONFLICT (number_id) DO UPDATE SET connection = excluded.connection, connected_at = excluded.connected_at"
                ))
                .bind(number.as_str())
                .bind(connection)
                .bind(to_millis(at))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(before.filter(|b| b != connection))
            }

            async fn sandbox_disconnect(&self, number: &NumberId, connection: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM sandbox_devices WHERE number_id = $1 AND connection = $2")
                    .bind(number.as_str())
                    .bind(connection)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn sandbox_connected(&self, connection: &str) -> StoreResult<Vec<NumberId>> {
                let rows: Vec<String> = sqlx::query_scalar("SELECT number_id FROM sandbox_devices WHERE connection = $1")
                    .bind(connection)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(NumberId::from_trusted).collect())
            }

            async fn sandbox_deliver(&self, message: &$crate::server::store::SandboxMessage) -> StoreResult<bool> {
                let done = sqlx::query(concat!(
                    "INSERT INTO sandbox_messages (id, number_id, recipient, body, sent_at) VALUES ($1, $2, $3, $4, $5) ",
                    "ON CONFLICT (id) DO NOTHING"
                ))
                .bind(&message.id)
                .bind(message.number.as_str())
                .bind(&message.to)
                .bind(self.seal_text(&message.id, &message.body))
                .bind(to_millis(message.at))
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn sandbox_messages(&self, number: &NumberId, limit: u32) -> StoreResult<Vec<$crate::server::store::SandboxMessage>> {
                let rows: Vec<(String, String, String, i64)> = sqlx::query_as(concat!(
                    "SELECT id, recipient, body, sent_at FROM sandbox_messages WHERE number_id = $1 ",
                    "ORDER BY ",
                    $order,
                    " DESC LIMIT $2"
                ))
                .bind(number.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for (id, to, body, at) in rows.into_iter().rev() {
                    out.push($crate::server::store::SandboxMessage {
                        body: self.open_text(&id, body)?,
                        id,
                        number: number.clone(),
                        to,
                        at: $crate::server::domain::from_millis(at),
                    });
                }
                Ok(out)
            }
        }
    };
}
