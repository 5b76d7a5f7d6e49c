//! Logos: the dashboard uploads one (`POST /api/branding/logo`, multipart, signed-in session
//! and its CSRF token) and every page shows it from here (`GET /assets/logos/{id}`).
use axum::{
    Json, Router,
    extract::{
        DefaultBodyLimit, Multipart, Path, State,
        multipart::{Field, MultipartRejection},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};

use crate::server::{
    error::{ApiError, ApiResult},
    services::logos::{self, MAX_LOGO_BYTES, too_large},
    session::TenantAdmin,
    state::AppState,
};
use crate::types::branding::LogoOut;

/// Room for the multipart framing and the CSRF field around a file of the largest size; a
/// bigger body is cut off by the limit and answered 413 like a large file.
const BODY_LIMIT: usize = MAX_LOGO_BYTES + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/branding/logo", post(upload).layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .route("/assets/logos/{id}", get(serve))
}

/// Form fields `logo` (the file) and `csrf` (or the `x-csrf-token` header).
async fn upload(
    State(state): State<AppState>,
    admin: TenantAdmin,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<LogoOut>> {
    let mut multipart = multipart.map_err(|e| bad_upload(e.body_text()))?;
    let mut csrf = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(multipart_error)?),
            Some("logo") => {
                let name = field.file_name().unwrap_or("logo").to_owned();
                file = Some((name, read_limited(field).await?));
            }
            _ => {}
        }
    }
    admin.check_csrf(&headers, csrf.as_deref().unwrap_or_default())?;
    let (name, content) = file.ok_or_else(|| ApiError::validation("logo", "choose an image file to upload"))?;
    let up = logos::upload(&state, &admin.client, &name, content).await?;
    Ok(Json(LogoOut {
        url: up.url,
        path: up.path,
        key: up.logo.id.to_string(),
        mime_type: up.logo.mime_type,
        file_name: up.logo.file_name,
        size_bytes: up.logo.size_bytes,
    }))
}

/// The file, refused as soon as it passes the limit rather than after reading it all.
async fn read_limited(mut field: Field<'_>) -> ApiResult<Vec<u8>> {
    let mut content = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if content.len() + chunk.len() > MAX_LOGO_BYTES {
            return Err(too_large());
        }
        content.extend_from_slice(&chunk);
    }
    Ok(content)
}

/// Ids never name other content, so a logo may be cached for good; `nosniff` keeps a
/// browser from reading the bytes as anything but the image type we checked.
async fn serve(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let (mime_type, content) = logos::content(&state, &id).await?;
    let headers = [
        (header::CONTENT_TYPE, mime_type),
        (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".to_owned()),
    ];
    Ok((headers, content).into_response())
}

fn multipart_error(err: axum::extract::multipart::MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        bad_upload(err.body_text())
    }
}

fn bad_upload(detail: String) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_UPLOAD",
        format!("send the logo as multipart/form-data in a field named logo ({detail})"),
    )
}
