"""The `qomon-mcp` command line: flags map onto `Settings`; heavy imports stay lazy.

qomon-mcp [--sandbox [--sandbox-file F]] [--read-only] [--toolsets a,b]  serve MCP over stdio
qomon-mcp tools [...]                                                   list the tools
qomon-mcp call TOOL '{"arg": ...}' [...]                                call one tool and print the result
qomon-mcp sandbox [--port N] [...]                                      serve an emulated Qomon space over HTTP
qomon-mcp serve [--host H] [--port N] [--public-url URL] [--sandbox]   serve MCP over HTTP with OAuth
qomon-mcp doctor [--json] [--strict] [--region eu|us] [--sandbox]      check a space's answers, read-only
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from qomon_mcp import __version__

__all__ = ["main"]

_EPILOG = """\
The Qomon API key is read from the QOMON_API_KEY environment variable only (never a flag, so
that it does not show in process lists). The other settings are QOMON_* variables too, most with
a flag (the README's Settings table lists them). Without a key, try --sandbox: an embedded demo
space, no account needed.

Each command has its own options: qomon-mcp serve --help, qomon-mcp call --help,
qomon-mcp tools --help, qomon-mcp sandbox --help, qomon-mcp doctor --help.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with a refusal that ends on where to read the options."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message}; see {self.prog} --help.\n")


def _add_server_flags(parser: argparse.ArgumentParser, *, in_subcommand: bool = False) -> None:
    # Flags are accepted before and after the subcommand; a subcommand's unset flag must
    # not overwrite the one given before it, hence SUPPRESS there.
    unset: object = argparse.SUPPRESS if in_subcommand else None
    # The API key is read from QOMON_API_KEY only: a key in argv would show in process lists.
    parser.add_argument(
        "--sandbox",
        action="store_true",
        default=argparse.SUPPRESS if in_subcommand else False,
        help="Use an embedded demo space (no account, no network).",
    )
    parser.add_argument(
        "--sandbox-file",
        metavar="PATH",
        default=unset,
        help="With --sandbox: keep the demo space in this file (created if missing) so that writes last.",
    )
    parser.add_argument("--read-only", action="store_true", default=unset, help="Hide and refuse every write tool.")
    parser.add_argument("--toolsets", default=unset, help="Comma-separated toolsets (default: all but chatgpt).")
    parser.add_argument("--region", choices=("eu", "us"), default=unset, help="Qomon region (default eu).")
    parser.add_argument("--base-url", default=unset, help="Override of the Qomon API base URL.")
    parser.add_argument(
        "--privacy", choices=("full", "masked"), default=unset, help="masked: hide emails, phones, streets."
    )
    parser.add_argument(
        "--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default=unset, help="stderr log level."
    )


def _add_sandbox_command(commands: argparse._SubParsersAction) -> None:
    sandbox = commands.add_parser(
        "sandbox",
        help="Serve an emulated Qomon space over HTTP (no account needed).",
        description="Serve a deterministic demo Qomon space that follows the public API's documented rules.",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1).")
    sandbox.add_argument("--port", type=int, default=8765, help="Port to listen on (default 8765).")
    sandbox.add_argument("--api-key", help="API key of the demo space (default: the region's demo key).")
    sandbox.add_argument("--region", choices=("eu", "us"), default="eu", help="Which demo space to serve.")
    sandbox.add_argument("--seed", type=int, default=0, help="Seed of the generated demo data (default 0).")
    sandbox.add_argument(
        "--upsert-delay", type=float, default=2.0, help="Seconds before an upsert is applied (default 2, as live)."
    )
    sandbox.add_argument(
        "--sandbox-file",
        metavar="PATH",
        help="Keep the demo space in this file (created if missing), so that writes survive a restart.",
    )
    sandbox.add_argument(
        "--faults",
        metavar="FILE",
        help="Arm these faults at start: a JSON list of {kind, route, method, status, delay, after, times, ...}.",
    )
    sandbox.add_argument(
        "--admin",
        action="store_true",
        help="Serve /_sandbox/faults and /_sandbox/requests to loopback clients (needs a loopback --host).",
    )


def _add_serve_command(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="Serve MCP over Streamable HTTP with OAuth (a remote connector).",
        description="Serve MCP at /mcp; each user connects with their own Qomon API key through an OAuth page.",
    )
    serve.add_argument("--host", default=argparse.SUPPRESS, help="Interface to listen on (default 127.0.0.1).")
    serve.add_argument("--port", type=int, default=argparse.SUPPRESS, help="Port to listen on (default 8000).")
    serve.add_argument(
        "--public-url",
        default=argparse.SUPPRESS,
        help=(
            "The https origin clients use, e.g. https://mcp.example.org: required off loopback. "
            "Without it, on loopback, the server answers as http://localhost:PORT and http://127.0.0.1:PORT."
        ),
    )
    serve.add_argument(
        "--no-auth",
        action="store_true",
        help="For test suites: no sign-in, every caller on the EU demo space (needs --sandbox, loopback only).",
    )
    _add_server_flags(serve, in_subcommand=True)


