//! One component per screen of the connect page; each reads the shared [`Ctx`]. The
//! passkey gate's screens and the official (Meta) rail have their own files.
use leptos::prelude::*;

mod meta;
mod passkey;

use self::meta::Official;
pub use self::{meta::Meta, passkey::Passkey};

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
