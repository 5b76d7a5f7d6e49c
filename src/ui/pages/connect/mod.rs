//! The page the person holding the phone sees at `/connect/{token}`: rendered on the server in
//! the tenant's branding, then live in the browser.
#[cfg(feature = "hydrate")]
mod browser;
mod document;
#[cfg(feature = "hydrate")]
mod extension;
mod model;
mod screens;

use leptos::prelude::*;

pub use self::document::ConnectDocument;
use self::{
    model::{Screen, fill, screen},
    screens::{DeadEnd, Failed, Footer, Header, Meta, Pairing, Passkey, Start, Success, WindowClosed},
};
use crate::{
    types::{connect::ConnectPageData, links::TokenStatusOut},
    ui::{i18n::Locale, theme},
};

/// The connect page's own WASM entry: the page's data travels in the document (read once on
/// the server), so the browser hydrates straight from it, with no router and no second fetch.
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    let Some(page) = browser::page_data() else { return };
    leptos::mount::hydrate_body(move || view! { <ConnectApp page /> });
}

/// Shared by the screens: what the page knows and can do.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub text: &'static crate::ui::i18n::Strings,
    pub page: StoredValue<ConnectPageData>,
    pub status: RwSignal<Option<TokenStatusOut>>,
    pub dead: RwSignal<Option<String>>,
    pub started: RwSignal<bool>,
    pub busy: RwSignal<bool>,
    /// The browser's clock when the current window closes.
    pub deadline_ms: RwSignal<f64>,
    pub now_ms: RwSignal<f64>,
    pub show_code: RwSignal<bool>,
    pub online: RwSignal<bool>,
    pub error: RwSignal<bool>,
    /// The WASM has taken over: controls that need it may show.
    pub hydrated: RwSignal<bool>,
    /// How many statuses the live stream (or polling) has brought: a request's answer read
    /// before the latest of them must not undo it.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub heard: StoredValue<u64>,
}

impl Ctx {
    pub fn company(&self) -> String {
        self.page.with_value(|p| p.branding.company_name.clone().unwrap_or_default())
    }

    /// The link's number as the page may show it (masked), or empty for a Meta link.
    pub fn number(&self) -> String {
        self.page
            .with_value(|p| p.info.as_ref().and_then(|i| i.masked_number.clone()).unwrap_or_default())
    }

    pub fn seconds_left(&self) -> i64 {
        ((self.deadline_ms.get() - self.now_ms.get()) / 1000.0).ceil().max(0.0) as i64
    }

    /// Opens a linking window (or joins the open one).
    pub fn request_code(&self) {
        self.started.set(true);
        self.error.set(false);
        #[cfg(feature = "hydrate")]
        {
            let ctx = *self;
            ctx.busy.set(true);
            let token = ctx.page.with_value(|p| p.token.clone());
            let asked = ctx.heard.get_value();
            leptos::task::spawn_local(async move {
                match browser::connect(&token).await {
                    // The stream told of this window (or what followed it) before its answer
                    // came: that word is newer, and the answer would take the page back.
                    Ok(_) if !model::connect_answer_applies(ctx.status.get_untracked().as_ref(), ctx.heard.get_value() > asked) => {}
                    Ok(c) => {
                        ctx.deadline_ms.set(browser::now_ms() + c.seconds_left as f64 * 1000.0);
                        ctx.now_ms.set(browser::now_ms());
                        ctx.status.update(|s| {
                            if let Some(s) = s {
                                s.state = "CONNECTING".into();
                                s.link_state = if c.qrcode_base64.is_some() { "qr".into() } else { "code".into() };
                                s.failure = None;
                                s.qrcode_base64 = c.qrcode_base64;
                                s.pairing_code = c.pairing_code;
                                s.seconds_left = c.seconds_left;
                            }
                        });
                    }
                    Err(f) if f.code.as_deref() == Some("NUMBER_ALREADY_CONNECTED") => ctx.status.update(|s| {
                        if let Some(s) = s {
                            s.state = "OPEN".into();
                            s.is_fully_connected = true;
                        }
                    }),
                    Err(f) => match f.dead_link() {
                        Some(code) => ctx.dead.set(Some(code)),
                        None => ctx.error.set(true),
                    },
                }
                ctx.busy.set(false);
            });
        }
    }
}

