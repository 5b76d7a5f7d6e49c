//! WhatsApp's passkey gate on the connect page: what it asks, the hand-off to a computer, and
//! the ceremony the extension there runs.
use leptos::prelude::*;

use super::{Official, ctx};

/// WhatsApp's passkey gate. The assertion is bound to WhatsApp's own web origin, so no page
/// of ours can produce it: the page says so and helps the person carry the link to a
/// computer (copy, e-mail, WhatsApp), while WhatsApp keeps the request open.
#[component]
pub fn Passkey() -> impl IntoView {
    let c = ctx();
    let link = c.page.with_value(|p| p.urls.share.clone());
    let encoded = js_encode(&link);
    let mail = format!("mailto:?subject={}&body={encoded}", js_encode(c.text.passkey_subject));
    let whatsapp = format!("https://wa.me/?text={encoded}");
    let copied = RwSignal::new(false);
    let copy = {
        let link = link.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&link);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &link;
            copied.set(true);
        }
    };
    let link_class = "block w-full rounded-xl border border-slate-300 px-4 py-3 text-center font-medium text-slate-900 hover:bg-slate-50 focus:outline-none focus-visible:ring-4 focus-visible:ring-[var(--brand)]/40";
    let offer = c.page.with_value(|p| p.official.is_some());
    view! {
        <h1 class="text-center text-xl font-semibold">{c.text.passkey_title}</h1>
        <p class="mt-3 text-center text-slate-700">{c.text.passkey_body}</p>
        {offer.then(|| view! {
            <Official />
            <h2 class="mt-6 text-center text-lg font-semibold">{c.text.official_or}</h2>
        })}
        <Ceremony />
        <p class="mt-6 text-center text-slate-700">{c.text.passkey_handoff}</p>
        <div id="handoff" class="mt-5 space-y-3">
            <label class="block text-sm font-medium text-slate-800" for="share-link">{c.text.passkey_link_label}</label>
            <input id="share-link" readonly type="text" value=link.clone() class="w-full rounded-lg border border-slate-300 px-3 py-2 text-sm text-slate-900" />
            <button type="button" id="copy-link" class=link_class on:click=copy>{c.text.passkey_copy}</button>
            <span role="status" class="block text-center text-sm text-emerald-800">{move || if copied.get() { c.text.passkey_copied } else { "" }}</span>
            <a id="email-link" class=link_class href=mail>{c.text.passkey_email}</a>
            <a id="whatsapp-link" class=link_class href=whatsapp target="_blank" rel="noopener">{c.text.passkey_whatsapp}</a>
        </div>
    }
}

