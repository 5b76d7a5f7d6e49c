//! The opaque cursor of a newest-first list: where the page after the last row shown starts,
//! as `(created_at millis, id)`, so the store seeks with a keyset instead of an OFFSET.
use chrono::{DateTime, Utc};

use crate::server::domain::{from_millis, to_millis};
use crate::server::error::ApiError;

/// The cursor after the row created at `at` with this `id`.
pub fn encode(at: DateTime<Utc>, id: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{id}", to_millis(at)))
}

/// The position a cursor names, for ids starting with `prefix`; blank is the newest page.
/// 400 for anything this list did not make.
pub fn decode(cursor: &str, prefix: &str) -> Result<Option<(DateTime<Utc>, String)>, ApiError> {
    match cursor.trim() {
        "" => Ok(None),
        c => position(c, prefix)
            .map(Some)
            .ok_or_else(|| ApiError::validation("cursor", "is not a cursor this list gave")),
    }
}

fn position(cursor: &str, prefix: &str) -> Option<(DateTime<Utc>, String)> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (at, id) = text.split_once(':')?;
    let at: i64 = at.parse().ok()?;
    (id.starts_with(prefix) && id.len() < 64).then(|| (from_millis(at), id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_names_only_its_own_kind_of_id() {
        let at = from_millis(1_700_000_000_123);
        let c = encode(at, "aud_abc");
        assert_eq!(decode(&c, "aud_").unwrap(), Some((at, "aud_abc".to_owned())));
        assert!(decode(&c, "dlv_").is_err());
        assert!(decode("not a cursor", "aud_").is_err());
        assert_eq!(decode(" ", "aud_").unwrap(), None);
    }
}
