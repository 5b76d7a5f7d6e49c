//! `/admin/webhooks`: endpoints (create, edit, pause/resume, delete), their signing secret
//! (shown once on create and once on each rotation), a test event, and the delivery log
//! (`webhook_log`).
use leptos::prelude::*;
use leptos_meta::Title;

use super::{number_picker::NumberPicker, webhook_actions::Actions, webhook_log::DeliveryLog};
use crate::{
    error::AppError,
    serverfns::admin::admin_webhooks,
    types::{
        admin_webhooks::{SecretOut, WebhooksOut},
        webhooks::WebhookOut,
    },
    ui::{
        components::{CopyButton, EmptyState, ErrorNotice, PageHeader, Spinner, class, fmt_time},
        layouts::use_admin,
    },
};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let actions = Actions::new();
    let data = Resource::new(move || actions.endpoints_version(), |_| admin_webhooks());
    let editing = RwSignal::new(None::<WebhookOut>);
    let secret = RwSignal::new(None::<SecretOut>);
    // The secret panel shows the latest secret only, from whichever action made it.
    Effect::new(move |_| {
        if let Some(Ok(made)) = actions.create.value().get() {
            secret.set(Some(made));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(made)) = actions.rotate.value().get() {
            secret.set(Some(made));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = actions.update.value().get() {
            editing.set(None);
        }
    });
    view! {
        <Title text="Webhooks · Pairlink" />
        <PageHeader title="Webhooks" intro="Where we send events about your numbers and links, signed with a secret only you hold." />
        <div class="space-y-8">
            {move || secret.get().map(|made| view! { <SecretPanel made secret /> })}
            <Transition fallback=|| view! { <Spinner /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(out) => view! { <Endpoints out actions editing /> }.into_any(),
                    }
                })}
            </Transition>
            <DeliveryLog actions data />
        </div>
    }
}

/// The signing secret, once: after this panel is dismissed or the page reloads, it is gone.
#[component]
fn SecretPanel(made: SecretOut, secret: RwSignal<Option<SecretOut>>) -> impl IntoView {
    view! {
        <div class="rounded-lg bg-amber-50 p-4 ring-1 ring-amber-200" data-testid="webhook-secret" role="region" aria-label="Signing secret">
            <p class="font-medium text-amber-950">
                {format!("Signing secret for {}. Copy it now: it will not be shown again.", made.webhook.name)}
            </p>
            <div class="mt-2 flex flex-col gap-2 sm:flex-row sm:items-center">
                <input readonly aria-label="Signing secret" value=made.secret.clone() class=format!("{} font-mono text-xs", class::INPUT) />
                <CopyButton text=made.secret label="Copy secret" />
                <button type="button" class=class::SECONDARY on:click=move |_| secret.set(None)>"Done"</button>
            </div>
        </div>
    }
}

#[component]
fn Endpoints(out: WebhooksOut, actions: Actions, editing: RwSignal<Option<WebhookOut>>) -> impl IntoView {
    let WebhooksOut { endpoints, events } = out;
    let list = if endpoints.is_empty() {
        view! { <EmptyState title="No webhook endpoints" hint="Add one below to hear about numbers and links as they change." /> }
            .into_any()
    } else {
        view! { <EndpointList endpoints actions editing /> }.into_any()
    };
    view! {
        <section aria-labelledby="endpoints-title" class="space-y-4">
            <h2 id="endpoints-title" class="text-lg font-semibold">"Endpoints"</h2>
            {move || actions.list_error().map(|error| view! { <ErrorNotice error /> })}
            {move || actions.test.value().get().and_then(Result::ok).map(|d| view! {
                <p role="status" class="text-sm text-emerald-800">{format!("Test event queued for {}; it appears in the log below.", d.webhook_name)}</p>
            })}
            {list}
            {move || view! { <EndpointForm current=editing.get() events=events.clone() actions editing /> }}
        </section>
    }
}

#[component]
fn EndpointList(endpoints: Vec<WebhookOut>, actions: Actions, editing: RwSignal<Option<WebhookOut>>) -> impl IntoView {
    let csrf = use_admin().csrf();
    view! {
        <ul class="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200" aria-label="Webhook endpoints">
            {endpoints
                .into_iter()
                .map(|w| view! { <EndpointRow w=w csrf=csrf.clone() actions editing /> })
                .collect_view()}
        </ul>
    }
}

