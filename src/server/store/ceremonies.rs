//! Passkey ceremonies (docs/passkey-ceremony.md): the hand-off code a page shows and the
//! extension claims, and the steps of the ceremony after it. Codes and bearer secrets are
//! stored only as hashes; a code is found by its first characters so wrong tries at it count.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::server::domain::{LinkId, NumberId, TenantId};

/// A new hand-off code for a link.
#[derive(Clone, Debug)]
pub struct NewHandoff {
    pub link: LinkId,
    pub tenant: TenantId,
    pub number: NumberId,
    /// SHA-256 (hex) of WhatsApp's request options the code answers.
    pub request_hash: String,
    /// The code's first characters, in clear: how a claim finds it.
    pub prefix: String,
    /// SHA-256 of the whole code (hex).
    pub hash: String,
    pub expires_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// What a page or an extension may learn of a ceremony.
#[derive(Clone, Debug, PartialEq)]
pub struct Ceremony {
    pub link: LinkId,
    pub tenant: TenantId,
    pub number: NumberId,
    /// SHA-256 (hex) of WhatsApp's request options it answers.
    pub request_hash: String,
    pub handoff_expires_at: DateTime<Utc>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub asserted_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    /// Why it failed, in the API's words.
    pub failure: Option<String>,
}

/// A step that happens once per ceremony.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyStep {
    /// A checked assertion went to WhatsApp.
    Asserted,
    /// The person confirmed WhatsApp's code.
    Confirmed,
    /// It ended without a connection.
    Failed,
}

#[async_trait]
pub trait CeremonyStore: Send + Sync {
    /// Issues `handoff` for its link, replacing an unclaimed or failed code, or one made for
    /// an earlier request. `Ok(false)` when an extension holds the ceremony of this request;
    /// `Conflict` when another live code has the same prefix (draw another).
    async fn issue_handoff(&self, handoff: &NewHandoff) -> StoreResult<bool>;
    /// Claims the live code `prefix` + `hash` for the bearer secret `secret_hash`. A wrong
    /// `hash` counts a try at that code, and `max_tries` of them end it. `None` for every
    /// failure alike.
    async fn claim_handoff(
        &self,
        prefix: &str,
        hash: &str,
        secret_hash: &str,
        max_tries: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Ceremony>>;
    async fn ceremony_by_secret(&self, secret_hash: &str) -> StoreResult<Option<Ceremony>>;
    async fn ceremony_of_link(&self, link: &LinkId) -> StoreResult<Option<Ceremony>>;
    /// Records `step` once (and never after a failure); true when this call recorded it.
    async fn mark_ceremony(&self, link: &LinkId, step: CeremonyStep, failure: Option<&str>, at: DateTime<Utc>) -> StoreResult<bool>;
}
