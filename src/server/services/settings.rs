//! Tenant settings (the default sender) and message templates.
use axum::http::StatusCode;

use super::{numbers, sending::LINK_TEMPLATE};
use crate::server::{
    auth::ApiClient,
    domain::{Invalid, NumberId, TemplateId},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{EngineSettings, StoreError, Template, TenantSettings},
};
use crate::types::settings::{SettingsPatch, TemplateIn};

const CATEGORIES: &[&str] = &["OTP", "UTILITY", "MARKETING"];
const PLACEHOLDERS: &[&str] = &["name", "link"];

pub async fn get(state: &AppState, client: &ApiClient) -> ApiResult<TenantSettings> {
    client.require_tenant_scope()?;
    Ok(state.store.settings(&client.tenant).await?)
}

pub async fn update(state: &AppState, client: &ApiClient, patch: SettingsPatch) -> ApiResult<TenantSettings> {
    client.require_tenant_scope()?;
    let detail = serde_json::to_value(&patch).unwrap_or_default();
    if let Some(sender) = patch.default_sender_number_id {
        let sender = match sender {
            Some(id) => Some(numbers::get(state, client, &NumberId::from_trusted(id)).await?.id),
            None => None,
        };
        state
            .store
            .save_default_sender(&client.tenant, sender.as_ref(), state.clock.now())
            .await?;
    }
    if let Some(origins) = patch.embed_origins {
        let parsed = origins
            .iter()
            .enumerate()
            .map(|(i, o)| {
                super::connect_data::origin_of(o.trim())
                    .ok_or_else(|| Invalid::new(format!("embedOrigins[{i}]"), "must be an origin like https://app.example.com"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if parsed.len() > 20 {
            return Err(Invalid::new("embedOrigins", "must list at most 20 origins").into());
        }
        state.store.save_embed_origins(&client.tenant, &parsed, state.clock.now()).await?;
    }
    if patch.official_fallback == Some(true) && !super::meta::signup_ready(state) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "META_NOT_CONFIGURED",
            "officialFallback: the official rail needs Meta's Embedded Signup configured on this server (meta_app_id, meta_app_secret, meta_config_id)",
        ));
    }
    if patch.engine.is_some()
        || patch.repair_link_on_disconnect.is_some()
        || patch.number_keys_send_links.is_some()
        || patch.official_fallback.is_some()
    {
        let current = state.store.settings(&client.tenant).await?;
        let engine = match patch.engine {
            Some(Some(name)) => {
                if state.engines.get(&name).is_none() {
                    return Err(Invalid::new("engine", "must be an engine this server runs").into());
                }
                Some(name)
            }
            Some(None) => None,
            None => current.engine,
        };
        let switches = EngineSettings {
            engine: engine.as_deref(),
            repair_link_on_disconnect: patch.repair_link_on_disconnect.unwrap_or(current.repair_link_on_disconnect),
            number_keys_send_links: patch.number_keys_send_links.unwrap_or(current.number_keys_send_links),
            official_fallback: patch.official_fallback.unwrap_or(current.official_fallback),
        };
        state
            .store
            .save_engine_settings(&client.tenant, &switches, state.clock.now())
            .await?;
    }
    super::audit::record(state, client, "settings.changed", None, detail).await;
    Ok(state.store.settings(&client.tenant).await?)
}

// Templates belong to the tenant but, as documented, number-scoped keys read and write them
// too (a number's integration sends with them); keys only ever reach their own tenant's.
pub async fn list_templates(state: &AppState, client: &ApiClient) -> ApiResult<Vec<Template>> {
    Ok(state.store.list_templates(&client.tenant).await?)
}

pub async fn get_template(state: &AppState, client: &ApiClient, id: &TemplateId) -> ApiResult<Template> {
    state.store.get_template(&client.tenant, id).await.map_err(template_error)
}

pub async fn create_template(state: &AppState, client: &ApiClient, input: TemplateIn) -> ApiResult<Template> {
    let now = state.clock.now();
    let category = input.category.as_deref().map(str::trim).unwrap_or_default().to_ascii_uppercase();
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(Invalid::new("category", "must be OTP, UTILITY or MARKETING").into());
    }
    let template = Template {
        id: TemplateId::generate(),
        name: template_name(input.name.as_deref())?,
        category,
        language: language(input.language.as_deref())?,
        body: body(input.body.as_deref())?,
        created_at: now,
        updated_at: now,
    };
    check_link_template(&template)?;
    state
        .store
        .insert_template(&client.tenant, &template)
        .await
        .map_err(template_error)?;
    audit_template(state, client, "template.created", &template).await;
    Ok(template)
}

