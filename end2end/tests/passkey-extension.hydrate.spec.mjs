// The passkey ceremony through the browser extension (docs/passkey-ceremony.md): the phone's
// page hands off to a computer with a code, the extension (packed as an operator would, with
// this server as its Pairlink) claims it, and on a stand-in web.whatsapp.com a virtual
// authenticator answers WhatsApp's request. The sandbox checks the signature like WhatsApp, so
// only a real assertion from the right origin connects the number.
import { expect, test } from "@playwright/test";
import { BASE, PHONE, api, hydrated, newLink, shot, tenant, webhookReceiver } from "./support.mjs";
import { WHATSAPP, addAuthenticator, launchWithExtension, newPasskey, packExtension, startStandin } from "../passkey-standin.mjs";

const COMPANY = "Extension Shop";
let key, hook, standin, extension;

test.beforeAll(async () => {
  key = tenant(COMPANY);
  hook = await webhookReceiver();
  await api(key, "POST", "/v1/webhooks", { url: hook.url, name: "Platform", events: ["number.connected"] });
  standin = await startStandin();
  extension = packExtension(BASE);
});

test.afterAll(async () => {
  hook?.close();
  await standin?.close();
  extension?.remove();
});

test.use({ ...PHONE });

/** A fresh computer: its own profile with the extension, and the popup opened as a tab. */
async function computer() {
  const desktop = await launchWithExtension(extension.dir, standin);
  const popup = await desktop.context.newPage();
  await popup.goto(`chrome-extension://${desktop.extensionId}/popup.html`);
  return { ...desktop, popup };
}

async function typeCode(popup, code) {
  await popup.getByLabel("Hand-off code").fill(code);
  await popup.getByRole("button", { name: "Continue" }).click();
}

/** axe's serious and critical findings on a page whose CSP refuses inline scripts (the
 * stand-in's, like WhatsApp's, and the extension's own): the source goes in by DevTools. */
async function axeViolations(page) {
  const axe = await import("axe-core");
  await page.evaluate(axe.default.source);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
}

/** The web.whatsapp.com tab the extension opened. */
async function whatsappTab(context) {
  let tab;
  await expect.poll(() => (tab = context.pages().find((p) => p.url().startsWith(WHATSAPP)))).toBeTruthy();
  return tab;
}

/** A link whose WhatsApp asks for a passkey the sandbox knows, open on `page` at the passkey
 * screen; returns the link and the passkey. */
async function gatedLink(page) {
  const number = `5521${9e8 + Math.floor(Math.random() * 9e7)}`; // not support.mjs's 5511 range
  // The card names the link's company (its branding), not the tenant.
  const link = await newLink(key, { locale: "en", number, branding: { companyName: COMPANY } });
  await page.goto(link.url);
  await hydrated(page);
  await page.locator("#start").click();
  await expect(page.locator("#pairing-code, #qr").first()).toBeVisible();
  const passkey = newPasskey();
  await api(key, "POST", `/v1/numbers/${link.id}/sandbox/passkey`, { credentialId: passkey.credentialId, publicKey: passkey.publicKeySpki });
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "passkey");
  return { ...link, number, passkey };
}

/** The person confirms on the card: the passkey (a virtual authenticator in the tab), then
 * the code WhatsApp shows; the card and `page` end on success. */
async function confirmOnCard(tab, card, passkey, page, screenshot) {
  await addAuthenticator(tab, passkey);
  await tab.bringToFront();
  await card.getByRole("button", { name: "Confirm with your passkey" }).click();
  // WhatsApp asks to confirm a code; the card shows it, the person confirms.
  await expect(card.getByText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/)).toBeVisible();
  if (screenshot) await shot(tab, screenshot);
  await card.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(card.getByRole("status")).toHaveText("Done: the number is linked. You can close this card.");
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");
}

/** The platform's `number.connected` events for number `id`. */
const connected = (id) => hook.requests.filter((r) => r.body?.event === "number.connected" && r.body.data?.numberId === id);

