"""Each view as a person sees it: headless Chromium loads it in a host page that speaks the MCP Apps
protocol (tests/views/host.py), fed with real tool results from the sandbox through an in-memory
MCP client, and the test reads what the page shows.

Screenshots at desktop and phone widths, light and dark, go to docs/views/ with
`UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest -q tests/views`. Chromium is found as for the
connect page (tests/http/test_connect_page_screenshots.py).
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from qomon_mcp.views import VIEWS, view_html
from tests.http.test_connect_page_screenshots import headless, png_pixels
from tests.spaces import demo_sandbox
from tests.views.host import host_page, readings

pytestmark = [pytest.mark.anyio, pytest.mark.browser, pytest.mark.slow]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "views"
CITIES = ["Paris", "Lyon", "Marseille", "Toulouse", "Nantes"]
HOSTILE_FIRST, HOSTILE_LAST = "<img src=x onerror=alert(1)>", "</script><b>Bold</b>"
LIGHT, DARK = "rgb(255, 255, 255)", "rgb(24, 23, 28)"


@dataclass(frozen=True)
class Shown:
    """A tool's call as a host would show it in a view: its arguments and its result, as sent on the wire."""

    arguments: dict[str, Any]
    result: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        return self.result["structuredContent"]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def city(name: str) -> dict[str, Any]:
    return {"conditions": [{"attr": "address.city", "ope": "eql", "value": name}]}


@pytest.fixture(scope="module")
async def shown() -> AsyncIterator[dict[str, Shown]]:
    """Real results of the four tools from a sandbox whose clock is pinned."""
    sandbox = demo_sandbox(contacts=600, burst=1000, rate=1000.0, upsert_delay=0.05)
    server = create_server(Settings(api_key=DEMO_KEYS["eu"]), transport=sandbox.transport())
    async with Client(server) as client:

        async def call(tool: str, arguments: dict[str, Any]) -> Shown:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, result.content
            return Shown(arguments, result.model_dump(mode="json", by_alias=True, exclude_none=True))

        plain_count = await call("count_contacts", {})
        table = await call("search_contacts", {"per_page": 8, "fields": ["name", "mail", "address", "tags", "dates"]})
        card = await call("get_contact", {"contact_id": table.data["rows"][0][0]})
        page = (await call("get_bundles", {"limit": 200})).data["bundles"]
        full = next(b for b in page if b.get("transactions") and b.get("memberships") and b.get("donations"))
        receipt = await call("get_bundles", {"bundle_id": full["id"], "include_history": True})
        # A real breakdown by city; the total is counted first and alone, then one part's count fails.
        sandbox.faults.add("delay", delay=0, method="POST", route="/kpi")
        sandbox.faults.add("status", status=500, method="POST", route="/kpi")
        counted = await call("count_contacts", {"breakdown": {"cities": CITIES}})
        # A contact whose name is markup: the card must show it as text.
        saved = await call("save_contact", {"firstname": HOSTILE_FIRST, "surname": HOSTILE_LAST})
        hostile = await call("get_contact", {"contact_id": saved.data["id"]})
    yield {"breakdown.html": counted, "table.html": table, "card.html": card, "receipt.html": receipt,
           "count": plain_count, "hostile": hostile}  # fmt: skip


