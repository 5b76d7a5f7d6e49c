//! What only a browser can do: fetch the public token endpoints, follow the event stream,
//! count down, copy, talk to an embedding page. Compiled for the WASM build only.
use std::{cell::Cell, rc::Rc};

use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::{JsCast, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{EventSource, MessageEvent, Request, RequestInit, Response};

use crate::types::{
    connect::ConnectPageData,
    links::{TokenConnectOut, TokenStatusOut},
};

/// The data the server rendered the page from, which it leaves in `#connect-data`.
pub fn page_data() -> Option<ConnectPageData> {
    let text = web_sys::window()?.document()?.get_element_by_id("connect-data")?.text_content()?;
    serde_json::from_str(&text).ok()
}

/// An API answer that was not a success, with our error code when the server gave one
/// (none: the network failed).
#[derive(Clone, Debug)]
pub struct Failure {
    pub code: Option<String>,
    /// The server's sentence, when it sent one.
    pub message: Option<String>,
}

impl Failure {
    fn offline() -> Self {
        Self { code: None, message: None }
    }

    /// A code that means the link itself is over.
    pub fn dead_link(&self) -> Option<String> {
        self.code.clone().filter(|c| c.starts_with("LINK_"))
    }
}

async fn call(method: &str, url: &str) -> Result<String, Failure> {
    send(method, url, None).await
}

/// POSTs a JSON body; the answer's text, or the failure with its code and sentence.
pub async fn post_json(url: &str, body: &serde_json::Value) -> Result<String, Failure> {
    send("POST", url, Some(body.to_string())).await
}

async fn send(method: &str, url: &str, body: Option<String>) -> Result<String, Failure> {
    let window = web_sys::window().ok_or_else(Failure::offline)?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let headers = web_sys::Headers::new().map_err(|_| Failure::offline())?;
        let _ = headers.set("content-type", "application/json");
        init.set_headers(&headers);
        init.set_body(&wasm_bindgen::JsValue::from_str(&body));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| Failure::offline())?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| Failure::offline())?
        .unchecked_into();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    if response.ok() {
        Ok(text)
    } else {
        let body = serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default();
        let field = |k: &str| body[k].as_str().map(str::to_owned);
        Err(Failure {
            code: field("code"),
            message: field("error"),
        })
    }
}

pub async fn connect(token: &str) -> Result<TokenConnectOut, Failure> {
    let text = call("POST", &format!("/v1/remote-pairing/{token}/connect")).await?;
    serde_json::from_str(&text).map_err(|_| Failure::offline())
}

/// A passkey hand-off code for the extension on a computer.
pub async fn handoff(token: &str) -> Result<crate::types::passkey::HandoffOut, Failure> {
    let text = call("POST", &format!("/v1/remote-pairing/{token}/passkey/handoff")).await?;
    serde_json::from_str(&text).map_err(|_| Failure::offline())
}

pub async fn status(token: &str) -> Result<TokenStatusOut, Failure> {
    let text = call("GET", &format!("/v1/remote-pairing/{token}/status")).await?;
    serde_json::from_str(&text).map_err(|_| Failure::offline())
}

/// What the live connection reports to the page.
pub enum Live {
    Status(Box<TokenStatusOut>),
    /// The link is over (its code), or `CONNECTED`.
    End(String),
    /// Whether updates are reaching us.
    Online(bool),
}

/// Follows the link: Server-Sent Events first; if the stream cannot be opened (a proxy that
/// buffers, an old browser, a blocked URL), polls `…/status` every two seconds instead.
pub fn follow(token: String, on: Rc<dyn Fn(Live)>) {
    let polling_started = Rc::new(Cell::new(false));
    let start_polling = {
        let (token, on, started) = (token.clone(), on.clone(), polling_started.clone());
        Rc::new(move || {
            if !started.replace(true) {
                poll(token.clone(), on.clone());
            }
        })
    };
    let Ok(source) = EventSource::new(&format!("/v1/remote-pairing/{token}/events")) else {
        start_polling();
        return;
    };
    let opened = Rc::new(Cell::new(false));
    listen(&source, "status", {
        let on = on.clone();
        move |data| {
            if let Ok(s) = serde_json::from_str::<TokenStatusOut>(&data) {
                on(Live::Status(Box::new(s)));
            }
        }
    });
    listen(&source, "end", {
        let (on, source) = (on.clone(), source.clone());
        move |data| {
            source.close();
            let code = serde_json::from_str::<serde_json::Value>(&data)
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_owned));
            on(Live::End(code.unwrap_or_default()));
        }
    });
    let onopen = Closure::<dyn FnMut()>::new({
        let (on, opened) = (on.clone(), opened.clone());
        move || {
            opened.set(true);
            on(Live::Online(true));
        }
    });
    source.set_onopen(Some(onopen.as_ref().unchecked_ref()));
    onopen.forget();
    let onerror = Closure::<dyn FnMut()>::new({
        let (on, source, opened, start_polling) = (on.clone(), source.clone(), opened.clone(), start_polling.clone());
        move || {
            if !opened.get() || source.ready_state() == EventSource::CLOSED {
                // Never got through (or the server refused): polling will say why.
                source.close();
                start_polling();
            } else {
                // A drop after it worked: the browser reconnects by itself.
                on(Live::Online(false));
            }
        }
    });
    source.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    // A stream that neither opens nor fails (a buffering proxy) is as good as none.
    Timeout::new(5_000, move || {
        if !opened.get() {
            source.close();
            start_polling();
        }
    })
    .forget();
}

