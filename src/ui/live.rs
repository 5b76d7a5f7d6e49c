//! Browser side of `/admin/live`: calls back with the id of each number that changed (or
//! `None` when everything should be read again). The stream closes with the page's owner.
#[cfg(feature = "hydrate")]
pub fn on_number_change(f: impl Fn(Option<String>) + 'static) {
    use std::rc::Rc;

    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{EventSource, MessageEvent};

    let Ok(source) = EventSource::new("/admin/live") else { return };
    let f = Rc::new(f);
    for (event, with_id) in [("number", true), ("resync", false)] {
        let f = f.clone();
        let callback = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            f(with_id.then(|| e.data().as_string().unwrap_or_default()));
        });
        let _ = source.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        callback.forget();
    }
    // A reconnect may have missed changes.
    let onopen = Closure::<dyn FnMut()>::new(move || f(None));
    source.set_onopen(Some(onopen.as_ref().unchecked_ref()));
    onopen.forget();
    let source = send_wrapper::SendWrapper::new(source);
    leptos::prelude::on_cleanup(move || source.close());
}

/// Calls `f` every second while the page lives (countdowns).
#[cfg(feature = "hydrate")]
pub fn every_second(f: impl Fn() + 'static) {
    let interval = send_wrapper::SendWrapper::new(gloo_timers::callback::Interval::new(1_000, f));
    leptos::prelude::on_cleanup(move || drop(interval));
}

#[cfg(feature = "hydrate")]
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
