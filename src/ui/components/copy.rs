use leptos::prelude::*;

use super::class;

/// Copies `text` to the clipboard and says so (for screen readers too).
#[component]
pub fn CopyButton(text: String, #[prop(default = "Copy")] label: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
        copied.set(true);
    };
    view! {
        <button type="button" class=class::SECONDARY on:click=on_click>
            {label}
        </button>
        <span role="status" class="text-sm text-emerald-800">{move || if copied.get() { "Copied" } else { "" }}</span>
    }
}
