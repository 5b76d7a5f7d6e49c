import { expect, test } from "@playwright/test";

test("without JavaScript the page is readable and the button waits", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Pairlink" })).toBeVisible();
  await expect(page.locator('#home[data-hydrated="false"]')).toBeVisible();
  await expect(page.getByRole("button", { name: "Check the server" })).toBeDisabled();
  await expect(page.getByRole("status")).toHaveText("Loading…");
});
