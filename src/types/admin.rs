//! What the dashboard's server functions return. Never a secret that was not meant to be shown.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The signed-in person, and the CSRF token their page sends with every change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionOut {
    pub session_id: String,
    pub email: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub csrf: String,
}

/// One live session of the tenant, for the "signed in" list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionItem {
    pub id: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub current: bool,
}

/// A number as the dashboard lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumberItem {
    pub id: String,
    pub name: String,
    /// E.164, with `+`.
    pub phone: String,
    pub state: String,
    pub engine: String,
    pub created_at: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub restorable_until: Option<DateTime<Utc>>,
}

/// The live numbers, and the deleted ones that can still be restored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumbersOut {
    /// The first `shown` live numbers that match the filters.
    pub live: Vec<NumberItem>,
    pub deleted: Vec<NumberItem>,
    /// Whether new numbers can be paired here (an engine is on); the form says why not.
    pub can_create: bool,
    /// Live numbers in each state, whatever the filters.
    #[serde(default)]
    pub counts: NumberCounts,
    /// More numbers match than are shown.
    #[serde(default)]
    pub more: bool,
}

/// How many of the tenant's numbers are in each state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberCounts {
    pub open: i64,
    pub connecting: i64,
    pub close: i64,
    pub deleted: i64,
}

/// A number's linking window as the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairingView {
    pub state: String,
    /// `data:image/png;base64,…` while a QR is live.
    pub qr: Option<String>,
    /// `ABCD-1234`.
    pub code: Option<String>,
    pub seconds_left: i64,
    /// Why linking stopped, when it did.
    pub failure: Option<String>,
}

/// What the create-number form sends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewNumberIn {
    pub name: String,
    pub phone: String,
}

/// A link in the dashboard's list, with its funnel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkItem {
    pub id: String,
    pub number_id: Option<String>,
    pub number_name: Option<String>,
    pub number_phone: Option<String>,
    /// `active`, `opened`, `connected`, `expired`, `revoked` or `replaced`.
    pub status: String,
    pub provider: String,
    pub external_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub windows_opened: i64,
    pub codes_shown: i64,
    pub qr_rotations: i64,
    pub failure: Option<String>,
    /// When WhatsApp first asked the phone for its passkey (`link.passkey_required`).
    #[serde(default)]
    pub passkey_required_at: Option<DateTime<Utc>>,
    /// The passkey ceremony through the extension: when a computer took it up, and how it
    /// ended.
    #[serde(default)]
    pub passkey_claimed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub passkey_confirmed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub passkey_failed_at: Option<DateTime<Utc>>,
}

/// A page of the dashboard's links, where the next starts, and the counts per status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinksOut {
    pub items: Vec<LinkItem>,
    /// Opaque; `None` when this page is the last.
    pub next_cursor: Option<String>,
    pub counts: LinkCounts,
}

/// How many of the tenant's links are in each status, whatever the filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCounts {
    pub active: i64,
    pub opened: i64,
    pub connected: i64,
    pub expired: i64,
    pub revoked: i64,
    pub replaced: i64,
}

impl LinkCounts {
    pub fn total(&self) -> i64 {
        self.active + self.opened + self.connected + self.expired + self.revoked + self.replaced
    }
}

/// The link form: every option of `POST /v1/numbers/remote-pairing`, as text fields
/// (empty = not set), so it also posts as a plain HTML form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkFormIn {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    /// How the customer connects: empty for WhatsApp Web (QR or code), else the Meta flow
    /// (`embedded`, `coexistence` or `credentials`).
    #[serde(default)]
    pub meta_flow: String,
    #[serde(default)]
    pub ttl_seconds: String,
    #[serde(default)]
    pub redirect_url: String,
    #[serde(default)]
    pub refresh_url: String,
    #[serde(default)]
    pub external_ref: String,
    #[serde(default)]
    pub locale: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    pub send_via_whatsapp: Option<String>,
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default)]
    pub primary_color: String,
    #[serde(default)]
    pub background_color: String,
    #[serde(default)]
    pub logo_url: String,
    #[serde(default)]
    pub support_url: String,
}

/// A link just issued: its URL is shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssuedLinkOut {
    pub url: String,
    pub number_id: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub message_sent: bool,
    pub message_error: Option<String>,
}

/// An API key as listed: never the key itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyItem {
    pub id: String,
    pub name: String,
    pub last4: String,
    /// Set for a key bound to one number, with that number's name and phone (E.164).
    pub number_id: Option<String>,
    #[serde(default)]
    pub number_name: Option<String>,
    #[serde(default)]
    pub number_phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A key just created: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewKeyOut {
    pub key: KeyItem,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateItem {
    pub id: String,
    pub name: String,
    pub category: String,
    pub language: String,
    pub body: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateFormIn {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub body: String,
}

/// The tenant's `officialFallback`, and whether this server can run Embedded Signup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfficialFallbackOut {
    pub on: bool,
    pub ready: bool,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditItem {
    pub id: String,
    /// `user` or `key`.
    pub actor: String,
    pub actor_id: String,
    /// An email, or `API key …1234`.
    pub actor_label: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// The branding form: the eight fields as text (empty clears a field).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BrandingFormIn {
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default)]
    pub primary_color: String,
    #[serde(default)]
    pub background_color: String,
    #[serde(default)]
    pub logo_url: String,
    #[serde(default)]
    pub support_url: String,
    #[serde(default)]
    pub default_redirect_url: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub hide_pilot_status_branding: Option<String>,
}

/// A page of the audit log and where the next (older) one starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditItem>,
    /// Pass as `cursor` for the older page; `null` on the last one.
    pub next_cursor: Option<String>,
}
