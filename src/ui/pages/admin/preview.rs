//! Branding fields with a live preview of the connect page, shared by the link form and the
//! branding page. The preview follows what is typed before anything is saved.
use leptos::prelude::*;

use crate::{types::branding::Branding, ui::components::class};

#[derive(Clone, Copy)]
pub struct Preview {
    pub company_name: RwSignal<String>,
    pub subtitle: RwSignal<String>,
    pub primary_color: RwSignal<String>,
    pub background_color: RwSignal<String>,
    pub logo_url: RwSignal<String>,
    pub support_url: RwSignal<String>,
}

impl Preview {
    /// Starts from saved branding (the default for a link's override: nothing set).
    pub fn of(b: &Branding) -> Self {
        let s = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
        Self {
            company_name: s(&b.company_name),
            subtitle: s(&b.subtitle),
            primary_color: s(&b.primary_color),
            background_color: s(&b.background_color),
            logo_url: s(&b.logo_url),
            support_url: s(&b.support_url),
        }
    }
}

/// `#RRGGBB` as typed, or the fallback while it is not one yet.
fn colour(value: &str, fallback: &'static str) -> String {
    let v = value.trim();
    let ok = v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok { v.to_owned() } else { fallback.to_owned() }
}

/// The cosmetic fields, named `{prefix}[field]`, and the preview beside them.
#[component]
pub fn BrandPreview(preview: Preview, prefix: &'static str, #[prop(optional)] both_sizes: bool) -> impl IntoView {
    let text = move |field: &'static str, label: &'static str, signal: RwSignal<String>, kind: &'static str| {
        let id = format!("{prefix}-{field}");
        view! {
            <div>
                <label for=id.clone() class=class::LABEL>{label}</label>
                <input
                    id=id
                    name=format!("{prefix}[{field}]")
                    type=kind
                    class=class::INPUT
                    value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))
                />
            </div>
        }
    };
    view! {
        <div class="grid gap-4 sm:grid-cols-2">
            <div class="space-y-3">
                {text("company_name", "Company name", preview.company_name, "text")}
                {text("subtitle", "Subtitle", preview.subtitle, "text")}
                {text("primary_color", "Primary colour (#RRGGBB)", preview.primary_color, "text")}
                {text("background_color", "Background colour (#RRGGBB)", preview.background_color, "text")}
                // Text, not url: an uploaded logo is a path on this server (`/assets/logos/…`).
                {text("logo_url", "Logo URL (https)", preview.logo_url, "text")}
                {text("support_url", "Support URL (https)", preview.support_url, "url")}
            </div>
            <div class="space-y-3">
                <p class="text-sm font-medium text-slate-800">"Preview"</p>
                <Mock preview size="phone" />
                {both_sizes.then(|| view! { <Mock preview size="desktop" /> })}
            </div>
        </div>
    }
}

/// A miniature of the connect page's first screen.
#[component]
fn Mock(preview: Preview, size: &'static str) -> impl IntoView {
    let frame = if size == "phone" { "w-48 h-80" } else { "w-full h-56" };
    let bg = move || colour(&preview.background_color.get(), "#f1f5f9");
    let primary = move || colour(&preview.primary_color.get(), "#047857");
    let company = move || {
        let c = preview.company_name.get();
        if c.trim().is_empty() { "Your company".to_owned() } else { c }
    };
    let logo = move || {
        let url = preview.logo_url.get();
        (url.starts_with("https://") || url.starts_with('/')).then_some(url)
    };
    view! {
        <div
            class=format!("{frame} flex items-center justify-center overflow-hidden rounded-xl p-3 ring-1 ring-slate-300")
            style=move || format!("background:{}", bg())
            data-testid=format!("preview-{size}")
            aria-label=format!("Connect page preview ({size})")
            role="img"
        >
            <div class="w-full max-w-xs rounded-lg bg-white p-3 text-center text-slate-900 shadow">
                {move || match logo() {
                    Some(src) => view! { <img src=src alt="" class="mx-auto h-8 max-w-full object-contain" /> }.into_any(),
                    None => view! { <p class="font-semibold" data-testid="preview-company">{company}</p> }.into_any(),
                }}
                <p class="mt-1 text-[10px] text-slate-600">{move || preview.subtitle.get()}</p>
                <div class="mx-auto mt-2 h-16 w-16 rounded bg-slate-200"></div>
                <span
                    class="mt-2 inline-block rounded px-2 py-1 text-[10px] font-medium text-white"
                    style=move || format!("background:{}", primary())
                    data-testid="preview-button"
                >
                    "Link WhatsApp"
                </span>
            </div>
        </div>
    }
}
