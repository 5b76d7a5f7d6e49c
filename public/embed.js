/* Pairlink connect embed. Load it from your Pairlink server, then:
 *   Pairlink.connect.mount("#box", { token, onPaired, onError, onExpired })   // inline
 *   const handle = Pairlink.connect.open({ token, onPaired });                // modal; handle.destroy()
 * Code written for the Pilot Status embed works unchanged through the same script:
 *   PilotStatus.init(); PilotStatus.connect.open({ token, onPaired, onError, onExpired })
 * (its frames post the documented envelope, `source: "pilot-status-embed"`).
 * Messages from the page are accepted only from the Pairlink origin and from this frame. */
(function () {
  "use strict";
  var script = document.currentScript;
  var defaultBase = script && script.src ? new URL(script.src).origin : location.origin;

  // `envelope`: "pairlink" or "pilot-status", the `source` the page's messages carry.
  function frame(opts, envelope) {
    if (!opts || !opts.token) throw new Error("Pairlink.connect: a link token is required");
    var base = String(opts.baseUrl || defaultBase).replace(/\/+$/, "");
    var origin = new URL(base).origin;
    var source = envelope === "pilot-status" ? "pilot-status-embed" : "pairlink-embed";
    var url = base + "/connect/" + encodeURIComponent(opts.token) + "?parentOrigin=" + encodeURIComponent(location.origin);
    if (envelope === "pilot-status") url += "&envelope=pilot-status";
    if (opts.lang) url += "&lang=" + encodeURIComponent(opts.lang);
    var iframe = document.createElement("iframe");
    iframe.src = url;
    iframe.title = opts.title || "Connect WhatsApp";
    iframe.setAttribute("allow", "clipboard-write");
    iframe.style.cssText = "border:0;width:100%;min-height:560px;display:block;background:transparent";
    function onMessage(event) {
      if (event.origin !== origin || event.source !== iframe.contentWindow) return;
      var m = event.data;
      if (!m || m.source !== source || m.v !== 1) return;
      var payload = m.payload || {};
      if (m.type === "connect:paired" && opts.onPaired) opts.onPaired({ numberId: payload.numberId, redirectUrl: payload.redirectUrl });
      else if (m.type === "connect:error" && opts.onError) opts.onError({ message: payload.message });
      else if (m.type === "connect:expired" && opts.onExpired) opts.onExpired();
      else if (m.type === "resize" && payload.height > 0) iframe.style.height = Math.ceil(payload.height) + "px";
    }
    window.addEventListener("message", onMessage);
    return {
      iframe: iframe,
      stop: function () { window.removeEventListener("message", onMessage); },
    };
  }

  function mount(target, opts, envelope) {
    var host = typeof target === "string" ? document.querySelector(target) : target;
    if (!host) throw new Error("Pairlink.connect.mount: no element matches " + target);
    var f = frame(opts, envelope);
    host.appendChild(f.iframe);
    return { destroy: function () { f.stop(); f.iframe.remove(); } };
  }

  function open(opts, envelope) {
    var overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:rgba(15,23,42,.6);display:flex;align-items:center;justify-content:center;padding:16px";
    var box = document.createElement("div");
    box.style.cssText = "position:relative;width:100%;max-width:460px;max-height:100%;overflow:auto;border-radius:16px";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "position:absolute;top:8px;right:12px;z-index:1;border:0;background:transparent;font-size:28px;line-height:1;cursor:pointer;color:#334155";
    overlay.appendChild(box);
    box.appendChild(close);
    document.body.appendChild(overlay);
    var inner = mount(box, opts, envelope);
    var handle = { destroy: function () { inner.destroy(); overlay.remove(); document.removeEventListener("keydown", onKey); } };
    function onKey(e) { if (e.key === "Escape") handle.destroy(); }
    close.addEventListener("click", handle.destroy);
    document.addEventListener("keydown", onKey);
    return handle;
  }

  window.Pairlink = window.Pairlink || {};
  window.Pairlink.connect = { mount: mount, open: open };

  // The documented SDK's entry point. `init(options)` takes defaults for every connect call
  // (`baseUrl`, `lang`); it is optional here, as nothing needs setting up.
  var defaults = {};
  function withDefaults(opts) {
    var merged = {};
    for (var k in defaults) merged[k] = defaults[k];
    for (var j in opts || {}) merged[j] = opts[j];
    return merged;
  }
  window.PilotStatus = window.PilotStatus || {
    init: function (options) {
      defaults = options || {};
      return window.PilotStatus;
    },
    connect: {
      mount: function (target, opts) { return mount(target, withDefaults(opts), "pilot-status"); },
      open: function (opts) { return open(withDefaults(opts), "pilot-status"); },
    },
  };
})();
