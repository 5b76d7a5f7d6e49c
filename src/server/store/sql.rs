//! The SQL both backends run. The statements are the same text on SQLite and PostgreSQL
//! (`$n` placeholders, `RETURNING`, integer timestamps), so they are written once here and
//! expanded into each backend's `impl Store`; the compiler still checks each one on its own
//! pool type.

macro_rules! number_cols {
    () => {
        "id, tenant_id, name, phone, provider, engine, engine_ref, state, created_at, updated_at, connected_at, deleted_at, restorable_until, profile"
    };
}

/// One page of numbers as one row: a JSON array of each number's `number_cols!()`, in the
/// page's order. A row per number costs the SQLite worker a hand-over to the runtime each,
/// which under load was most of a page's time (#24). `$json_agg`/`$json_array` are the
/// backend's names for the aggregate and the array. One statement whatever the filters: an
/// absent one is a NULL that matches all.
macro_rules! number_page_sql {
    ($json_agg:literal, $json_array:literal) => {
        concat!(
            "SELECT CAST(COALESCE(",
            $json_agg,
            "(",
            $json_array,
            "(",
            number_cols!(),
            ") ORDER BY created_at, id), '[]') AS TEXT) FROM (SELECT ",
            number_cols!(),
            " FROM numbers WHERE tenant_id = $1 AND deleted_at IS NULL",
            " AND ($2 IS NULL OR state = $2) AND ($3 IS NULL OR provider = $3)",
            " AND ($4 IS NULL OR LOWER(name) LIKE $4 ESCAPE '\\' OR phone LIKE $4 ESCAPE '\\')",
            " AND ($5 IS NULL OR created_at > $5) AND ($6 IS NULL OR created_at < $6)",
            // The cursor as a row value, so the index seeks to it (an `OR` would read every
            // number before it); no cursor is before every number (created_at is after 1970).
            " AND (created_at, id) > (COALESCE(CAST($7 AS BIGINT), -1), COALESCE(CAST($8 AS TEXT), ''))",
            " AND ($9 IS NULL OR id = $9)",
            " ORDER BY created_at, id LIMIT $10) AS page"
        )
    };
}

