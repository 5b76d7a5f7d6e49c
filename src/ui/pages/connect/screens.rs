//! One component per screen of the connect page; each reads the shared [`Ctx`].
use leptos::prelude::*;

use super::{
    Ctx, intro,
    model::{Refusal, fill},
    redirect_of,
};

fn ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// The primary action, in the tenant's colour with readable text.
#[component]
fn Action(label: &'static str, on: impl Fn() + Send + Sync + 'static, #[prop(optional)] id: &'static str) -> impl IntoView {
    let c = ctx();
    view! {
        <button
            id=id
            type="button"
            class="w-full rounded-xl bg-[var(--brand)] px-4 py-3 text-base font-semibold text-[var(--on-brand)] shadow-sm transition hover:opacity-90 focus:outline-none focus-visible:ring-4 focus-visible:ring-[var(--brand)]/40 disabled:opacity-60"
            disabled=move || c.busy.get()
            on:click=move |_| on()
        >
            {move || if c.busy.get() { c.text.loading } else { label }}
        </button>
    }
}

/// Opens (or joins) the linking window. A plain form, so a tap works before the WASM has
/// arrived and without JavaScript (the server answers with the pairing screen); once the page
/// is live it asks in the background instead.
#[component]
fn StartButton(label: &'static str, id: &'static str) -> impl IntoView {
    let c = ctx();
    let action = c.page.with_value(|p| p.urls.start.clone());
    view! {
        <form
            method="post"
            action=action
            on:submit=move |ev| {
                ev.prevent_default();
                c.request_code();
            }
        >
            <button
                id=id
                type="submit"
                class="w-full rounded-xl bg-[var(--brand)] px-4 py-3 text-base font-semibold text-[var(--on-brand)] shadow-sm transition hover:opacity-90 focus:outline-none focus-visible:ring-4 focus-visible:ring-[var(--brand)]/40 disabled:opacity-60"
                disabled=move || c.busy.get()
            >
                {move || if c.busy.get() { c.text.loading } else { label }}
            </button>
        </form>
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let c = ctx();
    let (logo, company, subtitle) = c.page.with_value(|p| {
        (
            p.branding.logo_url.clone(),
            p.branding.company_name.clone().unwrap_or_default(),
            p.branding.subtitle.clone().unwrap_or_default(),
        )
    });
    let sandbox = c.page.with_value(|p| p.info.as_ref().is_some_and(|i| i.sandbox));
    view! {
        <header class="px-6 pt-6 pb-4 text-center">
            {match logo {
                Some(src) => view! { <img src=src alt=company.clone() class="mx-auto h-12 max-w-[12rem] object-contain" /> }.into_any(),
                None => view! { <p class="text-xl font-bold tracking-tight">{company.clone()}</p> }.into_any(),
            }}
            <p class="mt-1 text-sm text-slate-600">{subtitle}</p>
            <Show when=move || sandbox>
                <p class="mt-3 rounded-md bg-sky-50 px-2 py-1 text-xs text-sky-900">{c.text.sandbox}</p>
            </Show>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    let c = ctx();
    let (support, hide) = c.page.with_value(|p| {
        (
            p.branding.support_url.clone(),
            p.branding.hide_pilot_status_branding.unwrap_or(false),
        )
    });
    view! {
        <footer class="mt-6 flex flex-col items-center gap-2 text-sm">
            {support.map(|href| view! { <a class="underline underline-offset-2" href=href target="_blank" rel="noopener noreferrer">{c.text.help}</a> })}
            <Show when=move || !hide>
                <p id="powered-by" class="opacity-80">{c.text.powered}</p>
            </Show>
        </footer>
    }
}

#[component]
pub fn Start() -> impl IntoView {
    let c = ctx();
    view! {
        <h1 class="text-center text-2xl font-semibold">{c.text.title}</h1>
        <p class="mt-3 text-center text-slate-700">{intro(&c)}</p>
        <div class="mt-6">
            <StartButton id="start" label=c.text.start />
        </div>
    }
}

#[component]
pub fn Pairing() -> impl IntoView {
    let c = ctx();
    let qr = move || c.status.get().and_then(|s| s.qrcode_base64);
    let code = move || c.status.get().and_then(|s| s.pairing_code).unwrap_or_default();
    let steps = move || if c.show_code.get() { c.text.steps_code } else { c.text.steps_qr };
    view! {
        <h1 class="text-center text-2xl font-semibold">{c.text.title}</h1>
        <ol class="mt-4 space-y-1 text-sm text-slate-700 list-decimal pl-5">
            {move || steps().into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
        </ol>
        <div class="mt-5 flex flex-col items-center">
            {move || if c.show_code.get() {
                view! { <CodePanel code=code() /> }.into_any()
            } else {
                view! { <img id="qr" src=qr() alt=c.text.qr_alt width="244" height="244" class="h-61 w-61 rounded-lg ring-1 ring-slate-200" /> }.into_any()
            }}
            <p id="countdown" class="mt-3 text-sm text-slate-600" aria-live="off">
                {move || fill(c.text.expires_in, &[("s", &c.seconds_left().to_string())])}
            </p>
            <p class="mt-1 text-sm font-medium text-slate-800" role="status">{c.text.waiting}</p>
        </div>
        // A plain link (the server renders the other method), taken over once the page is live.
        <a
            id="switch-method"
            href=move || c.page.with_value(|p| if c.show_code.get() { p.urls.show_qr.clone() } else { p.urls.show_code.clone() })
            class="mt-5 block w-full rounded-xl border border-slate-300 px-4 py-2 text-center text-sm font-medium text-slate-800 hover:bg-slate-50 focus:outline-none focus-visible:ring-4 focus-visible:ring-slate-300"
            on:click=move |ev| {
                ev.prevent_default();
                c.show_code.update(|v| *v = !*v);
            }
        >
            {move || if c.show_code.get() { c.text.method_qr } else { c.text.method_code }}
        </a>
    }
}

#[component]
fn CodePanel(code: String) -> impl IntoView {
    let c = ctx();
    let copied = RwSignal::new(false);
    let to_copy = code.clone();
    view! {
        <p class="text-sm text-slate-600">{c.text.code_label}</p>
        <p id="pairing-code" class="mt-1 font-mono text-4xl font-bold tracking-[0.2em] text-slate-900">{code}</p>
        // Copying needs the page live: hidden until then, never a button that does nothing.
        <button
            id="copy-code"
            type="button"
            hidden=move || !c.hydrated.get()
            class="mt-3 rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50"
            on:click=move |_| {
                #[cfg(feature = "hydrate")]
                super::browser::copy(&to_copy.replace('-', ""));
                #[cfg(not(feature = "hydrate"))]
                let _ = &to_copy;
                copied.set(true);
            }
        >
            {move || if copied.get() { c.text.copied } else { c.text.copy }}
        </button>
    }
}

#[component]
pub fn WindowClosed() -> impl IntoView {
    let c = ctx();
    view! {
        <h1 class="text-center text-xl font-semibold">{c.text.window_closed_title}</h1>
        <p class="mt-3 text-center text-slate-700">{c.text.window_closed_body}</p>
        <div class="mt-6"><StartButton id="new-code" label=c.text.new_code /></div>
    }
}

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
    let ask = move || {
        failed.set(false);
        #[cfg(feature = "hydrate")]
        {
            let token = c.page.with_value(|p| p.token.clone());
            c.busy.set(true);
            leptos::task::spawn_local(async move {
                match super::browser::handoff(&token).await {
                    Ok(code) => handoff.set(Some(code)),
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
    let offer_new = move || handoff.with(Option::is_none) || matches!(stage().as_deref(), Some("failed" | "expired"));
    let display = |code: &str| match code.split_at_checked(4) {
        Some((a, b)) => format!("{a}-{b}"),
        None => code.to_owned(),
    };
    view! {
        <section id="ceremony" aria-labelledby="ceremony-title" class="mt-6 rounded-xl border border-slate-200 p-4">
            <h2 id="ceremony-title" class="text-center text-lg font-semibold">{c.text.ceremony_title}</h2>
            <p class="mt-2 text-center text-slate-700">{c.text.ceremony_body}</p>
            {extension.map(|url| view! {
                <p class="mt-2 text-center"><a id="get-extension" class="font-medium text-slate-900 underline" href=url target="_blank" rel="noopener">{c.text.ceremony_get_extension}</a></p>
            })}
            {move || handoff.get().map(|h| view! {
                <p class="mt-4 text-center text-sm font-medium text-slate-800" id="handoff-code-label">{c.text.ceremony_code_label}</p>
                <p id="handoff-code" aria-labelledby="handoff-code-label" class="mt-1 text-center font-mono text-3xl font-bold tracking-widest text-slate-900">{display(&h.code)}</p>
                <p class="mt-1 text-center text-sm text-slate-700">{c.text.ceremony_code_hint}</p>
                <p id="ceremony-stage" role="status" class="mt-3 text-center font-medium text-slate-900">{stage_text}</p>
            })}
            <Show when=move || failed.get()>
                <p role="alert" class="mt-3 text-center text-sm text-red-800">{c.text.ceremony_error}</p>
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
                        {c.text.ceremony_start}
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

#[component]
pub fn Failed(retryable: bool, why: Refusal) -> impl IntoView {
    let c = ctx();
    let company = c.company();
    let (title, body) = match why {
        // Say which phone to use: the person most likely scanned with another of theirs.
        Refusal::WrongPhone => (c.text.wrong_phone_title, fill(c.text.wrong_phone_body, &[("number", &c.number())])),
        Refusal::Banned => (c.text.banned_title, fill(c.text.banned_body, &[("company", &company)])),
        Refusal::Other | Refusal::NoWebLinking if retryable => (c.text.failed_title, c.text.failed_body.to_owned()),
        Refusal::Other | Refusal::NoWebLinking => (c.text.failed_title, fill(c.text.failed_final_body, &[("company", &company)])),
    };
    let offer = why == Refusal::NoWebLinking && c.page.with_value(|p| p.official.is_some());
    view! {
        <h1 class="text-center text-xl font-semibold">{title}</h1>
        <p class="mt-3 text-center text-slate-700">{body}</p>
        <Show when=move || retryable>
            <div class="mt-6"><StartButton id="try-again" label=c.text.try_again /></div>
        </Show>
        {offer.then(|| view! { <Official /> })}
    }
}

/// The official rail, offered where WhatsApp Web linking cannot work: Meta's Embedded Signup
/// for the same number from the WhatsApp Business app, on this same phone. The server holds
/// the onboarded number to the link's.
#[component]
fn Official() -> impl IntoView {
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
            match super::browser::meta_signup(&options).await {
                Ok(done) => meta_connected(&c, &done),
                Err(f) => problem.set(Some(meta_failure(&c, f.code.as_deref(), f.message))),
            }
            c.busy.set(false);
        });
    }
}

#[component]
pub fn Success() -> impl IntoView {
    let c = ctx();
    let redirect = c.page.with_value(redirect_of);
    #[cfg(feature = "hydrate")]
    if let Some(url) = redirect.clone()
        && !super::browser::in_frame()
    {
        super::browser::after(2_500, move || super::browser::go_to(&url));
    }
    view! {
        <div class="text-center">
            <div class="mx-auto flex h-14 w-14 items-center justify-center rounded-full bg-[var(--brand)] text-[var(--on-brand)]" aria-hidden="true">
                <svg viewBox="0 0 24 24" class="h-8 w-8" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"><path d="M5 13l4 4L19 7" /></svg>
            </div>
            <h1 class="mt-4 text-2xl font-semibold">{c.text.success_title}</h1>
            {match redirect {
                Some(href) => view! {
                    <p class="mt-3 text-slate-700" role="status">{c.text.redirecting}</p>
                    <a class="mt-4 inline-block underline" href=href>{c.text.continue_label}</a>
                }.into_any(),
                None => view! { <p class="mt-3 text-slate-700" role="status">{c.text.success_body}</p> }.into_any(),
            }}
        </div>
    }
}

#[component]
pub fn DeadEnd(code: String) -> impl IntoView {
    let c = ctx();
    let company = c.company();
    let refresh = c.page.with_value(|p| p.dead.as_ref().and_then(|d| d.refresh_url.clone()));
    let (title, body) = match code.as_str() {
        "LINK_EXPIRED" => (c.text.expired_title, fill(c.text.expired_body, &[("company", &company)])),
        "LINK_ALREADY_USED" => (c.text.used_title, c.text.used_body.to_owned()),
        "LINK_REVOKED" => (c.text.revoked_title, fill(c.text.revoked_body, &[("company", &company)])),
        _ => (c.text.not_found_title, c.text.not_found_body.to_owned()),
    };
    let expired = code == "LINK_EXPIRED";
    view! {
        <h1 class="text-center text-xl font-semibold" data-code=code>{title}</h1>
        <p class="mt-3 text-center text-slate-700">{body}</p>
        {refresh.filter(|_| expired).map(|href| view! {
            <a id="refresh-link" href=href class="mt-6 block w-full rounded-xl bg-[var(--brand)] px-4 py-3 text-center font-semibold text-[var(--on-brand)]">{c.text.refresh}</a>
        })}
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

/// What a failed Meta step tells the person (browser only).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
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
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
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

#[component]
fn MetaCredentials() -> impl IntoView {
    let c = ctx();
    let fields = [
        ("wabaId", c.text.waba_id, "text"),
        ("phoneNumberId", c.text.phone_number_id, "text"),
        ("accessToken", c.text.access_token, "password"),
        ("pin", c.text.pin, "text"),
    ];
    let values: [RwSignal<String>; 4] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let field_error = RwSignal::new(None::<(String, String)>);
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        field_error.set(None);
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            let body = serde_json::json!({
                "wabaId": values[0].get_untracked(),
                "phoneNumberId": values[1].get_untracked(),
                "accessToken": values[2].get_untracked(),
                "pin": values[3].get_untracked(),
            });
            let url = c.page.with_value(|p| format!("/v1/remote-pairing/{}/meta/credentials", p.token));
            c.busy.set(true);
            leptos::task::spawn_local(async move {
                match super::browser::post_json(&url, &body).await {
                    Ok(text) => meta_connected(&c, &serde_json::from_str(&text).unwrap_or_default()),
                    Err(f) => {
                        let message = f.message.clone().unwrap_or_default();
                        // `field: why` names one of the form's fields, whichever check failed.
                        match message.split_once(": ").filter(|(field, _)| FIELDS.contains(field)) {
                            Some((field, why)) => field_error.set(Some((field.to_owned(), why.to_owned()))),
                            None => problem.set(Some(meta_failure(&c, f.code.as_deref(), f.message))),
                        }
                    }
                }
                c.busy.set(false);
            });
        }
    };
    view! {
        <p class="mt-3 text-center text-slate-700">{c.text.meta_credentials_body}</p>
        <form id="meta-credentials" class="mt-5 space-y-4" on:submit=submit novalidate>
            {fields
                .into_iter()
                .zip(values)
                .map(|((name, label, kind), value)| {
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
                                prop:value=move || value.get()
                                on:input=move |ev| value.set(event_target_value(&ev))
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
