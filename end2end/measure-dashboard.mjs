// The dashboard's Numbers page of a big tenant in Debian's chromium: signs in, then opens
// /admin/numbers three times and prints, for the median run, when the page loaded, when it
// hydrated, and when the "Add number" button first answered a click (a refused phone's alert:
// the round trip a person waits for). Not part of the test suite (timings vary with the
// machine); `scripts/bench.sh --lists` runs it against its server:
//   node end2end/measure-dashboard.mjs <base URL> <email> <password>
import { chromium } from "playwright-core";

const [base, email, password] = process.argv.slice(2);
if (!password) throw new Error("usage: measure-dashboard.mjs <base URL> <email> <password>");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/admin/login`);
  await page.locator('#login[data-hydrated="true"]').waitFor({ timeout: 60000 });
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/admin/numbers", { timeout: 120000 });

  const runs = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    await page.goto(`${base}/admin/numbers`, { waitUntil: "load", timeout: 120000 });
    const loaded = Date.now() - started;
    await page.locator('#admin[data-hydrated="true"]').waitFor({ timeout: 120000 });
    const hydrated = Date.now() - started;
    await page.getByLabel("Display name").fill("Measure");
    await page.getByLabel("Phone (E.164)").fill("12");
    await page.getByRole("button", { name: "Add number" }).click();
    await page.getByRole("alert").first().waitFor({ timeout: 120000 });
    runs.push({ loaded, hydrated, answered: Date.now() - started });
  }
  runs.sort((a, b) => a.answered - b.answered);
  const { loaded, hydrated, answered } = runs[1];
  console.log(`chromium: load ${loaded} ms, hydrated ${hydrated} ms, "Add number" answered ${answered} ms (target ≤ 1,500 ms; median of 3)`);
} finally {
  await browser.close();
}
