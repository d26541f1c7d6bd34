// The official TypeScript MCP client through qomon-mcp's whole OAuth flow:
// discovery, dynamic registration, PKCE, the connect page (filled in the way a
// browser would), the token exchange, then tools/list and a tool call.
// Usage: node flow.mjs MCP_URL API_KEY REGION; prints one JSON line.
import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const [mcpUrl, apiKey, region] = process.argv.slice(2);
const redirectUrl = "http://127.0.0.1:33419/callback";
const sentState = randomBytes(16).toString("hex");
let authorization = null;

function hiddenFields(html) {
  const fields = {};
  for (const match of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) {
    fields[match[1]] = match[2].replaceAll("&quot;", '"').replaceAll("&#x27;", "'").replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">").replaceAll("&amp;", "&");
  }
  return fields;
}

// What the user does in the popup: open the authorize URL, fill in the connect page.
async function browse(url) {
  const authorize = await fetch(url, { redirect: "manual" });
  const connectUrl = new URL(authorize.headers.get("location"), url);
  const page = await fetch(connectUrl, { redirect: "manual" });
  const cookie = page.headers.get("set-cookie").split(";")[0];
  const form = new URLSearchParams({ ...hiddenFields(await page.text()), api_key: apiKey, region, access: "read" });
  const answer = await fetch(new URL("/connect", connectUrl), {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  if (answer.status !== 303) throw new Error(`connect page answered ${answer.status}`);
  const back = new URL(answer.headers.get("location"));
  authorization = { code: back.searchParams.get("code"), state: back.searchParams.get("state") };
}

const store = {};
const provider = {
  get redirectUrl() { return redirectUrl; },
  get clientMetadata() {
    return { client_name: "TypeScript SDK test", redirect_uris: [redirectUrl], token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"], response_types: ["code"] };
  },
  state() { return sentState; },
  clientInformation() { return store.client; },
  saveClientInformation(info) { store.client = info; },
  tokens() { return store.tokens; },
  saveTokens(tokens) { store.tokens = tokens; },
  async redirectToAuthorization(url) { await browse(url.toString()); },
  saveCodeVerifier(verifier) { store.verifier = verifier; },
  codeVerifier() { return store.verifier; },
};

async function connect() {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const client = new Client({ name: "qomon-mcp-ts-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

let session;
try {
  session = await connect();
} catch (error) {
  if (!(error instanceof UnauthorizedError) || !authorization) throw error;
  const pending = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  await pending.finishAuth(authorization.code);
  session = await connect();
}
const tools = await session.client.listTools();
const result = await session.client.callTool({ name: "get_fundraising_reference", arguments: {} });
await session.client.close();
console.log(JSON.stringify({
  tools: tools.tools.map((tool) => tool.name).sort(),
  currency: result.structuredContent?.currency ?? null,
  isError: result.isError ?? false,
  stateRoundTripped: authorization?.state === sentState,
  registered: Boolean(store.client?.client_id),
  refreshToken: Boolean(store.tokens?.refresh_token),
}));
