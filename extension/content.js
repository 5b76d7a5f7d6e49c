// The card on web.whatsapp.com, in the extension's isolated world. It shows who asks (the
// Pairlink origin, the platform's company, the masked number) and does nothing until the person
// clicks. The passkey itself is asked by main-world.js (see there why); Pairlink is reached
// only through the service worker, which pushes every change of the ceremony here.
(() => {
  const TAG = "pairlink-passkey";
  if (window[TAG + "-card"]) return; // injected twice (scripting fallback after a manifest load)
  window[TAG + "-card"] = true;

  const BRAND = chrome.runtime.getManifest().name;
  const FINAL = ["done", "failed", "expired"];
  const STYLE = `
    :host { all: initial; }
    [role="dialog"] { position: fixed; top: 16px; right: 16px; z-index: 2147483647; width: 360px;
      box-sizing: border-box; padding: 20px; border-radius: 12px; background: #fff; color: #111b21;
      font: 15px/1.45 system-ui, sans-serif; box-shadow: 0 8px 32px rgba(0,0,0,.28); }
    h2 { margin: 0 32px 12px 0; font-size: 18px; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 0 0 14px; }
    dt { color: #54656f; } dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
    p { margin: 0 0 12px; } p:empty { display: none; }
    .code { font: 700 28px/1.2 ui-monospace, monospace; letter-spacing: .08em; text-align: center; }
    .alert { color: #b3261e; }
    .done { color: #0a7a3d; font-weight: 600; }
    button { font: inherit; cursor: pointer; border-radius: 8px; }
    .primary { width: 100%; padding: 10px; border: 0; background: #008069; color: #fff; font-weight: 600; }
    .primary:disabled { background: #7fb8ad; cursor: progress; }
    .close { position: absolute; top: 12px; right: 12px; width: 32px; height: 32px; border: 0;
      background: transparent; font-size: 20px; color: #54656f; }
    button:focus-visible { outline: 3px solid #53bdeb; outline-offset: 2px; }`;

  let host = null; // the card's element in the page, made on the first view
  let parts = null; // the card's elements that change
  let view = null; // the last view from the service worker
  let busy = false; // a passkey prompt or a step is under way
  let alert = ""; // the last local failure, shown until the next action or stage

  // ---- drawing ----

  /** Elements from a tag, attributes (strings, or `on*` handlers) and children. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  /** Builds the card once: its status and alert lines stay the same elements, so screen
   * readers announce what changes in them. */
  function build() {
    host = document.createElement("pairlink-passkey-card");
    const root = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE); // a constructed sheet, not a <style>: the page's CSP cannot refuse it
    root.adoptedStyleSheets = [sheet];
    parts = {
      company: el("dd"),
      number: el("dd"),
      origin: el("dd"),
      status: el("p", { id: "pl-status", role: "status" }),
      code: el("p", { class: "code" }),
      actions: el("div"),
      alert: el("p", { class: "alert", role: "alert" }),
      notice: el("p", { class: "alert" }),
    };
    const facts = el("dl", {},
      el("dt", {}, "Company"), parts.company,
      el("dt", {}, "Number"), parts.number,
      el("dt", {}, "Requested at"), parts.origin);
    root.append(
      el(
        "div",
        { role: "dialog", "aria-labelledby": "pl-title", "aria-describedby": "pl-status" },
        el("h2", { id: "pl-title" }, `${BRAND}: confirm a new linked device`),
        el("button", { class: "close", type: "button", "aria-label": "Close", onclick: dismiss }, "×"),
        facts,
        parts.status,
        parts.code,
        parts.actions,
        parts.alert,
        parts.notice,
      ),
    );
    document.documentElement.append(host);
  }

  /** Draws the view; `moved` (the stage changed) puts the focus on the new button. */
  function render(moved) {
    if (!host?.isConnected) build();
    parts.company.textContent = view.company ?? "";
    parts.number.textContent = view.number ?? "";
    parts.origin.textContent = view.origin ?? "";
    const { text, tone = "", button } = stageContent();
    parts.status.textContent = text;
    parts.status.className = tone;
    parts.code.textContent = view.stage === "confirmation" ? (view.confirmationCode ?? "") : "";
    parts.actions.replaceChildren();
    if (button) {
      const node = el("button", { class: "primary", type: "button", onclick: button.action }, button.label);
      node.disabled = busy;
      parts.actions.append(node);
      if (moved) node.focus();
    }
    parts.alert.textContent = alert;
    parts.notice.textContent = view.notice ?? "";
  }

  /** What the stage says, and its button if the person has something to do. */
  function stageContent() {
    const failure = typeof view.failure === "string" ? view.failure : (view.failure?.message ?? view.failure?.code);
    switch (view.stage) {
      case "challenge":
        if (!view.options) return { text: "Waiting for WhatsApp's request…" };
        return {
          text: busy
            ? "Answer your browser's passkey prompt…"
            : "WhatsApp asks for this account's passkey to link a new device. Nothing happens until you click.",
          button: { label: "Confirm with your passkey", action: usePasskey },
        };
      case "verifying":
        return { text: "Checking with WhatsApp…" };
      case "confirmation":
        return { text: "WhatsApp shows this code on your phone too. Confirm only if they match.", button: { label: "Confirm", action: confirmCode } };
      case "done":
        return { text: "Done: the number is linked. You can close this card.", tone: "done" };
      case "failed":
        return { text: `Linking failed: ${(failure ?? "WhatsApp refused it").replace(/\.$/, "")}. Ask the page for a new code to try again.`, tone: "alert" };
      case "expired":
        return { text: "This request expired. Ask the page for a new code.", tone: "alert" };
      default:
        return { text: "Waiting for the page…" };
    }
  }

  // ---- actions ----

  async function usePasskey() {
    busy = true;
    alert = "";
    render(false);
    const result = await askMainWorld(view.options);
    if (result.error) {
      alert = result.error.name === "NotAllowedError"
        ? "The passkey prompt was cancelled or timed out. Click to try again."
        : `The browser could not use the passkey: ${result.error.message}`;
    } else {
      const answer = await ask({ type: "assertion", credential: result.credential });
      if (!answer?.ok) alert = `The service refused the passkey answer: ${answer?.message ?? "no answer"}`;
    }
    busy = false;
    render(false);
  }

  async function confirmCode() {
    busy = true;
    alert = "";
    render(false);
    const answer = await ask({ type: "confirm", code: view.confirmationCode });
    if (!answer?.ok) alert = `The confirmation was refused: ${answer?.message ?? "no answer"}`;
    busy = false;
    render(false);
  }

  function dismiss() {
    host?.remove();
    host = null;
    ask({ type: "dismiss" });
  }

  /** A message to the service worker; a reloaded or removed extension answers `{ok: false}`. */
  async function ask(message) {
    try {
      return await chrome.runtime.sendMessage(message);
    } catch (err) {
      return { ok: false, message: String(err?.message ?? err) };
    }
  }

  /** Asks main-world.js for the assertion; answers `{credential}` or `{error}`. */
  function askMainWorld(options) {
    const id = crypto.randomUUID();
    return new Promise((resolve) => {
      function onMessage(event) {
        // Only our own window's messages, with our tag and this request's id.
        if (event.source !== window || event.data?.tag !== TAG || event.data.kind !== "result" || event.data.id !== id) return;
        window.removeEventListener("message", onMessage);
        resolve(event.data);
      }
      window.addEventListener("message", onMessage);
      window.postMessage({ tag: TAG, kind: "get", id, options }, location.origin);
    });
  }

  // ---- the service worker's views ----

  function show(next) {
    const first = !view;
    const moved = next.stage !== view?.stage;
    view = next;
    if (moved) alert = "";
    // A closed card comes back only when the stage moves on; a ceremony that ended before
    // this tab loaded shows nothing.
    if (host?.isConnected || (moved && !(first && FINAL.includes(view.stage)))) render(moved);
  }

  chrome.runtime.onMessage.addListener((message, sender) => {
    if (sender.id === chrome.runtime.id && message?.type === "view" && message.view) show(message.view);
  });
  // A tab opened or reloaded mid-ceremony asks for the card instead of waiting for a change.
  ask({ type: "hello" }).then((first) => first?.stage && show(first));
})();
