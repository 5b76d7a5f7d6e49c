//! The dashboard's paged lists, what they share: the opaque cursor of a newest-first list
//! (where the page after the last row shown starts, as `(created_at millis, id)`, so the
//! store seeks with a keyset instead of an OFFSET), the page size and the search text.
use chrono::{DateTime, Utc};

use crate::server::domain::{from_millis, to_millis};
use crate::server::error::ApiError;

/// A page holds this many rows unless asked, and never more than `PAGE_MAX`.
pub const PAGE_DEFAULT: u32 = 50;
pub const PAGE_MAX: u32 = 500;

/// The page size asked for (0: not asked); 400 above [`PAGE_MAX`].
pub fn limit(asked: u32) -> Result<u32, ApiError> {
    match asked {
        0 => Ok(PAGE_DEFAULT),
        l if l <= PAGE_MAX => Ok(l),
        _ => Err(ApiError::validation(
            "limit",
            format!("must be a whole number from 1 to {PAGE_MAX}"),
        )),
    }
}

/// The search a list's box asks for: `None` when blank; a phone by its digits, however it
/// was typed; 400 past 100 characters.
pub fn search(text: &str) -> Result<Option<String>, ApiError> {
    let text = text.trim();
    if text.chars().count() > 100 {
        return Err(ApiError::validation("q", "must be at most 100 characters"));
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let phone_like = !digits.is_empty() && text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    Ok(Some(if phone_like { digits } else { text.to_owned() }).filter(|s| !s.is_empty()))
}

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
