//! The official rail and Meta links on the connect page: Embedded Signup (a Facebook window)
//! or a form for existing WABA credentials.
use leptos::prelude::*;

use super::{
    super::{Ctx, model::fill},
    Action, ctx,
};

/// The official rail, offered where WhatsApp Web linking cannot work: Meta's Embedded Signup
/// for the same number from the WhatsApp Business app, on this same phone. The server holds
/// the onboarded number to the link's.
#[component]
pub(super) fn Official() -> impl IntoView {
    let c = ctx();
    let problem = RwSignal::new(None::<String>);
    let start = move || signup(c, true, problem);
    view! {
        <section id="official" class="mt-6 rounded-xl border border-slate-200 p-4" aria-labelledby="official-title">
            <h2 id="official-title" class="text-center text-lg font-semibold">{c.text.official_title}</h2>
            <p class="mt-2 text-center text-slate-700">{c.text.official_body}</p>
            <Show when=move || problem.get().is_some()>
                <p role="alert" class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">{move || problem.get()}</p>
            </Show>
            <div class="mt-4"><Action id="official-continue" label=c.text.official_continue on=start /></div>
        </section>
    }
}

/// Runs Embedded Signup for the link's Meta flow (or, `official`, the WhatsApp Web link's
/// official rail) and shows its outcome.
#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
fn signup(c: Ctx, official: bool, problem: RwSignal<Option<String>>) {
    problem.set(None);
    #[cfg(feature = "hydrate")]
    {
        c.busy.set(true);
        let options = c.page.with_value(|p| {
            let m = if official { p.official.clone() } else { p.meta.clone() };
            let coexistence = m.as_ref().is_some_and(|m| m.flow == "coexistence");
            serde_json::json!({
                "token": p.token,
                "appId": m.as_ref().map(|m| m.app_id.clone()),
                "configId": m.as_ref().map(|m| m.config_id.clone()),
                "version": m.as_ref().map(|m| m.graph_version.clone()),
                // Meta's switch for onboarding a WhatsApp Business app number (Coexistence).
                "featureType": if coexistence { "whatsapp_business_app_onboarding" } else { "" },
            })
        });
        leptos::task::spawn_local(async move {
            match super::super::browser::meta_signup(&options).await {
                Ok(done) => meta_connected(&c, &done),
                Err(f) => problem.set(Some(meta_failure(&c, f.code.as_deref(), f.message))),
            }
            c.busy.set(false);
        });
    }
}

/// Meta links: Embedded Signup (a Facebook window) or a form for existing credentials.
#[component]
pub fn Meta() -> impl IntoView {
    let c = ctx();
    let flow = c.page.with_value(|p| p.meta.as_ref().map(|m| m.flow.clone()).unwrap_or_default());
    view! {
        <h1 class="text-center text-2xl font-semibold">{c.text.meta_title}</h1>
        {if flow == "credentials" { view! { <MetaCredentials /> }.into_any() } else { view! { <MetaEmbedded /> }.into_any() }}
    }
}

/// What a failed Meta step tells the person.
fn meta_failure(c: &Ctx, code: Option<&str>, message: Option<String>) -> String {
    match code {
        Some("META_NOT_CONFIGURED") => fill(c.text.meta_not_configured, &[("company", &c.company())]),
        Some("CANCELLED") => c.text.meta_cancelled.to_owned(),
        // The server's sentences for these are meant for the person (and never hold a secret).
        Some(code) if code.starts_with("LINK_") || code.starts_with("META_") || code.starts_with("NUMBER_") => {
            message.unwrap_or_else(|| c.text.error.to_owned())
        }
        _ => c.text.error.to_owned(),
    }
}

/// The credentials form's fields, as the server names them in its errors.
const FIELDS: [&str; 4] = ["wabaId", "phoneNumberId", "accessToken", "pin"];

/// The number is connected: remember what the server said (for the embedding page and the
/// redirect) and show success.
#[cfg(feature = "hydrate")]
fn meta_connected(c: &Ctx, done: &serde_json::Value) {
    let text = |k: &str| done[k].as_str().map(str::to_owned);
    c.page.update_value(|p| {
        if let Some(info) = &mut p.info {
            info.number_id = text("numberId");
            info.masked_number = text("maskedNumber");
            info.redirect_url = text("redirectUrl").or(info.redirect_url.take());
        }
    });
    c.status.update(|s| {
        if let Some(s) = s {
            s.state = "OPEN".into();
            s.is_fully_connected = true;
            s.link_state = "connected".into();
        }
    });
}