#[component]
fn EndpointRow(w: WebhookOut, csrf: String, actions: Actions, editing: RwSignal<Option<WebhookOut>>) -> impl IntoView {
    let events = if w.events.is_empty() {
        "no events (nothing is sent)".to_owned()
    } else {
        w.events.join(", ")
    };
    let scope = w
        .whatsapp_number_id
        .clone()
        .map_or_else(|| "All numbers".to_owned(), |n| format!("Number {n}"));
    let (badge, badge_class) = if w.active {
        ("Active", "bg-emerald-50 text-emerald-900 ring-emerald-200")
    } else {
        ("Paused", "bg-slate-100 text-slate-800 ring-slate-300")
    };
    let edit = w.clone();
    let label = |verb: &str| format!("{verb} {}", w.name);
    let (test_label, edit_label, delete_label, rotate_label) = (
        label("Send test event to"),
        label("Edit"),
        label("Delete"),
        label("Rotate secret of"),
    );
    let toggle_label = label(if w.active { "Pause" } else { "Resume" });
    // Each form carries the token and the endpoint id; built here because form children
    // are closures that own what they use.
    let hidden = |csrf: &String, id: &String| {
        view! {
            <input type="hidden" name="csrf" value=csrf.clone() />
            <input type="hidden" name="id" value=id.clone() />
        }
    };
    let [h_test, h_active, h_rotate, h_delete] = [(); 4].map(|_| hidden(&csrf, &w.id));
    view! {
        <li class="flex flex-col gap-3 p-4 lg:flex-row lg:items-start lg:justify-between" data-webhook=w.id.clone()>
            <div class="min-w-0 space-y-1">
                <p class="font-medium">
                    {w.name.clone()}
                    <span class=format!("ml-2 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {badge_class}")>{badge}</span>
                </p>
                <p class="break-all font-mono text-xs text-slate-700">{w.url.clone()}</p>
                <p class="text-sm text-slate-600">{format!("{scope} · {events} · since {}", fmt_time(w.created_at))}</p>
            </div>
            <div class="flex flex-wrap gap-2">
                <ActionForm action=actions.test>
                    {h_test}
                    <button type="submit" class=class::SECONDARY aria-label=test_label disabled=!w.active>"Send test event"</button>
                </ActionForm>
                <button type="button" class=class::SECONDARY aria-label=edit_label on:click=move |_| editing.set(Some(edit.clone()))>"Edit"</button>
                <ActionForm action=actions.active>
                    {h_active}
                    <input type="hidden" name="active" value=(!w.active).to_string() />
                    <button type="submit" class=class::SECONDARY aria-label=toggle_label>
                        {if w.active { "Pause" } else { "Resume" }}
                    </button>
                </ActionForm>
                <ActionForm action=actions.rotate>
                    {h_rotate}
                    <button type="submit" class=class::SECONDARY aria-label=rotate_label>"Rotate secret"</button>
                </ActionForm>
                <ActionForm action=actions.delete>
                    {h_delete}
                    <button type="submit" class=class::DANGER aria-label=delete_label>"Delete"</button>
                </ActionForm>
            </div>
        </li>
    }
}

/// The error of the latest save, and the part of it about `field` (the service's messages
/// start with the field's name), to show beside that field.
fn field_error(error: Option<AppError>, field: &str) -> Option<String> {
    let e = error?;
    let rest = e.message.strip_prefix(field)?.strip_prefix(':')?;
    (e.code == "VALIDATION_ERROR").then(|| rest.trim().to_owned())
}

