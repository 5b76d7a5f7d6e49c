//! `/admin/branding`: the eight branding fields with a live preview of the connect page at
//! phone and desktop size, and a logo upload that fills the logo field.
use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    logo_upload::LogoUpload,
    preview::{BrandPreview, Preview},
};
use crate::{
    serverfns::admin::{AdminSaveBranding, admin_branding},
    types::branding::Branding,
    ui::{
        components::{ErrorNotice, PageHeader, Spinner, class},
        layouts::use_admin,
    },
};

#[component]
pub fn BrandingPage() -> impl IntoView {
    let save = ServerAction::<AdminSaveBranding>::new();
    let branding = Resource::new(|| (), |_| admin_branding());
    view! {
        <Title text="Branding · Pairlink" />
        <PageHeader title="Branding" intro="How your connect pages look. Links can override these per link." />
        <Transition fallback=|| view! { <Spinner /> }>
            {move || Suspend::new(async move {
                match branding.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(b) => view! { <BrandingForm b save /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn BrandingForm(b: Branding, save: ServerAction<AdminSaveBranding>) -> impl IntoView {
    let admin = use_admin();
    let preview = Preview::of(&b);
    view! {
        <div class="mb-6">
            <LogoUpload logo_url=preview.logo_url />
        </div>
        <ActionForm action=save attr:class=format!("{} space-y-4", class::CARD)>
            <input type="hidden" name="csrf" value=admin.csrf() />
            <BrandPreview preview prefix="input" both_sizes=true />
            <div>
                <label for="input-default_redirect_url" class=class::LABEL>"Default redirect URL after connecting (https)"</label>
                <input
                    id="input-default_redirect_url"
                    name="input[default_redirect_url]"
                    type="url"
                    value=b.default_redirect_url.clone().unwrap_or_default()
                    class=class::INPUT
                />
            </div>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" name="input[hide_pilot_status_branding]" checked=b.hide_pilot_status_branding.unwrap_or(false) class="h-4 w-4" />
                "Hide the “Powered by Pairlink” footer"
            </label>
            {move || save.value().get().map(|r| match r {
                Ok(_) => view! { <p role="status" class="text-sm text-emerald-800">"Saved. New visits to your links show it."</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            <button type="submit" class=class::PRIMARY disabled=move || save.pending().get()>"Save branding"</button>
        </ActionForm>
    }
}
