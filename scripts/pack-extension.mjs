#!/usr/bin/env node
// Packs the passkey extension for an operator: fills manifest.template.json from
// extension/brand.json (name, default Pairlink origin, icon), writes the unpacked extension
// (for "Load unpacked" and the browser tests) and a zip for a browser store.
//
//   node scripts/pack-extension.mjs [--origin https://pair.example.com] [--out DIR]
//
// Default DIR: target/extension → target/extension/unpacked/ and pairlink-passkey.zip.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "extension");
// What the browser runs; the brand file goes too (rewritten), the template does not.
const FILES = ["background.js", "content.js", "main-world.js", "pairlink.js", "popup.html", "popup.css", "popup.js"];

function fail(message) {
  console.error(`pack-extension: ${message}`);
  process.exit(2);
}

/** The brand file, with `--origin` applied and every field checked. */
function brand(originFlag) {
  const brand = JSON.parse(readFileSync(join(source, "brand.json"), "utf8"));
  if (originFlag) brand.defaultOrigin = originFlag;
  if (typeof brand.name !== "string" || !brand.name.trim() || brand.name.length > 45) {
    fail("brand.json: `name` must be 1–45 characters (the store's limit)");
  }
  let url;
  try {
    url = new URL(brand.defaultOrigin);
  } catch {
    fail(`brand.json: \`defaultOrigin\` is not a URL: ${brand.defaultOrigin}`);
  }
  // Plain http only for this machine (the browser tests' server); a real Pairlink is https.
  const local = ["localhost", "127.0.0.1"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) fail("`defaultOrigin` must be an https:// origin");
  brand.defaultOrigin = url.origin;
  const icon = join(source, brand.icon ?? "");
  if (!brand.icon || !existsSync(icon) || !readFileSync(icon).subarray(1, 4).equals(Buffer.from("PNG"))) {
    fail("brand.json: `icon` must name a PNG file inside extension/");
  }
  return brand;
}

/** manifest.template.json with its {{placeholders}} filled. */
function manifest(brand) {
  const url = new URL(brand.defaultOrigin);
  const values = {
    name: brand.name,
    icon: brand.icon,
    // Chrome's match patterns take no port; the scheme and host are what the permission names.
    originPattern: `${url.protocol}//${url.hostname}/*`,
    connectPattern: `${url.protocol}//${url.hostname}/connect/*`,
  };
  const text = readFileSync(join(source, "manifest.template.json"), "utf8");
  return text.replace(/\{\{(\w+)\}\}/g, (_, key) => JSON.stringify(values[key] ?? fail(`unknown placeholder {{${key}}}`)).slice(1, -1));
}

const { values: flags } = parseArgs({ options: { origin: { type: "string" }, out: { type: "string" } } });
const out = resolve(flags.out ?? join(root, "target", "extension"));
const unpacked = join(out, "unpacked");
const chosen = brand(flags.origin);

rmSync(unpacked, { recursive: true, force: true });
mkdirSync(dirname(join(unpacked, chosen.icon)), { recursive: true });
for (const file of FILES) copyFileSync(join(source, file), join(unpacked, file));
copyFileSync(join(source, chosen.icon), join(unpacked, chosen.icon));
writeFileSync(join(unpacked, "brand.json"), `${JSON.stringify(chosen, null, 2)}\n`);
writeFileSync(join(unpacked, "manifest.json"), manifest(chosen));
JSON.parse(readFileSync(join(unpacked, "manifest.json"), "utf8")); // a bad template fails here, not in the store

// The store wants manifest.json at the zip's root: zip the directory's entries from inside it.
const zip = join(out, "pairlink-passkey.zip");
rmSync(zip, { force: true });
const zipped = spawnSync("python3", ["-m", "zipfile", "-c", zip, ...readdirSync(unpacked)], { cwd: unpacked, encoding: "utf8" });
if (zipped.status !== 0) fail(`zip failed: ${zipped.stderr}`);
console.log(JSON.stringify({ name: chosen.name, defaultOrigin: chosen.defaultOrigin, unpacked, zip }));
