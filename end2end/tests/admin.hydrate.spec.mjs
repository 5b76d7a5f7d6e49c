// The tenant dashboard, walked as a new tenant would: each section's main path and its main
// error path, an accessibility audit of every page, and screenshots at desktop and phone size.
import { expect, test } from "@playwright/test";
import { PHONE, adminUser, api, axeViolations, holdWasm, hydrated, scan, shot, signIn, webhookReceiver } from "./support.mjs";

// A 16×16 PNG, for the logo upload.
const PNG_16 = "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGNgqQgnCTGMahjVMHw1AADa7tMBx27X7QAAAABJRU5ErkJggg==";

// axe is injected as an inline script, which the pages' CSP rightly refuses.
test.use({ bypassCSP: true });

test("sign-in refuses a wrong password, then lets the user in and out", async ({ page }) => {
  const { email } = adminUser("Login Co");
  await page.goto("/admin/numbers");
  await page.waitForURL("**/admin/login");
  await hydrated(page, "login");
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText(/wrong email or password/);
  await shot(page, "admin-login-error");
  await signIn(page, email);
  await expect(page.getByTestId("tenant-name")).toHaveText("Login Co");
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "Account" })).toBeVisible();
  await expect(page.getByText("(this session)")).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-account");
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await page.waitForURL("**/admin/login");
  await page.goto("/admin/numbers");
  await page.waitForURL("**/admin/login");
});

test("numbers: add one, see its QR, watch it connect live; a bad phone is refused", async ({ page }) => {
  const { email, apiKey } = adminUser("Numbers Co");
  await signIn(page, email);
  await expect(page.getByText("No numbers yet")).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-numbers-empty");

  await page.getByLabel("Display name").fill("Support");
  await page.getByLabel("Phone (E.164)").fill("12");
  await page.getByRole("button", { name: "Add number" }).click();
  await expect(page.getByRole("alert")).toContainText("number:");

  await page.getByLabel("Phone (E.164)").fill("+5511955550001");
  await page.getByRole("button", { name: "Add number" }).click();
  const row = page.locator("tr[data-number]");
  await expect(row).toHaveCount(1);
  await expect(page.getByTestId("qr")).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-numbers-qr");

  const id = await row.getAttribute("data-number");
  await scan(apiKey, id);
  // No reload: the live stream updates the row and the panel.
  await expect(row).toHaveAttribute("data-state", "OPEN");
  await expect(page.getByTestId("connected")).toBeVisible();
  await shot(page, "admin-numbers-connected");

  await page.getByRole("button", { name: "Delete Support" }).click();
  await expect(page.getByRole("heading", { name: "Recently deleted" })).toBeVisible();
  await page.getByRole("button", { name: "Restore" }).click();
  await expect(page.locator("tr[data-number]")).toHaveCount(1);
});

test("numbers: a tenant with many pages, searches and filters them; a live change shows on page 1 and in the counts", async ({ page }) => {
  const { email, apiKey } = adminUser("Many Numbers Co");
  const made = [];
  for (let i = 0; i < 60; i++) {
    const phone = `55119${String(70000000 + i).padStart(8, "0")}`;
    const link = await api(apiKey, "POST", "/v1/numbers/remote-pairing", { name: `Shop ${String(i).padStart(2, "0")}`, number: phone });
    made.push(link.numberId);
  }
  await signIn(page, email);
  const rows = page.locator("tr[data-number]");
  await expect(rows).toHaveCount(50);
  await expect(page.locator("#number-counts")).toHaveText("60 numbers: 0 connected, 0 pairing, 60 not connected; 0 recently deleted.");
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-numbers-many");

  await page.getByRole("link", { name: "Show more" }).click();
  await expect(rows).toHaveCount(60);
  await expect(page.getByRole("link", { name: "Show more" })).toHaveCount(0);

  await page.getByLabel("Search").fill("shop 07");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-number", made[7]);
  // The export follows the filters shown, signed in by the session.
  const exported = await page.request.get(await page.getByRole("link", { name: "Export CSV" }).getAttribute("href"));
  expect((await exported.text()).trim().split("\r\n")).toHaveLength(2);
  await page.getByLabel("Search").fill("5511970000012");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows.first()).toHaveAttribute("data-number", made[12]);
  await expect(rows).toHaveCount(1);

  // A number connects while page 1 is shown: its row and the counts change, no reload.
  await page.goto("/admin/numbers");
  await expect(rows).toHaveCount(50);
  await api(apiKey, "GET", `/v1/numbers/${made[3]}/connect`);
  await scan(apiKey, made[3]);
  await expect(page.locator(`tr[data-number="${made[3]}"]`)).toHaveAttribute("data-state", "OPEN");
  await expect(page.locator("#number-counts")).toHaveText("60 numbers: 1 connected, 0 pairing, 59 not connected; 0 recently deleted.");

  await page.getByLabel("State").selectOption("OPEN");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(1);
  await page.getByLabel("Search").fill("nobody here");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No number matches")).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // A number's own address opens its panel.
  await page.goto(`/admin/numbers?id=${made[40]}`);
  await expect(page.getByTestId("qr").or(page.locator("#pairing"))).toBeVisible();
});

