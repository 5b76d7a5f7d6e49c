//! Branding rules: what a valid value is, how a patch applies, and how the page's branding is
//! resolved (URL query > link override > tenant > defaults).
use super::{HexColor, HttpsUrl, Invalid, LogoId, short_text};
use crate::types::branding::{Branding, BrandingPatch};

const COMPANY_MAX: usize = 60;
const SUBTITLE_MAX: usize = 120;

/// Where uploaded logos are served; `{LOGO_PATH}{id}` is a logo URL of our own.
pub const LOGO_PATH: &str = "/assets/logos/";

/// The logo id in one of our own logo paths (`/assets/logos/logo_…`), if `url` is one.
pub fn own_logo_id(url: &str) -> Option<LogoId> {
    let id = url.trim().strip_prefix(LOGO_PATH)?;
    let hex = id.strip_prefix(LogoId::PREFIX)?;
    let ok = hex.len() == 32 && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    ok.then(|| LogoId::from_trusted(id))
}

/// `b` as an API client sees it: a logo uploaded here is stored as our own path, which means
/// nothing on the platform's side, so it is given as a full URL on `base`.
pub fn with_absolute_logo(mut b: Branding, base: &str) -> Branding {
    if let Some(url) = &b.logo_url
        && own_logo_id(url).is_some()
    {
        b.logo_url = Some(format!("{}{}", base.trim_end_matches('/'), url.trim()));
    }
    b
}

/// Checks every set field of stored-shape branding (used for per-link overrides).
pub fn validate_branding(b: &Branding) -> Result<Branding, Invalid> {
    validate(b, false)
}

/// `own_logo`: whether `logoUrl` may be one of our own logo paths, which only the tenant's
/// branding allows, because only its service checks that the tenant uploaded the logo.
fn validate(b: &Branding, own_logo: bool) -> Result<Branding, Invalid> {
    let url = |field, v: &Option<String>| {
        v.as_deref()
            .map(|s| HttpsUrl::parse(field, s).map(|u| u.as_str().to_owned()))
            .transpose()
    };
    let logo = match b.logo_url.as_deref() {
        Some(s) if own_logo && own_logo_id(s).is_some() => Some(s.trim().to_owned()),
        _ => url("logoUrl", &b.logo_url)?,
    };
    let color = |field, v: &Option<String>| {
        v.as_deref()
            .map(|s| HexColor::parse(field, s).map(|c| c.as_str().to_owned()))
            .transpose()
    };
    let text = |field, v: &Option<String>, max| v.as_deref().map(|s| short_text(field, s, max)).transpose();
    Ok(Branding {
        logo_url: logo,
        primary_color: color("primaryColor", &b.primary_color)?,
        background_color: color("backgroundColor", &b.background_color)?,
        company_name: text("companyName", &b.company_name, COMPANY_MAX)?.filter(|s| !s.is_empty()),
        subtitle: text("subtitle", &b.subtitle, SUBTITLE_MAX)?.filter(|s| !s.is_empty()),
        support_url: url("supportUrl", &b.support_url)?,
        default_redirect_url: url("defaultRedirectUrl", &b.default_redirect_url)?,
        hide_pilot_status_branding: b.hide_pilot_status_branding,
    })
}

/// Applies a patch to the tenant's branding: omitted fields stay, `null` clears, values are
/// validated; the logo may be one uploaded here (whose owner the caller checks).
pub fn apply_patch(current: &Branding, patch: &BrandingPatch) -> Result<Branding, Invalid> {
    fn pick<T: Clone>(current: &Option<T>, patch: &Option<Option<T>>) -> Option<T> {
        match patch {
            None => current.clone(),
            Some(v) => v.clone(),
        }
    }
    let merged = Branding {
        logo_url: pick(&current.logo_url, &patch.logo_url),
        primary_color: pick(&current.primary_color, &patch.primary_color),
        background_color: pick(&current.background_color, &patch.background_color),
        company_name: pick(&current.company_name, &patch.company_name),
        subtitle: pick(&current.subtitle, &patch.subtitle),
        support_url: pick(&current.support_url, &patch.support_url),
        default_redirect_url: pick(&current.default_redirect_url, &patch.default_redirect_url),
        hide_pilot_status_branding: pick(&current.hide_pilot_status_branding, &patch.hide_pilot_status_branding),
    };
    validate(&merged, true)
}

