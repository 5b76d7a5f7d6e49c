// The popup: the person types the hand-off code from the page; the service worker claims it.
// The Pairlink address defaults to the operator's (brand.json) and can be changed for another
// Pairlink; access to that one is asked for here because Chrome asks only on a click.
const form = document.getElementById("claim");
const codeInput = document.getElementById("code");
const originInput = document.getElementById("origin");
const message = document.getElementById("message");
const button = form.querySelector("button");

const brand = await (await fetch(chrome.runtime.getURL("brand.json"))).json();
const { origin: saved } = await chrome.storage.local.get("origin");
originInput.value = saved ?? brand.defaultOrigin;
document.title = brand.name;
codeInput.focus();

function say(text, kind) {
  message.textContent = text;
  message.className = kind;
}

/** `https://host[:port]` of what was typed, or null; plain http only for this machine. */
function parseOrigin(text) {
  try {
    const url = new URL(text.trim());
    const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
    return url.protocol === "https:" || (url.protocol === "http:" && local) ? url.origin : null;
  } catch {
    return null;
  }
}

// The same pattern as scripts/pack-extension.mjs writes for the default origin.
const permissionPattern = (origin) => `${new URL(origin).protocol}//${new URL(origin).hostname}/*`;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = codeInput.value.replace(/[\s-]/g, "").toUpperCase();
  const origin = parseOrigin(originInput.value);
  if (code.length !== 8) return say("A code has 8 letters and digits, like K7QM-4XPR.", "error");
  if (!origin) return say("The service address must start with https://.", "error");
  // Asked first, while the click still counts as the person's gesture; the default origin is
  // granted at install, so Chrome answers yes without a prompt.
  const granted = await chrome.permissions.request({ origins: [permissionPattern(origin)] });
  if (!granted) return say(`Without access to ${origin} the extension cannot reach that service.`, "error");
  await chrome.storage.local.set({ origin });

  button.disabled = true;
  say("Checking the code…", "");
  try {
    const answer = await chrome.runtime.sendMessage({ type: "claim", origin, code });
    if (answer?.ok) say(`Code accepted${answer.company ? ` for ${answer.company}` : ""}. Continue in the WhatsApp Web tab.`, "ok");
    else say(answer?.message ?? "The extension did not answer. Try again.", "error");
  } finally {
    button.disabled = false;
  }
});
