//! Timestamps are stored as Unix milliseconds in both databases: integers compare and sort
//! the same way in SQLite and PostgreSQL, where SQLite's text timestamps would not.
use chrono::{DateTime, TimeZone, Utc};

pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_millisecond_precision() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 13, 0, 0).unwrap() + chrono::Duration::milliseconds(7);
        assert_eq!(from_millis(to_millis(at)), at);
    }
}
