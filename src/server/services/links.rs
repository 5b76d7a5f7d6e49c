//! Hosted pairing links, the tenant's side: create (with a new number), re-issue, revoke.
use chrono::Duration;

use super::{numbers, sending};
use crate::server::{
    auth::ApiClient,
    domain::{ApiKeyId, HttpsUrl, Invalid, LinkId, LinkToken, NumberId, NumberState, Provider, short_text, validate_branding},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{AuditEntry, Link, LinkEnd, LinkIssue, NewLink, Number},
};
use crate::types::{
    branding::Branding,
    links::{ReissueLinkIn, RemotePairingIn},
};

const TTL_RANGE: std::ops::RangeInclusive<i64> = 60..=604_800;

/// A link just made: the only moment its token exists in the clear.
pub struct IssuedLink {
    pub link: Link,
    pub token: LinkToken,
    pub url: String,
    /// `None` for a Meta link: its number exists once the signup completes.
    pub number: Option<Number>,
    pub linked_key: Option<ApiKeyId>,
    /// `None` when no message was asked for; `Some(Err(code))` when sending failed.
    pub message: Option<Result<(), String>>,
}

/// What create and re-issue share, validated.
#[derive(Clone)]
struct Options {
    branding: Branding,
    redirect_url: Option<String>,
    refresh_url: Option<String>,
    external_ref: Option<String>,
    locale: Option<String>,
    ttl: Duration,
    send: bool,
}

pub async fn create(state: &AppState, client: &ApiClient, input: RemotePairingIn) -> ApiResult<IssuedLink> {
    let meta_flow = check_provider(input.provider.as_deref(), input.meta_flow.as_deref())?;
    let options = options(
        state,
        &ReissueLinkIn {
            send_via_whats_app: input.send_via_whats_app,
            branding: input.branding,
            branding_override: input.branding_override,
            redirect_url: input.redirect_url,
            external_ref: input.external_ref,
            ttl_seconds: input.ttl_seconds,
            refresh_url: input.refresh_url,
            locale: input.locale,
        },
    )?;
    if let Some(flow) = meta_flow {
        // The person picks the number inside Meta's signup: no number until it completes.
        let (new_link, token) = new_link(state, None, Some(flow), options);
        let audit = issued(state, client, &new_link);
        let (link, _) = state
            .store
            .issue_link_with(&client.tenant, &new_link, LinkIssue::audited(&audit))
            .await?;
        crate::server::metrics::link_event("created");
        return finish(state, client, link, token, None, None, false).await;
    }
    let (new, event, _engine) = numbers::prepare(state, client, &input.name, &input.number, input.settings.as_ref()).await?;
    let (new_link, token) = new_link(state, Some(new.id.clone()), None, options.clone());
    let moved_key = numbers::key_to_move(client, input.link_to_api_key.unwrap_or(true));
    let audit = issued(state, client, &new_link);
    // The number, its event, the key that follows it, the link and the audit entry: one
    // write transaction (on SQLite's one writer, each transaction is a queue turn).
    let with = LinkIssue {
        new_number: Some((&new, &event)),
        bind_key: moved_key,
        audit: Some(&audit),
    };
    let (link, number) = state
        .store
        .issue_link_with(&client.tenant, &new_link, with)
        .await
        .map_err(numbers::creation_conflict)?;
    crate::server::metrics::link_event("created");
    finish(state, client, link, token, number, moved_key.cloned(), options.send).await
}

/// A new link for a number that is not connected; the previous link dies.
pub async fn reissue(state: &AppState, client: &ApiClient, id: &NumberId, input: ReissueLinkIn) -> ApiResult<IssuedLink> {
    let options = options(state, &input)?;
    let number = numbers::get(state, client, id).await?;
    if number.state == NumberState::Open {
        return Err(numbers::already_connected());
    }
    let (new_link, token) = new_link(state, Some(number.id.clone()), None, options.clone());
    let audit = issued(state, client, &new_link);
    let (link, _) = state
        .store
        .issue_link_with(&client.tenant, &new_link, LinkIssue::audited(&audit))
        .await?;
    crate::server::metrics::link_event("created");
    state.live.notify(&client.tenant, id).await;
    finish(state, client, link, token, Some(number), None, options.send).await
}

