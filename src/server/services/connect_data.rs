//! The connect page's data: everything `/connect/{token}` renders from (the link, or why it is
//! dead, in its tenant's branding; the language; the device), when a page without JavaScript
//! looks again, and the page's plain-HTML addresses. The link's own reads are `public`'s.
use super::public::{Access, info_of, resolve};
use crate::server::{
    domain::{LinkToken, cosmetic_from_query, resolve_branding},
    error::ApiResult,
    state::AppState,
};
use crate::types::{
    branding::Branding,
    connect::{ConnectPageData, DeadLink, MetaSetup, PageUrls},
    links::TokenStatusOut,
};
use crate::ui::i18n::Locale;

/// The `source` of the messages the page posts to its embedder: the documented product's
/// envelope when asked for, ours otherwise.
pub fn embed_source(envelope: Option<&str>) -> &'static str {
    match envelope {
        Some("pilot-status") => "pilot-status-embed",
        _ => "pairlink-embed",
    }
}

/// Everything the connect page renders from: the link (or why it is dead, in its tenant's
/// branding), the language and the device.
pub async fn page(
    state: &AppState,
    token: &str,
    query: &[(String, String)],
    accept_language: &str,
    user_agent: &str,
) -> ApiResult<ConnectPageData> {
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let parent_origin = param("parentOrigin").and_then(origin_of);
    let (info, status, dead, link) = match resolve(state, token, Access::View).await {
        Ok(r) => {
            let (info, status) = info_of(state, &r, query).await?;
            (Some(info), Some(status), None, Some(r.link))
        }
        Err(err) if err.code.starts_with("LINK_") => {
            let link = state.store.find_link_by_token(&LinkToken::from_path(token).hash()).await?;
            let refresh_url = link
                .as_ref()
                .and_then(|l| l.refresh_url.clone())
                .filter(|_| err.code == "LINK_EXPIRED");
            (
                None,
                None,
                Some(DeadLink {
                    code: err.code.into(),
                    refresh_url,
                }),
                link,
            )
        }
        Err(err) => return Err(err),
    };
    let locale = link
        .as_ref()
        .and_then(|l| l.locale.as_deref())
        .and_then(Locale::parse)
        .or_else(|| param("lang").and_then(Locale::parse))
        .or_else(|| Locale::from_accept_language(accept_language))
        .unwrap_or(Locale::En);
    let branding = match (&info, &link) {
        (Some(info), _) => info.branding.clone(),
        (None, Some(link)) => {
            let tenant = state.store.settings(&link.tenant_id).await?.branding;
            resolve_branding(&cosmetic_from_query(query), &link.branding, &tenant, locale.tag())
        }
        (None, None) => resolve_branding(
            &cosmetic_from_query(query),
            &Branding::default(),
            &Branding::default(),
            locale.tag(),
        ),
    };
    // Phones lead with the pairing code; the page's own switch (a plain link) picks either.
    let mobile = match param("method") {
        Some("code") => true,
        Some("qr") => false,
        _ => ["Mobi", "Android", "iPhone", "iPad"].iter().any(|m| user_agent.contains(m)),
    };
    let refresh_seconds = status.as_ref().and_then(|s| refresh_after(s, state.clock.now()));
    let setup = |flow: String| MetaSetup {
        flow,
        app_id: state.config.meta_app_id.clone(),
        config_id: state.config.meta_config_id.clone(),
        graph_version: state.config.meta_graph_version.clone(),
    };
    let meta = link.as_ref().and_then(|l| l.meta_flow.clone()).map(setup);
    let settings = match &link {
        Some(l) => Some(state.store.settings(&l.tenant_id).await?),
        None => None,
    };
    let official = (link.as_ref().is_some_and(|l| l.meta_flow.is_none() && l.number_id.is_some())
        && settings.as_ref().is_some_and(|s| s.official_fallback)
        && super::meta::signup_ready(state))
    .then(|| setup("coexistence".into()));
    let frame_ancestors = settings.map(|s| s.embed_origins).unwrap_or_default();
    Ok(ConnectPageData {
        token: token.to_owned(),
        locale: locale.tag().into(),
        mobile,
        method_chosen: param("method").is_some(),
        branding,
        info,
        status,
        dead,
        parent_origin,
        embed_source: embed_source(param("envelope")).into(),
        frame_ancestors,
        meta,
        official,
        urls: PageUrls {
            share: format!("{}{}", state.public_base, page_path(token)),
            ..page_urls(token, query)
        },
        start_failed: param("failed").is_some(),
        refresh_seconds,
        handoff: None,
        passkey_extension_url: Some(state.config.passkey_extension_url.clone()).filter(|u| !u.is_empty()),
        credentials_refused: None,
    })
}

