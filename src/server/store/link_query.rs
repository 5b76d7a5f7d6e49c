//! Which links a page of the dashboard's list holds, and the statuses it filters by.
use chrono::{DateTime, Utc};

use crate::server::domain::LinkId;

/// A link's status as people read it (`link_view` computes it from a loaded link; the SQL
/// `CASE` in `accounts_sql.rs` computes the same in the database, to filter and count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkStatus {
    Active,
    Opened,
    Connected,
    Expired,
    Revoked,
    Replaced,
}

impl LinkStatus {
    pub const ALL: [Self; 6] = [
        Self::Active,
        Self::Opened,
        Self::Connected,
        Self::Expired,
        Self::Revoked,
        Self::Replaced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Opened => "opened",
            Self::Connected => "connected",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Replaced => "replaced",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// A page of links: newest first, every filter optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkQuery {
    pub status: Option<LinkStatus>,
    /// A case-insensitive piece of the number's name, or digits of its phone.
    pub search: Option<String>,
    /// The last link of the previous page: `(created_at, id)`.
    pub after: Option<(DateTime<Utc>, LinkId)>,
    pub limit: u32,
    /// The moment `expired` is judged at.
    pub now: DateTime<Utc>,
}

impl LinkQuery {
    pub fn like_pattern(&self) -> Option<String> {
        self.search.as_deref().map(super::like_pattern)
    }
}