/// The page's body: everything below `<body>`, rendered on the server and hydrated.
#[component]
pub fn ConnectApp(page: ConnectPageData) -> impl IntoView {
    let locale = Locale::parse(&page.locale).unwrap_or(Locale::En);
    let text = locale.strings();
    let b = page.branding.clone();
    let vars = theme::css_vars(
        b.primary_color.as_deref().unwrap_or_default(),
        b.background_color.as_deref().unwrap_or_default(),
    );
    let seconds = page.status.as_ref().map_or(0, |s| s.seconds_left);
    let started = page.status.as_ref().is_some_and(|s| s.state == "CONNECTING");
    let ctx = Ctx {
        text,
        status: RwSignal::new(page.status.clone()),
        dead: RwSignal::new(page.dead.as_ref().map(|d| d.code.clone())),
        started: RwSignal::new(started),
        busy: RwSignal::new(false),
        // The server's count, until the browser's clock takes over after hydration.
        deadline_ms: RwSignal::new(seconds as f64 * 1000.0),
        now_ms: RwSignal::new(0.0),
        show_code: RwSignal::new(page.mobile),
        online: RwSignal::new(true),
        error: RwSignal::new(page.start_failed),
        hydrated: RwSignal::new(false),
        heard: StoredValue::new(0),
        page: StoredValue::new(page),
    };
    provide_context(ctx);
    let (ancestors, facebook) = ctx
        .page
        .with_value(|p| (p.frame_ancestors.clone(), p.meta.as_ref().is_some_and(|m| m.flow == "embedded")));
    crate::ui::security::page_headers(&ancestors, facebook);
    #[cfg(feature = "hydrate")]
    go_live(ctx);

    let hydrated = ctx.hydrated;
    // Effects run only in the browser: this marks the page as live for people and tests.
    Effect::new(move |_| hydrated.set(true));
    let meta = ctx.page.with_value(|p| p.meta.is_some());
    let current = Memo::new(move |_| {
        screen(
            ctx.status.get().as_ref(),
            ctx.dead.get().as_deref(),
            ctx.started.get(),
            ctx.seconds_left(),
            meta,
        )
    });
    view! {
        <div
            id="connect"
            class="min-h-screen bg-[var(--page)] text-[var(--on-page)] flex flex-col items-center px-4 py-8 sm:py-16"
            style=vars
            lang=locale.tag()
            data-screen=move || current.get().name()
            data-hydrated=move || hydrated.get().to_string()
        >
            <main class="w-full max-w-md rounded-2xl bg-white text-slate-900 shadow-xl ring-1 ring-black/5">
                <Header />
                <div class="px-6 pb-6">
                    <Show when=move || !ctx.online.get()>
                        <p role="status" class="mb-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">{text.offline}</p>
                    </Show>
                    <Show when=move || ctx.error.get()>
                        <p role="alert" class="mb-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">{text.error}</p>
                    </Show>
                    {move || match current.get() {
                        Screen::Start | Screen::Opening => view! { <Start /> }.into_any(),
                        Screen::Pairing => view! { <Pairing /> }.into_any(),
                        Screen::WindowClosed => view! { <WindowClosed /> }.into_any(),
                        Screen::Passkey => view! { <Passkey /> }.into_any(),
                        Screen::Failed { retryable, why } => view! { <Failed retryable why /> }.into_any(),
                        Screen::Success => view! { <Success /> }.into_any(),
                        Screen::Meta => view! { <Meta /> }.into_any(),
                        Screen::Dead(code) => view! { <DeadEnd code /> }.into_any(),
                    }}
                </div>
            </main>
            <Footer />
        </div>
    }
}

/// After hydration: the browser's clock, the live stream, the device's best method, and the
/// embedding page kept informed.
#[cfg(feature = "hydrate")]
fn go_live(ctx: Ctx) {
    use std::rc::Rc;
    Effect::new(move |_| {
        let now = browser::now_ms();
        ctx.deadline_ms
            .set(now + ctx.status.get_untracked().map_or(0, |s| s.seconds_left) as f64 * 1000.0);
        ctx.now_ms.set(now);
        browser::every_second(move || ctx.now_ms.set(browser::now_ms()));
        if browser::small_screen() && !ctx.page.with_value(|p| p.method_chosen) {
            ctx.show_code.set(true);
        }
        let token = ctx.page.with_value(|p| p.token.clone());
        if ctx.dead.get_untracked().is_none() {
            browser::follow(
                token,
                Rc::new(move |live| match live {
                    browser::Live::Status(s) => {
                        ctx.heard.update_value(|n| *n += 1);
                        ctx.deadline_ms.set(browser::now_ms() + s.seconds_left as f64 * 1000.0);
                        if s.state == "CONNECTING" {
                            ctx.started.set(true);
                        }
                        ctx.status.set(Some(*s));
                    }
                    browser::Live::End(code) if code.starts_with("LINK_") => ctx.dead.set(Some(code)),
                    browser::Live::End(_) => {}
                    browser::Live::Online(online) => ctx.online.set(online),
                }),
            );
        }
    });
    // Tell an embedding page what happened (once per outcome: the status keeps arriving after
    // success, and `onPaired` must not fire twice), and how tall we are.
    let (parent, source) = ctx.page.with_value(|p| (p.parent_origin.clone(), p.embed_source.clone()));
    let told = StoredValue::new(None::<(&'static str, serde_json::Value)>);
    Effect::new(move |_| {
        let screen = screen(
            ctx.status.get().as_ref(),
            ctx.dead.get().as_deref(),
            ctx.started.get_untracked(),
            1,
            false,
        );
        let origin = parent.as_deref();
        let outcome = match &screen {
            Screen::Success => {
                let (number_id, redirect) = ctx
                    .page
                    .with_value(|p| (p.info.as_ref().and_then(|i| i.number_id.clone()), redirect_of(p)));
                Some((
                    "connect:paired",
                    serde_json::json!({ "numberId": number_id, "redirectUrl": redirect }),
                ))
            }
            Screen::Dead(code) if code == "LINK_EXPIRED" => Some(("connect:expired", serde_json::Value::Null)),
            Screen::Dead(code) => Some(("connect:error", serde_json::json!({ "message": code }))),
            Screen::Failed { .. } => Some(("connect:error", serde_json::json!({ "message": "failed" }))),
            _ => None,
        };
        if let Some((kind, payload)) = outcome
            && told.with_value(|t| t.as_ref() != Some(&(kind, payload.clone())))
        {
            browser::tell_parent(origin, &source, kind, payload.clone());
            told.set_value(Some((kind, payload)));
        }
        let height = browser::page_height();
        browser::tell_parent(origin, &source, "resize", serde_json::json!({ "height": height }));
    });
}

/// Where to send the person after success: the link's `redirectUrl`, else the tenant's
/// `defaultRedirectUrl`.
pub fn redirect_of(page: &ConnectPageData) -> Option<String> {
    page.info
        .as_ref()
        .and_then(|i| i.redirect_url.clone())
        .or_else(|| page.branding.default_redirect_url.clone())
}

pub fn intro(ctx: &Ctx) -> String {
    fill(ctx.text.intro, &[("company", &ctx.company()), ("number", &ctx.number())])
}
