//! What the connect page is rendered from.
use serde::{Deserialize, Serialize};

use super::{
    branding::Branding,
    links::{TokenInfoOut, TokenStatusOut},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectPageData {
    pub token: String,
    /// `en`, `pt-BR` or `es`.
    pub locale: String,
    /// A phone's user agent: lead with the pairing code.
    pub mobile: bool,
    /// Resolved, defaults filled; also for dead links, in their tenant's colours.
    pub branding: Branding,
    pub info: Option<TokenInfoOut>,
    pub status: Option<TokenStatusOut>,
    /// Why the link cannot be used, when it cannot.
    pub dead: Option<DeadLink>,
    /// The embedding page's origin, validated, to post messages to.
    pub parent_origin: Option<String>,
    /// Origins the tenant lets frame this page (CSP `frame-ancestors`).
    pub frame_ancestors: Vec<String>,
    /// For Meta links: the flow and, for Embedded Signup, the app settings the SDK needs.
    pub meta: Option<MetaSetup>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetaSetup {
    /// `embedded` or `credentials`.
    pub flow: String,
    pub app_id: String,
    pub config_id: String,
    pub graph_version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeadLink {
    /// `LINK_EXPIRED`, `LINK_ALREADY_USED`, `LINK_REVOKED` or `LINK_NOT_FOUND`.
    pub code: String,
    pub refresh_url: Option<String>,
}
