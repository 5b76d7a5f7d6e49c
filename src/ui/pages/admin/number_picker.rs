//! A search-backed choice of one live number, for forms that name a number (the default
//! sender, a webhook endpoint's number). A tenant may have 10,000 numbers: the page sends
//! none of them; typing asks the server for the first 20 that match (ARIA combobox with a
//! listbox). The chosen id travels in a hidden field, so the form posts what it shows with or
//! without JavaScript.
use leptos::prelude::*;

use crate::{
    serverfns::admin::admin_number_choices,
    types::admin_keys::{NumberChoice, NumberChoicesOut},
    ui::components::class,
};

/// How long typing pauses before the picker searches.
const SEARCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(200);

/// `id` names the text box (its label points at it), `name` the hidden field that posts the
/// chosen number's id; `none` is what choosing no number means ("None", "All numbers").
/// `chosen_id` is the current number and `chosen` that number when the page already knows it;
/// otherwise the picker asks the server for it. `disabled`: shown, not changed.
#[component]
pub(super) fn NumberPicker(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    none: &'static str,
    chosen_id: String,
    chosen: Option<NumberChoice>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let value = RwSignal::new(chosen_id.clone());
    // What the box shows for the chosen number; typing changes `text` until a pick.
    let shown = RwSignal::new(chosen.as_ref().map(NumberChoice::label).unwrap_or_default());
    let text = RwSignal::new(shown.get_untracked());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    // The page knew the id but not the number (an endpoint being edited): ask once.
    let needs_label = chosen.is_none() && !chosen_id.is_empty();
    // What is searched: the text once typing pauses, so a name typed fast is one request,
    // not one per key, among 10,000 numbers.
    let query = RwSignal::new(text.get_untracked());
    let typed_at = StoredValue::new(0_u64);
    let found = LocalResource::new(move || {
        let (open, q, current) = (open.get(), query.get(), value.get_untracked());
        async move {
            if open || needs_label {
                admin_number_choices(if open { q } else { String::new() }, current).await
            } else {
                Ok(NumberChoicesOut::default())
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(NumberChoicesOut { chosen: Some(c), .. })) = found.get()
            && needs_label
            && !open.get_untracked()
            && text.get_untracked().is_empty()
        {
            shown.set(c.label());
            text.set(c.label());
            query.set(c.label());
        }
    });
    // The offered options: "none" first, then the matches. Read only while open: the server
    // never resolves a local resource, and reading one would hold the page's Suspense.
    let options = move || {
        let matches = if open.get() {
            found.get().and_then(Result::ok).map(|o| o.matches).unwrap_or_default()
        } else {
            Vec::new()
        };
        std::iter::once(None).chain(matches.into_iter().map(Some)).collect::<Vec<_>>()
    };
    let pick = move |choice: Option<NumberChoice>| {
        value.set(choice.as_ref().map(|c| c.id.clone()).unwrap_or_default());
        shown.set(choice.as_ref().map(NumberChoice::label).unwrap_or_default());
        text.set(shown.get_untracked());
        query.set(shown.get_untracked());
        open.set(false);
        active.set(None);
    };
    let input = NodeRef::<leptos::html::Input>::new();
    // The box's text is written here, not by a `prop:value`: hydration sets a property from
    // its signal, which wiped what a person had typed while the page loaded (this page's
    // searches are plain forms, so it loads whole again). The first look takes what the box
    // holds: typed into with the box focused, it is a search; otherwise the chosen number.
    #[cfg(feature = "hydrate")]
    Effect::new(move |looked: Option<bool>| {
        let want = text.get();
        let Some(el) = input.get() else {
            return looked.unwrap_or(false);
        };
        let holds = el.value();
        let focused = document()
            .active_element()
            .is_some_and(|a| &a == AsRef::<web_sys::Element>::as_ref(&el));
        if looked != Some(true) && holds != want && focused {
            if holds.trim().is_empty() {
                value.set(String::new());
                shown.set(String::new());
            }
            text.set(holds.clone());
            query.set(holds);
            open.set(true);
        } else if holds != want {
            el.set_value(&want);
        }
        true
    });
    let list_id = format!("{id}-list");
    let option_id = move |i: usize| format!("{id}-opt-{i}");
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = options().len();
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1).min(n.saturating_sub(1)))));
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = a.map(|i| i.saturating_sub(1)));
            }
            "Enter" if open.get_untracked() => {
                // Enter picks the highlighted option instead of posting the form.
                if let Some(i) = active.get_untracked() {
                    ev.prevent_default();
                    pick(options().get(i).cloned().flatten());
                }
            }
            "Escape" => {
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    view! {
        <div class="relative">
            <label for=id class=class::LABEL>{label}</label>
            <input type="hidden" name=name value=move || value.get() />
            <input
                id=id
                type="text"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-controls=list_id.clone()
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=move || active.get().map(option_id)
                aria-describedby=format!("{id}-hint")
                placeholder=none
                class=class::INPUT
                disabled=disabled
                node_ref=input
                value=text.get_untracked()
                on:focus=move |_| {
                    if !open.get_untracked() {
                        open.set(true);
                    }
                }
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    // An emptied box is a choice: no number.
                    if typed.trim().is_empty() {
                        value.set(String::new());
                        shown.set(String::new());
                    }
                    text.set(typed);
                    // Set only when it changes: a set notifies even with the same value, and
                    // the search would go out again for every key.
                    if !open.get_untracked() {
                        open.set(true);
                    }
                    active.set(None);
                    let this = typed_at.get_value() + 1;
                    typed_at.set_value(this);
                    set_timeout(
                        move || {
                            if typed_at.get_value() == this {
                                query.set(text.get_untracked());
                            }
                        },
                        SEARCH_PAUSE,
                    );
                }
                on:keydown=on_key
                on:blur=move |_| {
                    // A click on an option lands after the blur: let it. Text typed but not
                    // picked goes back to the chosen number, so the box shows what posts.
                    set_timeout(
                        move || {
                            if open.get_untracked() {
                                open.set(false);
                                text.set(shown.get_untracked());
                                query.set(shown.get_untracked());
                            }
                        },
                        std::time::Duration::from_millis(200),
                    );
                }
            />
            <p id=format!("{id}-hint") class=class::HINT>"Type a name or phone; empty means " {none} "."</p>
            <ul
                id=list_id
                role="listbox"
                aria-label=label
                class="absolute z-10 mt-1 max-h-72 w-full overflow-auto rounded-md bg-white py-1 shadow-lg ring-1 ring-slate-300"
                hidden=move || !open.get()
            >
                {move || {
                    options()
                        .into_iter()
                        .enumerate()
                        .map(|(i, choice)| {
                            let selected = choice.as_ref().map(|c| c.id.clone()).unwrap_or_default() == value.get();
                            let option_text = choice.as_ref().map_or_else(|| none.to_owned(), NumberChoice::label);
                            let highlight = move || if active.get() == Some(i) { "bg-emerald-50" } else { "" };
                            view! {
                                <li
                                    id=option_id(i)
                                    role="option"
                                    aria-selected=selected.to_string()
                                    class=move || format!("cursor-pointer px-3 py-2 text-sm text-slate-900 hover:bg-emerald-50 {}", highlight())
                                    on:mousedown=move |ev| ev.prevent_default()
                                    on:click=move |_| pick(choice.clone())
                                >
                                    {option_text}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </div>
    }
}
