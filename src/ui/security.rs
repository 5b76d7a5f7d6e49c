//! Response headers for pages: a Content Security Policy whose only inline scripts are Leptos's
//! own (by nonce), no referrer (the connect page's URL carries its token), no MIME sniffing,
//! and framing only by the origins a tenant allows.

/// Sets the headers on the page being rendered. A no-op in the browser.
#[allow(unused_variables)]
pub fn page_headers(frame_ancestors: &[String], facebook: bool) {
    #[cfg(feature = "ssr")]
    {
        use axum::http::{HeaderName, HeaderValue, header};
        let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
            return;
        };
        let nonce = leptos::nonce::use_nonce().map(|n| n.to_string()).unwrap_or_default();
        let csp = policy(&nonce, frame_ancestors, facebook);
        let set = |name: HeaderName, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                response.insert_header(name, v);
            }
        };
        set(header::CONTENT_SECURITY_POLICY, &csp);
        set(header::REFERRER_POLICY, "no-referrer");
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        // Pages are per person (the connect page's URL is its token): never kept by a cache.
        set(header::CACHE_CONTROL, "no-store");
    }
}

/// `facebook` opens the doors Meta's JS SDK needs for Embedded Signup, on pages that run it.
pub fn policy(nonce: &str, frame_ancestors: &[String], facebook: bool) -> String {
    let ancestors = if frame_ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        frame_ancestors.join(" ")
    };
    let (fb_script, fb_frame, fb_connect) = if facebook {
        (
            " https://connect.facebook.net",
            " frame-src https://www.facebook.com https://web.facebook.com;",
            " https://*.facebook.com",
        )
    } else {
        ("", "", "")
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{fb_script}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: https:; connect-src 'self'{fb_connect};{fb_frame} object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors {ancestors}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_only_listed_frame_ancestors_and_nonced_scripts() {
        let p = policy("abc", &[], false);
        assert!(!p.contains("facebook"));
        assert!(policy("abc", &[], true).contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval' https://connect.facebook.net;"));
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(!p.contains("unsafe-inline';") || !p.contains("script-src 'self' 'unsafe-inline'"));
        assert!(p.ends_with("frame-ancestors 'none'"));
        assert!(
            policy("n", &["https://a.example".into(), "https://b.example".into()], false)
                .ends_with("frame-ancestors https://a.example https://b.example")
        );
    }
}