async def dumped(page: str, tmp_path: Path, *flags: str) -> list[dict[str, Any]]:
    host = tmp_path / "host.html"
    host.write_text(page, encoding="utf-8")
    args = headless(tmp_path / "profile", "--virtual-time-budget=8000", *flags, "--dump-dom", host.as_uri())
    with anyio.fail_after(90):
        done = await anyio.run_process(args, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    found = readings(done.stdout.decode(errors="replace"))
    assert found, "the host page wrote no reading: the view did not answer"
    return found


def render(
    file: str,
    shown: Shown,
    *,
    theme: str | None = "light",
    steps: list[dict[str, Any]] | None = None,
    frame_width: int | None = None,
) -> str:
    csp = {"connectDomains": [], "resourceDomains": [], "frameDomains": []}
    return host_page(
        view_html(file), csp, result=shown.result, arguments=shown.arguments, theme=theme, steps=steps,
        frame_width=frame_width,
    )  # fmt: skip


def texts(reading: dict[str, Any], name: str) -> list[str]:
    return [node["text"] for node in reading[name]]


def plain(value: Any) -> str:
    """A value as the views write it as text (the bridge's `plain`)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v)}" for k, v in value.items())
    return str(value)


def handshake_done(reading: dict[str, Any]) -> None:
    seen = reading["seen"]
    assert seen.index("ui/initialize") < seen.index("ui/notifications/initialized")
    assert "ui/notifications/size-changed" in seen
    assert reading["violations"] == []


async def test_the_breakdown_shows_one_bar_per_part_with_its_count_and_share(
    shown: dict[str, Shown], tmp_path: Path
) -> None:
    data = shown["breakdown.html"].data
    probe = {"parts": ".part:not(.failed)", "labels": ".part .label", "counts": ".part .count", "shares": ".share",
             "fills": ".fill", "failed": ".part.failed .error", "total": ".total"}  # fmt: skip
    [reading] = await dumped(render("breakdown.html", shown["breakdown.html"], steps=[{"probe": probe}]), tmp_path)
    handshake_done(reading)
    total, breakdown = data["total"], data["breakdown"]
    assert texts(reading, "total") == [f"{total:,}"]
    counted = [p for p in breakdown["parts"] if "count" in p]
    # A part's share is the result's (rounded to 4 decimals); the rest's is worked out by the view.
    rows = [(p["label"], p["count"], p["share"]) for p in counted]
    rows.append(("None of the parts", breakdown["none_of_the_parts"], breakdown["none_of_the_parts"] / total))
    assert texts(reading, "labels") == [p["label"] for p in breakdown["parts"]] + ["None of the parts"]
    assert texts(reading, "counts") == [f"{count:,}" for _, count, _ in rows]
    assert texts(reading, "shares") == [f"{round(share * 1000) / 10:.1f} %" for _, _, share in rows]
    widths = [float(node["width"].removesuffix("%")) for node in reading["fills"]]
    assert widths == pytest.approx([share * 100 for _, _, share in rows], abs=1e-3)
    assert len(counted) == len(CITIES) - 1 and all(count > 0 for _, count, _ in rows)
    # The failed part says why, in its own row, and the others still show.
    assert texts(reading, "failed") == [p["error"] for p in breakdown["parts"] if "error" in p]
    assert "server error (HTTP 500)" in texts(reading, "failed")[0]


async def test_a_count_without_breakdown_shows_the_total_alone(shown: dict[str, Shown], tmp_path: Path) -> None:
    probe = {"total": ".total", "parts": ".part", "headings": "h2"}
    [reading] = await dumped(render("breakdown.html", shown["count"], steps=[{"probe": probe}]), tmp_path)
    handshake_done(reading)
    assert texts(reading, "total") == [f"{shown['count'].data['total']:,}"] == ["600"]
    assert reading["parts"] == [] and reading["headings"] == []


async def test_a_name_written_as_markup_shows_as_text(shown: dict[str, Shown], tmp_path: Path) -> None:
    probe = {"name": ".name", "images": "img", "bold": "b", "scripts": "script"}
    [reading] = await dumped(render("card.html", shown["hostile"], steps=[{"probe": probe}]), tmp_path)
    handshake_done(reading)
    assert texts(reading, "name") == [f"{HOSTILE_FIRST} {HOSTILE_LAST}"]
    assert reading["images"] == [] and reading["bold"] == []
    assert len(reading["scripts"]) == 1  # the view's own


async def test_the_table_shows_every_row_and_sorts_by_a_clicked_column(shown: dict[str, Shown], tmp_path: Path) -> None:
    data = shown["table.html"].data
    columns, rows = data["columns"], data["rows"]
    probe = {"head": "thead th", "cells": "tbody td", "title": "h1"}
    at = {name: i for i, name in enumerate(columns)}
    steps = [
        {"probe": probe},
        {"click": f"thead th:nth-child({at['id'] + 1}) button"},
        {"click": f"thead th:nth-child({at['id'] + 1}) button"},
        {"probe": probe},
        {"click": f"thead th:nth-child({at['created_at'] + 1}) button"},
        {"probe": probe},
    ]
    first, by_id_down, by_creation = await dumped(render("table.html", shown["table.html"], steps=steps), tmp_path)
    handshake_done(first)

    def table(reading: dict[str, Any]) -> list[list[str]]:
        cells = texts(reading, "cells")
        return [cells[i : i + len(columns)] for i in range(0, len(cells), len(columns))]

    assert texts(first, "title") == [f"{len(rows)} contacts"]
    assert [t.lower() for t in texts(first, "head")] == [c.replace("_", " ") for c in columns]
    assert table(first) == [[plain(cell) for cell in row] for row in rows]
    assert len(rows) == 8 and "tags" in columns and "address" in columns
    down = sorted(rows, key=lambda row: row[at["id"]], reverse=True)
    assert table(by_id_down) == [[plain(cell) for cell in row] for row in down] != table(first)
    assert [h["sort"] for h in by_id_down["head"]][at["id"]] == "descending"
    dated = sorted(rows, key=lambda row: row[at["created_at"]])
    assert [r[at["created_at"]] for r in table(by_creation)] == [r[at["created_at"]] for r in dated]
    assert [h["sort"] for h in by_creation["head"]][at["created_at"]] == "ascending"
    assert [h["sort"] for h in by_creation["head"]][at["id"]] == "none"


async def test_the_card_shows_the_contact_and_its_decoded_answers(shown: dict[str, Shown], tmp_path: Path) -> None:
    data = shown["card.html"].data
    probe = {"name": ".name", "chips": ".chip", "fields": "dl.fields dt", "values": "dl.fields dd",
             "questions": "dl.answers dt", "answers": "dl.answers dd"}  # fmt: skip
    [reading] = await dumped(render("card.html", shown["card.html"], steps=[{"probe": probe}]), tmp_path)
    handshake_done(reading)
    name = " ".join(data[k] for k in ("firstname", "married_name", "surname") if k in data)
    assert texts(reading, "name") == [name]
    assert texts(reading, "chips") == data.get("tags", [])
    answers = data["answers"]
    assert answers and texts(reading, "questions") == list(answers)
    assert texts(reading, "answers") == ["".join(v) if isinstance(v, list) else v for v in answers.values()]
    shown_fields = dict(zip(texts(reading, "fields"), texts(reading, "values"), strict=True))
    for key in ("mail", "address", "created_at"):
        if key in data:
            assert shown_fields[key.replace("_", " ").capitalize()] == plain(data[key])
    # Nothing the result does not hold: one field shown per field of the result, none invented.
    expected = set(data) - {"firstname", "married_name", "surname", "id", "tags", "answers", "custom_fields",
                            "interactions", "untrusted"}  # fmt: skip
    assert len(shown_fields) == len(expected)


async def test_the_receipt_shows_the_bundle_lines_and_statuses(shown: dict[str, Shown], tmp_path: Path) -> None:
    [bundle] = shown["receipt.html"].data["bundles"]
    probe = {"title": ".receipt h1", "transactions": ".line.transaction .amount", "statuses": ".status",
             "memberships": ".line.membership .what", "membership_amounts": ".line.membership .amount",
             "donations": ".line.donation .what", "donation_amounts": ".line.donation .amount",
             "history": ".history li"}  # fmt: skip
    [reading] = await dumped(render("receipt.html", shown["receipt.html"], steps=[{"probe": probe}]), tmp_path)
    handshake_done(reading)
    assert texts(reading, "title") == [f"Bundle {bundle['id']}{bundle['created_at'][:10]}"]
    assert texts(reading, "transactions") == [t["amount"] for t in bundle["transactions"]]
    assert texts(reading, "statuses") == [t["status"] for t in bundle["transactions"]]
    assert texts(reading, "memberships") == [m["price"] for m in bundle["memberships"]]
    assert texts(reading, "membership_amounts") == [m["amount"] for m in bundle["memberships"]]
    assert texts(reading, "donations") == [d["price"] for d in bundle["donations"]]
    assert texts(reading, "donation_amounts") == [d["amount"] for d in bundle["donations"]]
    assert len(texts(reading, "history")) == len(shown["receipt.html"].data.get("history", []))


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.file)
async def test_a_view_follows_the_host_theme_else_the_system_preference(
    view: Any, shown: dict[str, Shown], tmp_path: Path
) -> None:
    probe = [{"probe": {}}]
    [dark] = await dumped(render(view.file, shown[view.file], theme="dark", steps=probe), tmp_path)
    assert (dark["theme"], dark["background"]) == ("dark", DARK)
    [light] = await dumped(render(view.file, shown[view.file], theme="light", steps=probe), tmp_path)
    assert (light["theme"], light["background"]) == ("light", LIGHT)
    # No theme from the host: the system's preference decides.
    page = render(view.file, shown[view.file], theme=None, steps=probe)
    [system] = await dumped(page, tmp_path, "--blink-settings=preferredColorScheme=0")
    assert (system["theme"], system["background"]) == (None, DARK)


PHONE = 375


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.file)
async def test_a_view_fits_a_phone_width(view: Any, shown: dict[str, Shown], tmp_path: Path) -> None:
    """At 375 px nothing runs off the side: only the table scrolls, inside its own box."""
    page = render(view.file, shown[view.file], steps=[{"probe": {"scrollers": ".scroll"}}], frame_width=PHONE)
    [reading] = await dumped(page, tmp_path)
    assert reading["frame_width"] == PHONE
    assert reading["scroll_width"] <= PHONE
    assert len(reading["scrollers"]) == (1 if view.file == "table.html" else 0)


@dataclass(frozen=True)
class Size:
    name: str
    width: int
    height: int


SIZES = [Size("desktop", 1100, 640), Size("phone", PHONE, 760)]
# Headless Chromium keeps a window at least 500 px wide and its page area is shorter than the window
# by the height of hidden browser chrome: the window is made larger, the frame given the size's width,
# and the picture cut to the size.
MIN_WINDOW_WIDTH, SPARE_HEIGHT = 500, 240


def png_cut(rows: list[bytes], step: int, width: int, height: int) -> bytes:
    """An 8-bit RGB(A) PNG of the top-left `width` x `height` of decoded rows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if step == 3 else 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row[: width * step] for row in rows[:height])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: s.name)
