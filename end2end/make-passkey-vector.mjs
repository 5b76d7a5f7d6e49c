// Makes the passkey test vectors in tests/fixtures/passkey/ with a real browser: Debian's
// Chromium answers WhatsApp's request options on a stand-in web.whatsapp.com with a CDP virtual
// authenticator, so each assertion is what a browser really sends (clientDataJSON, flags and
// an ES256 signature), and the file holds the key pair that made it for the Rust tests.
//
//   node end2end/make-passkey-vector.mjs
//
// vector.json: made on https://web.whatsapp.com, what Pairlink must accept.
// vector-other-origin.json: made on https://business.whatsapp.com (a legal page for rpId
// whatsapp.com, so the browser signs it) — its clientDataJSON origin is one Pairlink must refuse.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RP_ID, addAuthenticator, b64url, checkAssertion, launchPlain, newPasskey, startStandin } from "./passkey-standin.mjs";

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "tests", "fixtures", "passkey");

/** WhatsApp's request options as seen in the wild (DOMAIN.md §5), with a fresh challenge. */
const requestOptions = () => ({
  challenge: b64url(randomBytes(32)),
  timeout: 600000,
  rpId: RP_ID,
  allowCredentials: [],
  userVerification: "required",
  extensions: { uvm: true },
});

/** One assertion on `origin`, from a new passkey in a fresh tab. */
async function makeVector(browser, origin) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    const passkey = newPasskey();
    await addAuthenticator(page, passkey);
    const options = requestOptions();
    const assertion = await page.evaluate(async (json) => {
      const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      const credential = await navigator.credentials.get({ publicKey: { ...json, challenge: bytes(json.challenge) } });
      return credential.toJSON();
    }, options);
    checkAssertion(assertion, { challenge: options.challenge, origin, publicKeySpki: passkey.publicKeySpki });
    return {
      about:
        `Made by end2end/make-passkey-vector.mjs: Chromium's answer on ${origin} with a CDP virtual ` +
        "authenticator; ES256 over authenticatorData || SHA-256(clientDataJSON).",
      origin,
      options,
      ...passkey,
      assertion,
    };
  } finally {
    await page.close();
  }
}

const standin = await startStandin();
const browser = await launchPlain(standin);
try {
  mkdirSync(OUT, { recursive: true });
  for (const [file, origin] of [["vector.json", "https://web.whatsapp.com"], ["vector-other-origin.json", "https://business.whatsapp.com"]]) {
    const vector = await makeVector(browser, origin);
    writeFileSync(join(OUT, file), `${JSON.stringify(vector, null, 2)}\n`);
    console.log(`wrote ${join(OUT, file)}: ${JSON.parse(Buffer.from(vector.assertion.response.clientDataJSON, "base64url")).origin}`);
  }
} finally {
  await browser.close();
  await standin.close();
}
