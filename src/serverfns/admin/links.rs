//! Links: a page of the list with status and funnel, create (every API option), re-issue,
//! revoke one or many.
use leptos::prelude::*;

use crate::{
    error::AppError,
    types::admin::{IssuedLinkOut, LinkFormIn, LinksOut},
};

/// A page of the tenant's links, newest first: the first `limit` (50 unless asked, at most
/// 500) after `cursor` that match `q` (a piece of the number's name or digits of its phone)
/// and `status`, with the counts per status.
#[server(endpoint = "admin/links")]
pub async fn admin_links(
    #[server(default)] q: String,
    #[server(default)] status: String,
    #[server(default)] cursor: String,
    #[server(default)] limit: u32,
) -> Result<LinksOut, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::services::link_view;

    let (state, admin) = signed_in().await?;
    let query = link_view::query_of(&state, &q, &status, &cursor, limit).map_err(fail)?;
    link_view::page(&state, &admin.client, query).await.map_err(fail)
}

/// A new number and its link.
#[server(endpoint = "admin/links/create")]
pub async fn admin_create_link(csrf: String, input: LinkFormIn) -> Result<IssuedLinkOut, AppError> {
    use super::{
        convert,
        guard::{fail, for_change},
    };
    use crate::server::services::links;

    let (state, admin) = for_change(&csrf).await?;
    let body = convert::link_in(input).map_err(fail)?;
    let issued = links::create(&state, &admin.client, body).await.map_err(fail)?;
    Ok(convert::issued(&issued))
}

/// A new link for an existing number (the old one stops working).
#[server(endpoint = "admin/links/reissue")]
pub async fn admin_reissue_link(csrf: String, number_id: String, input: Option<LinkFormIn>) -> Result<IssuedLinkOut, AppError> {
    use super::{
        convert,
        guard::{fail, for_change},
    };
    use crate::{server::domain::NumberId, server::services::links, types::links::ReissueLinkIn};

    let (state, admin) = for_change(&csrf).await?;
    // The list's one-click re-issue sends no options: the defaults.
    let body = convert::link_in(input.unwrap_or_default()).map_err(fail)?;
    let reissue = ReissueLinkIn {
        send_via_whats_app: body.send_via_whats_app,
        branding: body.branding,
        branding_override: None,
        redirect_url: body.redirect_url,
        external_ref: body.external_ref,
        ttl_seconds: body.ttl_seconds,
        refresh_url: body.refresh_url,
        locale: body.locale,
    };
    let issued = links::reissue(&state, &admin.client, &NumberId::from_trusted(number_id), reissue)
        .await
        .map_err(fail)?;
    Ok(convert::issued(&issued))
}

#[server(endpoint = "admin/links/revoke")]
pub async fn admin_revoke_link(csrf: String, number_id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::NumberId;
    use crate::server::services::links;

    let (state, admin) = for_change(&csrf).await?;
    links::revoke(&state, &admin.client, &NumberId::from_trusted(number_id))
        .await
        .map_err(fail)
}

/// Revokes the live links of the numbers ticked in the list; how many were revoked (numbers
/// that are not the caller's or have no live link are passed over). At most 500 at a time.
#[server(endpoint = "admin/links/revoke-many")]
pub async fn admin_revoke_links(csrf: String, #[server(default)] number_ids: Vec<String>) -> Result<u32, AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::NumberId;
    use crate::server::services::links;

    let (state, admin) = for_change(&csrf).await?;
    let ids: Vec<NumberId> = number_ids.into_iter().map(NumberId::from_trusted).collect();
    links::revoke_many(&state, &admin.client, &ids).await.map_err(fail)
}