@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.file)
async def test_screenshot_of_a_view(view: Any, size: Size, theme: str, shown: dict[str, Shown], tmp_path: Path) -> None:
    host = tmp_path / "host.html"
    host.write_text(render(view.file, shown[view.file], theme=theme, frame_width=size.width), encoding="utf-8")
    shot = tmp_path / "window.png"
    window = f"--window-size={max(size.width, MIN_WINDOW_WIDTH)},{size.height + SPARE_HEIGHT}"
    flags = ["--run-all-compositor-stages-before-draw", "--virtual-time-budget=8000", window, f"--screenshot={shot}"]
    with anyio.fail_after(90):
        done = await anyio.run_process(headless(tmp_path / "profile", *flags, host.as_uri()), check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    width, height, rows = png_pixels(shot.read_bytes())
    assert width >= size.width and height >= size.height
    step = len(rows[0]) // width
    picture = png_cut(rows, step, size.width, size.height)
    rows = [row[: size.width * step] for row in rows[: size.height]]
    pixels = [row[x : x + 3] for row in rows[::3] for x in range(0, len(row), step * 3)]
    # Drawn, not blank: many colours; and the page's background is the theme's.
    assert len(set(pixels)) > 15, f"only {len(set(pixels))} colours: the view did not render"
    background = bytes.fromhex("ffffff" if theme == "light" else "18171c")
    assert pixels.count(background) > len(pixels) // 4
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        (DOCS / f"{view.file.removesuffix('.html')}-{size.name}-{theme}.png").write_bytes(picture)
