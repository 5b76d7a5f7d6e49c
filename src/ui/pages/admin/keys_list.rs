//! The API keys section: create a key (shown once), and the list, a page at a time (a tenant
//! with 10,000 numbers has a key per number), searched and filtered through the URL
//! (`/admin/keys?q=…&kind=…&shown=…&cursor=…`, so it works without JavaScript), with the
//! counts per kind and a revoke button per key.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::numbers_page::url_pairs;
use crate::{
    serverfns::admin::{AdminCreateKey, AdminRevokeKey, admin_keys},
    types::{admin::KeyItem, admin_keys::KeyCounts},
    ui::{
        components::{CopyButton, EmptyState, ErrorNotice, Spinner, class, fmt_time},
        layouts::use_admin,
    },
};

/// A page holds this many keys; "Show more" adds as many again, up to 500.
const PAGE: u32 = 50;

/// `/admin/keys?…` for these parameters (empty ones, and the default page size, left out).
fn keys_href(q: &str, kind: &str, cursor: &str, shown: u32) -> String {
    let shown = if shown > PAGE { shown.to_string() } else { String::new() };
    let query = url_pairs(&[("q", q), ("kind", kind), ("cursor", cursor), ("shown", &shown)]);
    if query.is_empty() {
        "/admin/keys".into()
    } else {
        format!("/admin/keys?{query}")
    }
}

