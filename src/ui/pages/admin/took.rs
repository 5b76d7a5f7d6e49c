//! When a form's action should read its data again: after a change that took. A refused one
//! (a mistyped URL, a number deleted meanwhile) changed nothing, and a read that re-rendered a
//! form inside its `Transition` wiped what the person was already typing to correct it.
use leptos::prelude::*;

/// The action's version at its latest success: unchanged by a refusal.
pub(super) fn took(version: impl Fn() -> usize + Send + Sync + 'static, ok: impl Fn() -> bool + Send + Sync + 'static) -> Memo<usize> {
    Memo::new(move |before: Option<&usize>| if ok() { version() } else { before.copied().unwrap_or(0) })
}

/// Whether an action's last result was a success.
pub(super) fn ok<T, E>(value: &Option<Result<T, E>>) -> bool {
    matches!(value, Some(Ok(_)))
}
