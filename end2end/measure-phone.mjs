// The connect page as a customer's phone meets it: Playwright's Pixel 7 in Debian's chromium,
// a cold cache every run, and two profiles: "slow-4g" (150 ms round trip, 1.6 Mbit/s down,
// 750 kbit/s up, the CPU slowed 4×, through CDP) and "fast" (no throttling). The person taps
// the start button every 250 ms until the pairing code shows. Per run it prints when the button
// was drawn, when the code was visible, how many taps that took, and the bytes transferred by
// type until the page is live. Not part of the test suite (timings vary with the machine):
//   node end2end/measure-phone.mjs [runs=3] [profiles=slow-4g,fast]
// The server and site are `scripts/build.sh --release`'s (E2E_PAIRLINK_BIN and LEPTOS_SITE_ROOT
// point elsewhere, e.g. at an older build to compare; E2E_PAIRLINK_CONFIG then names that
// build's own Leptos.toml, since a server refuses settings it does not know).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, devices } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const binary = process.env.E2E_PAIRLINK_BIN || join(process.env.CARGO_TARGET_DIR || join(root, "target"), "release", "pairlink");
const runs = Number(process.argv[2] || 3);
const wanted = (process.argv[3] || "slow-4g,fast").split(",");
const PROFILES = {
  "slow-4g": { latency: 150, down: 1.6e6, up: 750e3, cpu: 4 },
  fast: null,
};
const TAP_EVERY_MS = 250;

const port = await new Promise((ok) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => ok(port));
  });
});
const dir = mkdtempSync(join(tmpdir(), "pairlink-phone-"));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite://${dir}/m.db`,
  PAIRLINK_SANDBOX: "1",
  PAIRLINK_CONFIG: process.env.E2E_PAIRLINK_CONFIG || join(root, "Leptos.toml"),
  LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
  LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT || join(root, "target", "site"),
  PAIRLINK_RATE_LIMIT_PUBLIC_PER_MINUTE: "100000",
  RUST_LOG: "warn",
};
// Builds before the per-address budget (#14) have no such setting.
if (!process.env.E2E_PAIRLINK_CONFIG) env.PAIRLINK_RATE_LIMIT_ADDRESS_PER_MINUTE = "100000";
const server = spawn(binary, ["serve"], { cwd: root, env, stdio: ["ignore", "ignore", "inherit"] });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode})`);
  try { if ((await fetch(`${base}/readyz`)).ok) break; } catch {}
  if (i > 300) throw new Error("the server did not come up");
  await new Promise((r) => setTimeout(r, 100));
}
const key = JSON.parse(spawnSync(binary, ["tenant", "create", "--name", "Measure"], { env, encoding: "utf8" }).stdout).apiKey;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

let seq = 0;
async function newLink() {
  const res = await fetch(`${base}/v1/numbers/remote-pairing`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify({ name: "Phone", number: String(5511960000000 + seq++), locale: "en" }),
  });
  return (await res.json()).remotePairingUrl;
}

/// Bytes on the wire per resource type, headers included, also for requests a navigation cut off.
function countBytes(cdp) {
  const byId = new Map();
  cdp.on("Network.responseReceived", ({ requestId, type, response }) => {
    const kind = response.mimeType === "application/wasm" ? "wasm" : type.toLowerCase();
    byId.set(requestId, { kind, bytes: byId.get(requestId)?.bytes || 0 });
  });
  cdp.on("Network.dataReceived", ({ requestId, encodedDataLength }) => {
    const r = byId.get(requestId);
    if (r) r.bytes += encodedDataLength;
  });
  cdp.on("Network.loadingFinished", ({ requestId, encodedDataLength }) => {
    const r = byId.get(requestId);
    if (r) r.bytes = Math.max(r.bytes, encodedDataLength);
  });
  return () => {
    const totals = {};
    for (const { kind, bytes } of byId.values()) totals[kind] = (totals[kind] || 0) + bytes;
    return totals;
  };
}

async function once(profile) {
  const url = await newLink();
  const context = await browser.newContext({ ...devices["Pixel 7"] });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
  if (profile) {
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: profile.latency,
      downloadThroughput: profile.down / 8,
      uploadThroughput: profile.up / 8,
    });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: profile.cpu });
  }
  const bytes = countBytes(cdp);
  const t0 = performance.now();
  const navigation = page.goto(url, { waitUntil: "commit" });
  await page.locator("#start").waitFor({ state: "visible", timeout: 60_000 });
  const button = performance.now() - t0;
  let taps = 0;
  let code = null;
  while (performance.now() - t0 < 60_000) {
    const next = performance.now() + TAP_EVERY_MS;
    if (await page.locator("#start").isVisible().catch(() => false)) {
      taps++;
      await page.locator("#start").tap({ timeout: TAP_EVERY_MS, noWaitAfter: true, force: true }).catch(() => {});
    }
    const visible = await page
      .locator("#pairing-code")
      .waitFor({ state: "visible", timeout: Math.max(1, next - performance.now()) })
      .then(() => true, () => false);
    if (visible) {
      code = performance.now() - t0;
      break;
    }
  }
  await navigation.catch(() => {});
  // The bytes of a whole first visit: until the page is live, and the network quiet.
  await page.locator('#connect[data-hydrated="true"]').waitFor({ timeout: 120_000 });
  const live = performance.now() - t0;
  await page.waitForLoadState("networkidle").catch(() => {});
  const totals = bytes();
  await context.close();
  return { button, code, taps, live, totals };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const results = {};
for (const name of wanted) {
  results[name] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(PROFILES[name]);
    results[name].push(r);
    const all = Object.values(r.totals).reduce((a, b) => a + b, 0);
    const types = Object.entries(r.totals)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${kb(v)}`)
      .join(", ");
    console.log(
      `${name.padEnd(8)} run ${i + 1}: button drawn ${(r.button / 1000).toFixed(2)} s · code visible ${r.code === null ? "never" : `${(r.code / 1000).toFixed(2)} s`} · taps ${r.taps} · live ${(r.live / 1000).toFixed(2)} s · ${kb(all)} (${types})`,
    );
  }
}
await browser.close();
server.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });
