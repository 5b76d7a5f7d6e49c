// WhatsApp Business app numbers through the official rail (Meta's "Coexistence"): a
// coexistence link, and the official fallback a WhatsApp Web link offers when WhatsApp's
// passkey gate stops it. Facebook is a stand-in: its SDK, and the signup window posting
// FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING from a facebook.com origin; Graph is the stand-in
// server run.mjs starts.
import { expect, test } from "@playwright/test";
import { GRAPH } from "../graph-standin.mjs";
import { PHONE, api, axeViolations, facebook, hydrated, shot, tenant } from "./support.mjs";

test.use({ ...PHONE, bypassCSP: true });

/** Facebook's stand-ins, finishing a WhatsApp Business app onboarding of `phoneId`. */
const businessApp = (page, phoneId) =>
  facebook(page, { code: GRAPH.code, event: "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING", waba: GRAPH.waba, phoneId });

async function graphCalls(from = 0) {
  const calls = await (await fetch(`${process.env.E2E_GRAPH_URL}/_calls`)).json();
  return calls.slice(from);
}

test("a coexistence link onboards the WhatsApp Business app number and reaches success", async ({ page }) => {
  const key = tenant("Loja do App");
  await businessApp(page, GRAPH.appPhoneId);
  const link = await api(key, "POST", "/v1/numbers/remote-pairing", { metaFlow: "coexistence", locale: "en" });
  const posted = page.waitForRequest((r) => r.url().endsWith("/meta/embedded") && r.method() === "POST");
  await page.goto(new URL(link.remotePairingUrl).pathname);
  await hydrated(page);
  await expect(page.getByText(/WhatsApp Business app number you already use/)).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "coexistence-phone");

  const before = (await graphCalls()).length;
  await page.getByRole("button", { name: "Continue with Facebook" }).click();
  const body = (await posted).postDataJSON();
  expect(body).toEqual({
    code: GRAPH.code,
    wabaId: GRAPH.waba,
    phoneNumberId: GRAPH.appPhoneId,
    businessId: "99999",
    event: "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
  });
  expect(await page.evaluate(() => window.fbLogin.extras)).toEqual({
    setup: {},
    featureType: "whatsapp_business_app_onboarding",
    sessionInfoVersion: "3",
    version: "v4",
  });
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");

  const calls = await graphCalls(before);
  expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
    "GET /v26.0/oauth/access_token",
    `GET /v26.0/${GRAPH.appPhoneId}`,
    `POST /v26.0/${GRAPH.waba}/subscribed_apps`,
    `POST /v26.0/${GRAPH.appPhoneId}/smb_app_data`,
    `POST /v26.0/${GRAPH.appPhoneId}/smb_app_data`,
  ]);
  expect(calls.slice(3).map((c) => JSON.parse(c.body).sync_type)).toEqual(["smb_app_state_sync", "history"]);
  const numbers = await api(key, "GET", "/v1/numbers");
  const number = numbers.find((n) => n.name === "Loja do App");
  expect([number.state, number.provider, number.coexistence.status, number.coexistence.evidence]).toEqual([
    "OPEN",
    "META",
    "CONFIRMED",
    "embedded_signup",
  ]);
});

test("a link stalled on the passkey gate offers the official rail and completes through it", async ({ page }) => {
  const key = tenant("Loja Passkey");
  await api(key, "PUT", "/v1/settings", { officialFallback: true });
  await businessApp(page, GRAPH.fallbackPhoneId);
  const link = await api(key, "POST", "/v1/numbers/remote-pairing", { name: "Loja Passkey", number: GRAPH.fallbackNumber, locale: "en" });
  await page.goto(new URL(link.remotePairingUrl).pathname);
  await hydrated(page);
  await page.locator("#start").click();
  await expect(page.locator("#pairing-code, #qr").first()).toBeVisible();
  await api(key, "POST", `/v1/numbers/${link.numberId}/sandbox/passkey`);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "passkey");
  await expect(page.getByRole("heading", { name: "Connect through WhatsApp Business instead" })).toBeVisible();
  // The hand-off to a computer is still there, second.
  await expect(page.getByRole("heading", { name: "Or finish on a computer" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Copy link" })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "passkey-official-phone");

  const posted = page.waitForRequest((r) => r.url().endsWith("/meta/embedded") && r.method() === "POST");
  await page.getByRole("button", { name: "Connect through WhatsApp Business (official)" }).click();
  expect((await posted).postDataJSON().event).toBe("FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING");
  expect(await page.evaluate(() => window.fbLogin.extras.featureType)).toBe("whatsapp_business_app_onboarding");
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "success");

  // The platform's number, the same id, now official; one number.connected, as for a QR.
  const number = await api(key, "GET", `/v1/numbers/${link.numberId}`);
  expect([number.state, number.provider, number.coexistence.status]).toEqual(["OPEN", "META", "CONFIRMED"]);
  const events = await api(key, "GET", `/v1/numbers/${link.numberId}/events`);
  const connected = events.filter((e) => e.event === "number.connected");
  expect(connected.map((e) => e.data.provider)).toEqual(["META"]);
});

test("without the setting, the passkey screen offers only the hand-off", async ({ page }) => {
  const key = tenant("Loja Sem Oficial");
  const link = await api(key, "POST", "/v1/numbers/remote-pairing", { name: "Cliente", number: "5511977770099", locale: "en" });
  await page.goto(new URL(link.remotePairingUrl).pathname);
  await hydrated(page);
  await page.locator("#start").click();
  await expect(page.locator("#pairing-code, #qr").first()).toBeVisible();
  await api(key, "POST", `/v1/numbers/${link.numberId}/sandbox/passkey`);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "passkey");
  await expect(page.getByRole("button", { name: "Copy link" })).toBeVisible();
  await expect(page.locator("#official")).toHaveCount(0);
});
