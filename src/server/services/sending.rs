//! Sending a pairing link over WhatsApp: the tenant's `pilot_status_remote_pairing` template,
//! from its default sender, through that number's engine. A tenant without a sender of its own
//! may use the operator's (`operator_sender_number_id`), with the tenant's template or a
//! built-in one in the link's language. Failure is reported, never raised: the link was made
//! either way.
use crate::server::{
    auth::ApiClient,
    domain::{LinkId, NumberId, NumberState, Provider, TenantId, message_safe_name},
    state::AppState,
    store::{Number, StoreError, Template},
};

pub const LINK_TEMPLATE: &str = "pilot_status_remote_pairing";

/// Who asks for a link to be sent.
#[derive(Clone, Copy)]
pub struct Sender<'a> {
    tenant: &'a TenantId,
    /// A number-scoped key: it sends from the tenant's number only if the tenant allows it
    /// (`numberKeysSendLinks`), since such a key is handed to one number's integration and
    /// would otherwise message any phone from the tenant's own number.
    number_key: bool,
}

impl<'a> Sender<'a> {
    pub fn of(client: &'a ApiClient) -> Self {
        Self {
            tenant: &client.tenant,
            number_key: client.number.is_some(),
        }
    }
}

/// `Err` carries the documented `messageError` value.
pub async fn send_link(
    state: &AppState,
    by: Sender<'_>,
    to: &Number,
    link: &LinkId,
    url: &str,
    locale: Option<&str>,
) -> Result<(), String> {
    match try_send(state, by, to, link, url, locale).await {
        Ok(result) => result,
        Err(err) => {
            tracing::error!(tenant.id = %by.tenant, error = %err, "sending a link failed on our side");
            Err("SEND_FAILED: internal error".into())
        }
    }
}

async fn try_send(
    state: &AppState,
    by: Sender<'_>,
    to: &Number,
    link: &LinkId,
    url: &str,
    locale: Option<&str>,
) -> Result<Result<(), String>, StoreError> {
    let tenant = by.tenant;
    let settings = state.store.settings(tenant).await?;
    if by.number_key && !settings.number_keys_send_links {
        return Ok(Err(
            "SENDER_NOT_ALLOWED: this tenant does not let number-scoped keys send links".into()
        ));
    }
    let template = state.store.find_template(tenant, LINK_TEMPLATE).await?;
    let own_sender = settings.default_sender;
    if own_sender.is_none()
        && let Some(operator) = operator_sender(state).await?
    {
        // The operator's number speaks for tenants without one: their template, else ours.
        let template = match template {
            Some(t) => t,
            None if operator.provider == Provider::Meta => {
                // Meta sends only templates approved on the sender's account: the operator's.
                match state.store.find_template(&operator.tenant_id, LINK_TEMPLATE).await? {
                    Some(t) => t,
                    None => return Ok(Err("TEMPLATE_NOT_FOUND".into())),
                }
            }
            None => built_in(locale),
        };
        return Ok(send_from(state, &operator, to, link, &template, url).await);
    }
    let Some(template) = template else {
        return Ok(Err("TEMPLATE_NOT_FOUND".into()));
    };
    let Some(sender_id) = own_sender else {
        return Ok(Err("SENDER_NOT_CONFIGURED".into()));
    };
    let sender = match state.store.get_number(tenant, &sender_id).await {
        Ok(n) if n.deleted_at.is_none() => n,
        Ok(_) | Err(StoreError::NotFound) => return Ok(Err("SENDER_NOT_CONFIGURED".into())),
        Err(e) => return Err(e),
    };
    Ok(send_from(state, &sender, to, link, &template, url).await)
}

/// The operator's sender, when configured and still a live number.
async fn operator_sender(state: &AppState) -> Result<Option<Number>, StoreError> {
    let id = state.config.operator_sender_number_id.trim();
    if id.is_empty() {
        return Ok(None);
    }
    let found = state.store.find_number_anywhere(&NumberId::from_trusted(id)).await?;
    if found.is_none() {
        tracing::warn!(number.id = %id, "operator_sender_number_id names no live number");
    }
    Ok(found.filter(|n| n.deleted_at.is_none()))
}

async fn send_from(state: &AppState, sender: &Number, to: &Number, link: &LinkId, template: &Template, url: &str) -> Result<(), String> {
    if sender.state != NumberState::Open {
        return Err("SENDER_NOT_CONNECTED".into());
    }
    if sender.provider == Provider::Meta {
        // Meta allows only templates here; the link's token is their code. Links are
        // `{base}/connect/{token}`, so the token is the URL's last segment.
        let token = url.rsplit('/').next().unwrap_or_default();
        return super::meta_numbers::send_link(state, sender, to, template, token).await;
    }
    if state.engines.get(&sender.engine).is_none() {
        return Err("SENDER_NOT_CONNECTED".into());
    }
    let body = render(&template.body, &message_safe_name(&to.name), url);
    // Sent by the process that runs the sender's session, wherever that is, under an id of
    // this link's: however the send is retried, the customer gets the link once.
    let send = crate::server::pairing::commands::Action::Send {
        to: to.phone.e164(),
        body,
        id: Some(message_id(link)),
    };
    match state.pairing.act(sender, send).await {
        Ok(_) => Ok(()),
        Err(err) => Err(format!("SEND_FAILED: {}", err.into_engine_error())),
    }
}

/// A WhatsApp message id of the link's own (WhatsApp Web's shape: `3EB0` and 20 hex digits),
/// the same on every try.
fn message_id(link: &LinkId) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("pairlink-link-message:{link}").as_bytes());
    let hex: String = digest.iter().take(10).map(|b| format!("{b:02X}")).collect();
    format!("3EB0{hex}")
}

/// The message a link goes out in when the tenant wrote none, in the link's language.
fn built_in(locale: Option<&str>) -> Template {
    // The three languages the page speaks; links store a checked BCP 47 tag.
    let primary = locale
        .unwrap_or_default()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (language, body) = match primary.as_str() {
        "pt" => ("pt_BR", "Olá {{name}}! Conecte seu WhatsApp aqui: {{link}}"),
        "es" => ("es", "¡Hola {{name}}! Conecta tu WhatsApp aquí: {{link}}"),
        _ => ("en", "Hi {{name}}! Connect your WhatsApp here: {{link}}"),
    };
    let now = chrono::DateTime::UNIX_EPOCH;
    Template {
        id: crate::server::domain::TemplateId::from_trusted("tpl_builtin"),
        name: LINK_TEMPLATE.into(),
        category: "OTP".into(),
        language: language.into(),
        body: body.into(),
        created_at: now,
        updated_at: now,
    }
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
    fn the_built_in_message_speaks_the_links_language() {
        assert!(built_in(Some("pt-BR")).body.starts_with("Olá"));
        assert!(built_in(Some("es")).body.starts_with("¡Hola"));
        for other in [None, Some("en"), Some("de")] {
            assert!(built_in(other).body.starts_with("Hi"), "{other:?}");
        }
        assert!(built_in(None).body.contains("{{link}}"));
    }

    #[test]
    fn fills_both_placeholders() {
        assert_eq!(
            render("Oi {{name}}, conecte: {{ link }}", "Ana", "https://x/c/rp_1"),
            "Oi Ana, conecte: https://x/c/rp_1"
        );
    }
}
