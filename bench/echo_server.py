"""The baseline of the start-up benchmark: a minimal MCP SDK server with one echo tool, over stdio."""

from mcp.server import MCPServer

server = MCPServer("echo")


@server.tool()
async def echo(text: str) -> str:
    return text


if __name__ == "__main__":
    server.run("stdio")
