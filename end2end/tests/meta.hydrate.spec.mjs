import { expect, test } from "@playwright/test";
import { api, hydrated, shot, tenant } from "./support.mjs";

let key;
test.beforeAll(() => {
  key = tenant("Oficial");
});

async function metaLink(flow) {
  const link = await api(key, "POST", "/v1/numbers/remote-pairing", { metaFlow: flow, locale: "en" });
  return new URL(link.remotePairingUrl).pathname;
}

test("the credentials form checks each field and says Meta is not available yet", async ({ page }) => {
  await page.goto(await metaLink("credentials"));
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Connect your official WhatsApp number" })).toBeVisible();
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.locator("#wabaId-error")).toHaveText("must be the numeric id Meta shows");
  await expect(page.getByLabel("WhatsApp Business Account ID")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("WhatsApp Business Account ID").fill("1234567");
  await page.getByLabel("Phone number ID").fill("7654321");
  await page.getByLabel("Permanent access token").fill("EAAG" + "x".repeat(40));
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect(page.getByRole("alert")).toHaveText(/not available on this server yet/);
  await shot(page, "meta-credentials-desktop");
});

test("Embedded Signup waits for the login code and Meta's message, then posts both", async ({ page }) => {
  // Stand-ins for Facebook: the SDK, and the signup window's message from a facebook.com origin.
  await page.route("https://connect.facebook.net/**", (route) =>
    route.fulfill({
      contentType: "application/javascript",
      body: `window.FB = {
        init(o) { window.fbInit = o; },
        login(cb, o) {
          window.fbLogin = o;
          const f = document.createElement("iframe");
          f.src = "https://www.facebook.com/e2e-signup";
          f.style.display = "none";
          document.body.appendChild(f);
          setTimeout(() => cb({ authResponse: { code: "e2e-code" } }), 50);
        },
      };`,
    }),
  );
  await page.route("https://www.facebook.com/e2e-signup", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<script>parent.postMessage(JSON.stringify({ type: "WA_EMBEDDED_SIGNUP", event: "FINISH",
        data: { waba_id: "1234567", phone_number_id: "7654321", business_id: "99999" } }), "*");</script>`,
    }),
  );
  const posted = page.waitForRequest((r) => r.url().endsWith("/meta/embedded") && r.method() === "POST");
  await page.goto(await metaLink("embedded"));
  await hydrated(page);
  await shot(page, "meta-embedded-desktop");
  await page.getByRole("button", { name: "Continue with Facebook" }).click();
  const body = (await posted).postDataJSON();
  expect(body).toEqual({ code: "e2e-code", wabaId: "1234567", phoneNumberId: "7654321", businessId: "99999" });
  expect(await page.evaluate(() => [window.fbInit.appId, window.fbLogin.config_id, window.fbLogin.response_type])).toEqual(["e2e-app", "e2e-config", "code"]);
  await expect(page.getByRole("alert")).toHaveText(/not available on this server yet/);
});
