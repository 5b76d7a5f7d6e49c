/* Meta Embedded Signup for the Pairlink connect page. The Facebook SDK is JavaScript, so this
 * small shim runs it: load the SDK, FB.login with the configuration id (and, for a WhatsApp
 * Business app number, Meta's `whatsapp_business_app_onboarding` feature), wait for BOTH the
 * login code and the WA_EMBEDDED_SIGNUP message (only from facebook.com origins), then post
 * them, with which FINISH it was, to the link's endpoint. Resolves {ok: true, body} (the
 * connected number) or {ok: false, code, message}. */
window.pairlinkMetaSignup = function (o) {
  "use strict";
  return new Promise(function (resolve) {
    if (!o || !o.token) return resolve({ ok: false, code: "NO_TOKEN" });
    if (!o.appId || !o.configId) return resolve({ ok: false, code: "META_NOT_CONFIGURED" });
    var session = null, code = null, done = false;
    function finish(result) {
      if (done) return;
      done = true;
      window.removeEventListener("message", onMessage);
      resolve(result);
    }
    function send() {
      if (!session || !code) return;
      fetch("/v1/remote-pairing/" + encodeURIComponent(o.token) + "/meta/embedded", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: code, wabaId: session.waba_id, phoneNumberId: session.phone_number_id, businessId: session.business_id, event: session.event }),
      })
        .then(function (res) {
          return res.text().then(function (text) {
            var body = {};
            try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
            finish(res.ok ? { ok: true, body: body } : { ok: false, code: body.code, message: body.error });
          });
        })
        .catch(function () { finish({ ok: false, code: "NETWORK" }); });
    }
    function onMessage(event) {
      if (!/^https:\/\/([a-z0-9-]+\.)*facebook\.com$/.test(event.origin)) return;
      var data;
      try { data = typeof event.data === "string" ? JSON.parse(event.data) : event.data; } catch (e) { return; }
      if (!data || data.type !== "WA_EMBEDDED_SIGNUP") return;
      if (/^FINISH/.test(data.event)) {
        session = Object.assign({}, data.data || {}, { event: data.event });
        send();
      } else if (data.event === "CANCEL") {
        finish({ ok: false, code: "CANCELLED" });
      } else if (data.event === "ERROR") {
        finish({ ok: false, code: "META_ERROR", message: data.data && data.data.error_message });
      }
    }
    window.addEventListener("message", onMessage);
    function start() {
      window.FB.init({ appId: o.appId, autoLogAppEvents: true, xfbml: false, version: o.version || "v26.0" });
      window.FB.login(
        function (response) {
          if (response && response.authResponse && response.authResponse.code) {
            code = response.authResponse.code;
            send();
          } else {
            finish({ ok: false, code: "CANCELLED" });
          }
        },
        {
          config_id: o.configId,
          response_type: "code",
          override_default_response_type: true,
          // Embedded Signup's own version lives in `extras` (v4, Meta's current one).
          extras: o.featureType
            ? { setup: {}, featureType: o.featureType, sessionInfoVersion: "3", version: "v4" }
            : { setup: {}, sessionInfoVersion: "3", version: "v4" },
        },
      );
    }
    if (window.FB) return start();
    var script = document.createElement("script");
    script.src = "https://connect.facebook.net/en_US/sdk.js";
    script.async = true;
    script.crossOrigin = "anonymous";
    script.onload = start;
    script.onerror = function () { finish({ ok: false, code: "SDK_UNAVAILABLE" }); };
    document.head.appendChild(script);
  });
};
