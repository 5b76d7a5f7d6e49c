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
    /// Lead with the pairing code: a phone's user agent, or the person's choice.
    pub mobile: bool,
    /// The person picked the method (`?method=`): the page keeps it once live.
    pub method_chosen: bool,
    /// Resolved, defaults filled; also for dead links, in their tenant's colours.
    pub branding: Branding,
    pub info: Option<TokenInfoOut>,
    pub status: Option<TokenStatusOut>,
    /// Why the link cannot be used, when it cannot.
    pub dead: Option<DeadLink>,
    /// The embedding page's origin, validated, to post messages to.
    pub parent_origin: Option<String>,
    /// The envelope's `source` in those messages: `pilot-status-embed` when the embedding page
    /// asked for the documented one (`?envelope=pilot-status`, which `PilotStatus` sends),
    /// `pairlink-embed` otherwise.
    pub embed_source: String,
    /// Origins the tenant lets frame this page (CSP `frame-ancestors`).
    pub frame_ancestors: Vec<String>,
    /// For Meta links: the flow and, for Embedded Signup, the app settings the SDK needs.
    pub meta: Option<MetaSetup>,
    /// For a WhatsApp Web link whose tenant offers the official rail (`officialFallback`)
    /// where WhatsApp Web linking cannot work: Embedded Signup for the same number from the
    /// WhatsApp Business app (flow `coexistence`).
    #[serde(default)]
    pub official: Option<MetaSetup>,
    /// Where the page's plain links and forms go, so it works before (and without) its WASM.
    pub urls: PageUrls,
    /// The last start from a plain form failed (not a dead link): say so.
    pub start_failed: bool,
    /// Without JavaScript the page reloads itself after this many seconds while a window is
    /// open (by the QR's next rotation), to show the new QR or the outcome.
    pub refresh_seconds: Option<i64>,
    /// A passkey hand-off code the person asked for (the plain form's answer: never in a URL).
    #[serde(default)]
    pub handoff: Option<super::passkey::HandoffOut>,
    /// Where to get the passkey extension (operator setting), if known.
    #[serde(default)]
    pub passkey_extension_url: Option<String>,
    /// Why the credentials the plain form posted were refused (the form's answer).
    #[serde(default)]
    pub credentials_refused: Option<Refused>,
}

/// A refusal as the page shows it: the server's code and its sentence for the person, which
/// names the field at fault (`field: why`) and never holds what was posted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refused {
    pub code: String,
    pub message: String,
}

/// The page's own addresses, with its query (language, cosmetic branding, embedding origin).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageUrls {
    /// `POST` here opens (or joins) the linking window, then shows the page again.
    pub start: String,
    /// The page leading with the QR, and with the pairing code.
    pub show_qr: String,
    pub show_code: String,
    /// The page's absolute address, for sending it to another device.
    #[serde(default)]
    pub share: String,
    /// `POST` here makes a passkey hand-off code and shows the page with it.
    #[serde(default)]
    pub handoff: String,
    /// `POST` here checks pasted WABA credentials (Meta links) and shows the page again.
    #[serde(default)]
    pub credentials: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetaSetup {
    /// `embedded`, `coexistence` or `credentials`.
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
