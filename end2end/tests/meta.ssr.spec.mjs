// Pasted WABA credentials with no script at all (or a tap before the WASM arrives): the form
// posts to the server, never a GET with the access token in the page's address.
import { expect, test } from "@playwright/test";
import { GRAPH } from "../graph-standin.mjs";
import { api, tenant } from "./support.mjs";

test("without JavaScript the credentials form names the field at fault, then connects", async ({ page }) => {
  const key = tenant("Oficial Sem JS");
  const link = await api(key, "POST", "/v1/numbers/remote-pairing", { metaFlow: "credentials", locale: "en" });
  const addresses = [];
  page.on("request", (r) => addresses.push(r.url()));
  await page.goto(new URL(link.remotePairingUrl).pathname);
  await page.getByLabel("WhatsApp Business Account ID").fill(GRAPH.waba);
  await page.getByLabel("Phone number ID").fill(GRAPH.credentialsPhoneId);
  await page.getByLabel("Permanent access token").fill("EAAG" + "x".repeat(40));
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.locator("#accessToken-error")).toHaveText(/Meta refused this token/);

  await page.getByLabel("WhatsApp Business Account ID").fill(GRAPH.waba);
  await page.getByLabel("Phone number ID").fill(GRAPH.credentialsPhoneId);
  await page.getByLabel("Permanent access token").fill(GRAPH.userToken);
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.getByRole("heading", { name: "WhatsApp connected" })).toBeVisible();
  expect(addresses.filter((a) => a.includes("accessToken") || a.includes(GRAPH.userToken) || a.includes("EAAG"))).toEqual([]);
  const numbers = await api(key, "GET", "/v1/numbers");
  expect(numbers.map((n) => [n.state, n.provider])).toEqual([["OPEN", "META"]]);
});
