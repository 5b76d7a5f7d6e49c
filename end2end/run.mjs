// Starts a real Pairlink server (fresh SQLite database, sandbox on) on a free port, waits until
// it is ready, runs the Playwright suite against it, and stops it. The server and site are those
// of `scripts/build.sh --release`, or of `scripts/build.sh` with E2E_PROFILE=debug (what CI
// runs: it reuses the test build's dependencies instead of compiling them all again optimised).
import { spawn } from "node:child_process";
import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { GRAPH, startGraph } from "./graph-standin.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const targetDir = process.env.CARGO_TARGET_DIR || join(root, "target");
const profile = process.env.E2E_PROFILE || "release";
const binary = process.env.E2E_PAIRLINK_BIN || join(targetDir, profile, "pairlink");
const siteRoot = process.env.LEPTOS_SITE_ROOT || join(root, "target", "site");

for (const [what, path] of [["server binary", binary], [`site (scripts/build.sh${profile === "release" ? " --release" : ""})`, join(siteRoot, "pkg", "manifest.json")]]) {
  if (!existsSync(path)) {
    console.error(`end2end: missing ${what} at ${path}`);
    process.exit(2);
  }
}

const port = await new Promise((ok) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => ok(port));
  });
});
const graph = await startGraph();
const dataDir = mkdtempSync(join(tmpdir(), "pairlink-e2e-"));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
  PAIRLINK_SANDBOX: "1",
  PAIRLINK_CONFIG: join(root, "Leptos.toml"),
  LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
  LEPTOS_SITE_ROOT: siteRoot,
  RUST_LOG: process.env.RUST_LOG || "warn",
  // WhatsApp's real 60 s + 5 × 20 s window would make rotation and expiry tests slow.
  PAIRLINK_SANDBOX_FIRST_QR_SECONDS: "4",
  PAIRLINK_SANDBOX_NEXT_QR_SECONDS: "2",
  // Windows do not reopen by themselves here, so the "window closed" screens stay testable;
  // reopening while watched is covered by tests/it/windows.rs.
  PAIRLINK_QR_WINDOW_REOPENS_PER_LINK: "0",
  // The dashboard tests' webhook receivers listen on this machine, which the SSRF guard
  // refuses unless listed.
  PAIRLINK_WEBHOOK_ALLOWLIST: "127.0.0.1",
  // Every test's browser is one address here; the per-address budgets have their own tests.
  PAIRLINK_RATE_LIMIT_ADDRESS_PER_MINUTE: "1000000",
  PAIRLINK_RATE_LIMIT_PUBLIC_PER_MINUTE: "1000000",
  // Embedded Signup needs an app; the tests stand in for Facebook's SDK, and a local server
  // (graph-standin.mjs) for Meta's Graph API.
  PAIRLINK_META_APP_ID: GRAPH.appId,
  PAIRLINK_META_CONFIG_ID: "e2e-config",
  PAIRLINK_META_APP_SECRET: GRAPH.appSecret,
  PAIRLINK_META_TOKEN_KEY: Buffer.alloc(32, 7).toString("base64"),
  PAIRLINK_META_GRAPH_URL: graph.url,
  E2E_GRAPH_URL: graph.url,
};
const server = spawn(binary, ["serve"], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
const baseURL = `http://127.0.0.1:${port}`;

async function ready() {
  for (let i = 0; i < 150; i++) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${baseURL}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("server did not become ready in 30 s");
}

let code = 1;
try {
  await ready();
  // Not spawnSync: the Graph stand-in runs in this process and must keep answering.
  const runner = spawn(join(root, "end2end", "node_modules", ".bin", "playwright"), ["test", ...process.argv.slice(2)], {
    cwd: join(root, "end2end"),
    env: { ...env, BASE_URL: baseURL, E2E_PAIRLINK_BIN: binary },
    stdio: "inherit",
  });
  code = await new Promise((done) => runner.on("exit", (status) => done(status ?? 1)));
} catch (err) {
  console.error(`end2end: ${err.message}`);
} finally {
  server.kill("SIGTERM");
  graph.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