test("links: create one with options and branding preview, copy, revoke; a bad lifetime is refused", async ({ page }) => {
  const { email } = adminUser("Links Co");
  await signIn(page, email);
  await page.getByRole("link", { name: "Links" }).click();
  await expect(page.getByText("No links yet")).toBeVisible();
  await page.getByLabel("Customer or number name").fill("Loja");
  await page.getByLabel("Phone (E.164)").fill("+5511955550002");
  await page.getByText("Link options").click();
  await page.getByLabel("Lifetime (seconds)").fill("5");
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.getByRole("alert")).toContainText("ttlSeconds");

  await page.getByLabel("Lifetime (seconds)").fill("3600");
  await page.getByLabel("Your reference").fill("cust-42");
  await page.getByText("Branding for this link").click();
  await page.getByLabel("Company name").fill("Loja Azul");
  await page.getByLabel("Primary colour (#RRGGBB)").fill("#1d4ed8");
  await expect(page.getByTestId("preview-phone").getByTestId("preview-company")).toHaveText("Loja Azul");
  await expect(page.getByTestId("preview-button").first()).toHaveCSS("background-color", "rgb(29, 78, 216)");
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.getByTestId("link-url")).toHaveValue(/\/connect\/rp_/);
  await expect(page.locator("li[data-link]")).toHaveCount(1);
  await expect(page.getByTestId("link-status")).toHaveText("active");
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-links");

  await page.getByRole("button", { name: "Revoke", exact: true }).click();
  await expect(page.getByTestId("link-status")).toHaveText("revoked");

  // An official link for a WhatsApp Business app number (Coexistence): no phone to type.
  await page.getByLabel("Customer or number name").fill("");
  await page.getByLabel("Phone (E.164)").fill("");
  await page.getByLabel("How the customer connects").selectOption("coexistence");
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.locator("li[data-link]")).toHaveCount(2);
  const url = await page.getByTestId("link-url").inputValue();
  const customer = await page.context().newPage();
  await customer.goto(url);
  await expect(customer.getByText(/WhatsApp Business app number you already use/)).toBeVisible();
  await customer.close();
});

