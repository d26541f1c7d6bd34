"""The team toolset."""

from __future__ import annotations

from qomon_mcp.server.registry import Toolset

__all__ = ["toolset"]

toolset = Toolset("team")
