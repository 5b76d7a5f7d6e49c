//! The Links page's list: the search and status filter, the cards with their funnel,
//! re-issue and revoke, ticks for a bulk revoke, and the way to the next links.
use leptos::prelude::*;

use super::numbers_page::url_pairs;
use crate::{
    serverfns::admin::{AdminReissueLink, AdminRevokeLink, AdminRevokeLinks},
    types::admin::{LinkCounts, LinkItem},
    ui::{
        components::{class, fmt_time, fmt_time_opt},
        layouts::use_admin,
    },
};

/// A page holds this many links; "Show more" adds as many again, up to 500.
pub(super) const PAGE: u32 = 50;

/// What the list's rows change, and which links are ticked (by number id).
#[derive(Clone, Copy)]
pub(super) struct Actions {
    pub reissue: ServerAction<AdminReissueLink>,
    pub revoke: ServerAction<AdminRevokeLink>,
    pub revoke_many: ServerAction<AdminRevokeLinks>,
    pub selected: RwSignal<Vec<String>>,
}

/// `/admin/links?…` for these parameters (empty ones, and the default page size, left out).
fn links_href(q: &str, status: &str, cursor: &str, shown: u32) -> String {
    let shown = if shown > PAGE { shown.to_string() } else { String::new() };
    let query = url_pairs(&[("q", q), ("status", status), ("cursor", cursor), ("shown", &shown)]);
    if query.is_empty() {
        "/admin/links".into()
    } else {
        format!("/admin/links?{query}")
    }
}

/// The search box and the status filter, with how many links each status holds. A GET form:
/// the filters live in the URL.
#[component]
pub(super) fn Filters(counts: LinkCounts, q: String, status: String) -> impl IntoView {
    let options = [
        ("", "All", counts.total()),
        ("active", "Active", counts.active),
        ("opened", "Opened", counts.opened),
        ("connected", "Connected", counts.connected),
        ("expired", "Expired", counts.expired),
        ("revoked", "Revoked", counts.revoked),
        ("replaced", "Replaced", counts.replaced),
    ];
    view! {
        <form method="get" action="/admin/links" role="search" class="flex flex-col gap-2 sm:flex-row sm:items-end">
            <div class="grow">
                <label for="links-q" class=class::LABEL>"Search"</label>
                <input id="links-q" name="q" type="search" value=q class=class::INPUT placeholder="Name or phone of the number" />
            </div>
            <div>
                <label for="links-status" class=class::LABEL>"Status"</label>
                <select id="links-status" name="status" class=class::INPUT>
                    {options
                        .into_iter()
                        .map(|(value, label, n)| view! { <option value=value selected=value == status>{format!("{label} ({n})")}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class=class::SECONDARY>"Search"</button>
        </form>
        <p id="link-counts" class=class::HINT>
            {format!(
                "{} links: {} active, {} opened, {} connected, {} expired, {} revoked, {} replaced.",
                counts.total(),
                counts.active,
                counts.opened,
                counts.connected,
                counts.expired,
                counts.revoked,
                counts.replaced
            )}
        </p>
    }
}

/// "Show more": 50 more on the same page up to 500, then the next links after the last one
/// shown (a cursor, so the 100,000th link costs what the first does).
#[component]
pub(super) fn MoreLinks(next: Option<String>, q: String, status: String, cursor: String, shown: u32) -> impl IntoView {
    let more = next.map(|next| {
        let (href, label) = if shown + PAGE <= 500 {
            (links_href(&q, &status, &cursor, shown + PAGE), "Show more")
        } else {
            (links_href(&q, &status, &next, PAGE), "Show the next links")
        };
        view! { <a id="more-links" class=class::SECONDARY href=href>{label}</a> }
    });
    let newest =
        (!cursor.is_empty()).then(|| view! { <a class=class::SECONDARY href=links_href(&q, &status, "", PAGE)>"Back to the newest"</a> });
    view! { <p class="flex justify-center gap-3">{newest} {more}</p> }
}

#[component]
pub(super) fn LinkList(list: Vec<LinkItem>) -> impl IntoView {
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
    let name = link.number_name.clone().unwrap_or_else(|| "Meta signup".into());
    // Only a link that still works can be revoked, and only through its number.
    let tick = (matches!(link.status.as_str(), "active" | "opened") && !number.is_empty()).then(|| {
        let id_b = number.clone();
        let tickbox = NodeRef::<leptos::html::Input>::new();
        // Not bound with `prop:checked`: hydration would set it from the empty selection and
        // untick a box ticked before the page was live. The box's first look is adopted into
        // the selection; after that the selection sets the box (cleared after a revoke).
        #[cfg(feature = "hydrate")]
        {
            let id = number.clone();
            Effect::new(move |looked: Option<bool>| {
                let want = actions.selected.read().contains(&id);
                let Some(el) = tickbox.get() else {
                    return looked.unwrap_or(false);
                };
                if looked != Some(true) && el.checked() && !want {
                    actions.selected.update(|s| s.push(id.clone()));
                } else if el.checked() != want {
                    el.set_checked(want);
                }
                true
            });
        }
        view! {
            <input
                type="checkbox"
                class="mt-1 h-4 w-4 shrink-0"
                aria-label=format!("Select the link of {name}")
                node_ref=tickbox
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    actions.selected.update(|s| {
                        s.retain(|x| x != &id_b);
                        if on {
                            s.push(id_b.clone());
                        }
                    });
                }
            />
        }
    });
    view! {
        <li class=class::CARD data-link=link.id.clone() data-status=link.status.clone()>
            <div class="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
                <div class="flex items-start gap-3">
                    {tick}
                    <div>
                        <p class="font-medium">
                            {name.clone()}
                            <span class="ml-2 text-sm font-normal text-slate-600">{link.number_phone.clone()}</span>
                        </p>
                        <p class="text-sm text-slate-600">
                            "Created " {fmt_time(link.created_at)} " · expires " {fmt_time(link.expires_at)}
                            {link.external_ref.clone().map(|r| format!(" · ref {r}"))}
                        </p>
                    </div>
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