test("links: a tenant with many pages, searches and filters them, and revokes several after one confirmation", async ({ page }) => {
  const { email, apiKey } = adminUser("Many Links Co");
  for (let i = 0; i < 60; i++) {
    const phone = `55119${String(80000000 + i).padStart(8, "0")}`;
    await api(apiKey, "POST", "/v1/numbers/remote-pairing", { name: `Loja ${String(i).padStart(2, "0")}`, number: phone });
  }
  await signIn(page, email);
  await page.getByRole("link", { name: "Links" }).click();
  const cards = page.locator("li[data-link]");
  const counts = page.locator("#link-counts");
  await expect(cards).toHaveCount(50);
  await expect(counts).toHaveText("60 links: 60 active, 0 opened, 0 connected, 0 expired, 0 revoked, 0 replaced.");
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-links-many");

  await page.getByRole("link", { name: "Show more" }).click();
  await expect(cards).toHaveCount(60);
  await expect(page.getByRole("link", { name: "Show more" })).toHaveCount(0);

  await page.getByLabel("Search").fill("loja 07");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(cards).toHaveCount(1);
  // A phone is found however it is typed.
  await page.getByLabel("Search").fill("+55 11 98000-0012");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText("Loja 12");

  // Two ticked, one confirmation: Escape backs out, the second time revokes both.
  await page.goto("/admin/links");
  await expect(cards).toHaveCount(50);
  await page.getByLabel("Select the link of Loja 59").check();
  await page.getByLabel("Select the link of Loja 58").check();
  const revokeSelected = page.getByRole("button", { name: "Revoke selected (2)" });
  await revokeSelected.click();
  const dialog = page.getByRole("alertdialog", { name: "Revoke 2 links?" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-links-revoke-many");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(revokeSelected).toBeFocused();
  await revokeSelected.click();
  await dialog.getByRole("button", { name: "Revoke 2 links" }).click();
  await expect(page.locator("#revoked-many")).toHaveText("Revoked 2 links.");
  await expect(counts).toHaveText("60 links: 58 active, 0 opened, 0 connected, 0 expired, 2 revoked, 0 replaced.");
  await expect(page.locator('li[data-status="revoked"]')).toHaveCount(2);
  await expect(page.getByRole("button", { name: "Revoke selected (0)" })).toBeDisabled();

  await page.getByLabel("Status").selectOption("revoked");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(cards).toHaveCount(2);
  await page.getByLabel("Search").fill("nobody here");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByText("No link matches")).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});

test("API keys: a new key is shown once; templates and the default sender", async ({ page }) => {
  const { email, apiKey } = adminUser("Keys Co");
  await signIn(page, email);
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: "API keys and templates" })).toBeVisible();
  await page.getByLabel("New key name").fill(" ");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByRole("alert").first()).toContainText("name");
  await page.getByLabel("New key name").fill("Backend");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = await page.getByLabel("New API key").inputValue();
  expect(secret).toMatch(/^pl_/);
  await expect(page.locator("li[data-key]")).toHaveCount(2);
  await expect(page.getByText(`pl_…${secret.slice(-4)}`)).toBeVisible();
  await page.getByRole("button", { name: "Add template" }).click();
  await expect(page.locator("li[data-template]")).toHaveCount(1);
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-keys");
  await page.getByRole("button", { name: "Revoke key Backend" }).click();
  await expect(page.locator("li[data-key]")).toHaveCount(1);

  // The official fallback (Meta's Embedded Signup is configured in these runs).
  await page.getByLabel("Offer the official rail on links WhatsApp Web cannot pair").check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  expect((await api(apiKey, "GET", "/v1/settings")).officialFallback).toBe(true);
});

test("links: a box ticked before the page is live stays ticked and is in the selection", async ({ page }) => {
  // Hydration set each box from the empty selection (\`prop:checked\`) and unticked it.
  const { email, apiKey } = adminUser("Early Tick Co");
  for (let i = 0; i < 3; i++) {
    await api(apiKey, "POST", "/v1/numbers/remote-pairing", { name: `Loja ${i}`, number: `55119${String(73000000 + i)}` });
  }
  await signIn(page, email);
  const release = await holdWasm(page);
  await page.goto("/admin/links");
  const box = page.getByLabel("Select the link of Loja 1");
  await box.check();
  release();
  await hydrated(page, "admin");
  await expect(page.getByRole("button", { name: "Revoke selected (1)" })).toBeVisible();
  await expect(box).toBeChecked();
  // The selection still drives the boxes: ticked, then cleared by the revoke.
  await page.getByLabel("Select the link of Loja 2").check();
  await page.getByRole("button", { name: "Revoke selected (2)" }).click();
  await page.getByRole("alertdialog", { name: "Revoke 2 links?" }).getByRole("button", { name: "Revoke 2 links" }).click();
  await expect(page.locator("#revoked-many")).toHaveText("Revoked 2 links.");
  await expect(page.getByRole("button", { name: "Revoke selected (0)" })).toBeDisabled();
  await expect(page.getByLabel("Select the link of Loja 0")).not.toBeChecked();
});

