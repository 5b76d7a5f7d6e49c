import { expect, test } from "@playwright/test";
import { api, newLink, tenant } from "./support.mjs";

let key;
test.beforeAll(() => {
  key = tenant("Sem JS");
});

test("without JavaScript the first screen is complete and branded", async ({ page }) => {
  const { url } = await newLink(key, { locale: "pt-BR", branding: { companyName: "Loja Sem JS", primaryColor: "#1D4ED8" } });
  await page.goto(url);
  await expect(page.getByRole("heading", { name: "Conecte seu WhatsApp" })).toBeVisible();
  await expect(page.getByText("Loja Sem JS", { exact: true })).toBeVisible();
  await expect(page.locator("#start")).toHaveCSS("background-color", "rgb(29, 78, 216)");
});

test("without JavaScript a dead link still explains itself", async ({ page }) => {
  const { url, id } = await newLink(key, { locale: "en" });
  await api(key, "DELETE", `/v1/numbers/${id}/remote-pairing`);
  await page.goto(url);
  await expect(page.getByRole("heading", { name: "This link is no longer valid" })).toBeVisible();
});
