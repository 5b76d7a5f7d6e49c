//! The webhook SQL both backends run, written once like `sql.rs` and expanded into each
//! backend's `impl WebhookStore`. It also defines `fan_out_event`, which `insert_event`
//! calls: the outbox's fan-out happens in the event's own transaction.

macro_rules! webhook_cols {
    () => {
        "id, tenant_id, number_id, name, url, events, active, created_at, updated_at"
    };
}

macro_rules! delivery_cols {
    () => {
        concat!(
            "d.id, d.tenant_id, d.endpoint_id, d.event_id, d.event_kind, d.status, d.attempts, d.next_attempt_at, ",
            "d.last_status_code, d.last_error, d.last_attempt_at, d.created_at, d.updated_at, ev.payload"
        )
    };
}

macro_rules! attempt_cols {
    () => {
        "a.id, a.delivery_id, a.attempt, a.status_code, a.error, a.latency_ms, a.response_body, a.created_at"
    };
}

/// The deliveries a log page shows: `$1` tenant, `$2` endpoint, `$3` event kind or NULL,
/// `$4` limit.
macro_rules! log_page {
    () => {
        concat!(
            "FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id ",
            "WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND (CAST($3 AS TEXT) IS NULL OR d.event_kind = $3) ",
            "ORDER BY d.created_at DESC, d.id DESC LIMIT $4"
        )
    };
}

