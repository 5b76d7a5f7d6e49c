import { defineConfig } from "@playwright/test";

// Debian's chromium, never a downloaded browser. The flags keep it from reaching for the
// internet (this machine has none) and match how CI runs it as root.
const launchOptions = {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

export default defineConfig({
  testDir: "tests",
  // Generous, for robustness only: CI runs the 17 MB debug WASM on two busy cores, and one
  // run on a slow day took 19 s to hydrate the first page. Speed is measured by benches/, not here.
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  workers: 2,
  reporter: [["list"]],
  use: { baseURL: process.env.BASE_URL, launchOptions, trace: "off" },
  projects: [
    // The page as the browser runs it: server-rendered, then hydrated by the WASM.
    { name: "hydrate", testMatch: /.*\.hydrate\.spec\.mjs/ },
    // The same pages with JavaScript off: what a slow phone shows before the WASM arrives.
    { name: "ssr", testMatch: /.*\.ssr\.spec\.mjs/, use: { javaScriptEnabled: false } },
  ],
});
