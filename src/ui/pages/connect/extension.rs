//! The passkey extension, when it runs on this computer: its page script (`extension/pairlink.js`)
//! answers a ping on this window, and takes a hand-off code the page made to claim it, so a
//! person already at their computer presses one button instead of copying a code into the
//! popup. Messages stay on this window and this origin; the ceremony's secret never reaches
//! the page. Compiled for the WASM build only.
use wasm_bindgen::JsValue;
use web_sys::MessageEvent;

/// What the extension says on this window.
pub enum Heard {
    /// It runs here.
    Here,
    /// It took the code, or not (the page says so in its own language).
    Claimed(bool),
}

/// Listens to the extension while the calling view lives (the listener goes with it) and asks
/// it whether it is here (it also says so by itself when its script loads after the page).
pub fn listen(on: impl Fn(Heard) + 'static) {
    let Some(window) = web_sys::window() else { return };
    let origin = window.location().origin().unwrap_or_default();
    let handle = leptos::prelude::window_event_listener(leptos::ev::message, move |e: MessageEvent| {
        let own = e.source().is_some_and(|s| JsValue::from(s) == JsValue::from(window.clone()));
        if !own || e.origin() != origin {
            return;
        }
        let Ok(text) = js_sys::JSON::stringify(&e.data()) else { return };
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&String::from(text)) else {
            return;
        };
        if message["source"] != "pairlink-passkey" {
            return;
        }
        match message["type"].as_str() {
            Some("here") => on(Heard::Here),
            Some("claimed") => on(Heard::Claimed(message["ok"] == true)),
            _ => {}
        }
    });
    leptos::prelude::on_cleanup(move || handle.remove());
    say(&serde_json::json!({ "type": "ping" }));
}

/// Gives the extension a hand-off code this page made.
pub fn hand_over(code: &str) {
    say(&serde_json::json!({ "type": "handoff", "code": code }));
}

fn say(message: &serde_json::Value) {
    let Some(window) = web_sys::window() else { return };
    let origin = window.location().origin().unwrap_or_default();
    let mut message = message.clone();
    message["source"] = "pairlink-page".into();
    if let Ok(value) = js_sys::JSON::parse(&message.to_string()) {
        let _ = window.post_message(&value, &origin);
    }
}