/// The branding a page shows. `query` holds only the cosmetic fields a URL may set, already
/// validated; the redirect and the footer switch never come from a URL.
pub fn resolve_branding(query: &Branding, link: &Branding, tenant: &Branding, locale: &str) -> Branding {
    let first = |get: fn(&Branding) -> &Option<String>| get(query).clone().or_else(|| get(link).clone()).or_else(|| get(tenant).clone());
    Branding {
        logo_url: first(|b| &b.logo_url),
        primary_color: first(|b| &b.primary_color).or_else(|| Some("#047857".into())),
        background_color: first(|b| &b.background_color).or_else(|| Some("#F8FAFC".into())),
        company_name: first(|b| &b.company_name).or_else(|| Some("Pairlink".into())),
        subtitle: first(|b| &b.subtitle).or_else(|| Some(default_subtitle(locale).into())),
        support_url: link.support_url.clone().or_else(|| tenant.support_url.clone()),
        default_redirect_url: link.default_redirect_url.clone().or_else(|| tenant.default_redirect_url.clone()),
        hide_pilot_status_branding: Some(
            link.hide_pilot_status_branding
                .or(tenant.hide_pilot_status_branding)
                .unwrap_or(false),
        ),
    }
}

/// Only the cosmetic fields, each kept if valid and dropped if not: a bad query parameter must
/// not break a customer's page.
pub fn cosmetic_from_query(params: &[(String, String)]) -> Branding {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    Branding {
        logo_url: get("logoUrl")
            .and_then(|v| HttpsUrl::parse("logoUrl", v).ok())
            .map(|u| u.as_str().to_owned()),
        primary_color: get("primaryColor")
            .and_then(|v| HexColor::parse("primaryColor", v).ok())
            .map(|c| c.as_str().to_owned()),
        background_color: get("backgroundColor")
            .and_then(|v| HexColor::parse("backgroundColor", v).ok())
            .map(|c| c.as_str().to_owned()),
        company_name: get("companyName")
            .and_then(|v| short_text("companyName", v, COMPANY_MAX).ok())
            .filter(|s| !s.is_empty()),
        subtitle: get("subtitle")
            .and_then(|v| short_text("subtitle", v, SUBTITLE_MAX).ok())
            .filter(|s| !s.is_empty()),
        ..Branding::default()
    }
}

