// Runs in the page's own JavaScript world on web.whatsapp.com. Only here does
// navigator.credentials.get reach every authenticator the browser has (the isolated world is
// offered security keys only, not password-manager passkeys), and only here is the assertion
// made for the origin https://web.whatsapp.com that WhatsApp checks. This script makes no
// network calls (WhatsApp's CSP would block them); it talks to content.js by window.postMessage.
(() => {
  const TAG = "pairlink-passkey";
  if (window[TAG + "-main"]) return; // injected twice (scripting fallback after a manifest load)
  window[TAG + "-main"] = true;

  const fromB64url = (text) => {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  };
  const toB64url = (buffer) => {
    let bin = "";
    for (const byte of new Uint8Array(buffer)) bin += String.fromCharCode(byte);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };

  // WhatsApp's options as JSON: only the binary fields change form; every other field
  // (rpId, timeout, userVerification, extensions, …) goes through as WhatsApp sent it.
  function requestOptions(json) {
    const options = { ...json, challenge: fromB64url(json.challenge) };
    if (Array.isArray(json.allowCredentials)) {
      options.allowCredentials = json.allowCredentials.map((c) => ({ ...c, id: fromB64url(c.id) }));
    }
    return options;
  }

  // PublicKeyCredential.toJSON() where the browser has it (Chrome 129+), the same shape by hand
  // before that.
  function credentialJson(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const r = credential.response;
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
      response: {
        clientDataJSON: toB64url(r.clientDataJSON),
        authenticatorData: toB64url(r.authenticatorData),
        signature: toB64url(r.signature),
        userHandle: r.userHandle ? toB64url(r.userHandle) : undefined,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  window.addEventListener("message", async (event) => {
    // Only requests posted by this page's own window (content.js shares it) with our tag.
    if (event.source !== window || event.data?.tag !== TAG || event.data.kind !== "get") return;
    const { id, options } = event.data;
    const reply = (fields) => window.postMessage({ tag: TAG, kind: "result", id, ...fields }, location.origin);
    try {
      const json = options.publicKey ?? options;
      const credential = await navigator.credentials.get({ publicKey: requestOptions(json) });
      reply({ credential: credentialJson(credential) });
    } catch (err) {
      reply({ error: { name: err?.name ?? "Error", message: String(err?.message ?? err) } });
    }
  });
})();
