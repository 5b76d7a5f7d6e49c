// The binary is the deployment: copied alone into an empty folder and started with a database
// and an address (and the sandbox, to have a phone), it serves the connect page, its WASM and
// its styles from inside itself, and a customer pairs. E2E_LONE_BIN names the binary to copy
// (scripts/static.sh passes the static one); by default it is the one the suite runs.
import { expect, test } from "@playwright/test";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hydrated } from "./support.mjs";

const BINARY = process.env.E2E_LONE_BIN || process.env.E2E_PAIRLINK_BIN;
let dir;
let child;
let base;
let env;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pairlink-lone-"));
  copyFileSync(BINARY, join(dir, "pairlink"));
  chmodSync(join(dir, "pairlink"), 0o755);
  // Nothing of the repository's environment: no LEPTOS_SITE_ROOT, no Leptos.toml, no config.
  env = { PATH: "/usr/bin:/bin", DATABASE_URL: `sqlite://${dir}/data/pairlink.db`, LEPTOS_SITE_ADDR: "127.0.0.1:0", PAIRLINK_SANDBOX: "1", NO_COLOR: "1" };
  const started = Date.now();
  child = spawn(join(dir, "pairlink"), ["serve"], { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
  base = await new Promise((ok, fail) => {
    let seen = "";
    child.stderr.on("data", (chunk) => {
      seen += chunk;
      const found = seen.match(/listening on (http:\/\/[0-9.:]+)/);
      if (found) ok(found[1]);
    });
    child.on("exit", (code) => fail(new Error(`the lone binary exited with ${code}: ${seen}`)));
  });
  for (let i = 0; i < 100 && !(await fetch(`${base}/readyz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
  console.log(`lone binary: /readyz 200 ${Date.now() - started} ms after start`);
});

test.afterAll(async () => {
  child?.kill("SIGTERM");
  if (child) await new Promise((done) => (child.exitCode !== null ? done() : child.on("exit", done)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a binary copied alone pairs a number through its connect page", async ({ page }) => {
  const made = spawnSync(join(dir, "pairlink"), ["tenant", "create", "--name", "Lone"], { cwd: dir, env, encoding: "utf8" });
  if (made.status !== 0) throw new Error(`tenant create: ${made.stderr}`);
  const key = JSON.parse(made.stdout).apiKey;
  const api = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, { method, headers: { "x-api-key": key, "content-type": "application/json" }, body: body && JSON.stringify(body) });
    expect(res.ok, `${method} ${path} → ${res.status}`).toBe(true);
    return res.json();
  };
  const link = await api("POST", "/v1/numbers/remote-pairing", { name: "Cliente", number: "5511987650042", locale: "en" });

  const failed = [];
  page.on("response", (res) => {
    if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
  });
  await page.goto(`${base}/connect/${link.remotePairingToken}`);
  await hydrated(page);
  await page.locator("#start").click();
  await expect(page.getByRole("img", { name: "QR code to link WhatsApp" })).toBeVisible();
  await api("POST", `/v1/numbers/${link.numberId}/sandbox/scan`);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
  expect(failed).toEqual([]);

  // The folder holds the binary and what it wrote, nothing it read.
  expect(readdirSync(dir).sort()).toEqual(["data", "pairlink"]);
});

test("built-in files are served as a CDN would, and misses are the app's 404", async () => {
  const manifest = await fetch(`${base}/pkg/manifest.json`);
  expect(manifest.headers.get("cache-control")).toBe("no-cache");
  const wasm = `/pkg/${(await manifest.json()).connect.wasm}`;
  const br = await fetch(`${base}${wasm}`, { headers: { "accept-encoding": "br" } });
  expect(br.status).toBe(200);
  expect(br.headers.get("content-encoding")).toBe("br");
  expect(br.headers.get("content-type")).toBe("application/wasm");
  expect(br.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  expect(br.headers.get("vary")).toBe("accept-encoding");
  const plain = await fetch(`${base}${wasm}`, { headers: { "accept-encoding": "identity" } });
  expect(plain.headers.get("content-encoding")).toBeNull();
  const etag = plain.headers.get("etag");
  expect(etag).toMatch(/^"[0-9a-f]{24}"$/);
  expect((await fetch(`${base}${wasm}`, { headers: { "accept-encoding": "identity", "if-none-match": etag } })).status).toBe(304);

  const icon = await fetch(`${base}/favicon.svg`);
  expect(icon.status).toBe(200);
  expect(icon.headers.get("content-type")).toBe("image/svg+xml");
  expect(icon.headers.get("cache-control")).toBe("no-cache");

  const missing = await fetch(`${base}/no/such/page`);
  expect(missing.status).toBe(404);
  expect(missing.headers.get("content-type")).toContain("text/html");
  expect((await fetch(`${base}/pkg/nothing.0123456789abcdef.wasm`)).status).toBe(404);
});
