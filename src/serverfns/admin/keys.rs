//! API keys (create shown once, list by last four, revoke), templates, the default sender and
//! the official fallback switch.
use leptos::prelude::*;

use crate::{
    error::AppError,
    types::{
        admin::{NewKeyOut, OfficialFallbackOut, TemplateFormIn, TemplateItem},
        admin_keys::{KeysOut, SenderOut},
    },
};

/// A page of the tenant's live keys, newest first: the first `limit` (50 unless asked, at
/// most 500) after `cursor` that match `q` (a piece of the key's name or last four, or of its
/// number's name or phone) and `kind` (`tenant` or `number`), with the counts per kind.
#[server(endpoint = "admin/keys")]
pub async fn admin_keys(
    #[server(default)] q: String,
    #[server(default)] kind: String,
    #[server(default)] cursor: String,
    #[server(default)] limit: u32,
) -> Result<KeysOut, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::services::key_view;

    let (state, admin) = signed_in().await?;
    let query = key_view::query_of(&q, &kind, &cursor, limit).map_err(fail)?;
    key_view::page(&state, &admin.client, query).await.map_err(fail)
}

#[server(endpoint = "admin/keys/create")]
pub async fn admin_create_key(csrf: String, name: String) -> Result<NewKeyOut, AppError> {
    use super::{
        convert,
        guard::{fail, for_change},
    };
    use crate::server::services::tenant_keys;

    let (state, admin) = for_change(&csrf).await?;
    let issued = tenant_keys::create(&state, &admin.client, &name).await.map_err(fail)?;
    Ok(NewKeyOut {
        key: convert::key(&issued.key),
        secret: issued.secret.reveal().to_owned(),
    })
}

#[server(endpoint = "admin/keys/revoke")]
pub async fn admin_revoke_key(csrf: String, id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::ApiKeyId;
    use crate::server::services::tenant_keys;

    let (state, admin) = for_change(&csrf).await?;
    tenant_keys::revoke(&state, &admin.client, &ApiKeyId::from_trusted(id))
        .await
        .map_err(fail)
}

#[server(endpoint = "admin/templates")]
pub async fn admin_templates() -> Result<Vec<TemplateItem>, AppError> {
    use super::{
        convert,
        guard::{fail, signed_in},
    };
    use crate::server::services::settings;

    let (state, admin) = signed_in().await?;
    let list = settings::list_templates(&state, &admin.client).await.map_err(fail)?;
    Ok(list.iter().map(convert::template).collect())
}

/// Creates a template, or updates the one named by `id` (its category is fixed).
#[server(endpoint = "admin/templates/save")]
pub async fn admin_save_template(csrf: String, id: Option<String>, input: TemplateFormIn) -> Result<TemplateItem, AppError> {
    use super::{
        convert,
        guard::{fail, for_change},
    };
    use crate::{
        server::{domain::TemplateId, services::settings},
        types::settings::TemplateIn,
    };

    let (state, admin) = for_change(&csrf).await?;
    let some = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let body = TemplateIn {
        name: some(input.name),
        category: some(input.category),
        language: some(input.language),
        body: some(input.body),
    };
    let saved = match id.filter(|i| !i.is_empty()) {
        Some(id) => settings::update_template(&state, &admin.client, &TemplateId::from_trusted(id), body).await,
        None => settings::create_template(&state, &admin.client, body).await,
    };
    Ok(convert::template(&saved.map_err(fail)?))
}

#[server(endpoint = "admin/templates/delete")]
pub async fn admin_delete_template(csrf: String, id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::TemplateId;
    use crate::server::services::settings;

    let (state, admin) = for_change(&csrf).await?;
    settings::delete_template(&state, &admin.client, &TemplateId::from_trusted(id))
        .await
        .map_err(fail)
}

/// The default sender, and its number when that is still live (the form's picker shows it).
#[server(endpoint = "admin/sender")]
pub async fn admin_sender() -> Result<SenderOut, AppError> {
    use super::{
        convert,
        guard::{fail, signed_in},
    };
    use crate::server::services::{number_view, settings};

    let (state, admin) = signed_in().await?;
    let current = settings::get(&state, &admin.client).await.map_err(fail)?;
    let id = current.default_sender.map(|n| n.to_string());
    let (_, number) = number_view::choices(&state, &admin.client, "", id.as_deref().unwrap_or_default())
        .await
        .map_err(fail)?;
    Ok(SenderOut {
        default_sender: id,
        number: number.as_ref().map(convert::choice),
    })
}

#[server(endpoint = "admin/official-fallback")]
pub async fn admin_official_fallback() -> Result<OfficialFallbackOut, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::services::{meta, settings};

    let (state, admin) = signed_in().await?;
    let current = settings::get(&state, &admin.client).await.map_err(fail)?;
    Ok(OfficialFallbackOut {
        on: current.official_fallback,
        ready: meta::signup_ready(&state),
    })
}

/// Turns the official fallback on (a ticked checkbox sends `on`) or off.
#[server(endpoint = "admin/official-fallback/set")]
pub async fn admin_set_official_fallback(csrf: String, on: Option<String>) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::{server::services::settings, types::settings::SettingsPatch};

    let (state, admin) = for_change(&csrf).await?;
    let patch = SettingsPatch {
        official_fallback: Some(on.is_some()),
        ..SettingsPatch::default()
    };
    settings::update(&state, &admin.client, patch).await.map_err(fail)?;
    Ok(())
}

/// Sets (or, with an empty id, clears) the number links are sent from.
#[server(endpoint = "admin/sender/set")]
pub async fn admin_set_sender(csrf: String, number_id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::{server::services::settings, types::settings::SettingsPatch};

    let (state, admin) = for_change(&csrf).await?;
    let patch = SettingsPatch {
        default_sender_number_id: Some(Some(number_id).filter(|n| !n.is_empty())),
        embed_origins: None,
        engine: None,
        repair_link_on_disconnect: None,
        number_keys_send_links: None,
        official_fallback: None,
    };
    settings::update(&state, &admin.client, patch).await.map_err(fail)?;
    Ok(())
}
