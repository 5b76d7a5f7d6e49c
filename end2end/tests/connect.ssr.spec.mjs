import { expect, test } from "@playwright/test";
import { api, newLink, scan, tenant } from "./support.mjs";

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

// The whole pairing with no script at all: the start button is a form the server answers with
// the pairing screen, the page reloads itself while the window is open, and the method switch
// is a link. One walk per language, from its own start screen.
for (const [locale, start, title, success, toCode] of [
  ["en", "Connect WhatsApp", "Connect your WhatsApp", "WhatsApp connected", "Use a code instead"],
  ["pt-BR", "Conectar WhatsApp", "Conecte seu WhatsApp", "WhatsApp conectado", "Usar um código"],
  ["es", "Conectar WhatsApp", "Conecta tu WhatsApp", "WhatsApp conectado", "Usar un código"],
]) {
  test(`without JavaScript a person pairs from start to success (${locale})`, async ({ page }) => {
    const { url, id } = await newLink(key, { locale });
    await page.goto(`${url}?brand=1`);
    await expect(page.getByRole("heading", { name: title })).toBeVisible();
    await page.getByRole("button", { name: start }).click();
    // The server's answer: the QR as an image, the steps, the time left as text.
    await expect(page).toHaveURL(new RegExp(`${url}\\?brand=1$`));
    const qr = page.locator("#qr");
    await expect(qr).toBeVisible();
    await expect(qr).toHaveAttribute("src", /^data:image\/png;base64,/);
    await expect(page.locator("#countdown")).toHaveText(/\d+/);
    await expect(page.locator("ol li").first()).toBeVisible();
    await expect(page.locator("#copy-code")).toHaveCount(0);
    // The other method is a plain link to the same page.
    await page.getByRole("link", { name: new RegExp(toCode, "i") }).click();
    await expect(page.locator("#pairing-code")).toHaveText(/^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
    await expect(page.locator("#copy-code")).toBeHidden();
    await scan(key, id);
    // No script: the page's own reload (every few seconds while a window is open) shows it.
    await expect(page.getByRole("heading", { name: success })).toBeVisible({ timeout: 15_000 });
  });
}

test("without JavaScript the QR is current: the page reloads by the QR's next rotation", async ({ page }) => {
  const { url } = await newLink(key, { locale: "en" });
  await page.goto(url);
  await page.locator("#start").click();
  const first = await page.locator("#qr").getAttribute("src");
  // The e2e sandbox rotates its first QR after 4 s, the next ones every 2 s.
  await expect(page.locator("#qr")).not.toHaveAttribute("src", first, { timeout: 15_000 });
});

test("without JavaScript a closed window offers a new code that works", async ({ page }) => {
  const { url } = await newLink(key, { locale: "en" });
  await page.goto(url);
  await page.locator("#start").click();
  await expect(page.locator("#connect")).toHaveAttribute("data-screen", "window-closed", { timeout: 40_000 });
  await page.getByRole("button", { name: "Get a new code" }).click();
  await expect(page.locator("#qr")).toBeVisible();
});
