// The connect page before its WASM arrives (a phone on mobile data), and the files it loads.
import { request as httpRequest } from "node:http";
import { expect, test } from "@playwright/test";
import { BASE, PHONE, holdWasm, hydrated, newLink, scan, tenant } from "./support.mjs";

let key;
test.beforeAll(() => {
  key = tenant("Primeiro Toque");
});

test.describe("phone", () => {
  test.use(PHONE);

  test("with the WASM held back, the first tap already shows the code, and the page goes live after", async ({ page }) => {
    const { url, id } = await newLink(key, { locale: "en" });
    const release = await holdWasm(page);
    await page.goto(url);
    await expect(page.locator("#connect")).toHaveAttribute("data-hydrated", "false");
    await page.locator("#start").tap();
    await expect(page.locator("#pairing-code")).toHaveText(/^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
    // Still the server's page: the tap did not wait for the WASM.
    await expect(page.locator("#connect")).toHaveAttribute("data-hydrated", "false");
    const code = await page.locator("#pairing-code").textContent();
    release();
    await hydrated(page);
    // The same window, taken over: same code, a live countdown, then success without a reload.
    await expect(page.locator("#pairing-code")).toHaveText(code);
    const before = await page.locator("#countdown").textContent();
    await expect(page.locator("#countdown")).not.toHaveText(before, { timeout: 5000 });
    await page.getByRole("link", { name: "Scan a QR code" }).click();
    await expect(page).toHaveURL(new RegExp(`${url}$`));
    await expect(page.locator("#qr")).toBeVisible();
    await scan(key, id);
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
  });

  test("a tap while the WASM is still on its way opens one window, not two", async ({ page }) => {
    const { url } = await newLink(key, { locale: "en" });
    const release = await holdWasm(page);
    await page.goto(url);
    await page.locator("#start").tap();
    const code = await page.locator("#pairing-code").textContent();
    release();
    await hydrated(page);
    // Once live, a new request joins the open window: the code stays the same.
    const again = await fetch(`${BASE}/v1/remote-pairing/${url.split("/").pop()}/connect`, { method: "POST" }).then((r) => r.json());
    expect(again.pairingCode).toBe(code);
  });
});

/** A GET with the headers we choose (fetch would pick its own Accept-Encoding). */
function get(path, headers = {}) {
  return new Promise((ok, fail) => {
    const req = httpRequest(`${BASE}${path}`, { headers }, (res) => {
      res.resume();
      res.on("end", () => ok(res));
    });
    req.on("error", fail);
    req.end();
  });
}

test("assets are served precompressed, hashed and immutable; the page itself is never cached", async ({ page }) => {
  const { url } = await newLink(key, { locale: "en" });
  const loaded = [];
  page.on("request", (r) => loaded.push(new URL(r.url()).pathname));
  await page.goto(url);
  await hydrated(page);
  const pkg = [...new Set(loaded.filter((p) => p.startsWith("/pkg/")))];
  const manifest = await fetch(`${BASE}/pkg/manifest.json`).then((r) => r.json());
  // The connect page loads its own bundle and the CSS, never the dashboard's code.
  expect(pkg.sort()).toEqual([manifest.connect.js, manifest.connect.wasm, manifest.css].map((f) => `/pkg/${f}`).sort());
  expect(loaded.some((p) => p.includes(manifest.dashboard.wasm) || p.includes(manifest.dashboard.js))).toBe(false);
  for (const file of [manifest.connect.js, manifest.connect.wasm, manifest.css, manifest.dashboard.wasm]) {
    expect(file).toMatch(/\.[0-9a-f]{16}\.(js|wasm|css)$/);
    const br = await get(`/pkg/${file}`, { "accept-encoding": "br, gzip" });
    expect(br.statusCode).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const gz = await get(`/pkg/${file}`, { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    const plain = await get(`/pkg/${file}`);
    expect(plain.headers["content-encoding"]).toBeUndefined();
  }
  const html = await get(url, { "accept-encoding": "br, gzip" });
  expect(html.headers["cache-control"]).toBe("no-store");
});

test("the dashboard loads its own bundle", async ({ page }) => {
  const loaded = [];
  page.on("request", (r) => loaded.push(new URL(r.url()).pathname));
  await page.goto("/admin/login");
  await hydrated(page, "login");
  const manifest = await fetch(`${BASE}/pkg/manifest.json`).then((r) => r.json());
  expect(loaded).toContain(`/pkg/${manifest.dashboard.wasm}`);
  expect(loaded).not.toContain(`/pkg/${manifest.connect.wasm}`);
});
