"""The remote connector: Streamable HTTP at /mcp behind OAuth, one Qomon client per caller."""
