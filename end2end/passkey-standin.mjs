// The passkey harness shared by make-passkey-vector.mjs and tests/passkey-extension.hydrate.spec.mjs:
// a local HTTPS stand-in for web.whatsapp.com (Chromium is told to resolve the name to it and
// to trust its self-signed certificate), Chromium with the packed extension loaded, a CDP
// virtual authenticator holding a passkey whose private key we know, and a checker that proves
// an assertion is real (the same checks the server makes, WebAuthn §7.2).
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate, createHash, createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const WHATSAPP = "https://web.whatsapp.com";
export const RP_ID = "whatsapp.com";
// Names the stand-in answers for; business.whatsapp.com is a legal page for rpId whatsapp.com
// but the wrong origin for Pairlink, which makes the refused vector.
const HOSTS = ["web.whatsapp.com", "business.whatsapp.com"];

export const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const sha256 = (bytes) => createHash("sha256").update(bytes).digest();

/** A throwaway self-signed certificate for HOSTS (openssl CLI) and the base64 SHA-256 of its
 * public key, which `--ignore-certificate-errors-spki-list` takes. */
function certificate() {
  const dir = mkdtempSync(join(tmpdir(), "pairlink-standin-"));
  try {
    const san = HOSTS.map((h) => `DNS:${h}`).join(",");
    const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
    args.push("-subj", `/CN=${HOSTS[0]}`, "-addext", `subjectAltName=${san}`);
    execFileSync("openssl", [...args, "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    const cert = readFileSync(join(dir, "cert.pem"));
    const spki = new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" });
    return { key: readFileSync(join(dir, "key.pem")), cert, spkiHash: sha256(spki).toString("base64") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A page with a CSP close to WhatsApp's: no request from the page's world may leave for another
// origin, so an extension that fetched from the MAIN world would fail here as it would there.
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>WhatsApp</title></head>
<body><main><h1>WhatsApp Web (stand-in)</h1><p>A local page for tests.</p></main></body></html>`;
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' wss://*.web.whatsapp.com https://*.whatsapp.net";

/** Starts the stand-in on a free port of 127.0.0.1. `args` are the Chromium flags that send
 * HOSTS to it and accept its certificate (test browsers only). */
export async function startStandin() {
  const { key, cert, spkiHash } = certificate();
  const server = createServer({ key, cert }, (req, res) => {
    if (req.url === "/favicon.ico") return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": CSP, "cache-control": "no-store" });
    res.end(PAGE);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  const rules = HOSTS.map((h) => `MAP ${h}:443 127.0.0.1:${port}`).join(",");
  return {
    port,
    args: [`--host-resolver-rules=${rules}`, `--ignore-certificate-errors-spki-list=${spkiHash}`],
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Flags every test browser here needs: no reaching for the internet (there is none). */
export const QUIET = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** A plain headless Chromium that sees the stand-in (no extension): for the vector script. */
export async function launchPlain(standin) {
  return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...QUIET, ...standin.args] });
}

/** Packs the extension with `origin` as its Pairlink into a temporary directory; returns the
 * unpacked directory and a cleanup. */
export function packExtension(origin) {
  const out = mkdtempSync(join(tmpdir(), "pairlink-extension-"));
  const packed = spawnSync(process.execPath, [join(ROOT, "scripts", "pack-extension.mjs"), "--origin", origin, "--out", out], { encoding: "utf8" });
  if (packed.status !== 0) throw new Error(`pack-extension failed: ${packed.stderr}`);
  return { dir: join(out, "unpacked"), remove: () => rmSync(out, { recursive: true, force: true }) };
}

/** Chromium with the unpacked extension at `dir`, a fresh profile, the stand-in reachable.
 * Extensions need a persistent context and the new headless mode; Playwright's own default
 * `--disable-extensions` must go. Returns `{ context, extensionId, close }`. */
export async function launchWithExtension(dir, standin, viewport = { width: 1280, height: 800 }) {
  const profile = mkdtempSync(join(tmpdir(), "pairlink-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: false,
    ignoreDefaultArgs: ["--disable-extensions"],
    args: ["--headless=new", ...QUIET, `--disable-extensions-except=${dir}`, `--load-extension=${dir}`, ...standin.args],
    viewport,
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  return {
    context,
    worker,
    extensionId: new URL(worker.url()).host,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new passkey for rpId whatsapp.com: a P-256 key pair, a credential id and a user handle,
 * every binary as base64url (the public key as SubjectPublicKeyInfo DER). */
export function newPasskey() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    credentialId: b64url(randomBytes(32)),
    userHandle: b64url(randomBytes(16)),
    publicKeySpki: b64url(publicKey.export({ type: "spki", format: "der" })),
    privateKeyPkcs8: b64url(privateKey.export({ type: "pkcs8", format: "der" })),
  };
}

/** Puts `passkey` into a CDP virtual authenticator on `page`'s tab: a platform authenticator
 * that does user verification and presence by itself, as a synced passkey would. Keep the
 * returned session: detaching it removes the authenticator. */
export async function addAuthenticator(page, passkey) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  // CDP's binary fields are standard base64, not base64url.
  const std = (text) => Buffer.from(text, "base64url").toString("base64");
  await cdp.send("WebAuthn.addCredential", {
    authenticatorId,
    credential: {
      credentialId: std(passkey.credentialId),
      isResidentCredential: true, // WhatsApp sends allowCredentials: [], so only a discoverable one answers
      rpId: RP_ID,
      privateKey: std(passkey.privateKeyPkcs8),
      userHandle: std(passkey.userHandle),
      signCount: 0,
    },
  });
  return { cdp, authenticatorId };
}

/** Throws unless `assertion` (PublicKeyCredential.toJSON() form) is a real answer to
 * `challenge` made on `origin` for rpId whatsapp.com by the key `publicKeySpki`. */
export function checkAssertion(assertion, { challenge, origin, publicKeySpki }) {
  const clientDataJSON = Buffer.from(assertion.response.clientDataJSON, "base64url");
  const authData = Buffer.from(assertion.response.authenticatorData, "base64url");
  const client = JSON.parse(clientDataJSON);
  const fail = (what) => {
    throw new Error(`assertion: ${what}`);
  };
  if (client.type !== "webauthn.get") fail(`type ${client.type}`);
  if (client.challenge !== challenge) fail("challenge differs");
  if (client.origin !== origin) fail(`origin ${client.origin}`);
  if (!authData.subarray(0, 32).equals(sha256(RP_ID))) fail("rpIdHash is not SHA-256(whatsapp.com)");
  if ((authData[32] & 0x05) !== 0x05) fail(`flags ${authData[32]}: user presence and verification wanted`);
  const key = createPublicKey({ key: Buffer.from(publicKeySpki, "base64url"), format: "der", type: "spki" });
  const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
  if (!verify("sha256", signed, key, Buffer.from(assertion.response.signature, "base64url"))) fail("ES256 signature does not verify");
}
