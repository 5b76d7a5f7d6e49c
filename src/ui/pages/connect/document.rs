//! The connect page's whole HTML document, rendered on the server. Its head carries the page's
//! data for the WASM, the stylesheet and the connect bundle alone (never the dashboard's), and,
//! for browsers without JavaScript, a reload while a window is open.
use leptos::prelude::*;

use super::{
    ConnectApp,
    model::{Screen, screen},
    redirect_of,
};
use crate::{
    types::connect::ConnectPageData,
    ui::{
        assets::{Assets, PageAssets},
        i18n::Locale,
    },
};

#[component]
pub fn ConnectDocument(page: ConnectPageData, assets: Assets) -> impl IntoView {
    let locale = Locale::parse(&page.locale).unwrap_or(Locale::En);
    let company = page.branding.company_name.clone().unwrap_or_default();
    let title = format!("{} · {company}", locale.strings().title);
    let data = data_json(&page);
    let refresh = refresh_content(&page);
    // The Facebook SDK shim, for pages that may run Embedded Signup. In the head, not beside
    // the button: a screen built in the browser (the official offer appears when the passkey
    // gate does) comes from a template, whose scripts never run.
    let signup = page.meta.is_some() || page.official.is_some();
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>{title}</title>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <PageAssets css=assets.css bundle=assets.connect />
                <script type="application/json" id="connect-data" inner_html=data></script>
                {signup.then(|| view! { <script src="/meta-signup.js" defer></script> })}
                {refresh.map(|content| view! { <noscript><meta http-equiv="refresh" content=content /></noscript> })}
            </head>
            <body>
                <ConnectApp page />
            </body>
        </html>
    }
}

/// The page's data as JSON the HTML parser cannot end early: `<` never appears raw, so no
/// `</script>` in a company name closes the element.
fn data_json(page: &ConnectPageData) -> String {
    serde_json::to_string(page).unwrap_or_default().replace('<', "\\u003c")
}

/// `<meta http-equiv="refresh">` for a browser without JavaScript: look again while a window is
/// open; after success, go where the link says (as the live page does).
fn refresh_content(page: &ConnectPageData) -> Option<String> {
    let dead = page.dead.as_ref().map(|d| d.code.as_str());
    let started = page.status.as_ref().is_some_and(|s| s.state == "CONNECTING");
    match screen(page.status.as_ref(), dead, started, 1, page.meta.is_some()) {
        Screen::Success => redirect_of(page).map(|url| format!("3;url={url}")),
        _ => page.refresh_seconds.map(|s| s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{branding::Branding, connect::PageUrls};

    fn page() -> ConnectPageData {
        ConnectPageData {
            token: "rp_x".into(),
            locale: "en".into(),
            mobile: false,
            method_chosen: false,
            branding: Branding {
                company_name: Some("</script><script>alert(1)</script>".into()),
                ..Branding::default()
            },
            info: None,
            status: None,
            dead: None,
            parent_origin: None,
            embed_source: "pairlink-embed".into(),
            frame_ancestors: vec![],
            meta: None,
            official: None,
            urls: PageUrls::default(),
            start_failed: false,
            refresh_seconds: Some(4),
            handoff: None,
            passkey_extension_url: None,
            credentials_refused: None,
        }
    }

    #[test]
    fn the_data_cannot_close_its_script_element() {
        let json = data_json(&page());
        assert!(!json.contains('<'), "{json}");
        let back: ConnectPageData = serde_json::from_str(&json).unwrap();
        assert_eq!(back, page());
    }

    #[test]
    fn a_page_reloads_only_while_it_waits() {
        assert_eq!(refresh_content(&page()).as_deref(), Some("4"));
        let dead = ConnectPageData {
            dead: Some(crate::types::connect::DeadLink {
                code: "LINK_EXPIRED".into(),
                refresh_url: None,
            }),
            refresh_seconds: None,
            ..page()
        };
        assert_eq!(refresh_content(&dead), None);
    }
}
