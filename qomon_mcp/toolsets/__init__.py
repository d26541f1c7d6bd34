"""The tools: one module per toolset (named as in `qomon_mcp.toolset_table`), each exposing `toolset`.

The modules are imported on demand (by `qomon_mcp.assemble`): a helper such as
`forms_directory` is imported on its own without paying for every toolset.
"""
