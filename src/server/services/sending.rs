//! Sending a pairing link over WhatsApp: the tenant's `pilot_status_remote_pairing` template,
//! from its default sender, through that number's engine. Failure is reported, never raised:
//! the link was made either way.
use super::numbers;
use crate::server::{
    domain::{NumberState, Provider, TenantId},
    state::AppState,
    store::{Number, StoreError},
};

pub const LINK_TEMPLATE: &str = "pilot_status_remote_pairing";

/// `Err` carries the documented `messageError` value.
pub async fn send_link(state: &AppState, tenant: &TenantId, to: &Number, url: &str) -> Result<(), String> {
    match try_send(state, tenant, to, url).await {
        Ok(result) => result,
        Err(err) => {
            tracing::error!(tenant.id = %tenant, error = %err, "sending a link failed on our side");
            Err("SEND_FAILED: internal error".into())
        }
    }
}

async fn try_send(state: &AppState, tenant: &TenantId, to: &Number, url: &str) -> Result<Result<(), String>, StoreError> {
    let Some(template) = state.store.find_template(tenant, LINK_TEMPLATE).await? else {
        return Ok(Err("TEMPLATE_NOT_FOUND".into()));
    };
    let Some(sender_id) = state.store.settings(tenant).await?.default_sender else {
        return Ok(Err("SENDER_NOT_CONFIGURED".into()));
    };
    let sender = match state.store.get_number(tenant, &sender_id).await {
        Ok(n) if n.deleted_at.is_none() => n,
        Ok(_) | Err(StoreError::NotFound) => return Ok(Err("SENDER_NOT_CONFIGURED".into())),
        Err(e) => return Err(e),
    };
    if sender.state != NumberState::Open {
        return Ok(Err("SENDER_NOT_CONNECTED".into()));
    }
    if sender.provider == Provider::Meta {
        // Meta allows only templates here; the link's token is their code. Links are
        // `{base}/connect/{token}`, so the token is the URL's last segment.
        let token = url.rsplit('/').next().unwrap_or_default();
        return Ok(super::meta_numbers::send_link(state, &sender, to, &template, token).await);
    }
    let Some(engine) = state.engines.get(&sender.engine) else {
        return Ok(Err("SENDER_NOT_CONNECTED".into()));
    };
    let body = render(&template.body, &to.name, url);
    Ok(match engine.send_text(&numbers::ctx(&sender), &to.phone, &body).await {
        Ok(_) => Ok(()),
        Err(err) => Err(format!("SEND_FAILED: {err}")),
    })
}

/// Fills `{{name}}` and `{{link}}` (with or without spaces inside the braces).
pub fn render(body: &str, name: &str, link: &str) -> String {
    body.replace("{{ name }}", name)
        .replace("{{name}}", name)
        .replace("{{ link }}", link)
        .replace("{{link}}", link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_both_placeholders() {
        assert_eq!(
            render("Oi {{name}}, conecte: {{ link }}", "Ana", "https://x/c/rp_1"),
            "Oi Ana, conecte: https://x/c/rp_1"
        );
    }
}
