use leptos::prelude::*;

use crate::serverfns::get_server_info;

/// The landing page: what Pairlink is, where the API lives, and a live check of the server
/// that only works once the page has hydrated.
#[component]
pub fn HomePage() -> impl IntoView {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser, so this flips once the WASM has taken over.
    Effect::new(move |_| hydrated.set(true));
    let check = Action::new(|_: &()| get_server_info());

    view! {
        <div id="home" class="min-h-screen bg-slate-50 text-slate-900" data-hydrated=move || hydrated.get().to_string()>
            <div class="mx-auto max-w-2xl px-6 py-16">
                <h1 class="text-3xl font-bold tracking-tight">"Pairlink"</h1>
                <p class="mt-3 text-lg text-slate-600">
                    "Hosted pairing links for WhatsApp numbers: your platform asks for a link, your customer scans, you get a webhook."
                </p>
                <ul class="mt-8 space-y-2 text-slate-700">
                    <li>"REST API under " <code class="rounded bg-slate-200 px-1">"/v1"</code></li>
                    <li>"Reference: " <a class="text-emerald-700 underline" href="/docs">"/docs"</a> " · " <a class="text-emerald-700 underline" href="/openapi.json">"/openapi.json"</a></li>
                </ul>
                <div class="mt-10 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
                    <button
                        class="rounded-md bg-emerald-600 px-4 py-2 font-medium text-white hover:bg-emerald-700 disabled:opacity-50"
                        disabled=move || !hydrated.get() || check.pending().get()
                        on:click=move |_| { check.dispatch(()); }
                    >
                        "Check the server"
                    </button>
                    <p id="server-info" class="mt-3 text-sm text-slate-600" role="status">
                        {move || match check.value().get() {
                            None if hydrated.get() => "Ready.".to_string(),
                            None => "Loading…".to_string(),
                            Some(Ok(info)) => format!(
                                "Pairlink {} on {}{}",
                                info.version,
                                info.database,
                                if info.sandbox { ", sandbox on" } else { "" },
                            ),
                            Some(Err(e)) => format!("The server did not answer: {e}"),
                        }}
                    </p>
                </div>
            </div>
        </div>
    }
}
