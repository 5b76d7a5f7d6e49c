//! `/admin/keys`: API keys (each shown once, then only its last four; listed a page at a
//! time in `keys_list`), the default sender, the official fallback switch, and the message
//! templates links are sent with.
use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    keys_list::Keys,
    number_picker::NumberPicker,
    took::{ok, took},
};
use crate::{
    error::AppError,
    serverfns::admin::{
        AdminDeleteTemplate, AdminSaveTemplate, AdminSetOfficialFallback, AdminSetSender, admin_official_fallback, admin_sender,
        admin_templates,
    },
    types::{admin::TemplateItem, admin_keys::SenderOut},
    ui::{
        components::{EmptyState, ErrorNotice, PageHeader, Spinner, class},
        layouts::use_admin,
    },
};

#[component]
pub fn KeysPage() -> impl IntoView {
    view! {
        <Title text="API keys · Pairlink" />
        <PageHeader title="API keys and templates" intro="Keys for the REST API, the number links are sent from, and the message they are sent with." />
        <div class="space-y-8">
            <Keys />
            <Sender />
            <OfficialFallback />
            <Templates />
        </div>
    }
}

#[component]
fn Sender() -> impl IntoView {
    let csrf = use_admin().csrf();
    let set = ServerAction::<AdminSetSender>::new();
    let saved = took(move || set.version().get(), move || set.value().with(ok));
    let sender = Resource::new(move || saved.get(), |_| admin_sender());
    view! {
        <section aria-labelledby="sender-title" class=class::CARD>
            <h2 id="sender-title" class="text-lg font-semibold">"Default sender"</h2>
            <p class=class::HINT>"The connected number that sends links over WhatsApp when a link asks for it."</p>
            <Outcome result=Signal::derive(move || set.value().get()) />
            <Transition fallback=|| view! { <Spinner /> }>
                {move || {
                    let csrf = csrf.clone();
                    Suspend::new(async move {
                        match sender.await {
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            Ok(out) => view! { <SenderForm out csrf set /> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// What a settings form's last save did: its error, or "Saved."
#[component]
fn Outcome(result: Signal<Option<Result<(), AppError>>>) -> impl IntoView {
    move || match result.get() {
        Some(Err(error)) => view! { <div class="mt-2"><ErrorNotice error /></div> }.into_any(),
        Some(Ok(())) => view! { <p role="status" class="mt-2 text-sm text-emerald-800">"Saved."</p> }.into_any(),
        None => ().into_any(),
    }
}

#[component]
fn SenderForm(out: SenderOut, csrf: String, set: ServerAction<AdminSetSender>) -> impl IntoView {
    view! {
        <ActionForm action=set attr:class="mt-3 flex flex-col gap-2 sm:flex-row sm:items-start">
            <input type="hidden" name="csrf" value=csrf />
            <div class="grow">
                <NumberPicker
                    id="sender"
                    name="number_id"
                    label="Number"
                    none="None"
                    chosen_id=out.default_sender.unwrap_or_default()
                    chosen=out.number
                />
            </div>
            <button type="submit" class=format!("{} sm:mt-6", class::PRIMARY)>"Save sender"</button>
        </ActionForm>
    }
}

/// The tenant's `officialFallback`: WhatsApp Web links stalled on the passkey gate offer
/// the official rail (Coexistence) on the same page.
#[component]
fn OfficialFallback() -> impl IntoView {
    let csrf = use_admin().csrf();
    let set = ServerAction::<AdminSetOfficialFallback>::new();
    let saved = took(move || set.version().get(), move || set.value().with(ok));
    let current = Resource::new(move || saved.get(), |_| admin_official_fallback());
    view! {
        <section aria-labelledby="official-title" class=class::CARD>
            <h2 id="official-title" class="text-lg font-semibold">"When WhatsApp Web cannot link"</h2>
            <p class=class::HINT>
                "WhatsApp may ask a phone for its passkey, which only works in a desktop browser. With this on, the link's page also offers to connect the same WhatsApp Business app number through Meta's official sign-up (Coexistence)."
            </p>
            <Outcome result=Signal::derive(move || set.value().get()) />
            <Transition fallback=|| view! { <Spinner /> }>
                {move || {
                    let csrf = csrf.clone();
                    Suspend::new(async move {
                        match current.await {
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            Ok(out) => view! {
                                <ActionForm action=set attr:class="mt-3 flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
                                    <input type="hidden" name="csrf" value=csrf />
                                    <label class="flex items-center gap-2 text-sm">
                                        <input type="checkbox" name="on" class="h-4 w-4" checked=out.on disabled=!out.ready />
                                        "Offer the official rail on links WhatsApp Web cannot pair"
                                    </label>
                                    <button type="submit" class=class::PRIMARY disabled=!out.ready>"Save"</button>
                                </ActionForm>
                                {(!out.ready).then(|| view! {
                                    <p class=class::HINT>"Needs Meta's Embedded Signup on this server (meta_app_id, meta_app_secret, meta_config_id)."</p>
                                })}
                            }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Templates() -> impl IntoView {
    let csrf = use_admin().csrf();
    let save = ServerAction::<AdminSaveTemplate>::new();
    let delete = ServerAction::<AdminDeleteTemplate>::new();
    let templates = Resource::new(move || (save.version().get(), delete.version().get()), |_| admin_templates());
    let editing = RwSignal::new(None::<TemplateItem>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    view! {
        <section aria-labelledby="templates-title" class="space-y-4">
            <h2 id="templates-title" class="text-lg font-semibold">"Message templates"</h2>
            <p class=class::HINT>
                "Links are sent with the template named " <code>"pilot_status_remote_pairing"</code> "; use " <code>"{{name}}"</code> " and "
                <code>"{{link}}"</code> "."
            </p>
            {move || {
                [save.value().get().and_then(Result::err), delete.value().get().and_then(Result::err)]
                    .into_iter()
                    .flatten()
                    .next()
                    .map(|error| view! { <ErrorNotice error /> })
            }}
            <Transition fallback=|| view! { <Spinner /> }>
                {move || Suspend::new(async move {
                    match templates.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <EmptyState title="No templates" hint="Add one below." /> }.into_any(),
                        Ok(list) => view! { <TemplateList list editing delete /> }.into_any(),
                    }
                })}
            </Transition>
            {move || {
                let current = editing.get();
                view! { <TemplateForm current csrf=csrf.clone() save /> }
            }}
        </section>
    }
}

#[component]
fn TemplateList(
    list: Vec<TemplateItem>,
    editing: RwSignal<Option<TemplateItem>>,
    delete: ServerAction<AdminDeleteTemplate>,
) -> impl IntoView {
    let csrf = use_admin().csrf();
    view! {
        <ul class="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200" aria-label="Templates">
            {list
                .into_iter()
                .map(|t| {
                    let csrf = csrf.clone();
                    let edit = t.clone();
                    let (id, label) = (t.id.clone(), format!("Delete template {}", t.name));
                    view! {
                        <li class="flex flex-col gap-2 p-4 sm:flex-row sm:items-start sm:justify-between" data-template=t.name.clone()>
                            <div class="min-w-0">
                                <p class="font-medium">{t.name.clone()} <span class="text-sm font-normal text-slate-600">{format!(" · {} · {}", t.category, t.language)}</span></p>
                                <p class="mt-1 whitespace-pre-wrap break-words text-sm text-slate-700">{t.body.clone()}</p>
                            </div>
                            <div class="flex gap-2">
                                <button type="button" class=class::SECONDARY on:click=move |_| editing.set(Some(edit.clone()))>"Edit"</button>
                                <ActionForm action=delete>
                                    <input type="hidden" name="csrf" value=csrf />
                                    <input type="hidden" name="id" value=id />
                                    <button type="submit" class=class::DANGER aria-label=label>"Delete"</button>
                                </ActionForm>
                            </div>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn TemplateForm(current: Option<TemplateItem>, csrf: String, save: ServerAction<AdminSaveTemplate>) -> impl IntoView {
    let t = current.clone().unwrap_or(TemplateItem {
        id: String::new(),
        name: "pilot_status_remote_pairing".into(),
        category: "OTP".into(),
        language: "en".into(),
        body: "Hi {{name}}, link your WhatsApp here: {{link}}".into(),
        updated_at: Default::default(),
    });
    let editing = current.is_some();
    view! {
        <div class=class::CARD>
            <h3 class="font-semibold">{if editing { "Edit template" } else { "New template" }}</h3>
            <ActionForm action=save attr:class="mt-3 grid gap-3 sm:grid-cols-3">
                <input type="hidden" name="csrf" value=csrf />
                <input type="hidden" name="id" value=t.id.clone() />
                <div>
                    <label for="tpl-name" class=class::LABEL>"Name"</label>
                    <input id="tpl-name" name="input[name]" value=t.name.clone() required class=class::INPUT />
                </div>
                <div>
                    <label for="tpl-category" class=class::LABEL>"Category"</label>
                    <select id="tpl-category" name="input[category]" class=class::INPUT disabled=editing>
                        {["UTILITY", "OTP", "MARKETING"]
                            .into_iter()
                            .map(|c| view! { <option value=c selected=c == t.category>{c}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div>
                    <label for="tpl-language" class=class::LABEL>"Language"</label>
                    <input id="tpl-language" name="input[language]" value=t.language.clone() required class=class::INPUT />
                </div>
                <div class="sm:col-span-3">
                    <label for="tpl-body" class=class::LABEL>"Body"</label>
                    <textarea id="tpl-body" name="input[body]" rows="3" required class=class::INPUT>{t.body.clone()}</textarea>
                </div>
                <div class="sm:col-span-3">
                    <button type="submit" class=class::PRIMARY>{if editing { "Save template" } else { "Add template" }}</button>
                </div>
            </ActionForm>
        </div>
    }
}
