//! The delivery log of `/admin/webhooks`: every delivery to the tenant's endpoints, filtered
//! by endpoint and status, and one delivery in full (what was sent, what came back) with a
//! replay button.
use leptos::prelude::*;

use super::webhook_actions::Actions;
use crate::{
    error::AppError,
    serverfns::admin::{admin_deliveries, admin_delivery},
    types::admin_webhooks::{AttemptDetail, DeliveriesPage, DeliveryDetail, DeliveryItem, WebhooksOut},
    ui::{
        components::{EmptyState, ErrorNotice, Spinner, class, fmt_time, fmt_time_opt},
        layouts::use_admin,
    },
};

const STATUSES: &[(&str, &str)] = &[
    ("", "Any status"),
    ("pending", "Pending"),
    ("delivered", "Delivered"),
    ("dead", "Failed"),
];

#[component]
pub fn DeliveryLog(actions: Actions, data: Resource<Result<WebhooksOut, AppError>>) -> impl IntoView {
    let (endpoint, status) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let refresh = RwSignal::new(0u32);
    let selected = RwSignal::new(None::<(String, String)>);
    let deliveries = Resource::new(
        move || {
            (
                endpoint.get(),
                status.get(),
                refresh.get(),
                actions.test.version().get(),
                actions.replay.version().get(),
                actions.delete.version().get(),
            )
        },
        |(e, s, ..)| admin_deliveries(e, s, String::new()),
    );
    // Older pages fetched with "Show older" and the cursor after them; `None` until asked.
    // Another filter starts again from the newest.
    let older = RwSignal::new(None::<(Vec<DeliveryItem>, Option<String>)>);
    Effect::new(move |_| {
        let _ = (endpoint.get(), status.get());
        older.set(None);
    });
    // While something waits for an attempt, look again shortly (in the browser only).
    Effect::new(move |_| {
        let waiting = deliveries
            .get()
            .and_then(Result::ok)
            .is_some_and(|l| l.items.iter().any(|d| d.status == "pending"));
        if waiting {
            set_timeout(move || refresh.update(|n| *n += 1), std::time::Duration::from_millis(1500));
        }
    });
    view! {
        <section aria-labelledby="log-title" class="space-y-4">
            <div class="flex flex-col gap-2 sm:flex-row sm:items-end sm:justify-between">
                <h2 id="log-title" class="text-lg font-semibold">"Delivery log"</h2>
                <div class="flex flex-col gap-2 sm:flex-row sm:items-end">
                    <EndpointFilter data endpoint />
                    <div>
                        <label for="log-status" class=class::LABEL>"Status"</label>
                        <select id="log-status" class=class::INPUT on:change=move |ev| status.set(event_target_value(&ev))>
                            {STATUSES.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                        </select>
                    </div>
                    <button type="button" class=class::SECONDARY on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
                </div>
            </div>
            <Transition fallback=|| view! { <Spinner /> }>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(page) if page.items.is_empty() => {
                            view! { <EmptyState title="No deliveries" hint="Deliveries appear here as events happen; send a test event to try an endpoint." /> }.into_any()
                        }
                        Ok(page) => view! { <Pages page older endpoint status selected /> }.into_any(),
                    }
                })}
            </Transition>
            {move || selected.get().map(|(webhook_id, id)| view! { <Detail webhook_id id actions selected refresh /> })}
        </section>
    }
}

