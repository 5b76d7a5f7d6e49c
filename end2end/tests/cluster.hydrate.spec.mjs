// The connect page behind a load balancer without sticky sessions: two `pairlink serve` on
// one PostgreSQL database, and a proxy that sends each request (page, assets, stream, polls,
// the form) to the next process in turn. The page must reach success all the same.
import { expect, test } from "@playwright/test";
import { spawn, spawnSync } from "node:child_process";
import { createServer, request } from "node:http";
import { hydrated } from "./support.mjs";

const DB = process.env.TEST_DATABASE_URL;
let servers = [];
let proxy;
let proxyBase;
let env;

async function start(schemaUrl) {
  const child = spawn(process.env.E2E_PAIRLINK_BIN, ["serve"], {
    env: { ...env, DATABASE_URL: schemaUrl, LEPTOS_SITE_ADDR: "127.0.0.1:0", RUST_LOG: "info", NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const base = await new Promise((ok, fail) => {
    let seen = "";
    child.stderr.on("data", (chunk) => {
      seen += chunk;
      const found = seen.match(/listening on (http:\/\/[0-9.:]+)/);
      if (found) ok(found[1]);
    });
    child.on("exit", (code) => fail(new Error(`pairlink exited with ${code}: ${seen}`)));
  });
  servers.push(child);
  return base;
}

/** Each request to the next backend, bodies streamed both ways (the event stream too). */
function roundRobin(backends) {
  let next = 0;
  const server = createServer((req, res) => {
    const target = new URL(backends[next++ % backends.length]);
    const out = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  // No keep-alive: a reused connection must not pin the browser to one process.
  server.keepAliveTimeout = 0;
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

test.skip(!DB, "TEST_DATABASE_URL names the PostgreSQL database the processes share");

test.beforeAll(async () => {
  const schema = `e2e_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const made = spawnSync("psql", [DB, "-q", "-c", `CREATE SCHEMA ${schema}`], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`psql: ${made.stderr}`);
  const sep = DB.includes("?") ? "&" : "?";
  const schemaUrl = `${DB}${sep}options=-c%20search_path%3D${schema}`;
  env = { ...process.env, PAIRLINK_SECRETS_KEY: Buffer.alloc(32, 9).toString("base64"), PAIRLINK_EMBEDDED_LEASE_SECONDS: "3" };
  const backends = [await start(schemaUrl), await start(schemaUrl)];
  proxy = await roundRobin(backends);
  proxyBase = `http://127.0.0.1:${proxy.address().port}`;
  env.DATABASE_URL = schemaUrl;
});

test.afterAll(async () => {
  for (const child of servers) child.kill("SIGKILL");
  proxy?.close();
});

async function api(key, method, path, body) {
  const res = await fetch(`${proxyBase}${path}`, {
    method,
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

test("the connect page pairs through a round-robin proxy in front of two processes", async ({ page }) => {
  const made = spawnSync(process.env.E2E_PAIRLINK_BIN, ["tenant", "create", "--name", "Cluster"], { env, encoding: "utf8" });
  if (made.status !== 0) throw new Error(`tenant create: ${made.stderr}`);
  const key = JSON.parse(made.stdout).apiKey;
  const link = await api(key, "POST", "/v1/numbers/remote-pairing", { name: "Cliente", number: "5511987650001", locale: "en" });

  await page.goto(`${proxyBase}/connect/${link.remotePairingToken}`);
  await hydrated(page);
  await page.locator("#start").click();
  const qr = page.getByRole("img", { name: "QR code to link WhatsApp" });
  await expect(qr).toBeVisible();
  await page.getByRole("link", { name: "Use a code instead" }).click();
  await expect(page.locator("#pairing-code")).toHaveText(/^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
  // The code the page shows is the one every process serves.
  const shown = await page.locator("#pairing-code").textContent();
  for (let i = 0; i < 2; i++) {
    const status = await api(key, "GET", `/v1/remote-pairing/${link.remotePairingToken}/status`);
    expect(status.pairingCode).toBe(shown);
  }

  await api(key, "POST", `/v1/numbers/${link.numberId}/sandbox/scan`);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
});