/// `Store` for a backend: its name, its `NOTIFY` statement (empty where there is none), and
/// its JSON aggregate and array functions (see `number_page_sql!`).
macro_rules! impl_sql_store {
    ($store:ty, $backend:literal, $notify:literal, $json_agg:literal, $json_array:literal) => {
        #[async_trait::async_trait]
        impl $crate::server::store::Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn publish_live(&self, topic: &str) -> StoreResult<()> {
                if !$notify.is_empty() {
                    sqlx::query($notify).bind(topic).execute(&self.writer).await?;
                }
                Ok(())
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_tenant(&self, id: &TenantId, name: &str, at: DateTime<Utc>) -> StoreResult<Tenant> {
                sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(id.as_str())
                    .bind(name)
                    .bind(to_millis(at))
                    .execute(&self.writer)
                    .await?;
                self.get_tenant(id).await
            }

            async fn get_tenant(&self, id: &TenantId) -> StoreResult<Tenant> {
                let row: TenantRow = sqlx::query_as("SELECT id, name, created_at FROM tenants WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.into())
            }

            async fn create_number(&self, tenant: &TenantId, n: &NewNumber, event: &NewEvent) -> StoreResult<Number> {
                let mut tx = self.writer.begin().await?;
                let row = insert_number(&mut *tx, tenant, n).await?;
                insert_event(&mut *tx, tenant, event).await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn get_number(&self, tenant: &TenantId, id: &NumberId) -> StoreResult<Number> {
                let row: NumberRow = sqlx::query_as(concat!(
                    "SELECT ",
                    number_cols!(),
                    " FROM numbers WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_one(&self.pool)
                .await?;
                Ok(row.into())
            }

            async fn update_number_profile(
                &self,
                tenant: &TenantId,
                id: &NumberId,
                read_at: DateTime<Utc>,
                profile: &NumberProfile,
                at: DateTime<Utc>,
            ) -> StoreResult<Option<Number>> {
                let row: Option<NumberRow> = sqlx::query_as(concat!(
                    "UPDATE numbers SET profile = $4, updated_at = $5 ",
                    "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL AND updated_at = $3 RETURNING ",
                    number_cols!()
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(to_millis(read_at))
                .bind(profile.to_stored())
                .bind(to_millis(at))
                .fetch_optional(&self.writer)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_number_anywhere(&self, id: &NumberId) -> StoreResult<Option<Number>> {
                let row: Option<NumberRow> = sqlx::query_as(concat!("SELECT ", number_cols!(), " FROM numbers WHERE id = $1"))
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn list_numbers(&self, tenant: &TenantId) -> StoreResult<Vec<Number>> {
                let rows: Vec<NumberRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    number_cols!(),
                    " FROM numbers WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id"
                ))
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn list_numbers_page(&self, tenant: &TenantId, q: &$crate::server::store::NumberQuery) -> StoreResult<Vec<Number>> {
                let (after_at, after_id) = match &q.after {
                    Some((at, id)) => (Some(to_millis(*at)), Some(id.as_str().to_owned())),
                    None => (None, None),
                };
                let (page,): (String,) = sqlx::query_as(number_page_sql!($json_agg, $json_array))
                    .bind(tenant.as_str())
                    .bind(q.state.map(|s| s.as_str()))
                    .bind(q.provider.map(|p| p.as_str()))
                    .bind(q.like_pattern())
                    .bind(q.created_after.map(to_millis))
                    .bind(q.created_before.map(to_millis))
                    .bind(after_at)
                    .bind(after_id)
                    .bind(q.only.as_ref().map(|n| n.as_str().to_owned()))
                    .bind(i64::from(q.limit))
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<NumberRow> = serde_json::from_str(&page).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn number_list_version(&self, tenant: &TenantId) -> StoreResult<i64> {
                let (version,): (i64,) = sqlx::query_as("SELECT list_version FROM tenants WHERE id = $1")
                    .bind(tenant.as_str())
                    .fetch_optional(&self.pool)
                    .await?
                    .unwrap_or((-1,));
                Ok(version)
            }

            async fn count_numbers_by_state(&self, tenant: &TenantId) -> StoreResult<Vec<(NumberState, i64)>> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT state, CAST(COUNT(*) AS BIGINT) FROM numbers WHERE tenant_id = $1 AND deleted_at IS NULL GROUP BY state",
                )
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(s, n)| (NumberState::from_stored(&s), n)).collect())
            }

            async fn find_deleted_number_by_phone(&self, tenant: &TenantId, phone: &PhoneE164) -> StoreResult<Option<Number>> {
                let row: Option<NumberRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    number_cols!(),
                    " FROM numbers WHERE tenant_id = $1 AND phone = $2 AND deleted_at IS NOT NULL ORDER BY deleted_at DESC LIMIT 1"
                ))
                .bind(tenant.as_str())
                .bind(phone.digits())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn transition_number(
                &self,
                tenant: &TenantId,
                id: &NumberId,
                state: NumberState,
                at: DateTime<Utc>,
                event: Option<&NewEvent>,
            ) -> StoreResult<Option<Number>> {
                let mut tx = self.writer.begin().await?;
                let row: Option<NumberRow> = sqlx::query_as(concat!(
                    "UPDATE numbers SET state = $3, updated_at = $4, ",
                    "connected_at = CASE WHEN $3 = 'OPEN' THEN $4 ELSE connected_at END ",
                    "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL AND state <> $3 RETURNING ",
                    number_cols!()
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(state.as_str())
                .bind(to_millis(at))
                .fetch_optional(&mut *tx)
                .await?;
                if row.is_some() {
                    transitioned(&mut tx, tenant, id, state, at, event).await?;
                }
                tx.commit().await?;
                Ok(row.map(Into::into))
            }

            async fn soft_delete_number(
                &self,
                tenant: &TenantId,
                id: &NumberId,
                until: DateTime<Utc>,
                event: &NewEvent,
            ) -> StoreResult<Number> {
                let mut tx = self.writer.begin().await?;
                let row: NumberRow = sqlx::query_as(concat!(
                    "UPDATE numbers SET deleted_at = $3, restorable_until = $4, state = 'CLOSE', updated_at = $3 ",
                    "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ",
                    number_cols!()
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(to_millis(event.at))
                .bind(to_millis(until))
                .fetch_one(&mut *tx)
                .await?;
                insert_event(&mut *tx, tenant, event).await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn restore_number(&self, tenant: &TenantId, id: &NumberId, event: &NewEvent) -> StoreResult<Number> {
                let mut tx = self.writer.begin().await?;
                let row: NumberRow = sqlx::query_as(concat!(
                    "UPDATE numbers SET deleted_at = NULL, restorable_until = NULL, state = 'CLOSE', updated_at = $3 ",
                    "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NOT NULL AND restorable_until > $3 RETURNING ",
                    number_cols!()
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(to_millis(event.at))
                .fetch_one(&mut *tx)
                .await?;
                insert_event(&mut *tx, tenant, event).await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn purge_number(&self, tenant: &TenantId, id: &NumberId) -> StoreResult<()> {
                let mut tx = self.writer.begin().await?;
                sqlx::query("DELETE FROM api_keys WHERE tenant_id = $1 AND number_id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM numbers WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_number_events(&self, tenant: &TenantId, number: &NumberId, limit: i64) -> StoreResult<Vec<Event>> {
                let rows: Vec<EventRow> = sqlx::query_as(concat!(
                    "SELECT id, tenant_id, number_id, kind, payload, created_at FROM events ",
                    "WHERE tenant_id = $1 AND number_id = $2 ORDER BY created_at, id LIMIT $3"
                ))
                .bind(tenant.as_str())
                .bind(number.as_str())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn numbers_to_resume(&self) -> StoreResult<Vec<Number>> {
                let rows: Vec<NumberRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    number_cols!(),
                    " FROM numbers WHERE deleted_at IS NULL AND state <> 'CLOSE' ORDER BY created_at, id"
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }

        /// One audit entry, on the caller's connection or transaction (a link's issue writes
        /// its entry in the link's transaction).
        async fn insert_audit_row<'c, E>(conn: E, tenant: &TenantId, e: &AuditEntry) -> StoreResult<()>
        where
            E: sqlx::Executor<'c, Database = <$store as Backend>::Db>,
        {
            sqlx::query(concat!(
                "INSERT INTO audit_log (id, tenant_id, actor, actor_id, actor_label, action, target, detail, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ))
            .bind(e.id.as_str())
            .bind(tenant.as_str())
            .bind(&e.actor)
            .bind(&e.actor_id)
            .bind(&e.actor_label)
            .bind(&e.action)
            .bind(&e.target)
            .bind(e.detail.to_string())
            .bind(to_millis(e.created_at))
            .execute(conn)
            .await?;
            Ok(())
        }

        async fn insert_number<'c, E>(conn: E, tenant: &TenantId, n: &NewNumber) -> StoreResult<NumberRow>
        where
            E: sqlx::Executor<'c, Database = <$store as Backend>::Db>,
        {
            Ok(sqlx::query_as(concat!(
                "INSERT INTO numbers (id, tenant_id, name, phone, provider, engine, engine_ref, state, created_at, updated_at, profile) ",
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING ",
                number_cols!()
            ))
            .bind(n.id.as_str())
            .bind(tenant.as_str())
            .bind(&n.name)
            .bind(n.phone.digits())
            .bind(n.provider.as_str())
            .bind(&n.engine)
            .bind(n.engine_ref.to_string())
            .bind(n.state.as_str())
            .bind(to_millis(n.at))
            .bind(n.profile.to_stored())
            .fetch_one(conn)
            .await?)
        }

        /// Writes the event and, on the same connection (the caller's transaction), its
        /// webhook deliveries: the event row first, so a SQLite transaction holds the write
        /// lock before it reads the endpoints. Pass the transaction of the change that caused
        /// the event (`&mut *tx`), so the event and its deliveries commit with it; the bound is
        /// `Acquire` rather than `Executor` because it runs more than one statement.
        ///
        /// (A plain `fn` returning a `Send` future, sqlx's documented way around "Acquire is
        /// not general enough" inside `Send` futures.)
        /// What goes with a number's change of state, in its transaction: its event, and
        /// (pairing done) the end of the link that paired it.
        async fn transitioned(
            tx: &mut sqlx::Transaction<'static, <$store as Backend>::Db>,
            tenant: &TenantId,
            id: &NumberId,
            state: NumberState,
            at: DateTime<Utc>,
            event: Option<&NewEvent>,
        ) -> StoreResult<()> {
            if let Some(event) = event {
                insert_event(&mut **tx, tenant, event).await?;
            }
            if state == NumberState::Open {
                // Single use: the link that paired the number dies with the pairing.
                sqlx::query(
                    "UPDATE links SET ended_at = $3, end_reason = 'used' WHERE tenant_id = $1 AND number_id = $2 AND ended_at IS NULL",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(to_millis(at))
                .execute(&mut **tx)
                .await?;
            }
            Ok(())
        }

        fn insert_event<'a, 'c, A>(
            conn: A,
            tenant: &'a TenantId,
            event: &'a NewEvent,
        ) -> impl std::future::Future<Output = StoreResult<()>> + Send + 'a
        where
            A: sqlx::Acquire<'c, Database = <$store as Backend>::Db> + Send + 'a,
        {
            async move {
                let mut conn = conn.acquire().await?;
                insert_event_row(&mut *conn, tenant, event).await?;
                fan_out_event(&mut conn, tenant, event).await
            }
        }

        /// The event row alone, without deliveries (`insert_event` adds those for every
        /// matching endpoint; a test event adds its one).
        async fn insert_event_row(
            conn: &mut <<$store as Backend>::Db as sqlx::Database>::Connection,
            tenant: &TenantId,
            event: &NewEvent,
        ) -> StoreResult<()> {
            sqlx::query("INSERT INTO events (id, tenant_id, number_id, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(event.id.as_str())
                .bind(tenant.as_str())
                .bind(event.number_id.as_ref().map(|n| n.as_str()))
                .bind(&event.kind)
                .bind(event.payload.to_string())
                .bind(to_millis(event.at))
                .execute(conn)
                .await?;
            Ok(())
        }
    };
}
