//! What the webhooks page can change, shared by its endpoint list and its delivery log.
use leptos::prelude::*;

use super::took::{ok, took};
use crate::{
    error::AppError,
    serverfns::admin::{
        AdminCreateWebhook, AdminDeleteWebhook, AdminReplayDelivery, AdminRotateWebhookSecret, AdminSendTestEvent, AdminSetWebhookActive,
        AdminUpdateWebhook,
    },
};

/// Every change the page can make; the endpoint list and the log reload after them.
#[derive(Clone, Copy)]
pub struct Actions {
    pub create: ServerAction<AdminCreateWebhook>,
    pub update: ServerAction<AdminUpdateWebhook>,
    pub active: ServerAction<AdminSetWebhookActive>,
    pub delete: ServerAction<AdminDeleteWebhook>,
    pub rotate: ServerAction<AdminRotateWebhookSecret>,
    pub test: ServerAction<AdminSendTestEvent>,
    pub replay: ServerAction<AdminReplayDelivery>,
    /// The endpoint changes that took, one count per action (see `endpoints_version`).
    took: [Memo<usize>; 5],
}

impl Actions {
    pub fn new() -> Self {
        let (create, update, active, delete, rotate) = (
            ServerAction::<AdminCreateWebhook>::new(),
            ServerAction::<AdminUpdateWebhook>::new(),
            ServerAction::<AdminSetWebhookActive>::new(),
            ServerAction::<AdminDeleteWebhook>::new(),
            ServerAction::<AdminRotateWebhookSecret>::new(),
        );
        Self {
            create,
            update,
            active,
            delete,
            rotate,
            test: ServerAction::new(),
            replay: ServerAction::new(),
            took: [
                took(move || create.version().get(), move || create.value().with(ok)),
                took(move || update.version().get(), move || update.value().with(ok)),
                took(move || active.version().get(), move || active.value().with(ok)),
                took(move || delete.version().get(), move || delete.value().with(ok)),
                took(move || rotate.version().get(), move || rotate.value().with(ok)),
            ],
        }
    }

    /// Changes to the endpoints themselves that took. A refused one (a mistyped URL) changes
    /// nothing, so the list is not read again: reloaded, it re-rendered the form the person
    /// was already correcting and wiped what they had typed since.
    pub fn endpoints_version(&self) -> [usize; 5] {
        self.took.map(|t| t.get())
    }

    /// The latest refusal of a list action, to show above the list.
    pub fn list_error(&self) -> Option<AppError> {
        [
            self.active.value().get().and_then(Result::err),
            self.delete.value().get().and_then(Result::err),
            self.rotate.value().get().and_then(Result::err),
            self.test.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}
