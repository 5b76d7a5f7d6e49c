//! `/admin/numbers`: the tenant's numbers with their live state, a page at a time (50, then
//! more on demand), searched and filtered through the URL (`?q=…&state=…&shown=…&id=…`, so
//! a view can be shared and works without JavaScript), a form to add one, its QR and code
//! until it connects, and delete / restore / purge.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    serverfns::admin::{
        AdminConnectNumber, AdminCreateNumber, AdminDeleteNumber, AdminPurgeNumber, AdminRestoreNumber, admin_number_pairing, admin_numbers,
    },
    types::admin::{NumberCounts, NumberItem, NumbersOut, PairingView},
    ui::{
        components::{EmptyState, ErrorNotice, PageHeader, Spinner, class, fmt_time, fmt_time_opt},
        layouts::use_admin,
    },
};

/// The page's shared state: which number's window is shown, and a counter bumped by live events.
#[derive(Clone, Copy)]
struct Page {
    selected: RwSignal<Option<String>>,
    changed: RwSignal<u32>,
    selected_changed: RwSignal<u32>,
    delete: ServerAction<AdminDeleteNumber>,
    restore: ServerAction<AdminRestoreNumber>,
    purge: ServerAction<AdminPurgeNumber>,
    connect: ServerAction<AdminConnectNumber>,
}

/// A page holds this many numbers; "Show more" adds as many again.
const PAGE: u32 = 50;

#[component]
pub fn NumbersPage() -> impl IntoView {
    let create = ServerAction::<AdminCreateNumber>::new();
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).unwrap_or_default();
    let page = Page {
        // A number named in the URL (a search result, a shared link) opens its panel.
        selected: RwSignal::new(Some(param("id")).filter(|id| !id.is_empty())),
        changed: RwSignal::new(0),
        selected_changed: RwSignal::new(0),
        delete: ServerAction::new(),
        restore: ServerAction::new(),
        purge: ServerAction::new(),
        connect: ServerAction::new(),
    };
    provide_context(page);
    #[cfg(feature = "hydrate")]
    crate::ui::live::on_number_change(move |id| {
        page.changed.update(|n| *n += 1);
        if id.is_none() || id == page.selected.get_untracked() {
            page.selected_changed.update(|n| *n += 1);
        }
    });
    // A new number shows its QR at once.
    Effect::new(move |_| {
        if let Some(Ok(n)) = create.value().get() {
            page.selected.set(Some(n.id));
        }
    });
    let shown = move || param("shown").parse::<u32>().unwrap_or(PAGE).clamp(PAGE, 500);
    // A change refetches the one page shown and the counts, never the whole tenant.
    let numbers = Resource::new(
        move || {
            (
                page.changed.get(),
                create.version().get(),
                page.delete.version().get(),
                page.restore.version().get(),
                page.purge.version().get(),
                (param("q"), param("state"), shown()),
            )
        },
        |(.., (q, state, shown))| admin_numbers(q, state, shown),
    );
    view! {
        <Title text="Numbers · Pairlink" />
        <PageHeader title="Numbers" intro="WhatsApp numbers of your tenant. States update live." />
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <ActionErrors />
                <Transition fallback=|| view! { <Spinner /> }>
                    {move || Suspend::new(async move {
                        match numbers.await {
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            Ok(out) => view! {
                                <Filters counts=out.counts.clone() q=param("q") state=param("state") />
                                <NumberLists out=out.clone() filtered=!param("q").is_empty() || !param("state").is_empty() />
                                {out.more.then(|| {
                                    let next = more_href(&param("q"), &param("state"), shown() + PAGE);
                                    view! {
                                        <p class="text-center">
                                            {if shown() + PAGE <= 500 {
                                                view! { <a id="more-numbers" class=class::SECONDARY href=next>"Show more"</a> }.into_any()
                                            } else {
                                                view! { <span class=class::HINT>"Search to find a number among the rest, or export them all as CSV from the API."</span> }.into_any()
                                            }}
                                        </p>
                                    }
                                })}
                            }.into_any(),
                        }
                    })}
                </Transition>
            </div>
            <div class="space-y-6">
                <CreateForm create />
                {move || page.selected.get().map(|id| view! { <PairingPanel id /> })}
            </div>
        </div>
    }
}

