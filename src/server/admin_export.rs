//! `GET /admin/numbers/export`: the signed-in dashboard's CSV of its tenant's numbers (the
//! same filters and stream as the API's `GET /v1/numbers/export`, with the session instead of
//! a key), so an operator exports from the page they are looking at.
use axum::{
    Router,
    body::Body,
    extract::{Query, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

use super::{error::ApiError, services::number_list, session::TenantAdmin, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/numbers/export", get(export))
}

async fn export(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admin.client.require_tenant_scope()?;
    let query = number_list::query_of(&params)?;
    let mut response = Body::from_stream(number_list::csv(state, admin.client, query)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(number_list::CSV_TYPE));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(number_list::CSV_DISPOSITION));
    Ok(response)
}
