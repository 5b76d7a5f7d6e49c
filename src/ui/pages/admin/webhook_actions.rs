//! What the webhooks page can change, shared by its endpoint list and its delivery log.
use leptos::prelude::*;

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
}

impl Actions {
    pub fn new() -> Self {
        Self {
            create: ServerAction::new(),
            update: ServerAction::new(),
            active: ServerAction::new(),
            delete: ServerAction::new(),
            rotate: ServerAction::new(),
            test: ServerAction::new(),
            replay: ServerAction::new(),
        }
    }

    /// Changes to the endpoints themselves.
    pub fn endpoints_version(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.create.version().get(),
            self.update.version().get(),
            self.active.version().get(),
            self.delete.version().get(),
            self.rotate.version().get(),
        )
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
