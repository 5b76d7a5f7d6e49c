import { expect, test } from "@playwright/test";
import { BASE, DESKTOP, PHONE, api, hydrated, newLink, platformPage, scan, shot, tenant } from "./support.mjs";

let key;
test.beforeAll(() => {
  key = tenant("Loja Bacana");
});

/** Fails the test on any script error or failed request of the page. */
function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && !m.text().includes("net::ERR_FAILED") && errors.push(m.text()));
  return errors;
}

test.describe("desktop", () => {
  test.use(DESKTOP);

  test("QR flow to success, live", async ({ page }) => {
    const errors = watchErrors(page);
    const { url, id } = await newLink(key, { locale: "en" });
    await page.goto(url);
    await hydrated(page);
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "start");
    await expect(page.getByRole("heading", { name: "Connect your WhatsApp" })).toBeVisible();
    await expect(page.getByText(/will connect the WhatsApp number \+55\d{4}\*\*\*\*\d{4}/)).toBeVisible();
    await shot(page, "start-desktop");

    await page.getByRole("button", { name: "Connect WhatsApp" }).click();
    const qr = page.getByRole("img", { name: "QR code to link WhatsApp" });
    await expect(qr).toBeVisible();
    await expect(qr).toHaveAttribute("src", /^data:image\/png;base64,/);
    await expect(page.locator("#countdown")).toHaveText(/Expires in \d+ s/);
    await shot(page, "pairing-qr-desktop");

    await page.getByRole("link", { name: "Use a code instead" }).click();
    await expect(page.locator("#pairing-code")).toHaveText(/^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
    await shot(page, "pairing-code-desktop");

    await scan(key, id);
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
    await expect(page.getByRole("heading", { name: "WhatsApp connected" })).toBeVisible();
    await shot(page, "success-desktop");
    expect(errors).toEqual([]);
  });

  test("the QR swaps itself when WhatsApp rotates it", async ({ page }) => {
    const { url } = await newLink(key);
    await page.goto(url);
    await hydrated(page);
    await page.locator("#start").click();
    const qr = page.locator("#qr");
    await expect(qr).toBeVisible();
    const first = await qr.getAttribute("src");
    // The e2e server runs the sandbox with a 4 s first QR.
    await expect(qr).not.toHaveAttribute("src", first, { timeout: 20000 });
  });

  test("a closed window offers a new code", async ({ page }) => {
    test.setTimeout(45000);
    const { url, id } = await newLink(key, { locale: "en" });
    await page.goto(url);
    await hydrated(page);
    await page.locator("#start").click();
    await expect(page.locator("#qr")).toBeVisible();
    // 4 s + 5 × 2 s in the e2e sandbox, then the window closes.
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "window-closed", { timeout: 40000 });
    await expect(page.getByRole("heading", { name: "This code has expired" })).toBeVisible();
    await shot(page, "window-closed-desktop");
    await page.getByRole("button", { name: "Get a new code" }).click();
    await expect(page.locator("#qr")).toBeVisible();
    await scan(key, id);
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
  });

  test("without Server-Sent Events, polling still reaches success", async ({ page }) => {
    await page.route("**/events", (route) => route.abort());
    const { url, id } = await newLink(key);
    await page.goto(url);
    await hydrated(page);
    await page.locator("#start").click();
    await expect(page.locator("#qr")).toBeVisible();
    await scan(key, id);
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success", { timeout: 30000 });
  });

  test("dead links say why, with a next step", async ({ page }) => {
    const expired = await newLink(key, { locale: "en", refreshUrl: "https://platform.example/new-link" });
    await api(key, "POST", `/v1/numbers/${expired.id}/sandbox/expire-link`);
    await page.goto(expired.url);
    await expect(page.getByRole("heading", { name: "This link has expired" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Get a new link" })).toHaveAttribute("href", "https://platform.example/new-link");
    await shot(page, "expired-desktop");

    const used = await newLink(key, { locale: "en" });
    await api(key, "GET", `/v1/numbers/${used.id}/connect`);
    await scan(key, used.id);
    // The grace period shows success to the page that paired; later visitors see "used".
    await page.goto(used.url);
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", /success|dead/);
    await shot(page, "used-desktop");

    const revoked = await newLink(key, { locale: "en" });
    await api(key, "DELETE", `/v1/numbers/${revoked.id}/remote-pairing`);
    await page.goto(revoked.url);
    await expect(page.getByRole("heading", { name: "This link is no longer valid" })).toBeVisible();
    await shot(page, "revoked-desktop");

    await page.goto("/connect/rp_doesnotexist");
    await expect(page.getByRole("heading", { name: "Link not found" })).toBeVisible();
    await shot(page, "not-found-desktop");
  });

  test("a link revoked while open ends the page", async ({ page }) => {
    const { url, id } = await newLink(key, { locale: "en" });
    await page.goto(url);
    await hydrated(page);
    await api(key, "DELETE", `/v1/numbers/${id}/remote-pairing`);
    await expect(page.getByRole("heading", { name: "This link is no longer valid" })).toBeVisible();
  });

  test("a refused device explains and stops", async ({ page }) => {
    const { url, id } = await newLink(key, { locale: "en" });
    await page.goto(url);
    await hydrated(page);
    await page.locator("#start").click();
    await expect(page.locator("#qr")).toBeVisible();
    await api(key, "POST", `/v1/numbers/${id}/sandbox/fail`, { reason: "banned" });
    await expect(page.getByRole("heading", { name: "WhatsApp does not allow this number to link" })).toBeVisible();
    await expect(page.locator("#try-again")).toHaveCount(0);
    await shot(page, "failed-desktop");
  });

  test("a different phone is refused, the page names the right number and offers a new code", async ({ page }) => {
    const { url, id, link } = await newLink(key, { locale: "en" });
    await page.goto(url);
    await hydrated(page);
    await page.locator("#start").click();
    await expect(page.locator("#qr")).toBeVisible();
    await api(key, "POST", `/v1/numbers/${id}/sandbox/scan?phone=5521988887777`);
    await expect(page.getByRole("heading", { name: "That was a different WhatsApp number" })).toBeVisible();
    const masked = (await api(key, "GET", `/v1/remote-pairing/${link.remotePairingToken}`)).maskedNumber;
    await expect(page.getByText(`This link connects ${masked}.`)).toBeVisible();
    await shot(page, "wrong-phone-desktop");
    await page.locator("#try-again").click();
    await expect(page.locator("#qr")).toBeVisible();
    await scan(key, id);
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
  });

  test("branding is applied, readable, and the footer can be hidden", async ({ page }) => {
    const brand = {
      companyName: "Verde Ltda",
      primaryColor: "#FFEB3B",
      backgroundColor: "#1E293B",
      logoUrl: `${BASE}/favicon.svg`,
      hidePilotStatusBranding: true,
      supportUrl: "https://help.verde.example",
    };
    const { url } = await newLink(key, { locale: "en", branding: brand });
    await page.goto(url);
    await hydrated(page);
    const start = page.locator("#start");
    await expect(start).toHaveCSS("background-color", "rgb(255, 235, 59)");
    // Yellow buttons get dark text, the dark page gets light text.
    await expect(start).toHaveCSS("color", "rgb(15, 23, 42)");
    await expect(page.locator("#connect")).toHaveCSS("background-color", "rgb(30, 41, 59)");
    await expect(page.locator("#connect")).toHaveCSS("color", "rgb(255, 255, 255)");
    await expect(page.getByRole("img", { name: "Verde Ltda" })).toHaveAttribute("src", brand.logoUrl);
    await expect(page.locator("#powered-by")).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Need help?" })).toHaveAttribute("href", brand.supportUrl);
    await shot(page, "branded-desktop");
  });

  test("each language", async ({ browser }) => {
    const cases = [
      [{ locale: "pt-BR" }, "", undefined, "Conecte seu WhatsApp"],
      [{}, "?lang=es", undefined, "Conecta tu WhatsApp"],
      [{}, "", "es-ES", "Conecta tu WhatsApp"],
      [{}, "", "pt-BR", "Conecte seu WhatsApp"],
      [{}, "", "de-DE", "Connect your WhatsApp"],
    ];
    for (const [extra, query, locale, heading] of cases) {
      const context = await browser.newContext({ ...DESKTOP, locale });
      const page = await context.newPage();
      const { url } = await newLink(key, extra);
      await page.goto(url + query);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
      await context.close();
    }
  });

  test("embedded in an iframe, the parent hears connect:paired", async ({ page }) => {
    const { url, id } = await newLink(key);
    // The platform page tells the connect page its origin, which the tenant lists below.
    const host = await platformPage(`<!doctype html><title>Platform</title><script>
        window.messages = [];
        addEventListener("message", (e) => { if (e.origin === ${JSON.stringify(new URL(BASE).origin)}) window.messages.push(e.data); });
        const f = document.createElement("iframe");
        f.id = "pairlink"; f.width = 420; f.height = 640;
        f.src = ${JSON.stringify(`${BASE}${url}?parentOrigin=`)} + encodeURIComponent(location.origin);
        document.addEventListener("DOMContentLoaded", () => document.body.appendChild(f));
      </script>`);
    await api(key, "PUT", "/v1/settings", { embedOrigins: [host.origin] });
    await page.goto(`${host.origin}/`);
    const frame = page.frameLocator("#pairlink");
    await frame.locator('#connect[data-hydrated="true"]').waitFor();
    await frame.locator("#start").click();
    // A 420 px frame is phone-sized: the code comes first.
    await expect(frame.locator("#pairing-code")).toBeVisible();
    await scan(key, id);
    await expect(frame.locator("#connect")).toHaveAttribute("data-screen", "success");
    await expect.poll(() => page.evaluate(() => window.messages.map((m) => m.type))).toContain("connect:paired");
    const paired = await page.evaluate(() => window.messages.find((m) => m.type === "connect:paired"));
    expect(paired).toMatchObject({ source: "pairlink-embed", v: 1, payload: { numberId: id } });
    await api(key, "PUT", "/v1/settings", { embedOrigins: [] });
    host.close();
  });

  test("a parent page written for the Pilot Status embed hears connect:paired once", async ({ page }) => {
    const { url, id } = await newLink(key);
    const token = url.split("/").pop();
    // Only the documented SDK surface and envelope: PilotStatus.init(), connect.mount, and a
    // listener that keeps messages whose source is "pilot-status-embed".
    const host = await platformPage(`<!doctype html><title>Platform</title><div id="box"></div>
      <script src="${BASE}/embed.js"></script><script>
        window.paired = []; window.envelopes = [];
        addEventListener("message", (e) => {
          if (e.origin === ${JSON.stringify(new URL(BASE).origin)} && e.data && e.data.source === "pilot-status-embed") window.envelopes.push(e.data);
        });
        PilotStatus.init();
        PilotStatus.connect.mount("#box", { token: ${JSON.stringify(token)}, onPaired: (d) => window.paired.push(d) });
      </script>`);
    await api(key, "PUT", "/v1/settings", { embedOrigins: [host.origin] });
    await page.goto(`${host.origin}/`);
    const frame = page.frameLocator("#box iframe");
    await frame.locator('#connect[data-hydrated="true"]').waitFor();
    await frame.locator("#start").click();
    // A desktop-wide frame leads with the QR.
    await expect(frame.locator("#qr")).toBeVisible();
    await scan(key, id);
    await expect(frame.locator("#connect")).toHaveAttribute("data-screen", "success");
    await expect.poll(() => page.evaluate(() => window.paired.length)).toBe(1);
    expect(await page.evaluate(() => window.paired[0])).toMatchObject({ numberId: id });
    // The status keeps arriving after success: still one callback, one paired envelope.
    await page.waitForTimeout(1500);
    expect(await page.evaluate(() => window.paired.length)).toBe(1);
    const paired = await page.evaluate(() => window.envelopes.filter((m) => m.type === "connect:paired"));
    expect(paired).toHaveLength(1);
    expect(paired[0]).toMatchObject({ source: "pilot-status-embed", v: 1, payload: { numberId: id } });
    await api(key, "PUT", "/v1/settings", { embedOrigins: [] });
    host.close();
  });

  test("framing by an origin the tenant did not list is refused", async ({ page }) => {
    const { url } = await newLink(key);
    await api(key, "PUT", "/v1/settings", { embedOrigins: [] });
    const host = await platformPage(`<!doctype html><iframe id="pairlink" src="${BASE}${url}"></iframe>`);
    const blocked = page.waitForEvent("console", (m) => m.text().includes("frame-ancestors"));
    await page.goto(`${host.origin}/`);
    await blocked;
    host.close();
  });
});

test.describe("phone", () => {
  test.use(PHONE);

  test("every other screen at phone size", async ({ page }) => {
    test.setTimeout(45000);
    const failed = await newLink(key, { locale: "en" });
    await page.goto(failed.url);
    await hydrated(page);
    await page.locator("#start").click();
    await expect(page.locator("#pairing-code")).toBeVisible();
    await api(key, "POST", `/v1/numbers/${failed.id}/sandbox/fail`, { reason: "banned" });
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "failed");
    await shot(page, "failed-phone");

    const used = await newLink(key, { locale: "en" });
    await api(key, "GET", `/v1/numbers/${used.id}/connect`);
    await scan(key, used.id);
    await page.goto(used.url);
    await shot(page, "used-phone");
    await page.goto("/connect/rp_doesnotexist");
    await shot(page, "not-found-phone");

    const closing = await newLink(key, { locale: "en" });
    await page.goto(closing.url);
    await hydrated(page);
    await page.locator("#start").click();
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "window-closed", { timeout: 40000 });
    await shot(page, "window-closed-phone");
  });


  test("leads with the pairing code and can switch to the QR", async ({ page }) => {
    const { url, id } = await newLink(key, { locale: "en" });
    await page.goto(url);
    await hydrated(page);
    await shot(page, "start-phone");
    await page.getByRole("button", { name: "Connect WhatsApp" }).click();
    await expect(page.locator("#pairing-code")).toHaveText(/^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
    await expect(page.getByText("Link with phone number instead", { exact: false })).toBeVisible();
    await shot(page, "pairing-code-phone");
    await page.getByRole("link", { name: "Scan a QR code" }).click();
    await expect(page.locator("#qr")).toBeVisible();
    await shot(page, "pairing-qr-phone");
    await scan(key, id);
    await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
    await shot(page, "success-phone");
  });

  test("dead ends at phone size", async ({ page }) => {
    const expired = await newLink(key, { locale: "pt-BR" });
    await api(key, "POST", `/v1/numbers/${expired.id}/sandbox/expire-link`);
    await page.goto(expired.url);
    await expect(page.getByRole("heading", { name: "Este link expirou" })).toBeVisible();
    await shot(page, "expired-phone");
    const revoked = await newLink(key, { locale: "es" });
    await api(key, "DELETE", `/v1/numbers/${revoked.id}/remote-pairing`);
    await page.goto(revoked.url);
    await expect(page.getByRole("heading", { name: "Este enlace ya no es válido" })).toBeVisible();
    await shot(page, "revoked-phone");
  });
});

test.describe("accessibility", () => {
  // axe is injected as an inline script, which the page's CSP rightly refuses.
  test.use({ bypassCSP: true });

test("no serious or critical accessibility violations", async ({ page }) => {
  const { url } = await newLink(key, { locale: "en" });
  const axe = await import("axe-core");
  for (const step of ["start", "pairing"]) {
    if (step === "start") {
      await page.goto(url);
      await hydrated(page);
    } else {
      await page.locator("#start").click();
      await expect(page.locator("#qr")).toBeVisible();
    }
    await page.addScriptTag({ content: axe.default.source });
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id}: ${v.help}`), step).toEqual([]);
  }
});
});

test("embed.js mounts the page and reports the pairing", async ({ page }) => {
  const { token, id } = await newLink(key, { locale: "en" });
  const host = await platformPage(`<!doctype html><title>Platform</title><div id="box"></div>
      <script src="${BASE}/embed.js"></script>
      <script>
        window.events = [];
        Pairlink.connect.mount("#box", { token: ${JSON.stringify(token)}, onPaired: (d) => window.events.push(["paired", d]) });
      </script>`);
  await api(key, "PUT", "/v1/settings", { embedOrigins: [host.origin] });
  await page.goto(`${host.origin}/`);
  const frame = page.frameLocator("#box iframe");
  await frame.locator('#connect[data-hydrated="true"]').waitFor();
  await frame.locator("#start").click();
  await expect(frame.locator("#qr")).toBeVisible();
  await scan(key, id);
  const once = [["paired", { numberId: id, redirectUrl: null }]];
  await expect.poll(() => page.evaluate(() => window.events)).toEqual(once);
  // Status keeps arriving after success (CI once saw onPaired twice); it must not fire again.
  await page.waitForTimeout(1500);
  expect(await page.evaluate(() => window.events)).toEqual(once);
  await api(key, "PUT", "/v1/settings", { embedOrigins: [] });
  host.close();
});