/// The newest page, the older ones asked for after it, and "Show older" while more exist.
#[component]
fn Pages(
    page: DeliveriesPage,
    older: RwSignal<Option<(Vec<DeliveryItem>, Option<String>)>>,
    endpoint: RwSignal<String>,
    status: RwSignal<String>,
    selected: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let loading = RwSignal::new(false);
    let shown = move || {
        let mut list = page.items.clone();
        let next = match older.get() {
            Some((more, next)) => {
                list.extend(more);
                next
            }
            None => page.next_cursor.clone(),
        };
        (list, next)
    };
    let show_older = move |cursor: String| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(more) = admin_deliveries(endpoint.get_untracked(), status.get_untracked(), cursor).await {
                older.update(|o| {
                    let (items, next) = o.get_or_insert_with(Default::default);
                    items.extend(more.items);
                    *next = more.next_cursor;
                });
            }
            loading.set(false);
        });
    };
    view! {
        {move || {
            let (list, next) = shown();
            view! {
                <DeliveryList list selected />
                {next.map(|cursor| view! {
                    <p class="flex justify-center">
                        <button type="button" id="older-deliveries" class=class::SECONDARY disabled=loading
                            on:click=move |_| show_older(cursor.clone())>"Show older"</button>
                    </p>
                })}
            }
        }}
    }
}

/// The endpoint filter, rendered once the endpoints are known (inside its own transition,
/// so the server and the browser render the same options).
#[component]
fn EndpointFilter(data: Resource<Result<WebhooksOut, AppError>>, endpoint: RwSignal<String>) -> impl IntoView {
    view! {
        <div>
            <label for="log-endpoint" class=class::LABEL>"Endpoint"</label>
            <Transition fallback=|| view! { <select id="log-endpoint" class=class::INPUT disabled=true><option>"All endpoints"</option></select> }>
                {move || Suspend::new(async move {
                    let endpoints = data.await.map(|out| out.endpoints).unwrap_or_default();
                    let current = endpoint.get_untracked();
                    view! {
                        <select id="log-endpoint" class=class::INPUT on:change=move |ev| endpoint.set(event_target_value(&ev))>
                            <option value="">"All endpoints"</option>
                            {endpoints
                                .into_iter()
                                .map(|w| {
                                    let selected = w.id == current;
                                    view! { <option value=w.id selected=selected>{w.name}</option> }
                                })
                                .collect_view()}
                        </select>
                    }
                })}
            </Transition>
        </div>
    }
}

fn status_label(status: &str) -> (&'static str, &'static str) {
    match status {
        "delivered" => ("Delivered", "bg-emerald-50 text-emerald-900 ring-emerald-200"),
        "dead" => ("Failed", "bg-red-50 text-red-900 ring-red-200"),
        _ => ("Pending", "bg-amber-50 text-amber-950 ring-amber-200"),
    }
}