fn default_subtitle(locale: &str) -> &'static str {
    let lang = locale.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    match lang.as_str() {
        "pt" => "Conexão WhatsApp",
        "es" => "Conexión WhatsApp",
        _ => "WhatsApp connection",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_color(c: &str) -> Branding {
        Branding {
            primary_color: Some(c.into()),
            ..Branding::default()
        }
    }

    #[test]
    fn patches_keep_omitted_fields_and_clear_nulls() {
        let current = Branding {
            company_name: Some("Acme".into()),
            subtitle: Some("Hi".into()),
            ..Branding::default()
        };
        let patch: BrandingPatch = serde_json::from_str(r##"{"subtitle": null, "primaryColor": "#aabbcc"}"##).unwrap();
        let next = apply_patch(&current, &patch).unwrap();
        assert_eq!(next.company_name.as_deref(), Some("Acme"));
        assert_eq!(next.subtitle, None);
        assert_eq!(next.primary_color.as_deref(), Some("#AABBCC"));
    }

    #[test]
    fn invalid_values_name_their_field() {
        for (json, field) in [
            (r#"{"primaryColor": "blue"}"#, "primaryColor"),
            (r#"{"logoUrl": "http://acme.example/l.png"}"#, "logoUrl"),
            (
                r#"{"companyName": "0123456789012345678901234567890123456789012345678901234567890"}"#,
                "companyName",
            ),
            (r#"{"defaultRedirectUrl": "javascript:alert(1)"}"#, "defaultRedirectUrl"),
        ] {
            let patch: BrandingPatch = serde_json::from_str(json).unwrap();
            assert_eq!(apply_patch(&Branding::default(), &patch).unwrap_err().field, field);
        }
    }

    #[test]
    fn api_clients_see_uploaded_logos_as_full_urls() {
        let own = Branding {
            logo_url: Some("/assets/logos/logo_0123456789abcdef0123456789abcdef".into()),
            ..Branding::default()
        };
        assert_eq!(
            with_absolute_logo(own, "https://pair.example.com/").logo_url.as_deref(),
            Some("https://pair.example.com/assets/logos/logo_0123456789abcdef0123456789abcdef")
        );
        let elsewhere = Branding {
            logo_url: Some("https://cdn.acme.example/logo.png".into()),
            ..Branding::default()
        };
        assert_eq!(
            with_absolute_logo(elsewhere, "https://pair.example.com").logo_url.as_deref(),
            Some("https://cdn.acme.example/logo.png")
        );
        assert_eq!(with_absolute_logo(Branding::default(), "https://pair.example.com").logo_url, None);
    }

    #[test]
    fn own_logo_paths_are_for_the_tenant_branding_only() {
        let path = "/assets/logos/logo_0123456789abcdef0123456789abcdef";
        assert_eq!(own_logo_id(path).unwrap().as_str(), "logo_0123456789abcdef0123456789abcdef");
        for bad in [
            "/assets/logos/logo_x",
            "/assets/logos/../etc",
            "/other/logo_0123456789abcdef0123456789abcdef",
            "",
        ] {
            assert!(own_logo_id(bad).is_none(), "{bad}");
        }
        let patch = BrandingPatch {
            logo_url: Some(Some(path.into())),
            ..BrandingPatch::default()
        };
        assert_eq!(apply_patch(&Branding::default(), &patch).unwrap().logo_url.as_deref(), Some(path));
        let link = Branding {
            logo_url: Some(path.into()),
            ..Branding::default()
        };
        assert_eq!(validate_branding(&link).unwrap_err().field, "logoUrl");
    }

    #[test]
    fn resolution_prefers_query_then_link_then_tenant_then_defaults() {
        let tenant = Branding {
            company_name: Some("Tenant".into()),
            ..with_color("#000001")
        };
        let link = with_color("#000002");
        let query = with_color("#000003");
        assert_eq!(
            resolve_branding(&query, &link, &tenant, "en").primary_color.as_deref(),
            Some("#000003")
        );
        assert_eq!(
            resolve_branding(&Branding::default(), &link, &tenant, "en")
                .primary_color
                .as_deref(),
            Some("#000002")
        );
        let r = resolve_branding(&Branding::default(), &Branding::default(), &tenant, "pt-BR");
        assert_eq!(r.primary_color.as_deref(), Some("#000001"));
        assert_eq!(r.company_name.as_deref(), Some("Tenant"));
        assert_eq!(r.subtitle.as_deref(), Some("Conexão WhatsApp"));
        assert_eq!(r.hide_pilot_status_branding, Some(false));
        let d = resolve_branding(&Branding::default(), &Branding::default(), &Branding::default(), "xx");
        assert_eq!(
            (d.company_name.as_deref(), d.subtitle.as_deref()),
            (Some("Pairlink"), Some("WhatsApp connection"))
        );
    }

    #[test]
    fn the_query_sets_only_valid_cosmetic_fields() {
        let params: Vec<(String, String)> = [
            ("primaryColor", "#112233"),
            ("backgroundColor", "nope"),
            ("defaultRedirectUrl", "https://evil.example"),
            ("companyName", "Acme"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let b = cosmetic_from_query(&params);
        assert_eq!(b.primary_color.as_deref(), Some("#112233"));
        assert_eq!(b.background_color, None);
        assert_eq!(b.default_redirect_url, None);
        assert_eq!(b.company_name.as_deref(), Some("Acme"));
    }
}
