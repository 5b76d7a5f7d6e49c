//! `/admin/audit`: who did what and when, through the dashboard or the API, filterable, 50 at
//! a time with "Show older" for the page before.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    serverfns::admin::admin_audit,
    types::admin::AuditItem,
    ui::components::{EmptyState, ErrorNotice, PageHeader, Spinner, class, fmt_time},
};

const KINDS: &[(&str, &str)] = &[
    ("", "Everything"),
    ("number.", "Numbers"),
    ("link.", "Links"),
    ("key.", "API keys"),
    ("webhook.", "Webhooks"),
    ("branding.", "Branding"),
    ("template.", "Templates"),
    ("settings.", "Settings"),
    ("session.", "Sign-ins"),
];

/// The filters live in the URL (`?action=webhook.&actor=usr_…`), so a filtered view can be
/// shared and works without JavaScript (a GET form).
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).unwrap_or_default();
    let entries = Resource::new(
        move || (param("action"), param("actor"), param("cursor")),
        |(a, who, cursor)| admin_audit(a, who, cursor),
    );
    view! {
        <Title text="Audit log · Pairlink" />
        <PageHeader title="Audit log" intro="Who did what and when, from this dashboard or with an API key." />
        <form method="get" action="/admin/audit" class="mb-4 flex flex-col gap-2 sm:flex-row sm:items-end">
            <div>
                <label for="audit-action" class=class::LABEL>"Show"</label>
                <select id="audit-action" name="action" class=class::INPUT>
                    {move || {
                        let current = param("action");
                        KINDS
                            .iter()
                            .map(|(value, label)| view! { <option value=*value selected=*value == current>{*label}</option> })
                            .collect_view()
                    }}
                </select>
            </div>
            <input type="hidden" name="actor" value=move || param("actor") />
            <button type="submit" class=class::SECONDARY>"Filter"</button>
            {move || (!param("actor").is_empty()).then(|| view! {
                <a href="/admin/audit" class="text-sm text-emerald-800 underline">"Clear the person filter"</a>
            })}
        </form>
        <Transition fallback=|| view! { <Spinner /> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <EmptyState title="Nothing here yet" hint="Actions show up as people and API keys make them." /> }.into_any(),
                    Ok(page) => {
                        let older = page.next_cursor.map(|c| audit_href(&param("action"), &param("actor"), &c));
                        let newest = (!param("cursor").is_empty()).then(|| audit_href(&param("action"), &param("actor"), ""));
                        view! {
                            <AuditTable list=page.items />
                            <p class="mt-4 flex justify-center gap-3">
                                {newest.map(|href| view! { <a class=class::SECONDARY href=href>"Back to the newest"</a> })}
                                {older.map(|href| view! { <a id="older-audit" class=class::SECONDARY href=href>"Show older"</a> })}
                            </p>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The log with these filters, from `cursor` on (a plain link: it works without JavaScript).
fn audit_href(action: &str, actor: &str, cursor: &str) -> String {
    let mut href = format!("/admin/audit?action={action}&actor={actor}");
    if !cursor.is_empty() {
        href.push_str("&cursor=");
        href.push_str(cursor);
    }
    href
}

#[component]
fn AuditTable(list: Vec<AuditItem>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <caption class="sr-only">"Audit log"</caption>
                <thead class="bg-slate-50 text-left text-slate-700">
                    <tr>
                        <th scope="col" class="px-3 py-2 font-medium">"When"</th>
                        <th scope="col" class="px-3 py-2 font-medium">"Who"</th>
                        <th scope="col" class="px-3 py-2 font-medium">"What"</th>
                        <th scope="col" class="hidden px-3 py-2 font-medium md:table-cell">"Details"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {list
                        .into_iter()
                        .map(|e| {
                            let who = format!("/admin/audit?actor={}", e.actor_id);
                            view! {
                                <tr data-action=e.action.clone()>
                                    <td class="whitespace-nowrap px-3 py-2">{fmt_time(e.created_at)}</td>
                                    <td class="px-3 py-2"><a href=who class="text-emerald-800 underline">{e.actor_label.clone()}</a></td>
                                    <td class="px-3 py-2"><code>{e.action.clone()}</code> <span class="text-slate-600">{e.target.clone()}</span></td>
                                    <td class="hidden max-w-md truncate px-3 py-2 font-mono text-xs text-slate-600 md:table-cell">{e.detail.clone()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
