import { expect, test } from "@playwright/test";
import { GRAPH } from "../graph-standin.mjs";
import { api, facebook, holdWasm, hydrated, shot, tenant } from "./support.mjs";

let key;
test.beforeAll(() => {
  key = tenant("Oficial");
});

async function metaLink(flow) {
  const link = await api(key, "POST", "/v1/numbers/remote-pairing", { metaFlow: flow, locale: "en", externalRef: `e2e-${flow}` });
  return new URL(link.remotePairingUrl).pathname;
}

/** What Pairlink asked the Graph stand-in, since `from` calls. */
async function graphCalls(from = 0) {
  const calls = await (await fetch(`${process.env.E2E_GRAPH_URL}/_calls`)).json();
  return calls.slice(from);
}

test("the credentials form names the field at fault, then connects the number", async ({ page }) => {
  await page.goto(await metaLink("credentials"));
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Connect your official WhatsApp number" })).toBeVisible();
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.locator("#wabaId-error")).toHaveText("must be the numeric id Meta shows");
  await expect(page.getByLabel("WhatsApp Business Account ID")).toHaveAttribute("aria-invalid", "true");

  // Meta refuses the token: the error lands under the token field.
  await page.getByLabel("WhatsApp Business Account ID").fill(GRAPH.waba);
  await page.getByLabel("Phone number ID").fill(GRAPH.credentialsPhoneId);
  await page.getByLabel("Permanent access token").fill("EAAG" + "x".repeat(40));
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.locator("#accessToken-error")).toHaveText(/Meta refused this token/);
  await expect(page.getByLabel("Permanent access token")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("WhatsApp Business Account ID")).toHaveAttribute("aria-invalid", "false");
  await shot(page, "meta-credentials-desktop");

  const before = (await graphCalls()).length;
  await page.getByLabel("Permanent access token").fill(GRAPH.userToken);
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.getByRole("heading", { name: "WhatsApp connected" })).toBeVisible();
  const calls = (await graphCalls(before)).map((c) => `${c.method} ${c.path}`);
  expect(calls).toEqual([
    "GET /v26.0/debug_token",
    `GET /v26.0/${GRAPH.waba}`,
    `GET /v26.0/${GRAPH.waba}/phone_numbers`,
    `GET /v26.0/${GRAPH.credentialsPhoneId}`,
    `POST /v26.0/${GRAPH.waba}/subscribed_apps`,
  ]);
  const numbers = await api(key, "GET", "/v1/numbers");
  const number = numbers.find((n) => n.name === "Loja Credenciais");
  expect([number.state, number.provider, number.number]).toEqual(["OPEN", "META", "15550107650"]);
});

test("Embedded Signup posts the code and Meta's ids, and the number connects", async ({ page }) => {
  // Stand-ins for Facebook: the SDK, and the signup window's message from a facebook.com origin.
  await facebook(page, { code: GRAPH.code, event: "FINISH", waba: GRAPH.waba, phoneId: GRAPH.phoneId });
  const posted = page.waitForRequest((r) => r.url().endsWith("/meta/embedded") && r.method() === "POST");
  await page.goto(await metaLink("embedded"));
  await hydrated(page);
  await shot(page, "meta-embedded-desktop");
  const before = (await graphCalls()).length;
  await page.getByRole("button", { name: "Continue with Facebook" }).click();
  const body = (await posted).postDataJSON();
  expect(body).toEqual({ code: GRAPH.code, wabaId: GRAPH.waba, phoneNumberId: GRAPH.phoneId, businessId: "99999", event: "FINISH" });
  expect(await page.evaluate(() => [window.fbInit.appId, window.fbLogin.config_id, window.fbLogin.response_type])).toEqual([GRAPH.appId, "e2e-config", "code"]);
  await expect(page.getByRole("heading", { name: "WhatsApp connected" })).toBeVisible();
  await shot(page, "meta-embedded-connected");

  const calls = await graphCalls(before);
  expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
    "GET /v26.0/oauth/access_token",
    `POST /v26.0/${GRAPH.waba}/subscribed_apps`,
    `POST /v26.0/${GRAPH.phoneId}/register`,
    `GET /v26.0/${GRAPH.phoneId}`,
  ]);
  expect(calls[0].query).toEqual({ client_id: GRAPH.appId, client_secret: GRAPH.appSecret, code: GRAPH.code });
  expect(calls.slice(1).every((c) => c.bearer === GRAPH.businessToken)).toBe(true);
  expect(JSON.parse(calls[2].body)).toEqual({ messaging_product: "whatsapp", pin: expect.stringMatching(/^\d{6}$/) });

  // The link is used up; the number is the tenant's, connected.
  const numbers = await api(key, "GET", "/v1/numbers");
  const number = numbers.find((n) => n.name === "Loja Oficial");
  expect([number.state, number.provider]).toEqual(["OPEN", "META"]);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "WhatsApp connected" })).toBeVisible();
});

test("credentials typed before the page is live are the ones it posts", async ({ page }) => {
  // A slow phone: the page is there, its WASM is not. Hydration set each field back to an
  // empty signal, and the page then posted empty fields.
  const own = tenant("Oficial Lento");
  const link = await api(own, "POST", "/v1/numbers/remote-pairing", { metaFlow: "credentials", locale: "en" });
  const release = await holdWasm(page);
  await page.goto(new URL(link.remotePairingUrl).pathname);
  await page.getByLabel("WhatsApp Business Account ID").fill(GRAPH.waba);
  await page.getByLabel("Phone number ID").fill(GRAPH.credentialsPhoneId);
  await page.getByLabel("Permanent access token").fill(GRAPH.userToken);
  release();
  await hydrated(page);
  const posted = page.waitForRequest((r) => r.url().endsWith("/meta/credentials") && r.method() === "POST");
  await page.getByRole("button", { name: "Connect number" }).click();
  expect((await posted).postDataJSON()).toEqual({
    wabaId: GRAPH.waba,
    phoneNumberId: GRAPH.credentialsPhoneId,
    accessToken: GRAPH.userToken,
    pin: "",
  });
  await expect(page.getByRole("heading", { name: "WhatsApp connected" })).toBeVisible();
});
