//! `/admin/login`: email and password. Works before the WASM arrives (a plain form post).
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    serverfns::admin::AdminLogin,
    ui::{
        components::{ErrorNotice, class},
        layouts::AuthLayout,
    },
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<AdminLogin>::new();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="Sign in · Pairlink" />
        <AuthLayout>
            <div id="login" data-hydrated=move || hydrated.get().to_string() class=class::CARD>
                <h1 class="text-xl font-semibold text-slate-900">"Sign in to Pairlink"</h1>
                <p class="mt-1 text-sm text-slate-600">"Manage your numbers, links, branding and webhooks."</p>
                <ActionForm action=login attr:class="mt-6 space-y-4">
                    <div>
                        <label for="email" class=class::LABEL>"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required class=class::INPUT />
                    </div>
                    <div>
                        <label for="password" class=class::LABEL>"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required class=class::INPUT />
                    </div>
                    {move || login.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
                    <button type="submit" class=format!("{} w-full", class::PRIMARY) disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </div>
        </AuthLayout>
    }
}