/// When a page without JavaScript should look again: at the QR's next rotation (or within
/// five seconds, to see a scan succeed), while a window is open or waits for the phone.
fn refresh_after(status: &TokenStatusOut, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    const LOOK_AGAIN: i64 = 5;
    if status.is_fully_connected {
        return None;
    }
    match status.link_state.as_str() {
        "qr" | "code" if status.seconds_left > 0 => {
            let rotation = status.qr_expires_at.map_or(LOOK_AGAIN, |at| (at - now).num_seconds() + 1);
            Some(rotation.min(status.seconds_left + 1).clamp(1, LOOK_AGAIN))
        }
        "passkey_required" => Some(LOOK_AGAIN),
        _ => None,
    }
}

/// The page's plain-HTML actions, keeping its query (language, cosmetic branding, the
/// embedding origin) but not the one-off `failed` flag or the method being switched.
pub fn page_urls(token: &str, query: &[(String, String)]) -> PageUrls {
    let page = page_path(token);
    let kept = |skip_method: bool| {
        query
            .iter()
            .filter(move |(k, _)| k != "failed" && !(skip_method && k == "method"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    };
    PageUrls {
        start: with_query(&format!("{page}/start"), kept(false)),
        handoff: with_query(&format!("{page}/handoff"), kept(false)),
        credentials: with_query(&format!("{page}/credentials"), kept(false)),
        show_qr: with_query(&page, kept(true).chain([("method", "qr")])),
        show_code: with_query(&page, kept(true).chain([("method", "code")])),
        share: String::new(),
    }
}

/// `/connect/{token}`, the token escaped (a hostile one stays one path segment).
pub fn page_path(token: &str) -> String {
    format!(
        "/connect/{}",
        url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
    )
}

pub fn with_query<'a>(path: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.extend_pairs(pairs);
    match q.finish() {
        q if q.is_empty() => path.to_owned(),
        q => format!("{path}?{q}"),
    }
}

/// `https://host[:port]` (or plain http for this machine), the only form `postMessage` targets.
pub fn origin_of(value: &str) -> Option<String> {
    let url = url::Url::parse(value).ok()?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
    let ok_scheme = url.scheme() == "https" || (url.scheme() == "http" && local);
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none() && url.username().is_empty();
    (ok_scheme && bare).then(|| url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn a_page_without_script_reloads_by_the_next_qr_rotation() {
        let now = chrono::Utc::now();
        let status = |link_state: &str, qr_in: Option<i64>, window: i64| TokenStatusOut {
            state: "CONNECTING".into(),
            is_fully_connected: false,
            primary_link: crate::types::numbers::LinkOut {
                state: "CONNECTING".into(),
                connected_at: None,
            },
            secondary_link: None,
            link_state: link_state.into(),
            failure: None,
            qrcode_base64: None,
            pairing_code: None,
            qr_expires_at: qr_in.map(|s| now + Duration::seconds(s)),
            seconds_left: window,
            expires_at: now,
            passkey: None,
        };
        assert_eq!(refresh_after(&status("qr", Some(2), 100), now), Some(3), "just after the rotation");
        assert_eq!(
            refresh_after(&status("qr", Some(50), 100), now),
            Some(5),
            "soon enough to see a scan"
        );
        assert_eq!(refresh_after(&status("qr", Some(-3), 100), now), Some(1));
        assert_eq!(refresh_after(&status("code", None, 100), now), Some(5));
        assert_eq!(refresh_after(&status("qr", Some(50), 0), now), None, "the window is over");
        assert_eq!(refresh_after(&status("idle", None, 0), now), None);
        assert_eq!(refresh_after(&status("failed", None, 0), now), None);
    }

    #[test]
    fn page_urls_keep_the_query_but_the_flag_and_the_method() {
        let q = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
        let urls = page_urls("rp_a b", &q(&[("lang", "es"), ("failed", "1"), ("method", "code")]));
        assert_eq!(urls.start, "/connect/rp_a+b/start?lang=es&method=code");
        assert_eq!(urls.show_qr, "/connect/rp_a+b?lang=es&method=qr");
        assert_eq!(urls.show_code, "/connect/rp_a+b?lang=es&method=code");
        assert_eq!(page_urls("rp_x", &[]).start, "/connect/rp_x/start");
        assert_eq!(page_path("rp_x/../admin"), "/connect/rp_x%2F..%2Fadmin", "one path segment");
    }

    #[test]
    fn the_documented_envelope_only_when_asked_for() {
        assert_eq!(embed_source(Some("pilot-status")), "pilot-status-embed");
        for other in [None, Some(""), Some("pairlink"), Some("PILOT-STATUS")] {
            assert_eq!(embed_source(other), "pairlink-embed", "{other:?}");
        }
    }

    #[test]
    fn parent_origins_must_be_bare_https_origins() {
        assert_eq!(origin_of("https://app.example.com").as_deref(), Some("https://app.example.com"));
        assert_eq!(
            origin_of("https://app.example.com:8443/").as_deref(),
            Some("https://app.example.com:8443")
        );
        assert_eq!(origin_of("http://localhost:5173").as_deref(), Some("http://localhost:5173"));
        for bad in [
            "http://app.example.com",
            "https://app.example.com/path",
            "*",
            "javascript:alert(1)",
            "https://a.example?x=1",
            "",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }
}
