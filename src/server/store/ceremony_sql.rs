//! Passkey ceremonies in SQL, the same on both backends (see `sql.rs`).

/// The columns a [`Ceremony`](crate::server::store::Ceremony) is read from, in
/// `CeremonyRow`'s order (a macro, so queries stay literals).
macro_rules! ceremony_columns {
    () => {
        "link_id, tenant_id, number_id, request_hash, handoff_expires_at, claimed_at, asserted_at, confirmed_at, failed_at, failure"
    };
}

pub(crate) type CeremonyRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

pub(crate) fn ceremony_of(row: CeremonyRow) -> crate::server::store::Ceremony {
    use crate::server::domain::{LinkId, NumberId, TenantId, from_millis};
    let (link, tenant, number, request_hash, expires, claimed, asserted, confirmed, failed, failure) = row;
    crate::server::store::Ceremony {
        link: LinkId::from_trusted(link),
        tenant: TenantId::from_trusted(tenant),
        number: NumberId::from_trusted(number),
        request_hash,
        handoff_expires_at: from_millis(expires),
        claimed_at: claimed.map(from_millis),
        asserted_at: asserted.map(from_millis),
        confirmed_at: confirmed.map(from_millis),
        failed_at: failed.map(from_millis),
        failure,
    }
}

macro_rules! impl_ceremony_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::server::store::CeremonyStore for $store {
            async fn issue_handoff(&self, h: &$crate::server::store::NewHandoff) -> StoreResult<bool> {
                let mut tx = self.writer.begin().await?;
                let held: Option<(Option<i64>, Option<i64>, String)> =
                    sqlx::query_as("SELECT claimed_at, failed_at, request_hash FROM passkey_ceremonies WHERE link_id = $1")
                        .bind(h.link.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                if matches!(&held, Some((Some(_), None, request)) if *request == h.request_hash) {
                    return Ok(false);
                }
                // A dead code's prefix is free for the next one.
                sqlx::query("UPDATE passkey_ceremonies SET handoff_prefix = NULL WHERE handoff_prefix = $1 AND handoff_expires_at <= $2")
                    .bind(&h.prefix)
                    .bind(to_millis(h.at))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(concat!(
                    "INSERT INTO passkey_ceremonies (link_id, tenant_id, number_id, handoff_prefix, handoff_hash, handoff_expires_at, created_at, request_hash) ",
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (link_id) DO UPDATE SET ",
                    "number_id = excluded.number_id, request_hash = excluded.request_hash, handoff_prefix = excluded.handoff_prefix, handoff_hash = excluded.handoff_hash, ",
                    "handoff_expires_at = excluded.handoff_expires_at, handoff_tries = 0, secret_hash = NULL, claimed_at = NULL, ",
                    "asserted_at = NULL, confirmed_at = NULL, failed_at = NULL, failure = NULL"
                ))
                .bind(h.link.as_str())
                .bind(h.tenant.as_str())
                .bind(h.number.as_str())
                .bind(&h.prefix)
                .bind(&h.hash)
                .bind(to_millis(h.expires_at))
                .bind(to_millis(h.at))
                .bind(&h.request_hash)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn claim_handoff(
                &self,
                prefix: &str,
                hash: &str,
                secret_hash: &str,
                max_tries: u32,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<$crate::server::store::Ceremony>> {
                use $crate::server::store::ceremony_sql::{CeremonyRow, ceremony_of};
                let mut tx = self.writer.begin().await?;
                let found: Option<(String, String, i64, i64)> = sqlx::query_as(
                    "SELECT link_id, handoff_hash, handoff_expires_at, handoff_tries FROM passkey_ceremonies WHERE handoff_prefix = $1 AND claimed_at IS NULL",
                )
                .bind(prefix)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((link, stored, expires, tries)) = found else { return Ok(None) };
                if expires <= to_millis(now) {
                    return Ok(None);
                }
                if stored != hash {
                    // A wrong try at a live code; the last one allowed ends the code.
                    let dead = tries + 1 >= i64::from(max_tries);
                    sqlx::query(
                        "UPDATE passkey_ceremonies SET handoff_tries = handoff_tries + 1, handoff_prefix = CASE WHEN $2 THEN NULL ELSE handoff_prefix END WHERE link_id = $1",
                    )
                    .bind(&link)
                    .bind(dead)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok(None);
                }
                let sql = concat!(
                    "UPDATE passkey_ceremonies SET secret_hash = $2, claimed_at = $3, handoff_prefix = NULL WHERE link_id = $1 RETURNING ",
                    ceremony_columns!()
                );
                let row: CeremonyRow = sqlx::query_as(sql).bind(&link).bind(secret_hash).bind(to_millis(now)).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(Some(ceremony_of(row)))
            }

            async fn ceremony_by_secret(&self, secret_hash: &str) -> StoreResult<Option<$crate::server::store::Ceremony>> {
                use $crate::server::store::ceremony_sql::{CeremonyRow, ceremony_of};
                let sql = concat!("SELECT ", ceremony_columns!(), " FROM passkey_ceremonies WHERE secret_hash = $1");
                let row: Option<CeremonyRow> = sqlx::query_as(sql).bind(secret_hash).fetch_optional(&self.pool).await?;
                Ok(row.map(ceremony_of))
            }

            async fn ceremony_of_link(&self, link: &LinkId) -> StoreResult<Option<$crate::server::store::Ceremony>> {
                use $crate::server::store::ceremony_sql::{CeremonyRow, ceremony_of};
                let sql = concat!("SELECT ", ceremony_columns!(), " FROM passkey_ceremonies WHERE link_id = $1");
                let row: Option<CeremonyRow> = sqlx::query_as(sql).bind(link.as_str()).fetch_optional(&self.pool).await?;
                Ok(row.map(ceremony_of))
            }

            async fn mark_ceremony(
                &self,
                link: &LinkId,
                step: $crate::server::store::CeremonyStep,
                failure: Option<&str>,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                use $crate::server::store::CeremonyStep;
                let sql = match step {
                    CeremonyStep::Asserted => {
                        "UPDATE passkey_ceremonies SET asserted_at = $2 WHERE link_id = $1 AND claimed_at IS NOT NULL AND asserted_at IS NULL AND failed_at IS NULL"
                    }
                    CeremonyStep::Confirmed => {
                        "UPDATE passkey_ceremonies SET confirmed_at = $2 WHERE link_id = $1 AND confirmed_at IS NULL AND failed_at IS NULL"
                    }
                    CeremonyStep::Failed => {
                        "UPDATE passkey_ceremonies SET failed_at = $2, failure = $3 WHERE link_id = $1 AND failed_at IS NULL AND confirmed_at IS NULL"
                    }
                };
                let mut query = sqlx::query(sql).bind(link.as_str()).bind(to_millis(at));
                if step == CeremonyStep::Failed {
                    query = query.bind(failure);
                }
                let done = query.execute(&self.writer).await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
