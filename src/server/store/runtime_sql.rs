//! The runtime's SQL, the same on both backends (see `sql.rs`). Fenced writes check the
//! writer's lease in the statement that writes, against the database's clock (`$now`).

/// The writer (`$h`) holds the number's lease now; vacuous when no writer is named.
macro_rules! lease_held {
    ($now:literal, $number:literal, $h:literal) => {
        concat!(
            "(",
            $h,
            " IS NULL OR EXISTS (SELECT 1 FROM session_leases WHERE number_id = ",
            $number,
            " AND holder = ",
            $h,
            " AND expires_at > ",
            $now,
            "))"
        )
    };
}

macro_rules! impl_runtime_store {
    ($store:ty, $now:literal) => {
        #[async_trait::async_trait]
        impl $crate::server::store::RuntimeStore for $store {
            async fn save_link_view(
                &self,
                number: &NumberId,
                view: &$crate::server::store::LinkView,
                holder: Option<&str>,
            ) -> StoreResult<$crate::server::store::Fenced<()>> {
                let done = sqlx::query(concat!(
                    "INSERT INTO link_views (number_id, tenant_id, state, window_ends_at, updated_at) SELECT $1, $2, $3, $4, $5 ",
                    "WHERE ",
                    lease_held!($now, "$1", "$6"),
                    " ",
                    "ON CONFLICT (number_id) DO UPDATE SET state = excluded.state, window_ends_at = excluded.window_ends_at, ",
                    "updated_at = excluded.updated_at"
                ))
                .bind(number.as_str())
                .bind(view.tenant.as_str())
                .bind(&view.state)
                .bind(view.window_ends_at.map(to_millis))
                .bind(to_millis(view.updated_at))
                .bind(holder)
                .execute(&self.writer)
                .await?;
                Ok(match done.rows_affected() {
                    0 => $crate::server::store::Fenced::Lost,
                    _ => $crate::server::store::Fenced::Held(()),
                })
            }

            async fn link_view(&self, number: &NumberId) -> StoreResult<Option<$crate::server::store::StoredView>> {
                let row: Option<(String, String, Option<i64>, i64, Option<String>)> = sqlx::query_as(concat!(
                    "SELECT v.tenant_id, v.state, v.window_ends_at, v.updated_at, l.holder FROM link_views v ",
                    "LEFT JOIN session_leases l ON l.number_id = v.number_id AND l.expires_at > ",
                    $now,
                    " WHERE v.number_id = $1"
                ))
                .bind(number.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(
                    row.map(|(tenant, state, ends, updated, holder)| $crate::server::store::StoredView {
                        view: $crate::server::store::LinkView {
                            tenant: TenantId::from_trusted(tenant),
                            state,
                            window_ends_at: ends.map($crate::server::domain::from_millis),
                            updated_at: $crate::server::domain::from_millis(updated),
                        },
                        holder,
                    }),
                )
            }

            async fn find_link_for_page(&self, token_hash: &str) -> StoreResult<Option<$crate::server::store::LinkForPage>> {
                let row: Option<$crate::server::store::rows::LinkPageRow> = sqlx::query_as(concat!(
                    link_and_number_select!(),
                    ", v.tenant_id AS v_tenant_id, v.state AS v_state, v.window_ends_at AS v_window_ends_at, ",
                    "v.updated_at AS v_updated_at, s.holder AS v_holder ",
                    "FROM links l LEFT JOIN numbers n ON n.tenant_id = l.tenant_id AND n.id = l.number_id ",
                    "LEFT JOIN link_views v ON v.number_id = l.number_id ",
                    "LEFT JOIN session_leases s ON s.number_id = l.number_id AND s.expires_at > ",
                    $now,
                    " ",
                    "WHERE l.token_hash = $1"
                ))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn transition_number_held(
                &self,
                tenant: &TenantId,
                id: &NumberId,
                state: NumberState,
                at: DateTime<Utc>,
                event: Option<&NewEvent>,
                holder: &str,
            ) -> StoreResult<$crate::server::store::Fenced<Option<Number>>> {
                let mut tx = self.writer.begin().await?;
                let row: Option<NumberRow> = sqlx::query_as(concat!(
                    "UPDATE numbers SET state = $3, updated_at = $4, ",
                    "connected_at = CASE WHEN $3 = 'OPEN' THEN $4 ELSE connected_at END ",
                    "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL AND state <> $3 AND ",
                    lease_held!($now, "$2", "$5"),
                    " RETURNING ",
                    number_cols!()
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(state.as_str())
                .bind(to_millis(at))
                .bind(Some(holder))
                .fetch_optional(&mut *tx)
                .await?;
                if row.is_none() {
                    tx.rollback().await?;
                    // Nothing changed: already in that state, or the lease is gone.
                    return Ok(
                        match $crate::server::store::SessionStore::lease_holder(self, id).await?.as_deref() == Some(holder) {
                            true => $crate::server::store::Fenced::Held(None),
                            false => $crate::server::store::Fenced::Lost,
                        },
                    );
                }
                transitioned(&mut tx, tenant, id, state, at, event).await?;
                tx.commit().await?;
                Ok($crate::server::store::Fenced::Held(row.map(Into::into)))
            }

            async fn open_windows(&self, tenant: &TenantId, now: DateTime<Utc>) -> StoreResult<u64> {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM link_views WHERE tenant_id = $1 AND window_ends_at > $2")
                    .bind(tenant.as_str())
                    .bind(to_millis(now))
                    .fetch_one(&self.pool)
                    .await?;
                Ok(count.max(0) as u64)
            }

            async fn push_command(&self, command: &$crate::server::store::Command) -> StoreResult<()> {
                sqlx::query("INSERT INTO pairing_commands (id, holder, number_id, action, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&command.id)
                    .bind(&command.holder)
                    .bind(command.number.as_str())
                    .bind(self.seal_text(&command.id, &command.action))
                    .bind(to_millis(command.created_at))
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn take_commands(&self, holder: &str, now: DateTime<Utc>) -> StoreResult<Vec<$crate::server::store::Command>> {
                let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(concat!(
                    "UPDATE pairing_commands SET taken_at = $2 WHERE holder = $1 AND taken_at IS NULL ",
                    "RETURNING id, holder, number_id, action, created_at"
                ))
                .bind(holder)
                .bind(to_millis(now))
                .fetch_all(&self.writer)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for (id, holder, number, action, created_at) in rows {
                    let action = self.open_text(&id, action)?;
                    out.push($crate::server::store::Command {
                        id,
                        holder,
                        number: NumberId::from_trusted(number),
                        action,
                        created_at: $crate::server::domain::from_millis(created_at),
                    });
                }
                out.sort_by_key(|c| c.created_at);
                Ok(out)
            }

            async fn finish_command(&self, id: &str, result: &str, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE pairing_commands SET result = $2, done_at = $3 WHERE id = $1")
                    .bind(id)
                    .bind(self.seal_text(id, result))
                    .bind(to_millis(at))
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn command_progress(&self, id: &str) -> StoreResult<Option<$crate::server::store::CommandProgress>> {
                let row: Option<(Option<i64>, Option<String>)> =
                    sqlx::query_as("SELECT taken_at, result FROM pairing_commands WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(taken, result)| {
                    Ok($crate::server::store::CommandProgress {
                        taken: taken.is_some(),
                        result: result.map(|r| self.open_text(id, r)).transpose()?,
                    })
                })
                .transpose()
            }

            async fn cancel_command(&self, id: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM pairing_commands WHERE id = $1 AND taken_at IS NULL")
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_command(&self, id: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM pairing_commands WHERE id = $1")
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn forget_commands(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM pairing_commands WHERE created_at < $1")
                    .bind(to_millis(before))
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}
