use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::error::AppError;

/// A page's title, with its main actions beside it (below it on a phone).
#[component]
pub fn PageHeader(
    title: &'static str,
    #[prop(optional)] intro: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
                {(!intro.is_empty()).then(|| view! { <p class="mt-1 text-sm text-slate-600">{intro}</p> })}
            </div>
            {children.map(|c| view! { <div class="flex flex-wrap gap-2">{c()}</div> })}
        </div>
    }
}

/// What an empty list says, and what to do about it.
#[component]
pub fn EmptyState(title: &'static str, hint: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg border-2 border-dashed border-slate-300 px-6 py-10 text-center">
            <p class="font-medium text-slate-900">{title}</p>
            <p class="mt-1 text-sm text-slate-600">{hint}</p>
        </div>
    }
}

#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <p role="alert" class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200" data-code=error.code.clone()>
            {error.message}
        </p>
    }
}

#[component]
pub fn Spinner(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! {
        <p role="status" class="py-6 text-center text-sm text-slate-600">{label}</p>
    }
}

pub fn fmt_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn fmt_time_opt(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "—".to_owned(), fmt_time)
}
