// Helpers for the browser tests: a tenant from the CLI, REST calls, links, the sandbox phone,
// and screenshots saved as artifacts under end2end/screenshots/.
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BASE = process.env.BASE_URL;
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), "..", "screenshots");
mkdirSync(SHOTS, { recursive: true });

export function tenant(name = "Acme") {
  const out = spawnSync(process.env.E2E_PAIRLINK_BIN, ["tenant", "create", "--name", name], { env: process.env, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`tenant create failed: ${out.stderr}`);
  return JSON.parse(out.stdout).apiKey;
}

export async function api(key, method, path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return json;
}

let phone = 5511900000000 + Math.floor(Math.random() * 90000000);
/** A fresh link for a fresh number; `extra` goes into the request body. */
export async function newLink(key, extra = {}) {
  phone += 1;
  const link = await api(key, "POST", "/v1/numbers/remote-pairing", { name: "Cliente", number: String(phone), ...extra });
  return { token: link.remotePairingToken, url: new URL(link.remotePairingUrl).pathname, id: link.numberId, link };
}

export const scan = (key, id) => api(key, "POST", `/v1/numbers/${id}/sandbox/scan`);

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export const PHONE = { viewport: { width: 390, height: 844 }, userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

/** Waits until the WASM has taken over the page (`#connect` by default, `#admin`, `#login`). */
export async function hydrated(page, id = "connect") {
  await page.locator(`#${id}[data-hydrated="true"]`).waitFor({ timeout: 60000 });
}

export const ADMIN_PASSWORD = "correct horse battery";

/** A new tenant with a dashboard user, made with the CLI as an operator would.
 * Returns `{ email, apiKey, tenantId }`. */
export function adminUser(name = "Acme") {
  const made = spawnSync(process.env.E2E_PAIRLINK_BIN, ["tenant", "create", "--name", name], { env: process.env, encoding: "utf8" });
  if (made.status !== 0) throw new Error(`tenant create failed: ${made.stderr}`);
  const { tenantId, apiKey } = JSON.parse(made.stdout);
  const email = `${tenantId}@e2e.example`;
  const user = spawnSync(process.env.E2E_PAIRLINK_BIN, ["user", "create", "--tenant", tenantId, "--email", email], {
    env: process.env,
    encoding: "utf8",
    input: `${ADMIN_PASSWORD}\n`,
  });
  if (user.status !== 0) throw new Error(`user create failed: ${user.stderr}`);
  return { email, apiKey, tenantId };
}

/** Signs in through the form and waits for the dashboard. */
export async function signIn(page, email) {
  await page.goto("/admin/login");
  await hydrated(page, "login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/admin/numbers");
  await hydrated(page, "admin");
}

/** A webhook receiver on this machine (run.mjs allowlists 127.0.0.1): answers 200 and keeps
 * every request's headers and JSON body. */
export async function webhookReceiver() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      requests.push({ headers: req.headers, body: JSON.parse(body || "null") });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("thanks");
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, requests, close: () => server.close() };
}

/** Runs axe on the page; returns the serious and critical violations. */
export async function axeViolations(page) {
  const axe = await import("axe-core");
  await page.addScriptTag({ content: axe.default.source });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
}

/** A real page of a "platform" on another local origin, to embed the connect page in.
 * Returns its origin and a `close()`. (A routed fake origin would look public to Chromium,
 * whose local-network checks then block the loopback iframe.) */
export async function platformPage(html) {
  const server = createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(html);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { origin: `http://localhost:${server.address().port}`, close: () => server.close() };
}

/** Stand-ins for Facebook on `page`: the SDK (FB.login answers with `code` after opening the
 * signup window) and that window, which posts Meta's `WA_EMBEDDED_SIGNUP` message with `event`
 * and the ids from a facebook.com origin. The page's calls land in `window.fbInit` / `fbLogin`. */
export async function facebook(page, { code, event, waba, phoneId }) {
  await page.route("https://connect.facebook.net/**", (route) =>
    route.fulfill({
      contentType: "application/javascript",
      body: `window.FB = {
        init(o) { window.fbInit = o; },
        login(cb, o) {
          window.fbLogin = o;
          const f = document.createElement("iframe");
          f.src = "https://www.facebook.com/e2e-signup";
          f.style.display = "none";
          document.body.appendChild(f);
          setTimeout(() => cb({ authResponse: { code: "${code}" } }), 50);
        },
      };`,
    }),
  );
  await page.route("https://www.facebook.com/e2e-signup", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<script>parent.postMessage(JSON.stringify({ type: "WA_EMBEDDED_SIGNUP", event: "${event}",
        data: { waba_id: "${waba}", phone_number_id: "${phoneId}", business_id: "99999" } }), "*");</script>`,
    }),
  );
}

/** Holds every WASM request back until `release()` is called: the page as a slow phone has it,
 * there but not yet live. */
export async function holdWasm(page) {
  let release;
  const released = new Promise((ok) => (release = ok));
  await page.route(/\.wasm$/, async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

/** Holds back the answer to the next request matching `pattern` once armed (at once unless
 * `armed` is false): the server answers it (`read` resolves), the page sees the answer only
 * after `release()`. */
export async function holdAnswer(page, pattern, { armed = true } = {}) {
  let hold = armed;
  let release;
  let fetched;
  const released = new Promise((ok) => (release = ok));
  const read = new Promise((ok) => (fetched = ok));
  await page.route(pattern, async (route) => {
    if (!hold) return route.continue();
    hold = false;
    const answer = await route.fetch();
    fetched();
    await released;
    await route.fulfill({ response: answer });
  });
  return { arm: () => (hold = true), read, release };
}
