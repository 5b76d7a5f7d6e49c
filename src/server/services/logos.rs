//! Logo uploads: PNG, JPEG or WebP up to 2 MB, recognised by their first bytes (never by
//! the file name or the declared type), stored for the tenant and served from our own URL.
use axum::http::StatusCode;

use crate::server::{
    auth::ApiClient,
    domain::{LOGO_PATH, LogoId, TenantId, own_logo_id, short_text},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{Logo, NewLogo, StoreError},
};

pub const MAX_LOGO_BYTES: usize = 2 * 1024 * 1024;
const ACCEPTED: &[&str] = &["image/png", "image/jpeg", "image/webp"];

/// A stored logo and where it is served.
pub struct UploadedLogo {
    pub logo: Logo,
    /// `/assets/logos/{id}`: what the dashboard puts in `logoUrl`.
    pub path: String,
    /// The same on the public base URL.
    pub url: String,
}

#[tracing::instrument(skip_all, fields(tenant.id = %client.tenant, size = content.len()))]
pub async fn upload(state: &AppState, client: &ApiClient, file_name: &str, content: Vec<u8>) -> ApiResult<UploadedLogo> {
    client.require_tenant_scope()?;
    if content.len() > MAX_LOGO_BYTES {
        return Err(too_large());
    }
    let mime_type = sniff(&content).ok_or_else(wrong_type)?;
    let file_name = short_text("fileName", file_name, 200)
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "logo".to_owned());
    let new = NewLogo {
        id: LogoId::generate(),
        mime_type: mime_type.to_owned(),
        file_name,
        content,
        at: state.clock.now(),
    };
    let logo = state.store.insert_logo(&client.tenant, &new).await?;
    let detail = serde_json::json!({ "fileName": logo.file_name, "mimeType": logo.mime_type, "sizeBytes": logo.size_bytes });
    super::audit::record(state, client, "branding.logo_uploaded", Some(logo.id.as_str()), detail).await;
    let path = format!("{LOGO_PATH}{}", logo.id);
    Ok(UploadedLogo {
        url: format!("{}{path}", state.public_base),
        path,
        logo,
    })
}

/// Bytes and type of a logo, for anyone: logos are shown on public pages.
pub async fn content(state: &AppState, id: &str) -> ApiResult<(String, Vec<u8>)> {
    match state.store.logo_content(&LogoId::from_trusted(id)).await {
        Err(StoreError::NotFound) => Err(ApiError::new(StatusCode::NOT_FOUND, "LOGO_NOT_FOUND", "no such logo")),
        other => Ok(other?),
    }
}

/// Turns a logo URL on our own base into its path, and makes sure a logo path names a logo
/// this tenant uploaded: a tenant cannot show another tenant's uploads as its own.
pub async fn own_logo_url(state: &AppState, tenant: &TenantId, url: &str) -> ApiResult<String> {
    let trimmed = url.trim();
    let path = trimmed.strip_prefix(&*state.public_base).unwrap_or(trimmed);
    let Some(id) = own_logo_id(path) else {
        return Ok(url.to_owned());
    };
    match state.store.get_logo(tenant, &id).await {
        Ok(_) => Ok(path.to_owned()),
        Err(StoreError::NotFound) => Err(ApiError::validation("logoUrl", "is not a logo you uploaded; upload it first")),
        Err(err) => Err(err.into()),
    }
}

/// The accepted image type the content starts like, if any.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    let kind = infer::get(content)?;
    ACCEPTED.iter().copied().find(|m| *m == kind.mime_type())
}

pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "LOGO_TOO_LARGE",
        "the logo is larger than 2 MB; export a smaller image",
    )
}

pub fn wrong_type() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "LOGO_TYPE_NOT_ALLOWED",
        "the file is not a PNG, JPEG or WebP image",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_content() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(png), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), None, "GIF is not accepted");
        assert_eq!(sniff(b"not an image, whatever its name"), None);
        assert_eq!(sniff(b""), None);
    }
}