#[component]
fn MetaEmbedded() -> impl IntoView {
    let c = ctx();
    let problem = RwSignal::new(None::<String>);
    let coexistence = c.page.with_value(|p| p.meta.as_ref().is_some_and(|m| m.flow == "coexistence"));
    let text = if coexistence {
        c.text.meta_coexistence_body
    } else {
        c.text.meta_embedded_body
    };
    let body = fill(text, &[("company", &c.company())]);
    let start = move || signup(c, false, problem);
    view! {
        <p class="mt-3 text-center text-slate-700">{body}</p>
        <Show when=move || problem.get().is_some()>
            <p role="alert" class="mt-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">{move || problem.get()}</p>
        </Show>
        <div class="mt-6"><Action id="meta-continue" label=c.text.meta_continue on=start /></div>
    }
}

/// Where a refusal shows: under the field it names (`field: why`), or above the button.
fn show_refusal(
    c: &Ctx,
    code: Option<&str>,
    message: Option<String>,
    field_error: RwSignal<Option<(String, String)>>,
    problem: RwSignal<Option<String>>,
) {
    let text = message.clone().unwrap_or_default();
    match text.split_once(": ").filter(|(field, _)| FIELDS.contains(field)) {
        Some((field, why)) => field_error.set(Some((field.to_owned(), why.to_owned()))),
        None => problem.set(Some(meta_failure(c, code, message))),
    }
}

/// Existing WABA credentials. A plain `POST` form, so a tap before the WASM has arrived posts
/// it to the server (never a `GET`, which put the access token in the page's address), and the
/// page comes back with the outcome. Once live, the page reads the fields from the form itself
/// at submit: what was typed before hydration is there, and no `prop:value` sets it back.
#[component]
fn MetaCredentials() -> impl IntoView {
    let c = ctx();
    let fields = [
        ("wabaId", c.text.waba_id, "text"),
        ("phoneNumberId", c.text.phone_number_id, "text"),
        ("accessToken", c.text.access_token, "password"),
        ("pin", c.text.pin, "text"),
    ];
    let field_error = RwSignal::new(None::<(String, String)>);
    let problem = RwSignal::new(None::<String>);
    let (action, refused) = c.page.with_value(|p| (p.urls.credentials.clone(), p.credentials_refused.clone()));
    if let Some(r) = refused {
        show_refusal(&c, Some(&r.code), Some(r.message), field_error, problem);
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        field_error.set(None);
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let data = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                .and_then(|form| web_sys::FormData::new_with_form(&form).ok());
            let field = |name: &str| data.as_ref().and_then(|d| d.get(name).as_string()).unwrap_or_default();
            let body = serde_json::json!({
                "wabaId": field("wabaId"),
                "phoneNumberId": field("phoneNumberId"),
                "accessToken": field("accessToken"),
                "pin": field("pin"),
            });
            let url = c.page.with_value(|p| format!("/v1/remote-pairing/{}/meta/credentials", p.token));
            c.busy.set(true);
            leptos::task::spawn_local(async move {
                match super::super::browser::post_json(&url, &body).await {
                    Ok(text) => meta_connected(&c, &serde_json::from_str(&text).unwrap_or_default()),
                    Err(f) => show_refusal(&c, f.code.as_deref(), f.message, field_error, problem),
                }
                c.busy.set(false);
            });
        }
    };
    view! {
        <p class="mt-3 text-center text-slate-700">{c.text.meta_credentials_body}</p>
        <form id="meta-credentials" method="post" action=action class="mt-5 space-y-4" on:submit=submit novalidate>
            {fields
                .into_iter()
                .map(|(name, label, kind)| {
                    let error = move || field_error.get().filter(|(f, _)| f == name).map(|(_, why)| why);
                    let error_id = format!("{name}-error");
                    view! {
                        <div>
                            <label for=name class="block text-sm font-medium text-slate-800">{label}</label>
                            <input
                                id=name
                                name=name
                                type=kind
                                autocomplete="off"
                                class="mt-1 w-full rounded-lg border border-slate-300 px-3 py-2 text-slate-900 focus:border-slate-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-slate-300"
                                aria-invalid=move || error().is_some().to_string()
                                aria-describedby=error_id.clone()
                            />
                            <p id=error_id class="mt-1 text-sm text-red-700">{error}</p>
                        </div>
                    }
                })
                .collect_view()}
            <Show when=move || problem.get().is_some()>
                <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">{move || problem.get()}</p>
            </Show>
            <button
                type="submit"
                class="w-full rounded-xl bg-[var(--brand)] px-4 py-3 text-base font-semibold text-[var(--on-brand)] shadow-sm hover:opacity-90 disabled:opacity-60"
                disabled=move || c.busy.get()
            >
                {c.text.connect_number}
            </button>
        </form>
    }
}