fn more_href(q: &str, state: &str, shown: u32) -> String {
    let query: String = url_pairs(&[("q", q), ("state", state), ("shown", &shown.to_string())]);
    format!("/admin/numbers?{query}")
}

/// `k=v&…` for the non-empty pairs, percent-encoded.
pub(super) fn url_pairs(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The search box and the state filter, with how many numbers each state holds. A GET form:
/// the filters live in the URL.
#[component]
fn Filters(counts: NumberCounts, q: String, state: String) -> impl IntoView {
    // The export follows the filters shown.
    let export_href = format!("/admin/numbers/export?{}", url_pairs(&[("q", &q), ("state", &state)]));
    let total = counts.open + counts.connecting + counts.close;
    let options = [
        ("", "All", total),
        ("OPEN", "Connected", counts.open),
        ("CONNECTING", "Pairing", counts.connecting),
        ("CLOSE", "Not connected", counts.close),
    ];
    view! {
        <form method="get" action="/admin/numbers" role="search" class="flex flex-col gap-2 sm:flex-row sm:items-end">
            <div class="grow">
                <label for="numbers-q" class=class::LABEL>"Search"</label>
                <input id="numbers-q" name="q" type="search" value=q class=class::INPUT placeholder="Name, phone or num_…" />
            </div>
            <div>
                <label for="numbers-state" class=class::LABEL>"State"</label>
                <select id="numbers-state" name="state" class=class::INPUT>
                    {options
                        .into_iter()
                        .map(|(value, label, n)| view! { <option value=value selected=value == state>{format!("{label} ({n})")}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class=class::SECONDARY>"Search"</button>
            <a id="export-numbers" class=class::SECONDARY href=export_href download="numbers.csv">"Export CSV"</a>
        </form>
        <p id="number-counts" class=class::HINT>
            {format!(
                "{total} numbers: {} connected, {} pairing, {} not connected; {} recently deleted.",
                counts.open, counts.connecting, counts.close, counts.deleted
            )}
        </p>
    }
}

#[component]
fn ActionErrors() -> impl IntoView {
    let page = expect_context::<Page>();
    let error = move || {
        [
            page.delete.value().get().and_then(Result::err),
            page.restore.value().get().and_then(Result::err),
            page.purge.value().get().and_then(Result::err),
            page.connect.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    move || error().map(|error| view! { <ErrorNotice error /> })
}

#[component]
fn CreateForm(create: ServerAction<AdminCreateNumber>) -> impl IntoView {
    let admin = use_admin();
    view! {
        <section class=class::CARD aria-labelledby="new-number">
            <h2 id="new-number" class="text-lg font-semibold">"Add a number"</h2>
            <ActionForm action=create attr:class="mt-4 space-y-4">
                <input type="hidden" name="csrf" value=admin.csrf() />
                <div>
                    <label for="number-name" class=class::LABEL>"Display name"</label>
                    <input id="number-name" name="input[name]" required maxlength="100" class=class::INPUT placeholder="Support line" />
                </div>
                <div>
                    <label for="number-phone" class=class::LABEL>"Phone (E.164)"</label>
                    <input id="number-phone" name="input[phone]" required inputmode="tel" class=class::INPUT placeholder="+5511999999999" />
                    <p class=class::HINT>"With the country code. A QR and a pairing code appear once it is added."</p>
                </div>
                {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
                <button type="submit" class=class::PRIMARY disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Adding…" } else { "Add number" }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn NumberLists(out: NumbersOut, filtered: bool) -> impl IntoView {
    let NumbersOut {
        live, deleted, can_create, ..
    } = out;
    view! {
        {(!can_create).then(|| view! {
            <p role="status" class="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                "No pairing engine is enabled on this server, so new numbers cannot be paired yet."
            </p>
        })}
        {if live.is_empty() && filtered {
            view! { <EmptyState title="No number matches" hint="Try another part of the name or phone, or show every state." /> }.into_any()
        } else if live.is_empty() {
            view! { <EmptyState title="No numbers yet" hint="Add your first number with the form; its QR code shows up right away." /> }.into_any()
        } else {
            view! { <NumberTable numbers=live /> }.into_any()
        }}
        {(!deleted.is_empty()).then(|| view! { <DeletedList numbers=deleted /> })}
    }
}

#[component]
fn NumberTable(numbers: Vec<NumberItem>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <caption class="sr-only">"Numbers"</caption>
                <thead class="bg-slate-50 text-left text-slate-700">
                    <tr>
                        <th scope="col" class="px-3 py-2 font-medium">"Number"</th>
                        <th scope="col" class="px-3 py-2 font-medium">"State"</th>
                        <th scope="col" class="hidden px-3 py-2 font-medium md:table-cell">"Engine"</th>
                        <th scope="col" class="hidden px-3 py-2 font-medium md:table-cell">"Created"</th>
                        <th scope="col" class="hidden px-3 py-2 font-medium sm:table-cell">"Connected"</th>
                        <th scope="col" class="px-3 py-2 font-medium"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {numbers.into_iter().map(|n| view! { <NumberRow n /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn NumberRow(n: NumberItem) -> impl IntoView {
    let page = expect_context::<Page>();
    let csrf = use_admin().csrf();
    let open = n.state == "OPEN";
    let id = n.id.clone();
    view! {
        <tr data-number=n.id.clone() data-state=n.state.clone()>
            <td class="px-3 py-2">
                <p class="font-medium text-slate-900">{n.name.clone()}</p>
                <p class="text-slate-600">{n.phone.clone()}</p>
            </td>
            <td class="px-3 py-2"><StateBadge state=n.state.clone() /></td>
            <td class="hidden px-3 py-2 md:table-cell">{n.engine.clone()}</td>
            <td class="hidden px-3 py-2 md:table-cell">{fmt_time(n.created_at)}</td>
            <td class="hidden px-3 py-2 sm:table-cell">{fmt_time_opt(n.connected_at)}</td>
            <td class="px-3 py-2">
                <div class="flex flex-wrap justify-end gap-2">
                    {(!open).then(|| {
                        let id = id.clone();
                        view! {
                            <button type="button" class=class::SECONDARY on:click=move |_| page.selected.set(Some(id.clone()))>
                                "QR & code"
                            </button>
                        }
                    })}
                    <ActionForm action=page.delete>
                        <input type="hidden" name="csrf" value=csrf />
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" class=class::DANGER aria-label=format!("Delete {}", n.name)>"Delete"</button>
                    </ActionForm>
                </div>
            </td>
        </tr>
    }
}

#[component]
fn StateBadge(state: String) -> impl IntoView {
    let (label, colours) = match state.as_str() {
        "OPEN" => ("Connected", "bg-emerald-100 text-emerald-900"),
        "CONNECTING" => ("Pairing", "bg-amber-100 text-amber-900"),
        _ => ("Not connected", "bg-slate-100 text-slate-800"),
    };
    view! {
        <span class=format!("inline-flex rounded-full px-2 py-0.5 text-xs font-medium {colours}") data-testid="state">
            {label}
            <span class="sr-only">{format!(" ({state})")}</span>
        </span>
    }
}

#[component]
fn DeletedList(numbers: Vec<NumberItem>) -> impl IntoView {
    let page = expect_context::<Page>();
    let csrf = use_admin().csrf();
    view! {
        <section aria-labelledby="deleted-numbers" class=class::CARD>
            <h2 id="deleted-numbers" class="text-lg font-semibold">"Recently deleted"</h2>
            <p class=class::HINT>"The ten most recent. Deleted numbers can be restored until their window ends (the API lists them all); purging removes them for good."</p>
            <ul class="mt-3 divide-y divide-slate-100">
                {numbers
                    .into_iter()
                    .map(|n| {
                        let (csrf_a, csrf_b, id_a, id_b) = (csrf.clone(), csrf.clone(), n.id.clone(), n.id.clone());
                        view! {
                            <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between" data-deleted=n.id.clone()>
                                <div>
                                    <p class="font-medium">{n.name.clone()} " · " {n.phone.clone()}</p>
                                    <p class="text-sm text-slate-600">"Restorable until " {fmt_time_opt(n.restorable_until)}</p>
                                </div>
                                <div class="flex gap-2">
                                    <ActionForm action=page.restore>
                                        <input type="hidden" name="csrf" value=csrf_a />
                                        <input type="hidden" name="id" value=id_a />
                                        <button type="submit" class=class::SECONDARY>"Restore"</button>
                                    </ActionForm>
                                    <ActionForm action=page.purge>
                                        <input type="hidden" name="csrf" value=csrf_b />
                                        <input type="hidden" name="id" value=id_b />
                                        <button type="submit" class=class::DANGER>"Purge"</button>
                                    </ActionForm>
                                </div>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// The selected number's linking window: QR, code and countdown, live until it connects.
#[component]
fn PairingPanel(id: String) -> impl IntoView {
    let page = expect_context::<Page>();
    let csrf = use_admin().csrf();
    let key = id.clone();
    let pairing = Resource::new(
        move || (key.clone(), page.selected_changed.get(), page.connect.version().get()),
        |(id, _, _)| admin_number_pairing(id),
    );
    let now = RwSignal::new(0.0_f64);
    let fetched = RwSignal::new(0.0_f64);
    #[cfg(feature = "hydrate")]
    {
        now.set(crate::ui::live::now_ms());
        crate::ui::live::every_second(move || now.set(crate::ui::live::now_ms()));
        Effect::new(move |_| {
            if pairing.get().is_some() {
                fetched.set(crate::ui::live::now_ms());
            }
        });
    }
    view! {
        <section class=class::CARD aria-labelledby="pairing-title" aria-live="polite" id="pairing">
            <div class="flex items-center justify-between">
                <h2 id="pairing-title" class="text-lg font-semibold">"Link the phone"</h2>
                <button type="button" class="text-sm text-slate-700 underline" on:click=move |_| page.selected.set(None)>"Close"</button>
            </div>
            <Transition fallback=|| view! { <Spinner /> }>
                {move || Suspend::new({
                    let (id, csrf) = (id.clone(), csrf.clone());
                    async move {
                        match pairing.await {
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            Ok(p) => view! { <PairingBody p id csrf now fetched /> }.into_any(),
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PairingBody(p: PairingView, id: String, csrf: String, now: RwSignal<f64>, fetched: RwSignal<f64>) -> impl IntoView {
    let page = expect_context::<Page>();
    if p.state == "OPEN" {
        return view! {
            <p class="mt-4 rounded-md bg-emerald-50 px-3 py-3 text-emerald-900" data-testid="connected">"Connected. The phone is linked."</p>
        }
        .into_any();
    }
    let seconds = p.seconds_left;
    let left = move || {
        let elapsed = if fetched.get() > 0.0 {
            ((now.get() - fetched.get()) / 1000.0).floor() as i64
        } else {
            0
        };
        (seconds - elapsed).max(0)
    };
    let window = p.qr.is_some() || p.code.is_some();
    view! {
        <div class="mt-4 space-y-4">
            {p.failure.map(|f| view! { <p role="alert" class="text-sm text-red-800">"Linking stopped: " {f}</p> })}
            {p.qr.map(|src| view! {
                <img src=src alt="QR code: scan it in WhatsApp under Linked devices" class="mx-auto aspect-square w-full max-w-64 rounded-md ring-1 ring-slate-200" data-testid="qr" />
            })}
            {p.code.map(|code| view! {
                <p class="text-center">
                    <span class="block text-sm text-slate-600">"Or enter this code on the phone"</span>
                    <span class="font-mono text-2xl tracking-widest" data-testid="code">{code}</span>
                </p>
            })}
            {if window {
                view! { <p class="text-center text-sm text-slate-600">{move || format!("This window closes in {} s.", left())}</p> }.into_any()
            } else {
                view! {
                    <div>
                        <p class="text-sm text-slate-700">"No linking window is open."</p>
                        <ActionForm action=page.connect attr:class="mt-3">
                            <input type="hidden" name="csrf" value=csrf />
                            <input type="hidden" name="id" value=id />
                            <button type="submit" class=class::PRIMARY>"Show a new QR"</button>
                        </ActionForm>
                    </div>
                }
                    .into_any()
            }}
        </div>
    }
    .into_any()
}