#[component]
fn EndpointForm(
    current: Option<WebhookOut>,
    events: Vec<String>,
    actions: Actions,
    editing: RwSignal<Option<WebhookOut>>,
) -> impl IntoView {
    let csrf = use_admin().csrf();
    let is_edit = current.is_some();
    let w = current.unwrap_or(WebhookOut {
        id: String::new(),
        name: String::new(),
        url: String::new(),
        events: vec!["*".into()],
        ignored_events: Vec::new(),
        whatsapp_number_id: None,
        active: true,
        created_at: Default::default(),
        updated_at: Default::default(),
    });
    let error = move || {
        if is_edit {
            actions.update.value().get().and_then(Result::err)
        } else {
            actions.create.value().get().and_then(Result::err)
        }
    };
    let url_error = move || field_error(error(), "url");
    let events_error = move || field_error(error(), "events");
    let fields = view! {
        <input type="hidden" name="csrf" value=csrf />
        <input type="hidden" name="id" value=w.id.clone() />
        <div class="sm:col-span-2">
            <label for="wh-url" class=class::LABEL>"Endpoint URL (https)"</label>
            <input
                id="wh-url"
                name="input[url]"
                type="text"
                inputmode="url"
                autocomplete="url"
                required
                value=w.url.clone()
                placeholder="https://example.com/webhooks/pairlink"
                class=class::INPUT
                aria-invalid=move || url_error().is_some().to_string()
                aria-describedby="wh-url-error"
            />
            <p id="wh-url-error" class="mt-1 text-sm text-red-800">{url_error}</p>
        </div>
        <div>
            <label for="wh-name" class=class::LABEL>"Description"</label>
            <input id="wh-name" name="input[name]" value=w.name.clone() maxlength="100" placeholder="CRM sync (defaults to the host)" class=class::INPUT />
        </div>
        // The number cannot change once the endpoint exists: shown, not offered.
        <NumberPicker
            id="wh-number"
            name="input[number_id]"
            label="Number"
            none="All numbers (tenant-wide)"
            chosen_id=w.whatsapp_number_id.clone().unwrap_or_default()
            chosen=None
            disabled=is_edit
        />
        <EventsPicker all=events chosen=w.events.clone() error=Signal::derive(events_error) />
    };
    let buttons = view! {
        <div class="flex gap-2 sm:col-span-2">
            <button type="submit" class=class::PRIMARY>{if is_edit { "Save endpoint" } else { "Add endpoint" }}</button>
            {is_edit.then(|| view! { <button type="button" class=class::SECONDARY on:click=move |_| editing.set(None)>"Cancel"</button> })}
        </div>
    };
    let form_class = "mt-3 grid gap-3 sm:grid-cols-2";
    view! {
        <div class=class::CARD>
            <h3 class="font-semibold">{if is_edit { format!("Edit {}", w.name) } else { "New endpoint".to_owned() }}</h3>
            {move || error().filter(|e| e.code != "VALIDATION_ERROR").map(|error| view! { <div class="mt-2"><ErrorNotice error /></div> })}
            {if is_edit {
                view! { <ActionForm action=actions.update attr:class=form_class>{fields}{buttons}</ActionForm> }.into_any()
            } else {
                view! { <ActionForm action=actions.create attr:class=form_class>{fields}{buttons}</ActionForm> }.into_any()
            }}
        </div>
    }
}

/// One box per event the service sends, and "all events" (`*`, which includes events added
/// later).
#[component]
fn EventsPicker(all: Vec<String>, chosen: Vec<String>, error: Signal<Option<String>>) -> impl IntoView {
    let everything = chosen.iter().any(|e| e == "*");
    let boxes = std::iter::once(("*".to_owned(), "All events, including future ones".to_owned()))
        .chain(all.into_iter().map(|e| (e.clone(), e)))
        .enumerate()
        .map(|(i, (value, label))| {
            let checked = if value == "*" { everything } else { chosen.contains(&value) };
            let (id, for_id) = (format!("wh-event-{i}"), format!("wh-event-{i}"));
            view! {
                <label for=for_id class="flex items-center gap-2 text-sm">
                    <input id=id type="checkbox" name="input[events][]" value=value checked=checked class="h-4 w-4" />
                    <span class="font-mono text-xs">{label}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="sm:col-span-2" aria-describedby="wh-events-error">
            <legend class=class::LABEL>"Events"</legend>
            <div class="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-3">{boxes}</div>
            <p id="wh-events-error" class="mt-1 text-sm text-red-800">{move || error.get()}</p>
        </fieldset>
    }
}
