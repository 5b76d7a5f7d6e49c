use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{ParentRoute, Redirect, Route, Router, Routes},
};

use crate::ui::{
    assets::{Assets, PageAssets},
    layouts::AdminLayout,
    pages::{HomePage, admin},
};

/// The document of every page but the connect page (which has its own, see
/// `ui::pages::connect::document`): the dashboard's bundle, whose hydration is the whole app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let assets = expect_context::<Assets>();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options />
                <PageAssets css=assets.css bundle=assets.dashboard />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every page: no framing, nonced scripts. The connect page widens framing per tenant.
    crate::ui::security::page_headers(&[], false);
    view! {
        <Title text="Pairlink" />
        <Router>
            <Routes fallback=|| view! { <p class="p-8">"Page not found."</p> }.into_view()>
                <Route path=StaticSegment("") view=HomePage />
                // The dashboard: rendered whole, so a missing session redirects before any byte is sent.
                <Route path=(StaticSegment("admin"), StaticSegment("login")) view=admin::LoginPage ssr=SsrMode::Async />
                <ParentRoute path=StaticSegment("admin") view=AdminLayout ssr=SsrMode::Async>
                    <Route path=StaticSegment("") view=|| view! { <Redirect path="/admin/numbers" /> } ssr=SsrMode::Async />
                    <Route path=StaticSegment("numbers") view=admin::NumbersPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("links") view=admin::LinksPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("keys") view=admin::KeysPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("webhooks") view=admin::WebhooksPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("branding") view=admin::BrandingPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("audit") view=admin::AuditPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("account") view=admin::AccountPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
