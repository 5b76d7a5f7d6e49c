import { expect, test } from "@playwright/test";

test("the home page hydrates and calls the server", async ({ page }) => {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));

  await page.goto("/");
  await expect(page.locator('#home[data-hydrated="true"]')).toBeVisible();
  const check = page.getByRole("button", { name: "Check the server" });
  await expect(check).toBeEnabled();
  await check.click();
  await expect(page.getByRole("status")).toHaveText(/^Pairlink \d+\.\d+\.\d+ on sqlite, sandbox on$/);
  expect(errors).toEqual([]);
});

test("the API reference lists the endpoints", async ({ page }) => {
  await page.goto("/docs");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pairlink API");
  await expect(page.getByText("/v1/numbers/{id}/connect")).toBeVisible();
});
