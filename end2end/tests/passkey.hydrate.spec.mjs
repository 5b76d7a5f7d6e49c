// WhatsApp's passkey gate (since June 2026): the phone scanned, and WhatsApp now wants the
// account's passkey. No page of ours can answer for WhatsApp's origin, so the page says what
// is asked and helps the person carry the link to a computer.
import { expect, test } from "@playwright/test";
import { BASE, PHONE, api, holdAnswer, hydrated, newLink, scan, shot, tenant } from "./support.mjs";

let key;
test.beforeAll(() => {
  key = tenant("Passkey Shop");
});

test.use({ ...PHONE, bypassCSP: true });

// The page opened and started, its window's QR or code shown, then WhatsApp asks the phone
// for its passkey: the page shows the passkey screen.
async function untilPasskey(page, url, id) {
  await page.goto(url);
  await hydrated(page);
  await page.locator("#start").click();
  await expect(page.locator("#pairing-code, #qr").first()).toBeVisible();
  await api(key, "POST", `/v1/numbers/${id}/sandbox/passkey`);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "passkey");
}

test("the passkey screen hands the link over, is accessible, and the page still pairs", async ({ page }) => {
  const { url, id, token } = await newLink(key, { locale: "en" });
  await untilPasskey(page, url, id);
  await expect(page.getByRole("heading", { name: "WhatsApp asks for your passkey" })).toBeVisible();
  await expect(page.getByText(/open this link in a browser on your computer/)).toBeVisible();
  const address = `${BASE}/connect/${token}`;
  await expect(page.getByLabel("This page's link")).toHaveValue(address);
  await expect(page.getByRole("link", { name: "Email it to myself" })).toHaveAttribute("href", new RegExp(`^mailto:\\?subject=.*&body=${encodeURIComponent(address).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
  await expect(page.getByRole("link", { name: "Send it on WhatsApp" })).toHaveAttribute("href", `https://wa.me/?text=${encodeURIComponent(address)}`);
  await page.getByRole("button", { name: "Copy link" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Link copied" })).toBeVisible();
  await shot(page, "passkey-phone");
  // The ceremony through the extension on a computer starts with a code typed there.
  await page.getByRole("button", { name: "Use a computer", exact: true }).click();
  await expect(page.locator("#handoff-code")).toHaveText(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
  await expect(page.locator("#ceremony-stage")).toHaveText("Waiting for your computer…");

  const axe = await import("axe-core");
  await page.addScriptTag({ content: axe.default.source });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  // The phone confirms the passkey after all: the page reaches success.
  await scan(key, id);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
});

// Under load the answer to the page's own "connect" can arrive after the live stream has
// already moved on (the QR shown, the phone past it): the older answer must not take the page
// back to a QR, whose countdown then ends in "This code has expired" for a person who is
// confirming their passkey (three intermittent CI failures had this shape).
test("a late answer to the page's connect never takes the page back from the passkey screen", async ({ page }) => {
  const { url, id } = await newLink(key, { locale: "en" });
  const connect = await holdAnswer(page, /\/v1\/remote-pairing\/[^/]+\/connect$/);
  // The window opens: the stream shows its QR while the answer is held back.
  await untilPasskey(page, url, id);
  const answered = page.waitForResponse(/\/connect$/);
  connect.release();
  await answered;
  // Long enough for the page to have applied the answer, and for a QR's countdown to tick.
  await page.waitForTimeout(1500);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "passkey");
  await scan(key, id);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
});

// The same without a stream: polls overlap when answers are slow, and one read before the
// passkey may come back after one read since.
test("a slow poll's older answer never takes the page back from the passkey screen", async ({ page }) => {
  await page.route("**/events", (route) => route.abort());
  const { url, id } = await newLink(key, { locale: "en" });
  const poll = await holdAnswer(page, /\/v1\/remote-pairing\/[^/]+\/status$/, { armed: false });
  await page.goto(url);
  await hydrated(page);
  await page.locator("#start").click();
  await expect(page.locator("#pairing-code, #qr").first()).toBeVisible();
  poll.arm();
  await poll.read;
  await api(key, "POST", `/v1/numbers/${id}/sandbox/passkey`);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "passkey");
  // The next poll would put the passkey back within 2 s: every screen shown is recorded.
  await page.evaluate(() => {
    window.screens = [];
    const connect = document.getElementById("connect");
    new MutationObserver(() => window.screens.push(connect.dataset.screen)).observe(connect, { attributes: true, attributeFilter: ["data-screen"] });
  });
  poll.release();
  await page.waitForTimeout(3000);
  expect(await page.evaluate(() => window.screens)).toEqual([]);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "passkey");
});
