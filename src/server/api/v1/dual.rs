//! `?link=`: the documented API's dual-device numbers have a `primary` and a `secondary` link.
//! This server pairs one device per number, so a request for the secondary link is refused
//! in plain words rather than answered with the primary link passed off as it.
use axum::http::StatusCode;

use crate::server::error::{ApiError, ApiResult};

pub fn primary_link_only(query: &[(String, String)]) -> ApiResult<()> {
    for (_, value) in query.iter().filter(|(k, _)| k == "link") {
        match value.trim() {
            "" | "primary" => {}
            "secondary" => return Err(secondary_not_supported()),
            _ => return Err(ApiError::validation("link", "must be primary or secondary")),
        }
    }
    Ok(())
}

pub fn secondary_not_supported() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "SECONDARY_LINK_NOT_SUPPORTED",
        "this server links one device per number (the primary link); secondary links are not supported",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(value: &str) -> ApiResult<()> {
        primary_link_only(&[("link".into(), value.into())])
    }

    #[test]
    fn only_the_primary_link_is_served() {
        assert!(primary_link_only(&[]).is_ok() && link("primary").is_ok() && link("").is_ok());
        assert_eq!(link("secondary").unwrap_err().code, "SECONDARY_LINK_NOT_SUPPORTED");
        assert_eq!(link("both").unwrap_err().code, "VALIDATION_ERROR");
    }
}
