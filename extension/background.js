// The service worker: the extension's only network client (WhatsApp's CSP blocks requests from
// the page's world, and the ceremony secret must never reach a web page). It claims the hand-off
// code, keeps the ceremony secret in chrome.storage.session (memory only, hidden from content
// scripts), opens the web.whatsapp.com tab, polls Pairlink and pushes each change to the card.
const WHATSAPP = "https://web.whatsapp.com/";
const POLL_MS = 1000;
const FINAL = new Set(["done", "failed", "expired"]);

// ---- the ceremony, as kept in session storage ----
// { origin, secret, tabId, view } where `view` is what the card may see (never the secret).

async function load() {
  return (await chrome.storage.session.get("ceremony")).ceremony ?? null;
}

async function save(ceremony) {
  await chrome.storage.session.set({ ceremony });
}

/** One JSON call to Pairlink; never throws for an HTTP status, only for no answer at all. */
async function call(origin, method, path, { secret, body } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (secret) headers.authorization = `Bearer ${secret}`;
  const res = await fetch(`${origin}/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  const json = await res.json().catch(() => null);
  return { status: res.status, json: json ?? {} };
}

/** The message of Pairlink's error envelope (`{error, code}`), whatever its exact shape. */
function errorText(json, status) {
  const e = json.error;
  return (typeof e === "string" ? e : e?.detail ?? e?.message) ?? `The service answered ${status}.`;
}

// ---- claiming a code (from the popup) ----

const CLAIM_REFUSALS = {
  404: "That code is not valid: it may be mistyped, expired or already used. Ask the page for a new code.",
  429: "Too many tries. Wait a minute, then try again.",
};

async function claim(origin, code) {
  let answer;
  try {
    answer = await call(origin, "POST", "/passkey/claim", { body: { code } });
  } catch {
    return { ok: false, message: `Could not reach ${origin}. Check the address and your connection.` };
  }
  if (answer.status !== 200) {
    const message = CLAIM_REFUSALS[answer.status] ?? errorText(answer.json, answer.status);
    return { ok: false, message };
  }
  const { ceremony: secret, ...view } = answer.json;
  const ceremony = { origin, secret, tabId: null, view: { ...view, origin } };
  ceremony.tabId = await openWhatsApp();
  await save(ceremony);
  await push(ceremony);
  startPolling();
  return { ok: true, company: view.company };
}

/** Focuses a web.whatsapp.com tab (the first one open, else a new one); returns its id. */
async function openWhatsApp() {
  const [open] = await chrome.tabs.query({ url: `${WHATSAPP}*` });
  if (!open) return (await chrome.tabs.create({ url: WHATSAPP, active: true })).id;
  await chrome.tabs.update(open.id, { active: true });
  await chrome.windows.update(open.windowId, { focused: true }).catch(() => {});
  return open.id;
}

// ---- pushing the view to the card ----

async function push(ceremony) {
  if (ceremony.tabId == null) return;
  const message = { type: "view", view: ceremony.view };
  try {
    await chrome.tabs.sendMessage(ceremony.tabId, message);
  } catch {
    // No card listening: the tab is still loading (its content script will say hello), or it
    // was open before the extension was installed, so the manifest never injected our scripts.
    await inject(ceremony.tabId);
  }
}

async function inject(tabId) {
  try {
    const tab = await chrome.tabs.get(tabId);
    if (tab.status !== "complete" || !tab.url?.startsWith(WHATSAPP)) return;
    await chrome.scripting.executeScript({ target: { tabId }, files: ["main-world.js"], world: "MAIN" });
    await chrome.scripting.executeScript({ target: { tabId }, files: ["content.js"] });
  } catch {
    // The tab is gone; the next hello from a web.whatsapp.com tab adopts that tab.
  }
}

// ---- polling ----

let polling = false;
let steps = 0; // counts the card's steps, so a poll answered before a step cannot undo it

function startPolling() {
  if (polling) return;
  polling = true;
  pollOnce(); // at once: the claim's answer has no options yet
}

async function pollOnce() {
  const ceremony = await load();
  if (!ceremony || FINAL.has(ceremony.view.stage)) {
    polling = false;
    return;
  }
  try {
    const before = JSON.stringify(ceremony.view);
    const seen = steps;
    await refresh(ceremony);
    if (steps === seen && JSON.stringify(ceremony.view) !== before) {
      await save(ceremony);
      await push(ceremony);
    }
  } catch {
    // Whatever failed this time (storage, a closed tab), the next tick tries again: the card
    // must not stop hearing about the ceremony.
  }
  setTimeout(pollOnce, POLL_MS);
}

/** Updates `ceremony.view` from `GET /passkey/ceremony`. */
async function refresh(ceremony) {
  let answer;
  try {
    answer = await call(ceremony.origin, "GET", "/passkey/ceremony", { secret: ceremony.secret });
  } catch {
    ceremony.view.notice = `Cannot reach ${ceremony.origin} right now; still trying.`;
    return;
  }
  delete ceremony.view.notice;
  if (answer.status === 200) {
    // Fields the server leaves out (options after `challenge`, …) must not linger.
    ceremony.view = { origin: ceremony.origin, ...answer.json };
  } else if (answer.status === 401) {
    ceremony.view = { ...ceremony.view, stage: "failed", failure: "This confirmation is no longer valid. Ask the page for a new code." };
  }
}

// ---- what the card asks for ----

async function sendAssertion(ceremony, credential) {
  const answer = await call(ceremony.origin, "POST", "/passkey/ceremony/assertion", { secret: ceremony.secret, body: credential });
  return await afterStep(ceremony, answer);
}

async function sendConfirmation(ceremony, code) {
  const answer = await call(ceremony.origin, "POST", "/passkey/ceremony/confirm", { secret: ceremony.secret, body: { code } });
  return await afterStep(ceremony, answer);
}

/** A step's answer: the new stage goes to the card at once instead of at the next poll. */
async function afterStep(ceremony, answer) {
  if (answer.status === 200 && answer.json.stage) {
    steps += 1;
    ceremony.view = { ...ceremony.view, stage: answer.json.stage };
    await save(ceremony);
    await push(ceremony);
    startPolling();
    return { ok: true, stage: answer.json.stage };
  }
  return { ok: false, status: answer.status, code: answer.json.code, message: errorText(answer.json, answer.status) };
}

/** A card said hello: it gets the view if its tab holds the ceremony, or adopts it when the
 * ceremony's own tab is gone (closed, or a new one was opened). */
async function hello(tabId) {
  const ceremony = await load();
  if (!ceremony) return null;
  const current = ceremony.tabId == null ? null : await chrome.tabs.get(ceremony.tabId).catch(() => null);
  if (current && current.id !== tabId) return null;
  if (!current) {
    ceremony.tabId = tabId;
    await save(ceremony);
  }
  if (!FINAL.has(ceremony.view.stage)) startPolling();
  return ceremony.view;
}

// ---- messages ----

const fromPopup = (sender) => sender.id === chrome.runtime.id && sender.url?.startsWith(chrome.runtime.getURL("popup.html"));
// pairlink.js on a connect page of the Pairlink it names: only a code that page made itself.
const fromPage = (sender, origin) =>
  sender.id === chrome.runtime.id && sender.tab && sender.origin === origin && sender.url?.startsWith(`${origin}/connect/`);
const fromCard = (sender) => sender.id === chrome.runtime.id && sender.tab && sender.origin === WHATSAPP.slice(0, -1);

async function handle(message, sender) {
  if (message?.type === "claim" && (fromPopup(sender) || fromPage(sender, message.origin))) {
    return await claim(message.origin, message.code);
  }
  if (!fromCard(sender)) return null;
  if (message?.type === "hello") return await hello(sender.tab.id);
  const ceremony = await load();
  if (!ceremony || ceremony.tabId !== sender.tab.id) return { ok: false, message: "No confirmation is open in this tab." };
  try {
    if (message.type === "assertion") return await sendAssertion(ceremony, message.credential);
    if (message.type === "confirm") return await sendConfirmation(ceremony, message.code);
    if (message.type === "dismiss" && FINAL.has(ceremony.view.stage)) await chrome.storage.session.remove("ceremony");
  } catch {
    return { ok: false, message: `Could not reach ${ceremony.origin}. Try again.` };
  }
  return null;
}

chrome.runtime.onMessage.addListener((message, sender, reply) => {
  handle(message, sender).then(reply, (err) => reply({ ok: false, message: String(err?.message ?? err) }));
  return true; // the answer comes asynchronously
});

// ---- connect pages ----

// pairlink.js goes on the connect pages of every Pairlink the person has granted (the
// operator's own is in the manifest too, so it is there from the first page load); a grant in
// the popup adds that origin's pages. Registered scripts outlive the worker.
async function registerPages() {
  const { origins = [] } = await chrome.permissions.getAll();
  const matches = origins.filter((o) => !o.startsWith(WHATSAPP) && /^https?:\/\/[^*]+\/\*$/.test(o)).map((o) => o.replace(/\*$/, "connect/*"));
  await chrome.scripting.unregisterContentScripts({ ids: ["pairlink-pages"] }).catch(() => {});
  if (matches.length === 0) return;
  await chrome.scripting.registerContentScripts([{ id: "pairlink-pages", matches, js: ["pairlink.js"], runAt: "document_start" }]);
}
chrome.runtime.onInstalled.addListener(registerPages);
chrome.permissions.onAdded.addListener(registerPages);
chrome.permissions.onRemoved.addListener(registerPages);

// The worker is stopped when idle and started again by the next event: pick the polling back
// up if a ceremony is still running.
load().then((ceremony) => {
  if (ceremony && !FINAL.has(ceremony.view.stage)) startPolling();
});
