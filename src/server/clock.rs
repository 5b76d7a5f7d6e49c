//! Time comes from the state, not `Utc::now()` scattered around, so tests can move it.
use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    /// Whole milliseconds: what the database keeps, so a value reads back as it was written
    /// and every timestamp in the API has the same precision.
    fn now(&self) -> DateTime<Utc> {
        crate::server::domain::from_millis(Utc::now().timestamp_millis())
    }
}