#[component]
pub(super) fn Keys() -> impl IntoView {
    let csrf = use_admin().csrf();
    let create = ServerAction::<AdminCreateKey>::new();
    let revoke = ServerAction::<AdminRevokeKey>::new();
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).unwrap_or_default();
    let shown = move || param("shown").parse::<u32>().unwrap_or(PAGE).clamp(PAGE, 500);
    // A change refetches the page shown and the counts, never every key.
    let keys = Resource::new(
        move || {
            (
                create.version().get(),
                revoke.version().get(),
                (param("q"), param("kind"), param("cursor"), shown()),
            )
        },
        |(.., (q, kind, cursor, shown))| admin_keys(q, kind, cursor, shown),
    );
    let form_csrf = csrf.clone();
    view! {
        <section aria-labelledby="keys-title" class="space-y-4">
            <h2 id="keys-title" class="text-lg font-semibold">"API keys"</h2>
            {move || create.value().get().and_then(Result::ok).map(|made| view! {
                <div class="rounded-lg bg-amber-50 p-4 ring-1 ring-amber-200" data-testid="new-key">
                    <p class="font-medium text-amber-950">"Copy your new key now: it will not be shown again."</p>
                    <div class="mt-2 flex flex-col gap-2 sm:flex-row sm:items-center">
                        <input readonly aria-label="New API key" value=made.secret.clone() class=format!("{} font-mono text-xs", class::INPUT) />
                        <CopyButton text=made.secret label="Copy key" />
                    </div>
                </div>
            })}
            {move || {
                [create.value().get().and_then(Result::err), revoke.value().get().and_then(Result::err)]
                    .into_iter()
                    .flatten()
                    .next()
                    .map(|error| view! { <ErrorNotice error /> })
            }}
            <ActionForm action=create attr:class="flex flex-col gap-2 sm:flex-row sm:items-end">
                <input type="hidden" name="csrf" value=form_csrf />
                <div class="grow">
                    <label for="key-name" class=class::LABEL>"New key name"</label>
                    <input id="key-name" name="name" required maxlength="60" class=class::INPUT placeholder="Production backend" />
                </div>
                <button type="submit" class=class::PRIMARY>"Create key"</button>
            </ActionForm>
            <Transition fallback=|| view! { <Spinner /> }>
                {move || {
                    let csrf = csrf.clone();
                    Suspend::new(async move {
                        let (q, kind, cursor) = (param("q"), param("kind"), param("cursor"));
                        match keys.await {
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            Ok(out) => {
                                let filtered = !q.is_empty() || !kind.is_empty();
                                let list = match (out.items.is_empty(), filtered) {
                                    (true, true) => view! { <EmptyState title="No key matches" hint="Try another name, last four or number, or show every kind." /> }.into_any(),
                                    (true, false) => view! { <EmptyState title="No API keys" hint="Create one to call the REST API." /> }.into_any(),
                                    (false, _) => view! { <KeyTable list=out.items csrf revoke /> }.into_any(),
                                };
                                view! {
                                    <KeyFilters counts=out.counts q=q.clone() kind=kind.clone() />
                                    {list}
                                    <MoreKeys next=out.next_cursor q kind cursor shown=shown() />
                                }
                                    .into_any()
                            }
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// The search box and the kind filter, with how many keys each kind holds. A GET form: the
/// filters live in the URL.
#[component]
fn KeyFilters(counts: KeyCounts, q: String, kind: String) -> impl IntoView {
    let options = [
        ("", "All keys", counts.total()),
        ("tenant", "Tenant keys", counts.tenant),
        ("number", "Number keys", counts.number),
    ];
    view! {
        <form method="get" action="/admin/keys" role="search" class="flex flex-col gap-2 sm:flex-row sm:items-end">
            <div class="grow">
                <label for="keys-q" class=class::LABEL>"Search keys"</label>
                <input id="keys-q" name="q" type="search" value=q class=class::INPUT placeholder="Key name, last four, or a number's name or phone" />
            </div>
            <div>
                <label for="keys-kind" class=class::LABEL>"Kind"</label>
                <select id="keys-kind" name="kind" class=class::INPUT>
                    {options
                        .into_iter()
                        .map(|(value, label, n)| view! { <option value=value selected=value == kind>{format!("{label} ({n})")}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class=class::SECONDARY>"Search"</button>
        </form>
        <p id="key-counts" class=class::HINT>
            {format!("{} keys: {} tenant keys, {} number keys.", counts.total(), counts.tenant, counts.number)}
        </p>
    }
}

/// "Show more": 50 more on the same page up to 500, then the next keys after the last one
/// shown (a cursor, so the 10,000th key costs what the first does).
#[component]
fn MoreKeys(next: Option<String>, q: String, kind: String, cursor: String, shown: u32) -> impl IntoView {
    let more = next.map(|next| {
        let (href, label) = if shown + PAGE <= 500 {
            (keys_href(&q, &kind, &cursor, shown + PAGE), "Show more keys")
        } else {
            (keys_href(&q, &kind, &next, PAGE), "Show the next keys")
        };
        view! { <a id="more-keys" class=class::SECONDARY href=href>{label}</a> }
    });
    let newest =
        (!cursor.is_empty()).then(|| view! { <a class=class::SECONDARY href=keys_href(&q, &kind, "", PAGE)>"Back to the newest keys"</a> });
    view! { <p class="flex justify-center gap-3">{newest} {more}</p> }
}

#[component]
fn KeyTable(list: Vec<KeyItem>, csrf: String, revoke: ServerAction<AdminRevokeKey>) -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200" aria-label="API keys">
            {list
                .into_iter()
                .map(|k| {
                    let csrf = csrf.clone();
                    let (id, label) = (k.id.clone(), format!("Revoke key {}", k.name));
                    let number = k.number_id.clone().map(|n| {
                        let name = k.number_name.clone().unwrap_or(n);
                        format!(" · number {name} {}", k.number_phone.clone().unwrap_or_default())
                    });
                    view! {
                        <li class="flex flex-col gap-2 p-4 sm:flex-row sm:items-center sm:justify-between" data-key=k.id.clone()>
                            <div>
                                <p class="font-medium">{k.name.clone()}</p>
                                <p class="text-sm text-slate-600">
                                    <span class="font-mono">{format!("pl_…{}", k.last4)}</span>
                                    " · created " {fmt_time(k.created_at)}
                                    {number}
                                </p>
                            </div>
                            <ActionForm action=revoke>
                                <input type="hidden" name="csrf" value=csrf />
                                <input type="hidden" name="id" value=id />
                                <button type="submit" class=class::DANGER aria-label=label>"Revoke"</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
