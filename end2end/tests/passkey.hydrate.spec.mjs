// WhatsApp's passkey gate (since June 2026): the phone scanned, and WhatsApp now wants the
// account's passkey. No page of ours can answer for WhatsApp's origin, so the page says what
// is asked and helps the person carry the link to a computer.
import { expect, test } from "@playwright/test";
import { BASE, PHONE, api, hydrated, newLink, scan, shot, tenant } from "./support.mjs";

let key;
test.beforeAll(() => {
  key = tenant("Passkey Shop");
});

test.use({ ...PHONE, bypassCSP: true });

test("the passkey screen hands the link over, is accessible, and the page still pairs", async ({ page }) => {
  const { url, id, token } = await newLink(key, { locale: "en" });
  await page.goto(url);
  await hydrated(page);
  await page.locator("#start").click();
  await expect(page.locator("#pairing-code, #qr").first()).toBeVisible();
  await api(key, "POST", `/v1/numbers/${id}/sandbox/passkey`);
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "passkey");
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
