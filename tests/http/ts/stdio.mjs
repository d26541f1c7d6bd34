// The official TypeScript MCP client over stdio: it starts qomon-mcp as a subprocess
// (as Cursor, Windsurf or Claude Desktop do), lists the tools and calls two of them.
// Usage: node stdio.mjs PYTHON; prints one JSON line.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [python] = process.argv.slice(2);
const transport = new StdioClientTransport({
  command: python,
  args: ["-m", "qomon_mcp.cli", "--sandbox", "--read-only"],
  stderr: "pipe",
});
const client = new Client({ name: "qomon-mcp-ts-stdio-test", version: "1.0.0" });
await client.connect(transport);
const tools = (await client.listTools()).tools;
const counted = await client.callTool({ name: "count_contacts", arguments: {} });
const refused = await client.callTool({ name: "delete_contact", arguments: { contact_id: 1 } });
await client.close();
console.log(
  JSON.stringify({
    server: client.getServerVersion()?.name,
    tools: tools.map((tool) => tool.name),
    readOnlyHints: tools.every((tool) => tool.annotations?.readOnlyHint === true),
    total: counted.structuredContent?.total,
    refused: refused.isError === true,
    refusal: refused.content?.[0]?.text,
  }),
);
