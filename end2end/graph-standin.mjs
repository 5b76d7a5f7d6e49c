// A stand-in for Meta's Graph API for the browser tests: a real HTTP server on a free local
// port with Meta's answers for a few fixed ids, recording every call so a test can assert
// what the server sent (GET /_calls). run.mjs starts it before Pairlink and points
// PAIRLINK_META_GRAPH_URL at it; the specs find it through E2E_GRAPH_URL.
import { createServer } from "node:http";

export const GRAPH = {
  appId: "e2e-app",
  appSecret: "e2e-secret",
  code: "e2e-code",
  businessToken: "EAAGe2eBusinessToken0123456789",
  userToken: "EAAGe2eSystemUserToken0123456789",
  waba: "1234567",
  phoneId: "7654321",
  credentialsPhoneId: "7650000",
  // WhatsApp Business app numbers (Coexistence): one for a coexistence link, one that is a
  // WhatsApp Web link's own number (the official fallback).
  appPhoneId: "7651111",
  fallbackPhoneId: "7652222",
  fallbackNumber: "5511977770001",
};

const PHONES = {
  [GRAPH.phoneId]: { display: "+1 555-010-7654", name: "Loja Oficial" },
  [GRAPH.credentialsPhoneId]: { display: "+1 555-010-7650", name: "Loja Credenciais" },
  [GRAPH.appPhoneId]: { display: "+1 555-010-7651", name: "Loja do App" },
  [GRAPH.fallbackPhoneId]: { display: "+55 11 97777-0001", name: "Loja Passkey" },
};

function error(res, status, code, message) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "OAuthException", code, fbtrace_id: "E2E" } }));
}

function ok(res, body) {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startGraph() {
  const calls = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const url = new URL(req.url, "http://graph");
      if (url.pathname === "/_calls") return ok(res, calls);
      const auth = req.headers.authorization || "";
      calls.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), bearer: auth.replace(/^Bearer /, ""), body });
      const bearer = auth.replace(/^Bearer /, "");
      const known = bearer === GRAPH.businessToken || bearer === GRAPH.userToken;
      const parts = url.pathname.replace(/^\/v26\.0\//, "").split("/");
      if (req.method === "GET" && url.pathname === "/v26.0/oauth/access_token") {
        const q = url.searchParams;
        if (q.get("client_id") === GRAPH.appId && q.get("client_secret") === GRAPH.appSecret && q.get("code") === GRAPH.code) {
          return ok(res, { access_token: GRAPH.businessToken, token_type: "bearer" });
        }
        return error(res, 400, 100, "Invalid verification code format.");
      }
      if (!known) return error(res, 401, 190, "Invalid OAuth access token - Cannot parse access token");
      if (req.method === "GET" && parts[0] === "debug_token") {
        return ok(res, {
          data: {
            app_id: "e2e-app", type: "SYSTEM_USER", expires_at: 0, is_valid: true,
            scopes: ["whatsapp_business_management", "whatsapp_business_messaging"],
            granular_scopes: [{ scope: "whatsapp_business_management", target_ids: [GRAPH.waba] }, { scope: "whatsapp_business_messaging", target_ids: [GRAPH.waba] }],
          },
        });
      }
      if (parts[0] !== GRAPH.waba && !PHONES[parts[0]]) return error(res, 400, 100, "Unsupported get request. Object does not exist");
      if (req.method === "POST" && parts[1] === "subscribed_apps") return ok(res, { success: true });
      if (req.method === "POST" && parts[1] === "register") return ok(res, { success: true });
      if (req.method === "POST" && parts[1] === "smb_app_data") {
        const sync = JSON.parse(body || "{}").sync_type;
        return ok(res, { messaging_product: "whatsapp", request_id: `e2e-${sync}-${parts[0]}` });
      }
      if (req.method === "GET" && parts[1] === "phone_numbers") return ok(res, { data: Object.keys(PHONES).map((id) => ({ id })) });
      if (req.method === "GET" && parts.length === 1 && parts[0] === GRAPH.waba) return ok(res, { id: GRAPH.waba, name: "E2E WABA" });
      if (req.method === "GET" && parts.length === 1) {
        const p = PHONES[parts[0]];
        return ok(res, {
          id: parts[0], display_phone_number: p.display, verified_name: p.name, quality_rating: "GREEN",
          platform_type: "CLOUD_API", status: "CONNECTED", messaging_limit_tier: "TIER_1K",
        });
      }
      return error(res, 400, 100, "Unknown path");
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}
