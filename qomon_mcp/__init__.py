"""qomon-mcp: an MCP server for Qomon spaces."""

__version__ = "0.1.0"