def _add_doctor_command(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="Check, read-only, that qomon-mcp can read your space (for a bug report: --json).",
        description=(
            "Call each read endpoint of the space once with QOMON_API_KEY (roles, users, teams, actions, "
            "forms, one search page, one count, the fundraising reference, one page of bundles), check the "
            "region and the rate-limit headers, and report every answer field whose shape differs from what "
            "the client expects, by path and JSON type: never a value from the space, never the key. "
            "Nothing is written. Exit 0 when every read works, 1 when one fails or the key is refused, "
            "2 when the settings are unusable."
        ),
    )
    doctor.add_argument("--json", action="store_true", help="Print the report as JSON, to attach to a bug report.")
    doctor.add_argument(
        "--strict", action="store_true", help="Also exit 1 when a field's shape or a rate-limit header is off."
    )
    doctor.add_argument(
        "--sandbox",
        action="store_true",
        default=argparse.SUPPRESS,
        help="Check the embedded demo space instead (a demo key in QOMON_API_KEY picks which).",
    )
    doctor.add_argument("--region", choices=("eu", "us"), default=argparse.SUPPRESS, help="Qomon region (default eu).")
    doctor.add_argument("--base-url", default=argparse.SUPPRESS, help="Override of the Qomon API base URL.")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="qomon-mcp",
        description="An MCP server for Qomon spaces. Without a command: serve MCP over stdio.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"qomon-mcp {__version__}")
    _add_server_flags(parser)
    commands = parser.add_subparsers(dest="command")
    tools = commands.add_parser("tools", help="List the tools: toolset, read or write, title.")
    _add_server_flags(tools, in_subcommand=True)
    call = commands.add_parser("call", help="Call one tool through an in-memory MCP client and print its result.")
    call.add_argument("tool", help="Tool name, e.g. search_contacts.")
    call.add_argument("arguments", nargs="?", default="{}", help="Arguments as a JSON object.")
    _add_server_flags(call, in_subcommand=True)
    _add_sandbox_command(commands)
    _add_serve_command(commands)
    _add_doctor_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        from qomon_mcp.sandbox.serve import serve_sandbox

        return serve_sandbox(
            host=args.host,
            port=args.port,
            api_key=args.api_key,
            region=args.region,
            seed=args.seed,
            upsert_delay=args.upsert_delay,
            sandbox_file=args.sandbox_file,
            faults_file=args.faults,
            admin=args.admin,
        )

    if args.command == "serve":
        return _serve(args)

    if args.command == "doctor":
        from qomon_mcp.doctor import run_doctor

        return run_doctor(
            sandbox=args.sandbox, as_json=args.json, strict=args.strict, region=args.region, base_url=args.base_url
        )

    if args.sandbox_file is not None and not args.sandbox:
        return _refuse("--sandbox-file keeps the embedded demo space: add --sandbox, or drop --sandbox-file.")

    from qomon_mcp import local

    try:
        demo = local.open_demo(args.sandbox_file) if args.sandbox else None
        server = local.build_server(
            sandbox=args.sandbox,
            demo=demo,
            read_only=args.read_only,
            toolsets=args.toolsets,
            region=args.region,
            base_url=args.base_url,
            log_level=args.log_level,
            privacy=args.privacy,
        )
    except ValueError as error:
        return _refuse(str(error))
    if args.command == "tools":
        return local.print_tools(server)
    if args.command == "call":
        if not args.sandbox and not _has_api_key():
            return _refuse(
                "QOMON_API_KEY is not set: set it to your space's API key, or add --sandbox to call the demo space."
            )
        return local.call_and_print(server, args.tool, args.arguments, demo=demo)
    # stderr: stdout belongs to the protocol.
    if args.sandbox:
        kept = f", kept in {args.sandbox_file}" if args.sandbox_file else ""
        print(
            f"qomon-mcp: MCP over stdio on the embedded demo space{kept}; connect an MCP client to this command.",
            file=sys.stderr,
            flush=True,
        )
    elif not _has_api_key():
        print(
            "qomon-mcp: QOMON_API_KEY is not set, so every tool call will fail: set it to your space's API key "
            "(Qomon: Settings, Integrations & API), or add --sandbox to try the demo space.",
            file=sys.stderr,
            flush=True,
        )
    local.serve_stdio(server)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from qomon_mcp.http.serve import serve
    from qomon_mcp.settings import Settings, settings_problem

    flags = ("host", "port", "public_url", "read_only", "toolsets", "base_url", "log_level", "privacy")
    given = {name: getattr(args, name) for name in flags if getattr(args, name, None) is not None}
    try:
        settings = Settings(**given)
    except ValidationError as error:
        return _refuse(settings_problem(error))
    if args.sandbox_file is not None and not args.sandbox:
        return _refuse("--sandbox-file keeps the embedded demo space: add --sandbox, or drop --sandbox-file.")
    return serve(settings, sandbox=args.sandbox, no_auth=args.no_auth, sandbox_file=args.sandbox_file)


def _refuse(sentence: str) -> int:
    """A usage error: one sentence on stderr, exit status 2."""
    print(f"qomon-mcp: {sentence}", file=sys.stderr)
    return 2


def _has_api_key() -> bool:
    import os

    return bool(os.environ.get("QOMON_API_KEY", "").strip())


if __name__ == "__main__":
    raise SystemExit(main())
