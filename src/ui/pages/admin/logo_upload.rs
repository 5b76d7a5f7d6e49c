//! Uploading a logo on `/admin/branding`: the file goes to `POST /api/branding/logo`, which
//! checks its content; the answer's path fills the logo field, so the preview shows it before
//! the branding is saved.
use leptos::prelude::*;

use crate::ui::{components::class, layouts::use_admin};

/// What the last upload came to: the stored logo's file name, or why it was refused.
type Outcome = Option<Result<String, String>>;

#[component]
pub fn LogoUpload(logo_url: RwSignal<String>) -> impl IntoView {
    let csrf = use_admin().csrf();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) {
                busy.set(true);
                leptos::task::spawn_local(async move {
                    let result = send(&form).await.map(|logo| {
                        logo_url.set(logo.path);
                        logo.file_name
                    });
                    outcome.set(Some(result));
                    busy.set(false);
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (logo_url, outcome);
    };
    view! {
        <form on:submit=on_submit class=format!("{} space-y-3", class::CARD) aria-labelledby="logo-title" data-testid="logo-upload">
            <h2 id="logo-title" class="font-semibold">"Logo"</h2>
            <input type="hidden" name="csrf" value=csrf />
            <div class="flex flex-col gap-2 sm:flex-row sm:items-end">
                <div class="grow">
                    <label for="logo-file" class=class::LABEL>"Upload a logo (PNG, JPEG or WebP, up to 2 MB)"</label>
                    <input
                        id="logo-file"
                        name="logo"
                        type="file"
                        required
                        accept="image/png,image/jpeg,image/webp"
                        aria-describedby="logo-outcome"
                        class="mt-1 block w-full text-sm text-slate-800 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:text-sm file:font-medium"
                    />
                </div>
                <button type="submit" class=class::SECONDARY disabled=move || busy.get()>
                    {move || if busy.get() { "Uploading…" } else { "Upload logo" }}
                </button>
            </div>
            <div id="logo-outcome">{move || shown(outcome.get())}</div>
        </form>
    }
}

fn shown(outcome: Outcome) -> impl IntoView {
    outcome.map(|r| match r {
        Ok(name) => view! {
            <p role="status" class="text-sm text-emerald-800">{format!("Uploaded {name}. Save branding to show it on your pages.")}</p>
        }
        .into_any(),
        Err(message) => view! {
            <p role="alert" class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200">{message}</p>
        }
        .into_any(),
    })
}

/// POSTs the form as multipart; the stored logo, or the server's sentence for a refusal.
#[cfg(feature = "hydrate")]
async fn send(form: &web_sys::HtmlFormElement) -> Result<crate::types::branding::LogoOut, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let offline = |_| "Could not reach the server; try again.".to_owned();
    let data = web_sys::FormData::new_with_form(form).map_err(|_| "Could not read the chosen file.".to_owned())?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&data);
    let window = web_sys::window().ok_or_else(|| "No browser window.".to_owned())?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init("/api/branding/logo", &init))
        .await
        .map_err(offline)?
        .unchecked_into();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| "The server's answer was not understood.".to_owned())
    } else {
        let body = serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default();
        Err(body["error"].as_str().unwrap_or("The upload failed.").to_owned())
    }
}
