// Measures, on loopback, how long a person waits for the QR: from starting to load a fresh link
// to the QR on screen (pressing the button as soon as the page is live). Prints the median and
// spread of N runs. Not part of the test suite: `node end2end/measure-qr.mjs [runs]`.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const binary = join(process.env.CARGO_TARGET_DIR || join(root, "target"), "release", "pairlink");
const runs = Number(process.argv[2] || 20);
const port = await new Promise((ok) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => ok(port));
  });
});
const dir = mkdtempSync(join(tmpdir(), "pairlink-measure-"));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite://${dir}/m.db`,
  PAIRLINK_SANDBOX: "1",
  PAIRLINK_CONFIG: join(root, "Leptos.toml"),
  LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
  LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT || join(root, "target", "site"),
  RUST_LOG: "warn",
  PAIRLINK_RATE_LIMIT_PUBLIC_PER_MINUTE: "100000",
  PAIRLINK_RATE_LIMIT_ADDRESS_PER_MINUTE: "100000",
};
const server = spawn(binary, ["serve"], { cwd: root, env, stdio: "ignore" });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${base}/readyz`)).ok) break; } catch {}
  await new Promise((r) => setTimeout(r, 100));
}
const key = JSON.parse(spawnSync(binary, ["tenant", "create", "--name", "Measure"], { env, encoding: "utf8" }).stdout).apiKey;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--disable-gpu", "--no-first-run", "--disable-background-networking"] });
const total = [], live = [], qr = [];
for (let i = 0; i < runs; i++) {
  const res = await fetch(`${base}/v1/numbers/remote-pairing`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify({ name: "M", number: String(5511970000000 + i), locale: "en" }),
  });
  const link = await res.json();
  const page = await browser.newPage();
  const t0 = performance.now();
  await page.goto(link.remotePairingUrl);
  await page.locator('#connect[data-hydrated="true"]').waitFor();
  const t1 = performance.now();
  await page.locator("#start").click();
  await page.locator("#qr").waitFor();
  const t2 = performance.now();
  total.push(t2 - t0); live.push(t1 - t0); qr.push(t2 - t1);
  await page.close();
}
await browser.close();
server.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms (min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)})`;
};
console.log(`runs: ${runs}`);
console.log(`load → page live (hydrated): ${stats(live)}`);
console.log(`press → QR visible:          ${stats(qr)}`);
console.log(`load → QR visible:           ${stats(total)}`);