macro_rules! impl_webhook_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::server::store::WebhookStore for $store {
            async fn insert_webhook(&self, tenant: &TenantId, new: &NewWebhook) -> StoreResult<Webhook> {
                let row: WebhookRow = sqlx::query_as(concat!(
                    "INSERT INTO webhook_endpoints (id, tenant_id, number_id, name, url, events, secret, active, created_at, updated_at) ",
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ",
                    webhook_cols!()
                ))
                .bind(new.id.as_str())
                .bind(tenant.as_str())
                .bind(new.number_id.as_ref().map(|n| n.as_str()))
                .bind(&new.name)
                .bind(&new.url)
                .bind(new.events.to_stored())
                .bind(self.seal_text(new.id.as_str(), new.secret.reveal()))
                .bind(new.active)
                .bind(to_millis(new.at))
                .fetch_one(&self.writer)
                .await?;
                Ok(row.into())
            }

            async fn get_webhook(&self, tenant: &TenantId, id: &WebhookId) -> StoreResult<Webhook> {
                let row: WebhookRow = sqlx::query_as(concat!(
                    "SELECT ",
                    webhook_cols!(),
                    " FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_one(&self.pool)
                .await?;
                Ok(row.into())
            }

            async fn list_webhooks(&self, tenant: &TenantId, number: Option<&NumberId>) -> StoreResult<Vec<Webhook>> {
                let rows: Vec<WebhookRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    webhook_cols!(),
                    " FROM webhook_endpoints WHERE tenant_id = $1 AND (CAST($2 AS TEXT) IS NULL OR number_id = $2) ",
                    "ORDER BY created_at, id"
                ))
                .bind(tenant.as_str())
                .bind(number.map(|n| n.as_str()))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn update_webhook(&self, tenant: &TenantId, id: &WebhookId, patch: &WebhookPatch, at: DateTime<Utc>) -> StoreResult<Webhook> {
                let row: WebhookRow = sqlx::query_as(concat!(
                    "UPDATE webhook_endpoints SET name = COALESCE($3, name), url = COALESCE($4, url), ",
                    "events = COALESCE($5, events), active = COALESCE($6, active), updated_at = $7 ",
                    "WHERE tenant_id = $1 AND id = $2 RETURNING ",
                    webhook_cols!()
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(patch.name.as_deref())
                .bind(patch.url.as_deref())
                .bind(patch.events.as_ref().map(|e| e.to_stored()))
                .bind(patch.active)
                .bind(to_millis(at))
                .fetch_one(&self.writer)
                .await?;
                Ok(row.into())
            }

            async fn delete_webhook(&self, tenant: &TenantId, id: &WebhookId) -> StoreResult<()> {
                let done = sqlx::query("DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(&self.writer)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn rotate_webhook_secret(
                &self,
                tenant: &TenantId,
                id: &WebhookId,
                secret: &$crate::server::domain::WebhookSecret,
                at: DateTime<Utc>,
            ) -> StoreResult<Webhook> {
                let row: WebhookRow = sqlx::query_as(concat!(
                    "UPDATE webhook_endpoints SET secret = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 RETURNING ",
                    webhook_cols!()
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(self.seal_text(id.as_str(), secret.reveal()))
                .bind(to_millis(at))
                .fetch_one(&self.writer)
                .await?;
                Ok(row.into())
            }

            async fn insert_test_delivery(&self, tenant: &TenantId, webhook: &WebhookId, event: &NewEvent) -> StoreResult<DeliveryId> {
                let id = DeliveryId::generate();
                let mut tx = self.writer.begin().await?;
                // The event row first: a SQLite transaction then holds the write lock.
                insert_event_row(&mut tx, tenant, event).await?;
                let done = sqlx::query(concat!(
                    "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_kind, status, next_attempt_at, created_at, updated_at) ",
                    "SELECT $1, e.tenant_id, e.id, $4, $5, 'pending', $6, $6, $6 FROM webhook_endpoints e WHERE e.tenant_id = $2 AND e.id = $3"
                ))
                .bind(id.as_str())
                .bind(tenant.as_str())
                .bind(webhook.as_str())
                .bind(event.id.as_str())
                .bind(&event.kind)
                .bind(to_millis(event.at))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    // Dropping the transaction rolls the event back too.
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn list_deliveries(
                &self,
                tenant: &TenantId,
                filter: &$crate::server::store::DeliveryFilter,
            ) -> StoreResult<Vec<$crate::server::store::Delivery>> {
                let rows: Vec<DeliveryRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    delivery_cols!(),
                    " FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id ",
                    "WHERE d.tenant_id = $1 AND (CAST($2 AS TEXT) IS NULL OR d.endpoint_id = $2) ",
                    "AND (CAST($3 AS TEXT) IS NULL OR d.status = $3) ",
                    "AND (CAST($4 AS TEXT) IS NULL OR d.endpoint_id IN ",
                    "(SELECT e.id FROM webhook_endpoints e WHERE e.tenant_id = $1 AND e.number_id = $4)) ",
                    "AND (CAST($5 AS BIGINT) IS NULL OR (d.created_at, d.id) < (CAST($5 AS BIGINT), CAST($6 AS TEXT))) ",
                    "ORDER BY d.created_at DESC, d.id DESC LIMIT $7"
                ))
                .bind(tenant.as_str())
                .bind(filter.webhook.as_ref().map(|w| w.as_str()))
                .bind(filter.status.map(|s| s.as_str()))
                .bind(filter.number.as_ref().map(|n| n.as_str()))
                .bind(filter.after.as_ref().map(|(at, _)| to_millis(*at)))
                .bind(filter.after.as_ref().map(|(_, id)| id.as_str()))
                .bind(filter.limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn list_delivery_logs(
                &self,
                tenant: &TenantId,
                webhook: &WebhookId,
                event: Option<&str>,
                limit: i64,
            ) -> StoreResult<Vec<DeliveryLog>> {
                let deliveries: Vec<DeliveryRow> = sqlx::query_as(concat!("SELECT ", delivery_cols!(), " ", log_page!()))
                    .bind(tenant.as_str())
                    .bind(webhook.as_str())
                    .bind(event)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                let attempts: Vec<AttemptRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    attempt_cols!(),
                    " FROM webhook_attempts a WHERE a.delivery_id IN (SELECT d.id ",
                    log_page!(),
                    ") ORDER BY a.created_at, a.attempt, a.id"
                ))
                .bind(tenant.as_str())
                .bind(webhook.as_str())
                .bind(event)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(with_attempts(deliveries, attempts))
            }

            async fn get_delivery_log(&self, tenant: &TenantId, webhook: &WebhookId, id: &DeliveryId) -> StoreResult<DeliveryLog> {
                let delivery: DeliveryRow = sqlx::query_as(concat!(
                    "SELECT ",
                    delivery_cols!(),
                    " FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id ",
                    "WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.id = $3"
                ))
                .bind(tenant.as_str())
                .bind(webhook.as_str())
                .bind(id.as_str())
                .fetch_one(&self.pool)
                .await?;
                let attempts: Vec<AttemptRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    attempt_cols!(),
                    " FROM webhook_attempts a WHERE a.tenant_id = $1 AND a.delivery_id = $2 ORDER BY a.created_at, a.attempt, a.id"
                ))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(with_attempts(vec![delivery], attempts).remove(0))
            }

            async fn requeue_delivery(&self, tenant: &TenantId, webhook: &WebhookId, id: &DeliveryId, at: DateTime<Utc>) -> StoreResult<()> {
                let done = sqlx::query(concat!(
                    "UPDATE webhook_deliveries SET status = 'pending', step = 0, next_attempt_at = $4, updated_at = $4 ",
                    "WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3"
                ))
                .bind(tenant.as_str())
                .bind(webhook.as_str())
                .bind(id.as_str())
                .bind(to_millis(at))
                .execute(&self.writer)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn claim_deliveries(
                &self,
                lease: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
                limit: i64,
                policy: &DeliveryPolicy,
            ) -> StoreResult<Vec<ClaimedDelivery>> {
                // One statement, so it is atomic on both backends. On PostgreSQL a concurrent
                // claimer that picked the same rows waits for this one's row locks and then
                // re-checks the outer conditions against the committed row, which now has a
                // live lease, so it skips them; SQLite runs writers one at a time. (Two
                // PostgreSQL claims at the same instant each count the other's leases as not
                // yet taken, so a share can be exceeded by one claim's worth, briefly.)
                //
                // Fairness: each due delivery gets its turn within its tenant and within its
                // endpoint; a turn past the share left (the share minus the leases the tenant
                // or endpoint already holds) is not taken, and the claim takes first turns of
                // every tenant before anyone's second, so one tenant's flood cannot fill it.
                let claimed = sqlx::query(concat!(
                    "UPDATE webhook_deliveries SET locked_until = $1, lease_owner = $2 WHERE id IN (",
                    "SELECT due.id FROM (",
                    "SELECT d.id, d.tenant_id, d.endpoint_id, d.next_attempt_at, ",
                    "ROW_NUMBER() OVER (PARTITION BY d.tenant_id ORDER BY d.next_attempt_at, d.id) AS tenant_turn, ",
                    "ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS endpoint_turn ",
                    "FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id ",
                    "WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND (d.locked_until IS NULL OR d.locked_until <= $3) ",
                    "AND e.active = TRUE AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= $3)) due ",
                    "LEFT JOIN (SELECT tenant_id, COUNT(*) AS n FROM webhook_deliveries ",
                    "WHERE status = 'pending' AND locked_until > $3 GROUP BY tenant_id) bt ON bt.tenant_id = due.tenant_id ",
                    "LEFT JOIN (SELECT endpoint_id, COUNT(*) AS n FROM webhook_deliveries ",
                    "WHERE status = 'pending' AND locked_until > $3 GROUP BY endpoint_id) be ON be.endpoint_id = due.endpoint_id ",
                    "WHERE due.tenant_turn + COALESCE(bt.n, 0) <= $5 AND due.endpoint_turn + COALESCE(be.n, 0) <= $6 ",
                    "ORDER BY due.tenant_turn, due.next_attempt_at, due.id LIMIT $4) ",
                    "AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $3)"
                ))
                .bind(to_millis(until))
                .bind(lease)
                .bind(to_millis(now))
                .bind(limit)
                .bind(policy.in_flight_per_tenant)
                .bind(policy.in_flight_per_endpoint)
                .execute(&self.writer)
                .await?;
                if claimed.rows_affected() == 0 {
                    return Ok(Vec::new());
                }
                let rows: Vec<ClaimRow> = sqlx::query_as(concat!(
                    "SELECT d.id, d.lease_owner, d.tenant_id, d.endpoint_id, d.event_id, d.attempts, d.step, e.url, e.secret, ev.payload ",
                    "FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN events ev ON ev.id = d.event_id ",
                    "WHERE d.lease_owner = $1 ORDER BY d.next_attempt_at, d.id"
                ))
                .bind(lease)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|mut row| {
                        row.secret = self.open_text(&row.endpoint_id, std::mem::take(&mut row.secret))?;
                        Ok(row.into())
                    })
                    .collect()
            }

            async fn pending_deliveries(&self) -> StoreResult<i64> {
                // Counted on the partial index of pending deliveries.
                let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(count)
            }

            async fn finish_delivery(
                &self,
                claim: &ClaimedDelivery,
                attempt: &NewAttempt,
                next: NextStep,
                policy: &DeliveryPolicy,
            ) -> StoreResult<bool> {
                let (status, step, next_at) = match next {
                    NextStep::Delivered => (DeliveryStatus::Delivered, claim.step, None),
                    NextStep::RetryAt { at, step } => (DeliveryStatus::Pending, step, Some(to_millis(at))),
                    NextStep::Dead => (DeliveryStatus::Dead, claim.step + 1, None),
                };
                let mut tx = self.writer.begin().await?;
                let moved = sqlx::query(concat!(
                    "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, step = $4, next_attempt_at = $5, ",
                    "last_status_code = $6, last_error = $7, last_attempt_at = $8, updated_at = $8, locked_until = NULL, lease_owner = NULL ",
                    "WHERE id = $1 AND lease_owner = $2"
                ))
                .bind(claim.id.as_str())
                .bind(&claim.lease)
                .bind(status.as_str())
                .bind(step)
                .bind(next_at)
                .bind(attempt.status_code)
                .bind(attempt.error.as_deref())
                .bind(to_millis(attempt.at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // INSERT … SELECT: nothing to log against if the endpoint was deleted meanwhile.
                sqlx::query(concat!(
                    "INSERT INTO webhook_attempts (id, tenant_id, delivery_id, attempt, status_code, error, latency_ms, response_body, created_at) ",
                    "SELECT $1, d.tenant_id, d.id, $3, $4, $5, $6, $7, $8 FROM webhook_deliveries d WHERE d.id = $2"
                ))
                .bind(attempt.id.as_str())
                .bind(claim.id.as_str())
                .bind(claim.attempts + 1)
                .bind(attempt.status_code)
                .bind(attempt.error.as_deref())
                .bind(attempt.latency_ms)
                .bind(attempt.response_body.as_deref())
                .bind(to_millis(attempt.at))
                .execute(&mut *tx)
                .await?;
                // The endpoint's health: a success closes its circuit; a failure counts, and
                // the one that reaches the threshold (or any after it) opens the circuit anew.
                if matches!(next, NextStep::Delivered) {
                    sqlx::query("UPDATE webhook_endpoints SET consecutive_failures = 0, circuit_open_until = NULL WHERE id = $1")
                        .bind(claim.webhook_id.as_str())
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query(concat!(
                        "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, ",
                        "circuit_open_until = CASE WHEN consecutive_failures + 1 >= $2 THEN $3 ELSE circuit_open_until END WHERE id = $1"
                    ))
                    .bind(claim.webhook_id.as_str())
                    .bind(policy.failures_to_open)
                    .bind(to_millis(attempt.at + policy.open_for))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(moved == 1)
            }
        }

        /// One pending delivery per active endpoint of the tenant that wants `event`:
        /// tenant-wide endpoints get every number's events, number-bound ones only their
        /// number's; the stored list must name the event or be `*`. Runs on the connection
        /// (and so in the transaction) that wrote the event.
        async fn fan_out_event(
            conn: &mut <<$store as Backend>::Db as sqlx::Database>::Connection,
            tenant: &TenantId,
            event: &NewEvent,
        ) -> StoreResult<()> {
            let endpoints: Vec<(String,)> = sqlx::query_as(concat!(
                "SELECT id FROM webhook_endpoints WHERE tenant_id = $1 AND active = TRUE ",
                "AND (number_id IS NULL OR number_id = $2) ",
                "AND (events LIKE $3 ESCAPE '\\' OR events LIKE '%,*,%') ORDER BY created_at, id"
            ))
            .bind(tenant.as_str())
            .bind(event.number_id.as_ref().map(|n| n.as_str()))
            .bind($crate::server::domain::EventFilter::like_pattern(&event.kind))
            .fetch_all(&mut *conn)
            .await?;
            for (endpoint,) in endpoints {
                sqlx::query(concat!(
                    "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_kind, status, next_attempt_at, created_at, updated_at) ",
                    "VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $6)"
                ))
                .bind($crate::server::domain::DeliveryId::generate().as_str())
                .bind(tenant.as_str())
                .bind(endpoint)
                .bind(event.id.as_str())
                .bind(&event.kind)
                .bind(to_millis(event.at))
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        }
    };
}

/// Joins attempts to their deliveries, keeping the deliveries' order.
pub(super) fn with_attempts(
    deliveries: Vec<super::webhook_rows::DeliveryRow>,
    attempts: Vec<super::webhook_rows::AttemptRow>,
) -> Vec<super::DeliveryLog> {
    let mut logs: Vec<super::DeliveryLog> = deliveries
        .into_iter()
        .map(|d| super::DeliveryLog {
            delivery: d.into(),
            attempts: Vec::new(),
        })
        .collect();
    for attempt in attempts.into_iter().map(super::Attempt::from) {
        if let Some(log) = logs.iter_mut().find(|l| l.delivery.id == attempt.delivery_id) {
            log.attempts.push(attempt);
        }
    }
    logs
}