/// Name, language and body may change; the category is fixed at creation.
pub async fn update_template(state: &AppState, client: &ApiClient, id: &TemplateId, input: TemplateIn) -> ApiResult<Template> {
    let mut template = get_template(state, client, id).await?;
    if let Some(category) = input.category.as_deref()
        && !category.trim().eq_ignore_ascii_case(&template.category)
    {
        return Err(Invalid::new("category", "is fixed at creation; create a new template instead").into());
    }
    if input.name.is_some() {
        template.name = template_name(input.name.as_deref())?;
    }
    if input.language.is_some() {
        template.language = language(input.language.as_deref())?;
    }
    if input.body.is_some() {
        template.body = body(input.body.as_deref())?;
    }
    check_link_template(&template)?;
    template.updated_at = state.clock.now();
    state
        .store
        .update_template(&client.tenant, &template)
        .await
        .map_err(template_error)?;
    audit_template(state, client, "template.updated", &template).await;
    Ok(template)
}

pub async fn delete_template(state: &AppState, client: &ApiClient, id: &TemplateId) -> ApiResult<()> {
    state.store.delete_template(&client.tenant, id).await.map_err(template_error)?;
    super::audit::record(state, client, "template.deleted", Some(id.as_str()), serde_json::json!({})).await;
    Ok(())
}

async fn audit_template(state: &AppState, client: &ApiClient, action: &str, t: &Template) {
    let detail = serde_json::json!({ "name": t.name, "language": t.language });
    super::audit::record(state, client, action, Some(t.id.as_str()), detail).await;
}

fn template_name(input: Option<&str>) -> Result<String, Invalid> {
    let name = input.map(str::trim).unwrap_or_default();
    let ok = (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(name.to_owned())
    } else {
        Err(Invalid::new("name", "must be 1 to 64 characters of a-z, 0-9 and _"))
    }
}

fn language(input: Option<&str>) -> Result<String, Invalid> {
    let lang = input.map(str::trim).unwrap_or("en");
    let mut parts = lang.split('_');
    let base_ok = parts
        .next()
        .is_some_and(|b| (2..=3).contains(&b.len()) && b.chars().all(|c| c.is_ascii_lowercase()));
    let region_ok = parts
        .next()
        .is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_uppercase()));
    if base_ok && region_ok && parts.next().is_none() {
        Ok(lang.to_owned())
    } else {
        Err(Invalid::new("language", "must look like en or pt_BR"))
    }
}

fn body(input: Option<&str>) -> Result<String, Invalid> {
    let body = input.map(str::trim).unwrap_or_default();
    if body.is_empty() || body.chars().count() > 1024 {
        return Err(Invalid::new("body", "must be 1 to 1024 characters"));
    }
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").ok_or_else(|| Invalid::new("body", "has an unclosed {{"))?;
        let name = rest[start + 2..start + end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(Invalid::new(
                "body",
                format!("has an unknown placeholder {{{{{name}}}}}; use {{{{name}}}} and {{{{link}}}}"),
            ));
        }
        rest = &rest[start + end + 2..];
    }
    Ok(body.to_owned())
}

/// The template links are sent with must carry the link, and is an OTP template as on Meta.
fn check_link_template(t: &Template) -> Result<(), Invalid> {
    if t.name != LINK_TEMPLATE {
        return Ok(());
    }
    if t.category != "OTP" {
        return Err(Invalid::new("category", format!("{LINK_TEMPLATE} must be an OTP template")));
    }
    if !t.body.contains("{{link}}") && !t.body.contains("{{ link }}") {
        return Err(Invalid::new("body", format!("{LINK_TEMPLATE} must contain {{{{link}}}}")));
    }
    Ok(())
}

fn template_error(err: StoreError) -> ApiError {
    match err {
        StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "TEMPLATE_NOT_FOUND", "no such template"),
        StoreError::Conflict => ApiError::conflict("TEMPLATE_ALREADY_EXISTS", "a template with this name and language exists"),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_take_only_known_placeholders() {
        assert!(body(Some("Hi {{name}}, {{ link }}")).is_ok());
        assert!(body(Some("Hi {{nome}}")).unwrap_err().message.contains("{{nome}}"));
        assert!(body(Some("Hi {{name")).is_err());
        assert!(body(Some("  ")).is_err());
    }

    #[test]
    fn names_and_languages() {
        assert!(template_name(Some("pilot_status_remote_pairing")).is_ok());
        assert!(template_name(Some("Bad Name")).is_err());
        assert_eq!(language(None).unwrap(), "en");
        assert!(language(Some("pt_BR")).is_ok());
        assert!(language(Some("pt-br")).is_err());
    }
}
