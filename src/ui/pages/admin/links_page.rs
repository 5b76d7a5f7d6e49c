//! `/admin/links`: issue a hosted pairing link with any option of the API (and a live preview
//! of its branding), copy it, re-issue or revoke it; the list shows each link's status and
//! funnel, a page at a time (50, then more on demand), searched and filtered through the URL
//! (`?q=…&status=…&shown=…&cursor=…`, so it works without JavaScript), and revokes many at once.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::links_bulk::BulkRevoke;
use super::links_list::{Actions, Filters, LinkList, MoreLinks, PAGE};
use super::preview::{BrandPreview, Preview};
use crate::{
    serverfns::admin::{AdminCreateLink, admin_links},
    types::admin::IssuedLinkOut,
    ui::{
        components::{CopyButton, EmptyState, ErrorNotice, PageHeader, Spinner, class, fmt_time},
        layouts::use_admin,
    },
};

#[component]
pub fn LinksPage() -> impl IntoView {
    let create = ServerAction::<AdminCreateLink>::new();
    let actions = Actions {
        reissue: ServerAction::new(),
        revoke: ServerAction::new(),
        revoke_many: ServerAction::new(),
        selected: RwSignal::new(Vec::new()),
    };
    provide_context(actions);
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).unwrap_or_default();
    let shown = move || param("shown").parse::<u32>().unwrap_or(PAGE).clamp(PAGE, 500);
    // Ticks belong to the list they were made in: another search starts with none.
    Effect::new(move |_| {
        let _ = (param("q"), param("status"), param("cursor"));
        actions.selected.set(Vec::new());
    });
    let changed = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    crate::ui::live::on_number_change(move |_| changed.update(|n| *n += 1));
    // A change refetches the page shown and the counts, never the whole tenant.
    let links = Resource::new(
        move || {
            (
                changed.get(),
                create.version().get(),
                actions.reissue.version().get(),
                actions.revoke.version().get(),
                actions.revoke_many.version().get(),
                (param("q"), param("status"), param("cursor"), shown()),
            )
        },
        |(.., (q, status, cursor, shown))| admin_links(q, status, cursor, shown),
    );
    let issued = move || {
        let made = create.value().get().and_then(Result::ok);
        let again = actions.reissue.value().get().and_then(Result::ok);
        // The most recent of the two.
        match (create.version().get() >= actions.reissue.version().get(), made, again) {
            (true, Some(m), _) | (false, _, Some(m)) => Some(m),
            (_, m, a) => m.or(a),
        }
    };
    view! {
        <Title text="Links · Pairlink" />
        <PageHeader title="Links" intro="Hosted pairing links: send one to a customer and they link their WhatsApp number themselves." />
        <div class="grid gap-6 lg:grid-cols-5">
            <div class="space-y-6 lg:col-span-3">
                {move || issued().map(|link| view! { <Issued link /> })}
                {move || {
                    [
                        actions.reissue.value().get().and_then(Result::err),
                        actions.revoke.value().get().and_then(Result::err),
                        actions.revoke_many.value().get().and_then(Result::err),
                    ]
                    .into_iter()
                    .flatten()
                    .next()
                    .map(|error| view! { <ErrorNotice error /> })
                }}
                <Transition fallback=|| view! { <Spinner /> }>
                    {move || Suspend::new(async move {
                        let (q, status, cursor) = (param("q"), param("status"), param("cursor"));
                        match links.await {
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            Ok(out) => {
                                let empty = out.items.is_empty();
                                let filtered = !q.is_empty() || !status.is_empty();
                                view! {
                                    <Filters counts=out.counts.clone() q=q.clone() status=status.clone() />
                                    {if empty && filtered {
                                        view! { <EmptyState title="No link matches" hint="Try another part of the name or phone, or show every status." /> }.into_any()
                                    } else if empty {
                                        view! { <EmptyState title="No links yet" hint="Create one with the form; you get a URL to send to your customer." /> }.into_any()
                                    } else {
                                        view! {
                                            <BulkRevoke />
                                            <LinkList list=out.items.clone() />
                                        }
                                            .into_any()
                                    }}
                                    <MoreLinks next=out.next_cursor.clone() q status cursor shown=shown() />
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </div>
            <div class="lg:col-span-2">
                <CreateForm create />
            </div>
        </div>
    }
}

#[component]
fn Issued(link: IssuedLinkOut) -> impl IntoView {
    view! {
        <section class="rounded-lg bg-emerald-50 p-4 ring-1 ring-emerald-200" aria-labelledby="issued-title" data-testid="issued">
            <h2 id="issued-title" class="font-semibold text-emerald-950">"Link ready"</h2>
            <p class="mt-1 text-sm text-emerald-950">"Send this to your customer. It is shown only now; re-issue to get another."</p>
            <div class="mt-3 flex flex-col gap-2 sm:flex-row sm:items-center">
                <input readonly aria-label="Link URL" value=link.url.clone() class=format!("{} font-mono text-xs", class::INPUT) data-testid="link-url" />
                <CopyButton text=link.url.clone() label="Copy link" />
            </div>
            <p class="mt-2 text-sm text-emerald-950">"Expires " {fmt_time(link.expires_at)}</p>
            {link.message_sent.then(|| view! { <p class="text-sm text-emerald-950">"Also sent over WhatsApp."</p> })}
            {link.message_error.map(|e| view! { <p role="alert" class="text-sm text-red-800">"Could not send it over WhatsApp: " {e}</p> })}
        </section>
    }
}

#[component]
fn CreateForm(create: ServerAction<AdminCreateLink>) -> impl IntoView {
    let admin = use_admin();
    let preview = Preview::of(&Default::default());
    let field = |id: &'static str, name: &'static str, label: &'static str, kind: &'static str, hint: &'static str| {
        view! {
            <div>
                <label for=id class=class::LABEL>{label}</label>
                <input id=id name=name type=kind class=class::INPUT />
                {(!hint.is_empty()).then(|| view! { <p class=class::HINT>{hint}</p> })}
            </div>
        }
    };
    view! {
        <section class=class::CARD aria-labelledby="new-link">
            <h2 id="new-link" class="text-lg font-semibold">"New link"</h2>
            <ActionForm action=create attr:class="mt-4 space-y-4">
                <input type="hidden" name="csrf" value=admin.csrf() />
                <div>
                    <label for="link-rail" class=class::LABEL>"How the customer connects"</label>
                    <select id="link-rail" name="input[meta_flow]" class=class::INPUT>
                        <option value="">"WhatsApp Web: QR code or pairing code"</option>
                        <option value="embedded">"Official number: Meta's Embedded Signup"</option>
                        <option value="coexistence">"WhatsApp Business app number, kept on the app (official, Coexistence)"</option>
                        <option value="credentials">"Official number: existing WhatsApp Business Account credentials"</option>
                    </select>
                </div>
                <div>
                    <label for="link-name" class=class::LABEL>"Customer or number name"</label>
                    <input id="link-name" name="input[name]" maxlength="100" class=class::INPUT />
                </div>
                <div>
                    <label for="link-phone" class=class::LABEL>"Phone (E.164)"</label>
                    <input id="link-phone" name="input[phone]" inputmode="tel" aria-describedby="link-phone-hint" class=class::INPUT placeholder="+5511999999999" />
                    <p id="link-phone-hint" class=class::HINT>"Needed for WhatsApp Web links. Official links leave it empty: the customer picks the number in Meta's sign-up."</p>
                </div>
                <details class="rounded-md ring-1 ring-slate-200 p-3">
                    <summary class="cursor-pointer text-sm font-medium">"Link options"</summary>
                    <div class="mt-3 space-y-3">
                        {field("link-ttl", "input[ttl_seconds]", "Lifetime (seconds)", "number", "60 to 604800; 24 hours when empty.")}
                        {field("link-redirect", "input[redirect_url]", "Redirect URL after connecting", "url", "")}
                        {field("link-refresh", "input[refresh_url]", "Refresh URL for expired links", "url", "")}
                        {field("link-ref", "input[external_ref]", "Your reference", "text", "Comes back in webhooks.")}
                        <div>
                            <label for="link-locale" class=class::LABEL>"Language"</label>
                            <select id="link-locale" name="input[locale]" class=class::INPUT>
                                <option value="">"Customer's browser"</option>
                                <option value="en">"English"</option>
                                <option value="pt-BR">"Português (Brasil)"</option>
                                <option value="es">"Español"</option>
                            </select>
                        </div>
                        <label class="flex items-center gap-2 text-sm">
                            <input type="checkbox" name="input[send_via_whatsapp]" class="h-4 w-4" />
                            "Also send it over WhatsApp from the default sender"
                        </label>
                    </div>
                </details>
                <details class="rounded-md ring-1 ring-slate-200 p-3">
                    <summary class="cursor-pointer text-sm font-medium">"Branding for this link"</summary>
                    <div class="mt-3 space-y-3">
                        <BrandPreview preview prefix="input" />
                    </div>
                </details>
                {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
                <button type="submit" class=class::PRIMARY disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Creating…" } else { "Create link" }}
                </button>
            </ActionForm>
        </section>
    }
}
