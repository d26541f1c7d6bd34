"""deploy/Caddyfile as Caddy itself reads it (`caddy adapt`): TLS for QOMON_DOMAIN, every path
proxied to the three compose replicas on the server's port, /mcp flushed at once."""

from __future__ import annotations

import re
from typing import Any

from tests.deploy.files import REPO, adapt_caddyfile, compose_services

REPLICAS = ("mcp-1", "mcp-2", "mcp-3")


def image_port() -> int:
    found = re.search(r"QOMON_PORT=(\d+)", (REPO / "Dockerfile").read_text())
    assert found
    return int(found.group(1))


def site(config: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """The one site's host names and its routes (inside the subroute Caddy wraps them in)."""
    (server,) = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    (route,) = server["routes"]
    (match,) = route["match"]
    (subroute,) = route["handle"]
    return match["host"], subroute["routes"]


def proxy_of(route: dict[str, Any]) -> dict[str, Any]:
    """The reverse_proxy handler of a `handle` block."""
    (inner,) = route["handle"]
    (only,) = inner["routes"]
    (handler,) = only["handle"]
    assert handler["handler"] == "reverse_proxy"
    return handler


def routes_by_path(routes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {",".join(route["match"][0]["path"]) if "match" in route else "*": proxy_of(route) for route in routes}


def test_the_site_is_qomon_domain() -> None:
    hosts, _ = site(adapt_caddyfile())
    assert hosts == ["localhost"]
    hosts, _ = site(adapt_caddyfile({"QOMON_DOMAIN": "mcp.example.org"}))
    assert hosts == ["mcp.example.org"]


def test_the_default_domain_is_the_compose_default() -> None:
    services = compose_services({"QOMON_MCP_SECRET": "k1:" + "c" * 48})
    hosts, _ = site(adapt_caddyfile({"QOMON_DOMAIN": services["caddy"]["environment"]["QOMON_DOMAIN"]}))
    assert hosts == ["localhost"]


def test_every_path_goes_to_the_three_replicas() -> None:
    _, routes = site(adapt_caddyfile())
    proxies = routes_by_path(routes)
    assert set(proxies) == {"/mcp", "*"}
    services = compose_services({"QOMON_MCP_SECRET": "k1:" + "c" * 48})
    expected = [f"{name}:{image_port()}" for name in REPLICAS]
    assert set(REPLICAS) <= set(services)
    for path, proxy in proxies.items():
        assert [upstream["dial"] for upstream in proxy["upstreams"]] == expected, path
        assert proxy["health_checks"]["active"]["uri"] == "/healthz", path
        # The original Host must reach the server: no header rewriting.
        assert "headers" not in proxy, path


def test_mcp_responses_are_flushed_at_once() -> None:
    _, routes = site(adapt_caddyfile())
    assert routes_by_path(routes)["/mcp"]["flush_interval"] == -1


def test_the_mcp_route_comes_before_the_catch_all() -> None:
    # Caddy runs the first `handle` whose matcher fits: the /mcp block must be tried first.
    _, routes = site(adapt_caddyfile())
    assert routes[0]["match"][0]["path"] == ["/mcp"] and "match" not in routes[-1]