pub async fn revoke(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<()> {
    let number = numbers::get(state, client, id).await?;
    let link = state.store.current_link(&client.tenant, &number.id).await?.ok_or_else(no_link)?;
    if !state
        .store
        .end_link(&client.tenant, &link.id, LinkEnd::Revoked, state.clock.now())
        .await?
    {
        return Err(no_link());
    }
    state.live.notify(&client.tenant, id).await;
    super::audit::record(
        state,
        client,
        "link.revoked",
        Some(link.id.as_str()),
        serde_json::json!({ "numberId": id }),
    )
    .await;
    Ok(())
}

/// The most links one bulk revoke takes.
pub const REVOKE_BATCH_MAX: usize = 500;

/// Revokes the live link of each number, one by one as `revoke` does (audit entry and live
/// notice each); returns how many were revoked. A number that is not the caller's, or has no
/// live link (any more), is passed over: a list goes stale while someone ticks boxes.
pub async fn revoke_many(state: &AppState, client: &ApiClient, ids: &[NumberId]) -> ApiResult<u32> {
    if ids.len() > REVOKE_BATCH_MAX {
        return Err(ApiError::validation(
            "numberIds",
            format!("at most {REVOKE_BATCH_MAX} links at a time ({} given)", ids.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut revoked = 0;
    for id in ids.iter().filter(|id| seen.insert(*id)) {
        match revoke(state, client, id).await {
            Ok(()) => revoked += 1,
            Err(err) if err.status == axum::http::StatusCode::NOT_FOUND => {}
            Err(err) => return Err(err),
        }
    }
    Ok(revoked)
}

/// The sandbox's "time passes": the number's live link expires now (demos and tests).
pub async fn expire_now(state: &AppState, client: &ApiClient, number: &NumberId) -> ApiResult<()> {
    let link = state.store.current_link(&client.tenant, number).await?.ok_or_else(no_link)?;
    if !state.store.set_link_expiry(&client.tenant, &link.id, state.clock.now()).await? {
        return Err(no_link());
    }
    state.live.notify(&client.tenant, number).await;
    Ok(())
}

pub fn url(state: &AppState, token: &LinkToken) -> String {
    format!("{}/connect/{}", state.public_base, token.reveal())
}

async fn finish(
    state: &AppState,
    client: &ApiClient,
    link: Link,
    token: LinkToken,
    number: Option<Number>,
    linked_key: Option<ApiKeyId>,
    send: bool,
) -> ApiResult<IssuedLink> {
    let url = url(state, &token);
    let message = match (&number, send) {
        (Some(number), true) => {
            let by = sending::Sender::of(client);
            Some(sending::send_link(state, by, number, &link.id, &url, link.locale.as_deref()).await)
        }
        _ => None,
    };
    Ok(IssuedLink {
        link,
        token,
        url,
        number,
        linked_key,
        message,
    })
}

/// The `link.issued` audit entry, written with the link.
fn issued(state: &AppState, client: &ApiClient, link: &NewLink) -> AuditEntry {
    let detail = serde_json::json!({ "numberId": link.number_id.as_ref().map(ToString::to_string), "expiresAt": link.expires_at });
    super::audit::entry(state, client, "link.issued", Some(link.id.as_str()), detail)
}

fn new_link(state: &AppState, number: Option<NumberId>, meta_flow: Option<&'static str>, o: Options) -> (NewLink, LinkToken) {
    let token = LinkToken::generate();
    let at = state.clock.now();
    let link = NewLink {
        id: LinkId::generate(),
        number_id: number,
        token_hash: token.hash(),
        provider: if meta_flow.is_some() {
            Provider::Meta
        } else {
            Provider::PilotStatus
        },
        meta_flow: meta_flow.map(str::to_owned),
        branding: o.branding,
        redirect_url: o.redirect_url,
        refresh_url: o.refresh_url,
        external_ref: o.external_ref,
        locale: o.locale,
        at,
        expires_at: at + o.ttl,
    };
    (link, token)
}

/// `None` for a QR-paired link, `Some(flow)` for a Meta one. `metaFlow` implies `META`, and
/// `META` alone implies `embedded`, as the reference says.
fn check_provider(provider: Option<&str>, meta_flow: Option<&str>) -> Result<Option<&'static str>, ApiError> {
    match (provider, meta_flow) {
        (None | Some("PILOT_STATUS"), None) => Ok(None),
        (None | Some("META"), Some("embedded")) | (Some("META"), None) => Ok(Some("embedded")),
        (None | Some("META"), Some("credentials")) => Ok(Some("credentials")),
        (None | Some("META"), Some("coexistence")) => Ok(Some("coexistence")),
        (Some("PILOT_STATUS"), Some(_)) => Err(Invalid::new("metaFlow", "applies only to META links").into()),
        (None | Some("META"), Some(_)) => Err(Invalid::new("metaFlow", "must be embedded, coexistence or credentials").into()),
        _ => Err(Invalid::new("provider", "must be PILOT_STATUS or META").into()),
    }
}

fn options(state: &AppState, input: &ReissueLinkIn) -> Result<Options, Invalid> {
    options_with(state.config.link_ttl_seconds, input)
}

fn options_with(default_ttl: i64, input: &ReissueLinkIn) -> Result<Options, Invalid> {
    let ttl = input.ttl_seconds.unwrap_or(default_ttl);
    if !TTL_RANGE.contains(&ttl) {
        return Err(Invalid::new("ttlSeconds", "must be between 60 and 604800"));
    }
    let url = |field: &'static str, v: &Option<String>| {
        v.as_deref()
            .map(|s| HttpsUrl::parse(field, s).map(|u| u.as_str().to_owned()))
            .transpose()
    };
    let locale = input.locale.as_deref().map(str::trim).filter(|l| !l.is_empty());
    if let Some(l) = locale
        && (l.len() > 35 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err(Invalid::new("locale", "must be a language tag like pt-BR"));
    }
    Ok(Options {
        branding: link_branding(input.branding.as_ref(), input.branding_override.as_ref())?,
        redirect_url: url("redirectUrl", &input.redirect_url)?,
        refresh_url: url("refreshUrl", &input.refresh_url)?,
        external_ref: input
            .external_ref
            .as_deref()
            .map(|s| short_text("externalRef", s, 255))
            .transpose()?
            .filter(|s| !s.is_empty()),
        locale: locale.map(str::to_owned),
        ttl: Duration::seconds(ttl),
        send: input.send_via_whats_app.unwrap_or(false),
    })
}

/// `branding` and `brandingOverride` merged field by field, `branding` winning.
fn link_branding(branding: Option<&Branding>, over: Option<&Branding>) -> Result<Branding, Invalid> {
    let (a, b) = (branding.cloned().unwrap_or_default(), over.cloned().unwrap_or_default());
    let which = if branding.is_some() { "branding" } else { "brandingOverride" };
    let merged = Branding {
        logo_url: a.logo_url.or(b.logo_url),
        primary_color: a.primary_color.or(b.primary_color),
        background_color: a.background_color.or(b.background_color),
        company_name: a.company_name.or(b.company_name),
        subtitle: a.subtitle.or(b.subtitle),
        support_url: a.support_url.or(b.support_url),
        default_redirect_url: a.default_redirect_url.or(b.default_redirect_url),
        hide_pilot_status_branding: a.hide_pilot_status_branding.or(b.hide_pilot_status_branding),
    };
    validate_branding(&merged).map_err(|e| e.within(which))
}

fn no_link() -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "LINK_NOT_FOUND", "this number has no live link")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_and_meta_flows() {
        assert_eq!(check_provider(None, None).unwrap(), None);
        assert_eq!(check_provider(Some("PILOT_STATUS"), None).unwrap(), None);
        assert_eq!(check_provider(Some("META"), None).unwrap(), Some("embedded"));
        assert_eq!(check_provider(None, Some("credentials")).unwrap(), Some("credentials"));
        assert_eq!(check_provider(Some("META"), Some("coexistence")).unwrap(), Some("coexistence"));
        assert!(
            check_provider(Some("PILOT_STATUS"), Some("embedded"))
                .unwrap_err()
                .message
                .starts_with("metaFlow")
        );
        assert!(check_provider(None, Some("other")).unwrap_err().message.starts_with("metaFlow"));
        assert!(check_provider(Some("EVOLUTION"), None).unwrap_err().message.starts_with("provider"));
    }

    #[test]
    fn branding_wins_over_branding_override_field_by_field() {
        let a = Branding {
            primary_color: Some("#000001".into()),
            ..Branding::default()
        };
        let b = Branding {
            primary_color: Some("#000002".into()),
            company_name: Some("B".into()),
            ..Branding::default()
        };
        let merged = link_branding(Some(&a), Some(&b)).unwrap();
        assert_eq!(merged.primary_color.as_deref(), Some("#000001"));
        assert_eq!(merged.company_name.as_deref(), Some("B"));
        let bad = Branding {
            primary_color: Some("red".into()),
            ..Branding::default()
        };
        assert_eq!(link_branding(Some(&bad), None).unwrap_err().field, "branding.primaryColor");
        assert_eq!(link_branding(None, Some(&bad)).unwrap_err().field, "brandingOverride.primaryColor");
    }

    #[test]
    fn ttl_and_locale_are_checked() {
        let input = |ttl, locale: &str| ReissueLinkIn {
            ttl_seconds: Some(ttl),
            locale: Some(locale.into()),
            ..ReissueLinkIn::default()
        };
        assert!(options_with(86400, &input(60, "pt-BR")).is_ok());
        assert_eq!(options_with(86400, &input(59, "en")).err().unwrap().field, "ttlSeconds");
        assert_eq!(options_with(86400, &input(604_801, "en")).err().unwrap().field, "ttlSeconds");
        assert_eq!(options_with(86400, &input(3600, "<script>")).err().unwrap().field, "locale");
    }
}
