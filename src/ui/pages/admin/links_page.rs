//! `/admin/links`: issue a hosted pairing link with any option of the API (and a live preview
//! of its branding), copy it, re-issue or revoke it; the list shows each link's status and funnel.
use leptos::prelude::*;
use leptos_meta::Title;

use super::preview::{BrandPreview, Preview};
use crate::{
    serverfns::admin::{AdminCreateLink, AdminReissueLink, AdminRevokeLink, admin_links},
    types::admin::{IssuedLinkOut, LinkItem},
    ui::{
        components::{CopyButton, EmptyState, ErrorNotice, PageHeader, Spinner, class, fmt_time, fmt_time_opt},
        layouts::use_admin,
    },
};

#[derive(Clone, Copy)]
struct Actions {
    reissue: ServerAction<AdminReissueLink>,
    revoke: ServerAction<AdminRevokeLink>,
}

#[component]
pub fn LinksPage() -> impl IntoView {
    let create = ServerAction::<AdminCreateLink>::new();
    let actions = Actions {
        reissue: ServerAction::new(),
        revoke: ServerAction::new(),
    };
    provide_context(actions);
    let changed = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    crate::ui::live::on_number_change(move |_| changed.update(|n| *n += 1));
    let links = Resource::new(
        move || {
            (
                changed.get(),
                create.version().get(),
                actions.reissue.version().get(),
                actions.revoke.version().get(),
            )
        },
        |_| admin_links(),
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
                    [actions.reissue.value().get().and_then(Result::err), actions.revoke.value().get().and_then(Result::err)]
                        .into_iter()
                        .flatten()
                        .next()
                        .map(|error| view! { <ErrorNotice error /> })
                }}
                <Transition fallback=|| view! { <Spinner /> }>
                    {move || Suspend::new(async move {
                        match links.await {
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            Ok(list) if list.is_empty() => {
                                view! { <EmptyState title="No links yet" hint="Create one with the form; you get a URL to send to your customer." /> }
                                    .into_any()
                            }
                            Ok(list) => view! { <LinkList list /> }.into_any(),
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

#[component]
fn LinkList(list: Vec<LinkItem>) -> impl IntoView {
    view! {
        <ul class="space-y-3" aria-label="Links">
            {list.into_iter().map(|link| view! { <LinkCard link /> }).collect_view()}
        </ul>
    }
}

#[component]
fn LinkCard(link: LinkItem) -> impl IntoView {
    let actions = expect_context::<Actions>();
    let csrf = use_admin().csrf();
    let live = matches!(link.status.as_str(), "active" | "opened" | "expired");
    let number = link.number_id.clone().unwrap_or_default();
    let (csrf_a, number_a) = (csrf.clone(), number.clone());
    view! {
        <li class=class::CARD data-link=link.id.clone() data-status=link.status.clone()>
            <div class="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
                <div>
                    <p class="font-medium">
                        {link.number_name.clone().unwrap_or_else(|| "Meta signup".into())}
                        <span class="ml-2 text-sm font-normal text-slate-600">{link.number_phone.clone()}</span>
                    </p>
                    <p class="text-sm text-slate-600">
                        "Created " {fmt_time(link.created_at)} " · expires " {fmt_time(link.expires_at)}
                        {link.external_ref.clone().map(|r| format!(" · ref {r}"))}
                    </p>
                </div>
                <StatusBadge status=link.status.clone() />
            </div>
            <Funnel link=link.clone() />
            {live.then(|| view! {
                <div class="mt-3 flex flex-wrap gap-2">
                    <ActionForm action=actions.reissue>
                        <input type="hidden" name="csrf" value=csrf_a />
                        <input type="hidden" name="number_id" value=number_a />
                        <button type="submit" class=class::SECONDARY>"Re-issue"</button>
                    </ActionForm>
                    {(link.status != "expired").then(|| view! {
                        <ActionForm action=actions.revoke>
                            <input type="hidden" name="csrf" value=csrf />
                            <input type="hidden" name="number_id" value=number />
                            <button type="submit" class=class::DANGER>"Revoke"</button>
                        </ActionForm>
                    })}
                </div>
            })}
        </li>
    }
}

#[component]
fn StatusBadge(status: String) -> impl IntoView {
    let colours = match status.as_str() {
        "connected" => "bg-emerald-100 text-emerald-900",
        "opened" => "bg-sky-100 text-sky-900",
        "active" => "bg-indigo-100 text-indigo-900",
        "revoked" => "bg-red-100 text-red-900",
        _ => "bg-slate-100 text-slate-800",
    };
    view! {
        <span class=format!("inline-flex self-start rounded-full px-2 py-0.5 text-xs font-medium {colours}") data-testid="link-status">
            {status}
        </span>
    }
}

/// The link's funnel as a small bar chart, with the numbers written out for everyone.
#[component]
fn Funnel(link: LinkItem) -> impl IntoView {
    let steps = [
        ("Opened", i64::from(link.opened_at.is_some())),
        ("Windows", link.windows_opened),
        ("Codes shown", link.codes_shown),
        ("QR rotations", link.qr_rotations),
        ("Connected", i64::from(link.connected_at.is_some())),
    ];
    let max = steps.iter().map(|s| s.1).max().unwrap_or(0).max(1) as f64;
    let summary = steps.iter().map(|(l, v)| format!("{l}: {v}")).collect::<Vec<_>>().join(", ");
    view! {
        <figure class="mt-3">
            <svg viewBox="0 0 250 60" class="h-16 w-full max-w-sm" role="img" aria-label=format!("Funnel. {summary}")>
                {steps
                    .iter()
                    .enumerate()
                    .map(|(i, (_, v))| {
                        let h = (*v as f64 / max * 40.0).max(1.0);
                        let x = i as f64 * 50.0 + 8.0;
                        view! {
                            <rect x=x y=44.0 - h width="34" height=h rx="2" class="fill-emerald-700" />
                            <text x=x + 17.0 y="58" text-anchor="middle" class="fill-slate-700 text-[9px]">{v.to_string()}</text>
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption class="text-xs text-slate-600">
                {summary} {link.failure.clone().map(|f| format!(" · last failure: {f}"))}
                {link.passkey_required_at.map(|at| format!(" · WhatsApp asked for the passkey {}", fmt_time_opt(Some(at))))}
                {link.passkey_claimed_at.map(|at| format!(" · passkey taken up on a computer {}", fmt_time_opt(Some(at))))}
                {link.passkey_confirmed_at.map(|at| format!(" · passkey confirmed {}", fmt_time_opt(Some(at))))}
                {link.passkey_failed_at.map(|at| format!(" · passkey refused {}", fmt_time_opt(Some(at))))}
                {link.connected_at.map(|at| format!(" · connected {}", fmt_time_opt(Some(at))))}
            </figcaption>
        </figure>
    }
}