fn listen(source: &EventSource, event: &str, handler: impl Fn(String) + 'static) {
    let callback = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| handler(e.data().as_string().unwrap_or_default()));
    let _ = source.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
    callback.forget();
}

fn poll(token: String, on: Rc<dyn Fn(Live)>) {
    let done = Rc::new(Cell::new(false));
    // Polls overlap when answers are slow, and may come back out of order: an answer older
    // than one already shown is dropped, or it would take the page back.
    let (sent, shown) = (Rc::new(Cell::new(0u64)), Rc::new(Cell::new(0u64)));
    let tick = move || {
        if done.get() {
            return;
        }
        let (token, on, done, shown) = (token.clone(), on.clone(), done.clone(), shown.clone());
        let this = sent.get() + 1;
        sent.set(this);
        wasm_bindgen_futures::spawn_local(async move {
            let answer = status(&token).await;
            if this < shown.get() {
                return;
            }
            shown.set(this);
            match answer {
                Ok(s) => {
                    on(Live::Online(true));
                    let connected = s.is_fully_connected;
                    on(Live::Status(Box::new(s)));
                    if connected {
                        done.set(true);
                    }
                }
                Err(f) => match f.dead_link() {
                    Some(code) => {
                        done.set(true);
                        on(Live::End(code));
                    }
                    None => on(Live::Online(false)),
                },
            }
        });
    };
    tick();
    Interval::new(2_000, tick).forget();
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Calls `f` every second, for countdowns.
pub fn every_second(f: impl Fn() + 'static) {
    Interval::new(1_000, f).forget();
}

pub fn after(ms: u32, f: impl FnOnce() + 'static) {
    Timeout::new(ms, f).forget();
}

pub fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Phone-sized screens lead with the pairing code.
pub fn small_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(max-width: 640px)").ok().flatten())
        .is_some_and(|m| m.matches())
}

pub fn in_frame() -> bool {
    let Some(window) = web_sys::window() else { return false };
    match window.top() {
        Ok(Some(top)) => !js_sys::Object::is(&window, &top),
        _ => true,
    }
}

pub fn go_to(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(url);
    }
}

/// Posts `{source, v: 1, type, payload}` to the embedding page, only to the origin it
/// declared: never to `*`.
pub fn tell_parent(origin: Option<&str>, source: &str, kind: &str, payload: serde_json::Value) {
    let (Some(origin), Some(window)) = (origin, web_sys::window()) else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else { return };
    let message = serde_json::json!({ "source": source, "v": 1, "type": kind, "payload": payload });
    if let Ok(value) = js_sys::JSON::parse(&message.to_string()) {
        let _ = parent.post_message(&value, origin);
    }
}

pub fn page_height() -> i32 {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .map_or(0, |e| e.scroll_height())
}

/// Runs Meta's Embedded Signup through `/meta-signup.js` (the Facebook SDK is JavaScript);
/// `Ok` carries the server's answer (the connected number); `Err` a code such as `CANCELLED`
/// or the server's refusal.
pub async fn meta_signup(options: &serde_json::Value) -> Result<serde_json::Value, Failure> {
    let window = web_sys::window().ok_or_else(Failure::offline)?;
    let run = js_sys::Reflect::get(&window, &"pairlinkMetaSignup".into()).map_err(|_| Failure::offline())?;
    let run: js_sys::Function = run.dyn_into().map_err(|_| Failure::offline())?;
    let arg = js_sys::JSON::parse(&options.to_string()).map_err(|_| Failure::offline())?;
    let promise: js_sys::Promise = run
        .call1(&window, &arg)
        .map_err(|_| Failure::offline())?
        .dyn_into()
        .map_err(|_| Failure::offline())?;
    let result = JsFuture::from(promise).await.map_err(|_| Failure::offline())?;
    let text = js_sys::JSON::stringify(&result)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if value["ok"].as_bool() == Some(true) {
        Ok(value["body"].clone())
    } else {
        Err(Failure {
            code: value["code"].as_str().map(str::to_owned),
            message: value["message"].as_str().map(str::to_owned),
        })
    }
}
