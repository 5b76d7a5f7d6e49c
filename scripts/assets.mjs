// Makes the built browser files servable like a CDN's: each gets a content-hashed name (so it
// can be cached for a year), a brotli and a gzip copy made once here (never per request), and
// pkg/manifest.json names them for the server. Run after the bundles are built
// (scripts/build.sh does both): `node scripts/assets.mjs [site-root]`.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const siteRoot = resolve(process.argv[2] || process.env.LEPTOS_SITE_ROOT || "target/site");
const pkg = join(siteRoot, "pkg");
// What cargo leptos (the connect page and the CSS) and the dashboard build leave in pkg/.
const outputs = { css: "pairlink.css", connect: { js: "pairlink.js", wasm: "pairlink.wasm" }, dashboard: { js: "dashboard.js", wasm: "dashboard.wasm" } };
const HASHED = /^(pairlink|dashboard)\.[0-9a-f]{16}\.(js|wasm|css)(\.br|\.gz)?$/;

const made = new Set();
function publish(file) {
  const bytes = readFileSync(join(pkg, file));
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const dot = file.lastIndexOf(".");
  const name = `${file.slice(0, dot)}.${hash}${file.slice(dot)}`;
  writeFileSync(join(pkg, name), bytes);
  // The best brotli for what ships; a debug build's WASM (megabytes, for tests) gets a quick one.
  const quality = bytes.length > 4_000_000 ? 5 : 11;
  const br = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  writeFileSync(join(pkg, `${name}.br`), br);
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(join(pkg, `${name}.gz`), gz);
  for (const n of [name, `${name}.br`, `${name}.gz`]) made.add(n);
  console.log(`${name.padEnd(36)} ${String(bytes.length).padStart(9)} B  br ${String(br.length).padStart(8)}  gz ${String(gz.length).padStart(8)}`);
  return name;
}

const manifest = {
  css: publish(outputs.css),
  connect: { js: publish(outputs.connect.js), wasm: publish(outputs.connect.wasm) },
  dashboard: { js: publish(outputs.dashboard.js), wasm: publish(outputs.dashboard.wasm) },
};
// Earlier builds' hashed files would pile up; only the current ones are served.
for (const f of readdirSync(pkg)) {
  if (HASHED.test(f) && !made.has(f)) rmSync(join(pkg, f));
}
writeFileSync(join(pkg, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`wrote ${join(pkg, "manifest.json")}`);