#[component]
fn DeliveryList(list: Vec<DeliveryItem>, selected: RwSignal<Option<(String, String)>>) -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200" aria-label="Deliveries">
            {list
                .into_iter()
                .map(|d| {
                    let (label, badge) = status_label(&d.status);
                    let answer = d
                        .status_code
                        .map(|c| format!("HTTP {c}"))
                        .or_else(|| d.error.clone())
                        .unwrap_or_else(|| "no attempt yet".into());
                    let key = (d.webhook_id.clone(), d.id.clone());
                    let open = format!("Details of {} to {}", d.event, d.webhook_name);
                    view! {
                        <li class="flex flex-col gap-2 p-4 sm:flex-row sm:items-center sm:justify-between" data-delivery=d.id.clone() data-status=d.status.clone()>
                            <div class="min-w-0">
                                <p class="font-medium">
                                    <code>{d.event.clone()}</code>
                                    <span class=format!("ml-2 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {badge}")>{label}</span>
                                </p>
                                <p class="truncate text-sm text-slate-600">
                                    {format!("{} · {} attempt(s) · {answer} · {}", d.webhook_name, d.attempts, fmt_time(d.created_at))}
                                </p>
                            </div>
                            <button type="button" class=class::SECONDARY aria-label=open on:click=move |_| selected.set(Some(key.clone()))>"Details"</button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn Detail(
    webhook_id: String,
    id: String,
    actions: Actions,
    selected: RwSignal<Option<(String, String)>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let csrf = use_admin().csrf();
    let (w, d) = (webhook_id.clone(), id.clone());
    // Reloads with the list, so attempts made after a replay show up here too.
    let detail = Resource::new(
        move || (actions.replay.version().get(), refresh.get()),
        move |_| admin_delivery(w.clone(), d.clone()),
    );
    view! {
        <div class=format!("{} space-y-4", class::CARD) role="region" aria-labelledby="delivery-title" data-testid="delivery-detail">
            <div class="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
                <h3 id="delivery-title" class="font-semibold">"Delivery details"</h3>
                <div class="flex gap-2">
                    <ActionForm action=actions.replay>
                        <input type="hidden" name="csrf" value=csrf />
                        <input type="hidden" name="webhook_id" value=webhook_id />
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class=class::PRIMARY>"Replay"</button>
                    </ActionForm>
                    <button type="button" class=class::SECONDARY on:click=move |_| selected.set(None)>"Close"</button>
                </div>
            </div>
            {move || actions.replay.value().get().map(|r| match r {
                Ok(_) => view! { <p role="status" class="text-sm text-emerald-800">"Queued again; a new attempt follows shortly."</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            <Transition fallback=|| view! { <Spinner /> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(d) => view! { <DetailBody d /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn DetailBody(d: DeliveryDetail) -> impl IntoView {
    let (label, _) = status_label(&d.item.status);
    let pending = (d.item.status == "pending").then(|| format!(" · next attempt {}", fmt_time_opt(d.next_attempt_at)));
    view! {
        <dl class="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
            <dt class="font-medium text-slate-700">"Event"</dt>
            <dd><code>{d.item.event.clone()}</code>" · "<span class="text-slate-600">{d.event_id.clone()}</span></dd>
            <dt class="font-medium text-slate-700">"Status"</dt>
            <dd data-testid="delivery-status">{format!("{label} · {} attempt(s)", d.item.attempts)}{pending}</dd>
            <dt class="font-medium text-slate-700">"Sent to"</dt>
            <dd class="break-all font-mono text-xs">{format!("POST {}", d.url)}</dd>
        </dl>
        <div>
            <h4 class="text-sm font-semibold">"Request body"</h4>
            <pre class="mt-1 max-h-64 overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-50" role="region" tabindex="0" aria-label="Request body">{d.body.clone()}</pre>
        </div>
        {if d.attempts.is_empty() {
            view! { <p class="text-sm text-slate-600">"No attempt yet."</p> }.into_any()
        } else {
            view! { <ol class="space-y-3" aria-label="Attempts">{d.attempts.into_iter().map(|a| view! { <Attempt a /> }).collect_view()}</ol> }.into_any()
        }}
    }
}

#[component]
fn Attempt(a: AttemptDetail) -> impl IntoView {
    let outcome = match (a.status_code, &a.error) {
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(error)) => error.clone(),
        (None, None) => "no answer".to_owned(),
    };
    view! {
        <li class="rounded-md p-3 ring-1 ring-slate-200" data-attempt=a.attempt.to_string()>
            <p class="text-sm font-medium">{format!("Attempt {} · {} · {outcome} · {} ms", a.attempt, fmt_time(a.at), a.duration_ms)}</p>
            <div class="mt-2 grid gap-3 lg:grid-cols-2">
                <div>
                    <h5 class="text-xs font-semibold uppercase tracking-wide text-slate-600">"Request headers"</h5>
                    <ul class="mt-1 font-mono text-xs">
                        {a.request_headers
                            .into_iter()
                            .map(|(k, v)| view! { <li class="break-all"><span class="text-slate-600">{k}": "</span>{v}</li> })
                            .collect_view()}
                    </ul>
                </div>
                <div>
                    <h5 class="text-xs font-semibold uppercase tracking-wide text-slate-600">"Response"</h5>
                    <pre class="mt-1 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-2 text-xs" role="region" tabindex="0" aria-label=format!("Response to attempt {}", a.attempt)>
                        {a.response_body.filter(|b| !b.is_empty()).unwrap_or_else(|| "(empty)".into())}
                    </pre>
                </div>
            </div>
        </li>
    }
}