test("API keys: what is typed into the number picker before the page is live stays, and is searched", async ({ page }) => {
  // A search on this page is a plain form, so the page loads whole again; typing before its
  // WASM arrived was wiped by hydration (a \`prop:value\` set back from the empty signal).
  const { email, apiKey } = adminUser("Early Picker Co");
  for (let i = 0; i < 12; i++) {
    await api(apiKey, "POST", "/v1/numbers", { name: `Loja ${String(i).padStart(2, "0")}`, number: `55119${String(72000000 + i)}` });
  }
  await signIn(page, email);
  const release = await holdWasm(page);
  await page.goto("/admin/keys");
  const picker = page.getByRole("combobox", { name: "Number", exact: true });
  await picker.fill("loja 1");
  release();
  await hydrated(page, "admin");
  await expect(picker).toHaveValue("loja 1");
  const options = page.getByRole("listbox", { name: "Number" }).getByRole("option");
  await expect(options).toHaveText(["None", /^Loja 10 /, /^Loja 11 /]);
});

test("API keys: a tenant with many numbers pages and searches its keys, and picks numbers by searching", async ({ page }) => {
  test.setTimeout(60_000);
  const { email, apiKey } = adminUser("Many Keys Co");
  const ids = [];
  for (let i = 0; i < 55; i++) {
    const phone = `55119${String(70000000 + i).padStart(8, "0")}`;
    const made = await api(apiKey, "POST", "/v1/numbers", { name: `Loja ${String(i).padStart(2, "0")}`, number: phone });
    ids.push(made.instance.id);
    await api(apiKey, "POST", "/v1/api-keys", { whatsappNumberId: made.instance.id });
  }
  await signIn(page, email);
  await page.getByRole("link", { name: "API keys" }).click();
  const rows = page.locator("li[data-key]");
  await expect(rows).toHaveCount(50);
  await expect(page.locator("#key-counts")).toHaveText("56 keys: 1 tenant keys, 55 number keys.");
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole("link", { name: "Show more keys" }).click();
  await expect(rows).toHaveCount(56);
  await page.getByLabel("Search keys").fill("loja 07");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Loja 07");
  await page.getByLabel("Search keys").fill("");
  await page.getByLabel("Kind").selectOption("tenant");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(rows).toHaveCount(1);

  // The default sender: no list of 55 numbers, a search; picked by mouse, then by keyboard.
  const picker = page.getByRole("combobox", { name: "Number", exact: true });
  await picker.fill("loja 4");
  const options = page.getByRole("listbox", { name: "Number" }).getByRole("option");
  await expect(options).toHaveCount(11);
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-keys-sender-picker");
  await options.filter({ hasText: "Loja 41" }).click();
  await expect(picker).toHaveValue(/^Loja 41 · \+5511970000041/);
  // Typed key by key, as a person types: one search once typing pauses, not one per key.
  const searches = [];
  const count = (request) => request.url().includes("/admin/numbers/choices") && searches.push(request.postData());
  page.on("request", count);
  await picker.fill("");
  await picker.pressSequentially("loja 42", { delay: 40 });
  await expect(options).toHaveCount(2);
  page.off("request", count);
  // Searches for a part of what was typed: one per key (7) before; none, or one where the
  // machine stalled a key past the pause. Opening the box searches what it shows, and the
  // emptied box may search "" before the first key: those are not per key.
  const partial = searches.map((body) => new URLSearchParams(body).get("q")).filter((q) => q && "loja 42".startsWith(q) && q !== "loja 42");
  expect(partial.length, searches.join(" | ")).toBeLessThanOrEqual(1);
  // Nor is the last search sent again on each key (a set of `open` notified even unchanged).
  const repeated = searches.length - new Set(searches).size;
  expect(repeated, searches.join(" | ")).toBe(0);
  await picker.press("ArrowDown");
  await picker.press("ArrowDown");
  await expect(picker).toHaveAttribute("aria-activedescendant", "sender-opt-1");
  await picker.press("Enter");
  await expect(picker).toHaveValue(/^Loja 42 · /);
  await page.getByRole("button", { name: "Save sender" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  await page.reload();
  await hydrated(page, "admin");
  await expect(page.getByRole("combobox", { name: "Number", exact: true })).toHaveValue(/^Loja 42 · /);

  // A refused save (the number was deleted meanwhile) leaves the form as the person left it:
  // the saved sender is not read again (slowed to 1.5 s here). Read again, it re-rendered
  // the form and reset the picker under a correction already being made.
  let senderReads = 0;
  const senderRead = /\/api\/admin\/sender(\?|$)/;
  await page.route(senderRead, async (route) => {
    senderReads += 1;
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  const senderPicker = page.getByRole("combobox", { name: "Number", exact: true });
  await senderPicker.fill("loja 43");
  await options.filter({ hasText: "Loja 43" }).click();
  await api(apiKey, "DELETE", `/v1/numbers/${ids[43]}`);
  const refused = page.waitForResponse((r) => r.url().includes("/api/admin/sender/set"));
  await page.getByRole("button", { name: "Save sender" }).click();
  expect((await refused).status()).toBeGreaterThanOrEqual(400);
  await page.waitForTimeout(2000);
  await expect(senderPicker).toHaveValue(/^Loja 43 · /); // not reset to the saved Loja 42
  expect(senderReads).toBe(0);
  await page.unroute(senderRead);

  // A webhook endpoint for one number, found the same way.
  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.getByLabel("Endpoint URL (https)").fill("https://hooks.example.com/in");
  const hookPicker = page.getByRole("combobox", { name: "Number", exact: true });
  await hookPicker.fill("5511970000007");
  await page.getByRole("listbox", { name: "Number" }).getByRole("option").filter({ hasText: "Loja 07" }).click();
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.locator("li[data-webhook]")).toHaveCount(1);
  const hooks = await api(apiKey, "GET", "/v1/webhooks");
  const list = Array.isArray(hooks) ? hooks : hooks.data ?? hooks.items;
  expect(list[0].whatsappNumberId).toMatch(/^num_/);
  expect(await axeViolations(page)).toEqual([]);
});

test("branding: the preview follows the form at both sizes; a bad colour is refused", async ({ page }) => {
  const { email } = adminUser("Brand Co");
  await signIn(page, email);
  await page.getByRole("link", { name: "Branding" }).click();
  await page.getByLabel("Company name").fill("Brand Co");
  await expect(page.getByTestId("preview-desktop").getByTestId("preview-company")).toHaveText("Brand Co");
  await page.getByLabel("Primary colour (#RRGGBB)").fill("blue");
  await page.getByRole("button", { name: "Save branding" }).click();
  await expect(page.getByRole("alert")).toContainText("primaryColor");
  await page.getByLabel("Primary colour (#RRGGBB)").fill("#b91c1c");
  await page.getByRole("button", { name: "Save branding" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-branding");
});

test("webhooks: an endpoint's secret is shown once, a test event is logged, detailed and replayed; a bad URL is refused", async ({ page }) => {
  // Real deliveries: the worker polls each second and the log looks again every 1.5 s.
  test.setTimeout(60_000);
  const hook = await webhookReceiver();
  try {
    const { email } = adminUser("Hooks Co");
    await signIn(page, email);
    await page.getByRole("link", { name: "Webhooks" }).click();
    await expect(page.getByText("No webhook endpoints")).toBeVisible();
    await expect(page.getByText("No deliveries")).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, "admin-webhooks-empty");

    // A refused endpoint changes nothing, so the list is not read again: read again, it
    // re-rendered the form while the person was correcting it. A slow list read (1.5 s here,
    // a phone's connection or a busy server) made that land after they began typing.
    let listReads = 0;
    await page.route(/\/api\/admin\/webhooks(\?|$)/, async (route) => {
      listReads += 1;
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    const url = page.getByLabel("Endpoint URL (https)");
    await url.fill("not a url");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.locator("#wh-url-error")).toContainText("not a valid URL");
    await expect(url).toHaveAttribute("aria-invalid", "true");
    await url.fill(hook.url);
    await page.waitForTimeout(2000);
    await expect(url).toHaveValue(hook.url);
    expect(listReads).toBe(0);
    await page.unroute(/\/api\/admin\/webhooks(\?|$)/);

    await page.getByLabel("Description").fill("CRM");
    await page.getByLabel("All events, including future ones").uncheck();
    await page.getByLabel("number.created").check();
    await page.getByLabel("link.opened").check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secretBox = page.getByRole("textbox", { name: "Signing secret" });
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await expect(page.locator("li[data-webhook]")).toHaveCount(1);
    await expect(page.locator("li[data-webhook]")).toContainText("number.created, link.opened");
    await shot(page, "admin-webhooks-secret");
    await page.getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
    await page.reload();
    await hydrated(page, "admin");
    expect(await page.content()).not.toContain(secret);

    await page.getByRole("button", { name: "Send test event to CRM" }).click();
    const delivery = page.locator("li[data-delivery]");
    await expect(delivery).toHaveCount(1);
    await expect(delivery).toHaveAttribute("data-status", "delivered", { timeout: 30000 });
    expect(hook.requests[0].body.event).toBe("webhook.test");

    await page.getByRole("button", { name: "Details of webhook.test to CRM" }).click();
    const detail = page.getByTestId("delivery-detail");
    await expect(detail.locator("li[data-attempt]")).toHaveCount(1);
    await expect(detail).toContainText("HTTP 200");
    await expect(detail).toContainText(`webhook-id: ${hook.requests[0].headers["webhook-id"]}`);
    await expect(detail).toContainText("(signature, not shown)");
    expect(await detail.textContent()).not.toContain(hook.requests[0].headers["x-pilot-status-signature"]);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, "admin-webhooks");

    await detail.getByRole("button", { name: "Replay" }).click();
    await expect(detail.getByRole("status")).toContainText("Queued again");
    await expect.poll(() => hook.requests.length, { timeout: 30000 }).toBe(2);
    expect(hook.requests[1].headers["webhook-id"]).toBe(hook.requests[0].headers["webhook-id"]);
    await expect(detail.locator("li[data-attempt]")).toHaveCount(2, { timeout: 30000 });
  } finally {
    hook.close();
  }
});

test("branding: an uploaded logo shows in the preview; a text file named .png is refused", async ({ page }) => {
  const { email } = adminUser("Logo Co");
  await signIn(page, email);
  await page.getByRole("link", { name: "Branding" }).click();
  const upload = page.getByTestId("logo-upload");
  const file = page.getByLabel("Upload a logo (PNG, JPEG or WebP, up to 2 MB)");
  await file.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just some notes, not an image") });
  await upload.getByRole("button", { name: "Upload logo" }).click();
  await expect(upload.getByRole("alert")).toContainText("not a PNG, JPEG or WebP image");

  await file.setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from(PNG_16, "base64") });
  await upload.getByRole("button", { name: "Upload logo" }).click();
  await expect(upload.getByRole("status")).toContainText("Uploaded logo.png");
  await expect(page.getByLabel("Logo URL (https)")).toHaveValue(/^\/assets\/logos\/logo_/);
  const logo = page.getByTestId("preview-phone").locator("img");
  await expect(logo).toHaveAttribute("src", /^\/assets\/logos\/logo_/);
  await expect.poll(() => logo.evaluate((img) => img.naturalWidth)).toBe(16);
  await page.getByRole("button", { name: "Save branding" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-branding-logo");
});

test("audit log lists what was done and filters by kind", async ({ page }) => {
  const { email } = adminUser("Audit Co");
  await signIn(page, email);
  await page.getByRole("link", { name: "API keys" }).click();
  await page.getByLabel("New key name").fill("Audited");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByLabel("New API key")).toBeVisible();
  await page.goto("/admin/audit");
  await hydrated(page, "admin");
  await expect(page.locator("tr[data-action='key.created']")).toHaveCount(1);
  await expect(page.locator("tr[data-action='session.signed_in']")).toHaveCount(1);
  await page.getByLabel("Show").selectOption("key.");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.locator("tr[data-action]")).toHaveCount(1);
  expect(await axeViolations(page)).toEqual([]);
  await shot(page, "admin-audit");
});

test("the audit log and the delivery log page back with Show older", async ({ page }) => {
  test.setTimeout(60_000);
  const hook = await webhookReceiver();
  try {
    const { email, apiKey } = adminUser("Long History Co");
    // 105 test events sent to one endpoint through the API: 105 deliveries, each audited.
    const endpoint = await api(apiKey, "POST", "/v1/webhooks", { url: hook.url, name: "Archive", events: ["webhook.test"] });
    for (let i = 0; i < 105; i++) await api(apiKey, "POST", `/v1/webhooks/${endpoint.id}/test`);
    await signIn(page, email);

    // The audit log: 107 entries (the endpoint, 105 test events sent, the sign-in), newest
    // first, 50 a page: 50, 50, then the oldest 7.
    await page.goto("/admin/audit");
    await hydrated(page, "admin");
    const entries = page.locator("tr[data-action]");
    await expect(entries).toHaveCount(50);
    await expect(entries.first()).toHaveAttribute("data-action", "session.signed_in");
    const seen = new Set(await entries.evaluateAll((rows) => rows.map((r) => r.outerHTML)));
    await page.getByRole("link", { name: "Show older" }).click();
    await expect(page.getByRole("link", { name: "Back to the newest" })).toBeVisible();
    await expect(entries.first()).not.toHaveAttribute("data-action", "session.signed_in");
    await expect(entries).toHaveCount(50);
    for (const row of await entries.evaluateAll((rows) => rows.map((r) => r.outerHTML))) seen.add(row);
    await page.getByRole("link", { name: "Show older" }).click();
    await expect(entries).toHaveCount(7);
    for (const row of await entries.evaluateAll((rows) => rows.map((r) => r.outerHTML))) seen.add(row);
    expect(seen.size).toBe(107); // each entry once
    await expect(entries.last()).toHaveAttribute("data-action", "webhook.created");
    await expect(page.getByRole("link", { name: "Show older" })).toHaveCount(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("link", { name: "Back to the newest" }).click();
    await expect(entries).toHaveCount(50);

    // The delivery log: the newest 100, then the older ones appended below them.
    await page.getByRole("link", { name: "Webhooks" }).click();
    const deliveries = page.locator("li[data-delivery]");
    await expect(deliveries).toHaveCount(100);
    await page.getByRole("button", { name: "Show older" }).click();
    await expect(deliveries).toHaveCount(105);
    await expect(page.getByRole("button", { name: "Show older" })).toHaveCount(0);
    const ids = await deliveries.evaluateAll((items) => items.map((li) => li.getAttribute("data-delivery")));
    expect(new Set(ids).size).toBe(105);
    expect(await axeViolations(page)).toEqual([]);
  } finally {
    hook.close();
  }
});

test.describe("on a phone", () => {
  test.use({ ...PHONE, bypassCSP: true });

  test("every section is usable at phone size", async ({ page }) => {
    const { email } = adminUser("Phone Co");
    await signIn(page, email);
    for (const [section, heading] of [
      ["numbers", "Numbers"],
      ["links", "Links"],
      ["keys", "API keys and templates"],
      ["webhooks", "Webhooks"],
      ["branding", "Branding"],
      ["audit", "Audit log"],
      ["account", "Account"],
    ]) {
      await page.goto(`/admin/${section}`);
      await hydrated(page, "admin");
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, section).toBeLessThanOrEqual(0);
      expect(await axeViolations(page), section).toEqual([]);
      await shot(page, `admin-${section}-phone`);
    }
  });
});
