"""`qomon-mcp doctor`: check that this client can read a real Qomon space, read-only.

It calls each read endpoint once (roles, users, teams, actions, the forms of
every type, one search page, one count, the fundraising reference and one page
of bundles), checks the region and the rate-limit headers, and compares every
answer, field by field, with what the client's models expect. It prints the
field paths and JSON types only: never a value from the space, never the key.

Exit codes: 0 when every read works (shape differences and header problems are
warnings: the tools still answer); 1 when a read fails or the key is refused
(with `--strict`, also on any warning); 2 when the settings are unusable.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

import anyio
import httpx2
from pydantic import SecretStr, ValidationError

from qomon_mcp.settings import Settings, settings_problem

from .examine import examine
from .report import Report

__all__ = ["Report", "examine", "run_doctor"]


def run_doctor(
    *,
    sandbox: bool = False,
    as_json: bool = False,
    strict: bool = False,
    transport: httpx2.AsyncBaseTransport | None = None,
    out: TextIO | None = None,
    **flags: str | None,
) -> int:
    """The `doctor` command: settings from QOMON_* and `flags`, the report on `out`, the exit code."""
    out = out or sys.stdout
    # Settings reads each flag from its text, as it reads QOMON_* variables.
    given: dict[str, Any] = {name: value for name, value in flags.items() if value is not None}
    try:
        settings = Settings(**given)
    except ValidationError as error:
        print(f"qomon-mcp: {settings_problem(error)}", file=sys.stderr)
        return 2
    if sandbox:
        settings, transport = _sandbox(settings)
    if settings.api_key is None:
        print("qomon-mcp: set QOMON_API_KEY to the API key of the space to check (or try --sandbox).", file=sys.stderr)
        return 2
    report = anyio.run(lambda: examine(settings, transport=transport))
    if as_json:
        print(json.dumps(report.to_json(strict=strict), indent=2), file=out)
    else:
        print(report.to_text(strict=strict), file=out)
    return report.exit_code(strict=strict)


def _sandbox(settings: Settings) -> tuple[Settings, httpx2.AsyncBaseTransport]:
    """The embedded demo spaces, both regions; a demo key in QOMON_API_KEY picks its space."""
    # Imported here, so that checking a real space never builds the demo spaces.
    from qomon_mcp.http.upstream import sandbox_upstream
    from qomon_mcp.sandbox.seed.demo import DEMO_KEYS, NO_FUNDRAISING_KEY

    known = {*DEMO_KEYS.values(), NO_FUNDRAISING_KEY}
    given = settings.api_key.get_secret_value() if settings.api_key else None
    key = given if given in known else DEMO_KEYS[settings.region]
    transport, _ = sandbox_upstream()
    return settings.model_copy(update={"api_key": SecretStr(key), "base_url": None}), transport
