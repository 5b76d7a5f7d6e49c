//! `/admin/account`: who is signed in to this tenant, and signing any of them out.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    serverfns::admin::{AdminRevokeSession, admin_sessions},
    ui::{
        components::{ErrorNotice, PageHeader, Spinner, class, fmt_time},
        layouts::use_admin,
    },
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let admin = use_admin();
    let revoke = ServerAction::<AdminRevokeSession>::new();
    let sessions = Resource::new(move || revoke.version().get(), |_| admin_sessions());
    view! {
        <Title text="Account · Pairlink" />
        <PageHeader title="Account" intro="Everyone signed in to this tenant's dashboard. Signing a session out ends it at once." />
        <p class="mb-4 text-sm text-slate-700">"You are signed in as " <strong>{admin.session.email.clone()}</strong> "."</p>
        {move || revoke.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
        <Transition fallback=|| view! { <Spinner /> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(list) => {
                        let csrf = use_admin().csrf();
                        view! {
                            <ul class="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200" aria-label="Sessions">
                                {list
                                    .into_iter()
                                    .map(|s| {
                                        let csrf = csrf.clone();
                                        view! {
                                            <li class="flex flex-col gap-2 p-4 sm:flex-row sm:items-center sm:justify-between">
                                                <div>
                                                    <p class="font-medium">{s.email.clone()} {s.current.then_some(" (this session)")}</p>
                                                    <p class="text-sm text-slate-600">
                                                        "Signed in " {fmt_time(s.created_at)} " · until " {fmt_time(s.expires_at)}
                                                    </p>
                                                </div>
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="csrf" value=csrf />
                                                    <input type="hidden" name="id" value=s.id.clone() />
                                                    <button type="submit" class=class::DANGER disabled=s.current>"Sign out"</button>
                                                </ActionForm>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}
