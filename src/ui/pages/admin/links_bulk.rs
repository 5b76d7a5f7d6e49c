//! Revoking the ticked links at once, after one confirmation: a modal `alertdialog` that
//! takes the focus (on Cancel, the safe choice), closes on Escape and gives the focus back.
use leptos::prelude::*;

use super::links_list::Actions;
use crate::{
    serverfns::admin::AdminRevokeLinks,
    ui::{components::class, layouts::use_admin},
};

#[component]
pub(super) fn BulkRevoke() -> impl IntoView {
    let actions = expect_context::<Actions>();
    let csrf = StoredValue::new(use_admin().csrf());
    let open = RwSignal::new(false);
    let trigger = NodeRef::<leptos::html::Button>::new();
    let cancel = NodeRef::<leptos::html::Button>::new();
    let ticked = move || actions.selected.read().len();
    #[cfg(feature = "hydrate")]
    Effect::new(move |was_open: Option<bool>| {
        let now_open = open.get();
        let target = if now_open {
            cancel.get()
        } else {
            was_open.filter(|w| *w).and(trigger.get())
        };
        if let Some(button) = target {
            let _ = button.focus();
        }
        now_open
    });
    let confirm = move |_| {
        actions.revoke_many.dispatch(AdminRevokeLinks {
            csrf: csrf.get_value(),
            number_ids: actions.selected.get_untracked(),
        });
        actions.selected.set(Vec::new());
        open.set(false);
    };
    let done = move || match actions.revoke_many.value().get() {
        Some(Ok(n)) => Some(format!("Revoked {n} link{}.", if n == 1 { "" } else { "s" })),
        _ => None,
    };
    let links = move || format!("{} link{}", ticked(), if ticked() == 1 { "" } else { "s" });
    view! {
        <div class="flex flex-wrap items-center gap-3">
            <button
                type="button"
                node_ref=trigger
                class=class::DANGER
                aria-haspopup="dialog"
                disabled=move || ticked() == 0 || actions.revoke_many.pending().get()
                on:click=move |_| open.set(true)
            >
                {move || format!("Revoke selected ({})", ticked())}
            </button>
            <p role="status" class="text-sm text-slate-700" id="revoked-many">{done}</p>
        </div>
        <Show when=move || open.get()>
            <div class="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/50 p-4">
                <div
                    role="alertdialog"
                    aria-modal="true"
                    aria-labelledby="revoke-many-title"
                    aria-describedby="revoke-many-hint"
                    class=format!("{} max-w-md", class::CARD)
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            open.set(false);
                        }
                    }
                >
                    <h2 id="revoke-many-title" class="text-lg font-semibold">{move || format!("Revoke {}?", links())}</h2>
                    <p id="revoke-many-hint" class=class::HINT>
                        "Customers who have them can no longer connect with them. Re-issue a link to send a new one."
                    </p>
                    <div class="mt-4 flex justify-end gap-2">
                        <button type="button" node_ref=cancel class=class::SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="button" class=class::DANGER on:click=confirm>{move || format!("Revoke {}", links())}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