test("a computer's extension answers the passkey and the phone's page connects", async ({ page }) => {
  const { id, token, number, passkey } = await gatedLink(page);

  await page.getByRole("button", { name: "Use a computer", exact: true }).click();
  const code = page.locator("#handoff-code");
  await expect(code).toHaveText(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
  const handoff = (await code.textContent()).trim();

  const desktop = await computer();
  try {
    const { context, popup } = desktop;
    await typeCode(popup, handoff);
    await expect(popup.getByRole("status")).toHaveText(`Code accepted for ${COMPANY}. Continue in the WhatsApp Web tab.`);

    // The card names who asks, and waits for a click.
    const tab = await whatsappTab(context);
    const card = tab.getByRole("dialog", { name: "Pairlink: confirm a new linked device" });
    await expect(card).toBeVisible();
    await expect(card).toContainText(COMPANY);
    await expect(card).toContainText(BASE);
    // The number as the API masks it everywhere, never whole.
    const { maskedNumber } = await api(key, "GET", `/v1/remote-pairing/${token}`);
    await expect(card.getByText(maskedNumber, { exact: true })).toBeVisible();
    expect(await card.textContent()).not.toContain(number);
    await expect(card.getByRole("button", { name: "Confirm with your passkey" })).toBeVisible();
    expect(await axeViolations(tab)).toEqual([]);
    await shot(tab, "passkey-extension-card");
    // The phone's page follows the ceremony.
    await expect(page.getByText("Your computer is asking for your passkey…")).toBeVisible();

    // The code is single use: a second claim is refused, and the running card is untouched.
    await typeCode(popup, handoff);
    await expect(popup.getByRole("status")).toContainText("That code is not valid");
    await expect(card.getByRole("button", { name: "Confirm with your passkey" })).toBeVisible();

    await confirmOnCard(tab, card, passkey, page, "passkey-extension-confirmation");
  } finally {
    await desktop.close();
  }

  // The platform hears it once.
  await expect.poll(() => connected(id).length, { timeout: 20_000 }).toBe(1);
  await new Promise((r) => setTimeout(r, 2000)); // a duplicate would come right behind
  expect(connected(id)).toHaveLength(1);
});

test("on a computer with the extension, one button on the page runs the ceremony", async () => {
  const desktop = await computer();
  let id;
  try {
    const { context, popup } = desktop;
    await popup.close();
    const page = await context.newPage();
    const gated = await gatedLink(page);
    id = gated.id;

    // The page heard the extension on this computer: one button, no code to copy, no store link.
    await expect(page.getByText("The passkey extension is on this computer.", { exact: false })).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, "passkey-extension-desktop");
    await page.getByRole("button", { name: "Confirm with the extension", exact: true }).click();
    await expect(page.locator("#handoff-code")).toHaveCount(0);

    const tab = await whatsappTab(context);
    const card = tab.getByRole("dialog", { name: "Pairlink: confirm a new linked device" });
    await expect(card).toContainText(COMPANY);
    await expect(page.locator("#ceremony-stage")).toHaveText("Your computer is asking for your passkey…");
    await confirmOnCard(tab, card, gated.passkey, page);
  } finally {
    await desktop.close();
  }
  await expect.poll(() => connected(id).length, { timeout: 20_000 }).toBe(1);
});

test("a page of another origin cannot hand the extension a code", async () => {
  // Another site the extension was never granted: pairlink.js is not there, so a page that
  // posts a code to itself reaches nothing and no WhatsApp tab opens.
  const desktop = await computer();
  try {
    const { context } = desktop;
    const page = await context.newPage();
    await page.goto(`${WHATSAPP}/`);
    await page.evaluate(() => window.postMessage({ source: "pairlink-page", type: "handoff", code: "ABCDEFGH" }, location.origin));
    const heard = await page.evaluate(
      () =>
        new Promise((ok) => {
          window.addEventListener("message", (e) => e.data?.source === "pairlink-passkey" && ok(true));
          window.postMessage({ source: "pairlink-page", type: "ping" }, location.origin);
          setTimeout(() => ok(false), 1500);
        }),
    );
    expect(heard).toBe(false);
    expect(context.pages().filter((p) => p.url().startsWith(WHATSAPP))).toHaveLength(1);
  } finally {
    await desktop.close();
  }
});

test("the popup refuses a short code at once and a wrong code with a clear message", async () => {
  const desktop = await computer();
  try {
    const { context, popup } = desktop;
    await typeCode(popup, "K7QM");
    await expect(popup.getByRole("status")).toHaveText("A code has 8 letters and digits, like K7QM-4XPR.");
    expect(await axeViolations(popup)).toEqual([]);
    await typeCode(popup, "zzzz zzzz");
    await expect(popup.getByRole("status")).toHaveText("That code is not valid: it may be mistyped, expired or already used. Ask the page for a new code.");
    // Nothing was opened on WhatsApp Web.
    expect(context.pages().filter((p) => p.url().startsWith(WHATSAPP))).toEqual([]);
  } finally {
    await desktop.close();
  }
});
