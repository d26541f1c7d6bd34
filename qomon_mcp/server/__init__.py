"""The MCP framework of the server: tool declaration, shaping, access, confirmations, audit and privacy."""