/// The passkey ceremony through the extension on a computer (docs/passkey-ceremony.md): a
/// short code to type into the extension there, then where the ceremony stands, live. The
/// button is a plain form, so it works before the WASM arrives and without JavaScript (the
/// server answers with the page and the code).
#[component]
fn Ceremony() -> impl IntoView {
    let c = ctx();
    let (action, extension) = c.page.with_value(|p| (p.urls.handoff.clone(), p.passkey_extension_url.clone()));
    let handoff = RwSignal::new(c.page.with_value(|p| p.handoff.clone()));
    let failed = RwSignal::new(false);
    // The extension on this very computer (it answers on this window): the code goes straight
    // to it, and the person never sees or types one.
    let extension_here = RwSignal::new(false);
    let handed = RwSignal::new(false);
    let refused = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use super::super::extension::{Heard, listen};
        listen(move |heard| match heard {
            Heard::Here => extension_here.set(true),
            Heard::Claimed(ok) => refused.set(!ok),
        });
    });
    let ask = move || {
        failed.set(false);
        refused.set(false);
        #[cfg(feature = "hydrate")]
        {
            let token = c.page.with_value(|p| p.token.clone());
            let to_extension = extension_here.get_untracked();
            c.busy.set(true);
            leptos::task::spawn_local(async move {
                match super::super::browser::handoff(&token).await {
                    Ok(code) => {
                        if to_extension {
                            super::super::extension::hand_over(&code.code);
                        }
                        handed.set(to_extension);
                        handoff.set(Some(code));
                    }
                    Err(f) => match f.dead_link() {
                        Some(code) => c.dead.set(Some(code)),
                        None => failed.set(true),
                    },
                }
                c.busy.set(false);
            });
        }
    };
    let stage = move || {
        c.status
            .with(|s| s.as_ref().and_then(|s| s.passkey.as_ref()).map(|p| p.stage.clone()))
    };
    let stage_text = move || match stage().as_deref() {
        Some("challenge") => c.text.ceremony_challenge,
        Some("verifying") => c.text.ceremony_verifying,
        Some("confirmation") => c.text.ceremony_confirmation,
        Some("done") => c.text.ceremony_done,
        Some("failed") => c.text.ceremony_failed,
        Some("expired") => c.text.ceremony_expired,
        _ => c.text.ceremony_waiting,
    };
    // A used, failed or expired code makes way for a new one.
    let offer_new = move || handoff.with(Option::is_none) || refused.get() || matches!(stage().as_deref(), Some("failed" | "expired"));
    let display = |code: &str| match code.split_at_checked(4) {
        Some((a, b)) => format!("{a}-{b}"),
        None => code.to_owned(),
    };
    view! {
        <section id="ceremony" aria-labelledby="ceremony-title" class="mt-6 rounded-xl border border-slate-200 p-4">
            <h2 id="ceremony-title" class="text-center text-lg font-semibold">{c.text.ceremony_title}</h2>
            <p class="mt-2 text-center text-slate-700">
                {move || if extension_here.get() { c.text.ceremony_extension_body } else { c.text.ceremony_body }}
            </p>
            {extension.map(|url| view! {
                <p class="mt-2 text-center" hidden=move || extension_here.get()>
                    <a id="get-extension" class="font-medium text-slate-900 underline" href=url target="_blank" rel="noopener">{c.text.ceremony_get_extension}</a>
                </p>
            })}
            {move || handoff.get().map(|h| view! {
                <Show when=move || !handed.get()>
                    <p class="mt-4 text-center text-sm font-medium text-slate-800" id="handoff-code-label">{c.text.ceremony_code_label}</p>
                    <p id="handoff-code" aria-labelledby="handoff-code-label" class="mt-1 text-center font-mono text-3xl font-bold tracking-widest text-slate-900">{display(&h.code)}</p>
                    <p class="mt-1 text-center text-sm text-slate-700">{c.text.ceremony_code_hint}</p>
                </Show>
                <p id="ceremony-stage" role="status" class="mt-3 text-center font-medium text-slate-900">{stage_text}</p>
            })}
            <Show when=move || failed.get()>
                <p role="alert" class="mt-3 text-center text-sm text-red-800">{c.text.ceremony_error}</p>
            </Show>
            <Show when=move || refused.get()>
                <p role="alert" class="mt-3 text-center text-sm text-red-800">{c.text.ceremony_extension_refused}</p>
            </Show>
            <Show when=offer_new>
                <form
                    class="mt-4"
                    method="post"
                    action=action.clone()
                    on:submit=move |ev| {
                        ev.prevent_default();
                        ask();
                    }
                >
                    <button
                        id="handoff-start"
                        type="submit"
                        class="w-full rounded-xl bg-[var(--brand)] px-4 py-3 text-base font-semibold text-[var(--on-brand)] shadow-sm transition hover:opacity-90 focus:outline-none focus-visible:ring-4 focus-visible:ring-[var(--brand)]/40 disabled:opacity-60"
                        disabled=move || c.busy.get()
                    >
                        {move || if extension_here.get() { c.text.ceremony_extension_start } else { c.text.ceremony_start }}
                    </button>
                </form>
            </Show>
        </section>
    }
}

/// Percent-encodes `text` for a URL's query (what `encodeURIComponent` does).
fn js_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
