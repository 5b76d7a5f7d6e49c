//! Database rows, decoded the same way by both backends and turned into records at once.
use super::links::{Link, LinkEnd, Template, TenantSettings};
use super::records::{ApiKey, Event, Number, Tenant};
use crate::server::domain::{
    ApiKeyId, EventId, LinkId, NumberId, NumberProfile, NumberState, PhoneE164, Provider, TemplateId, TenantId, from_millis,
};

#[derive(sqlx::FromRow)]
pub struct TenantRow {
    id: String,
    name: String,
    created_at: i64,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Self {
            id: TenantId::from_trusted(r.id),
            name: r.name,
            created_at: from_millis(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ApiKeyRow {
    id: String,
    tenant_id: String,
    number_id: Option<String>,
    name: String,
    key_last4: String,
    created_at: i64,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> Self {
        Self {
            id: ApiKeyId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            number_id: r.number_id.map(NumberId::from_trusted),
            name: r.name,
            last4: r.key_last4,
            created_at: from_millis(r.created_at),
        }
    }
}

/// A number as stored. Also read from a JSON array of its columns in this order: a page of
/// numbers comes from the database as one aggregated row (see `list_numbers_page`).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub struct NumberRow {
    id: String,
    tenant_id: String,
    name: String,
    phone: String,
    provider: String,
    engine: String,
    engine_ref: String,
    state: String,
    created_at: i64,
    updated_at: i64,
    connected_at: Option<i64>,
    deleted_at: Option<i64>,
    restorable_until: Option<i64>,
    profile: String,
}

impl From<NumberRow> for Number {
    fn from(r: NumberRow) -> Self {
        Self {
            id: NumberId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            name: r.name,
            phone: PhoneE164::from_trusted(r.phone),
            provider: Provider::from_stored(&r.provider),
            engine: r.engine,
            engine_ref: serde_json::from_str(&r.engine_ref).unwrap_or_default(),
            state: NumberState::from_stored(&r.state),
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
            connected_at: r.connected_at.map(from_millis),
            deleted_at: r.deleted_at.map(from_millis),
            restorable_until: r.restorable_until.map(from_millis),
            profile: NumberProfile::from_stored(&r.profile),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct EventRow {
    id: String,
    tenant_id: String,
    number_id: Option<String>,
    kind: String,
    payload: String,
    created_at: i64,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Self {
            id: EventId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            number_id: r.number_id.map(NumberId::from_trusted),
            kind: r.kind,
            payload: serde_json::from_str(&r.payload).unwrap_or_default(),
            created_at: from_millis(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct LinkRow {
    id: String,
    tenant_id: String,
    number_id: Option<String>,
    provider: String,
    meta_flow: Option<String>,
    branding: String,
    redirect_url: Option<String>,
    refresh_url: Option<String>,
    external_ref: Option<String>,
    locale: Option<String>,
    created_at: i64,
    expires_at: i64,
    opened_at: Option<i64>,
    ended_at: Option<i64>,
    end_reason: Option<String>,
    passkey_required_at: Option<i64>,
}

impl From<LinkRow> for Link {
    fn from(r: LinkRow) -> Self {
        Self {
            id: LinkId::from_trusted(r.id),
            tenant_id: TenantId::from_trusted(r.tenant_id),
            number_id: r.number_id.map(NumberId::from_trusted),
            provider: Provider::from_stored(&r.provider),
            meta_flow: r.meta_flow,
            branding: serde_json::from_str(&r.branding).unwrap_or_default(),
            redirect_url: r.redirect_url,
            refresh_url: r.refresh_url,
            external_ref: r.external_ref,
            locale: r.locale,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            opened_at: r.opened_at.map(from_millis),
            ended_at: r.ended_at.map(from_millis),
            end_reason: r.end_reason.as_deref().and_then(LinkEnd::from_stored),
            passkey_required_at: r.passkey_required_at.map(from_millis),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct SettingsRow {
    branding: String,
    default_sender_number_id: Option<String>,
    embed_origins: String,
    engine: Option<String>,
    repair_link_on_disconnect: bool,
    number_keys_send_links: bool,
    official_fallback: bool,
}

impl From<SettingsRow> for TenantSettings {
    fn from(r: SettingsRow) -> Self {
        Self {
            branding: serde_json::from_str(&r.branding).unwrap_or_default(),
            default_sender: r.default_sender_number_id.map(NumberId::from_trusted),
            embed_origins: r.embed_origins.split_whitespace().map(str::to_owned).collect(),
            engine: r.engine,
            repair_link_on_disconnect: r.repair_link_on_disconnect,
            number_keys_send_links: r.number_keys_send_links,
            official_fallback: r.official_fallback,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct TemplateRow {
    id: String,
    name: String,
    category: String,
    language: String,
    body: String,
    created_at: i64,
    updated_at: i64,
}

impl From<TemplateRow> for Template {
    fn from(r: TemplateRow) -> Self {
        Self {
            id: TemplateId::from_trusted(r.id),
            name: r.name,
            category: r.category,
            language: r.language,
            body: r.body,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        }
    }
}

/// The columns of a number `LEFT JOIN`ed to its link (`n_` prefixed; all `NULL` when the link
/// has no number or the number is gone).
#[derive(sqlx::FromRow)]
pub struct JoinedNumberRow {
    n_id: Option<String>,
    n_tenant_id: Option<String>,
    n_name: Option<String>,
    n_phone: Option<String>,
    n_provider: Option<String>,
    n_engine: Option<String>,
    n_engine_ref: Option<String>,
    n_state: Option<String>,
    n_created_at: Option<i64>,
    n_updated_at: Option<i64>,
    n_connected_at: Option<i64>,
    n_deleted_at: Option<i64>,
    n_restorable_until: Option<i64>,
    n_profile: Option<String>,
}

/// A link and its number in one read (the public token endpoints' hot path).
#[derive(sqlx::FromRow)]
pub struct LinkNumberRow {
    #[sqlx(flatten)]
    link: LinkRow,
    #[sqlx(flatten)]
    number: JoinedNumberRow,
}

impl From<LinkNumberRow> for (Link, Option<Number>) {
    fn from(r: LinkNumberRow) -> Self {
        let n = r.number;
        let number = (|| {
            Some(NumberRow {
                id: n.n_id?,
                tenant_id: n.n_tenant_id?,
                name: n.n_name?,
                phone: n.n_phone?,
                provider: n.n_provider?,
                engine: n.n_engine?,
                engine_ref: n.n_engine_ref?,
                state: n.n_state?,
                created_at: n.n_created_at?,
                updated_at: n.n_updated_at?,
                connected_at: n.n_connected_at,
                deleted_at: n.n_deleted_at,
                restorable_until: n.n_restorable_until,
                profile: n.n_profile?,
            })
        })();
        (r.link.into(), number.map(Into::into))
    }
}

/// A link, its number, and the number's shared view with its lease holder in one read: what
/// every page poll and stream wake needs.
#[derive(sqlx::FromRow)]
pub struct LinkPageRow {
    #[sqlx(flatten)]
    pair: LinkNumberRow,
    v_tenant_id: Option<String>,
    v_state: Option<String>,
    v_window_ends_at: Option<i64>,
    v_updated_at: Option<i64>,
    v_holder: Option<String>,
}

impl From<LinkPageRow> for super::LinkForPage {
    fn from(r: LinkPageRow) -> Self {
        let (link, number) = r.pair.into();
        let view = (|| {
            Some(super::StoredView {
                view: super::LinkView {
                    tenant: TenantId::from_trusted(r.v_tenant_id?),
                    state: r.v_state?,
                    window_ends_at: r.v_window_ends_at.map(from_millis),
                    updated_at: from_millis(r.v_updated_at?),
                },
                holder: r.v_holder,
            })
        })();
        Self { link, number, view }
    }
}
