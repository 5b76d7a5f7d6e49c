//! The dashboard frame: who is signed in, the sections, and the page. Nobody signed in is
//! sent to the sign-in page, on the server before anything renders.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{A, Outlet, Redirect},
    hooks::use_location,
};

use crate::{
    serverfns::admin::{AdminLogout, admin_session},
    types::admin::SessionOut,
    ui::components::{ErrorNotice, Spinner},
};

/// What every dashboard page can reach: the session (its CSRF token goes with each change)
/// and whether the page has hydrated.
#[derive(Clone)]
pub struct Admin {
    pub session: SessionOut,
    pub hydrated: RwSignal<bool>,
}

impl Admin {
    pub fn csrf(&self) -> String {
        self.session.csrf.clone()
    }
}

pub fn use_admin() -> Admin {
    expect_context::<Admin>()
}

const SECTIONS: &[(&str, &str)] = &[
    ("/admin/numbers", "Numbers"),
    ("/admin/links", "Links"),
    ("/admin/keys", "API keys"),
    ("/admin/webhooks", "Webhooks"),
    ("/admin/branding", "Branding"),
    ("/admin/audit", "Audit log"),
    ("/admin/account", "Account"),
];

#[component]
pub fn AdminLayout() -> impl IntoView {
    let session = Resource::new_blocking(|| (), |_| admin_session());
    view! {
        <Title text="Pairlink dashboard" />
        <Suspense fallback=|| view! { <Spinner /> }>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(session) => view! { <Frame session /> }.into_any(),
                    Err(e) if e.code == "UNAUTHENTICATED" => view! { <Redirect path="/admin/login" /> }.into_any(),
                    Err(e) => view! { <div class="p-8"><ErrorNotice error=e /></div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Frame(session: SessionOut) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser: this marks the page live for people and tests.
    Effect::new(move |_| hydrated.set(true));
    let admin = Admin {
        session: session.clone(),
        hydrated,
    };
    provide_context(admin.clone());
    let logout = ServerAction::<AdminLogout>::new();
    let path = use_location().pathname;
    view! {
        <div id="admin" class="min-h-screen bg-slate-50 text-slate-900" data-hydrated=move || hydrated.get().to_string()>
            <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2">
                "Skip to content"
            </a>
            <header class="border-b border-slate-200 bg-white">
                <div class="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3">
                    <div class="min-w-0">
                        <a href="/admin/numbers" class="font-semibold text-slate-900">"Pairlink"</a>
                        <span class="ml-2 truncate text-sm text-slate-600" data-testid="tenant-name">{session.tenant_name.clone()}</span>
                    </div>
                    <div class="flex items-center gap-3">
                        <span class="hidden text-sm text-slate-600 sm:inline">{session.email.clone()}</span>
                        <ActionForm action=logout>
                            <input type="hidden" name="csrf" value=admin.csrf() />
                            <button type="submit" class="text-sm font-medium text-emerald-800 underline-offset-2 hover:underline">"Sign out"</button>
                        </ActionForm>
                    </div>
                </div>
                <nav aria-label="Sections" class="mx-auto max-w-6xl overflow-x-auto px-2">
                    <ul class="flex gap-1 whitespace-nowrap">
                        {SECTIONS
                            .iter()
                            .map(|(href, label)| {
                                let current = move || path.get().starts_with(href);
                                view! {
                                    <li>
                                        <A
                                            href=*href
                                            attr:class=move || {
                                                if current() {
                                                    "block border-b-2 border-emerald-700 px-3 py-2 text-sm font-medium text-emerald-900"
                                                } else {
                                                    "block border-b-2 border-transparent px-3 py-2 text-sm text-slate-700 hover:text-slate-900"
                                                }
                                            }
                                        >
                                            {*label}
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
            </header>
            <main id="main" class="mx-auto max-w-6xl px-4 py-6 sm:py-8">
                <Outlet />
            </main>
        </div>
    }
}

/// The frame of the sign-in page.
#[component]
pub fn AuthLayout(children: Children) -> impl IntoView {
    view! {
        <div class="flex min-h-screen items-center justify-center bg-slate-50 px-4 py-12 text-slate-900">
            <main class="w-full max-w-sm">{children()}</main>
        </div>
    }
}
