"""The connect page as a person sees it: headless Chromium renders it at desktop and phone sizes.

The pictures in the README (`docs/connect-desktop.png`, `docs/connect-phone.png`) come from
this test: `UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest -q tests/http/test_connect_page_screenshots.py`.
Chromium is not a Python package: the test looks for it on PATH (or in `$CHROMIUM`) and fails,
saying how to install it, when there is none (`.ci/run` installs Debian's when it is missing).
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx2
import pytest

from tests.http.flows import Flow, pkce
from tests.http.support import served

pytestmark = [pytest.mark.anyio, pytest.mark.browser, pytest.mark.slow]

DOCS = Path(__file__).resolve().parents[2] / "docs"
# What claude.ai registers, so that the picture shows what a user of it would see.
CLIENT_NAME = "Claude"
CLIENT_REDIRECT = "https://claude.ai/api/mcp/auth_callback"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


@dataclass(frozen=True)
class Size:
    name: str
    width: int
    height: int


SIZES = [Size("desktop", 1280, 840), Size("phone", 390, 920)]


def chromium() -> str:
    found = os.environ.get("CHROMIUM") or next(filter(None, map(shutil.which, CANDIDATES)), None)
    if not found:
        pytest.fail(
            "No Chromium found (looked for $CHROMIUM, then " + ", ".join(CANDIDATES) + " on PATH): install one, "
            "e.g. `apt-get install -y --no-install-recommends chromium`, or deselect with -m 'not browser'."
        )
    return found


def headless(profile: Path, *extra: str) -> list[str]:
    # No network but the page's own server: no updates, sync or background fetches.
    return [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
        *extra,
    ]


async def run_chromium(profile: Path, *args: str) -> str:
    with anyio.fail_after(90):
        done = await anyio.run_process(headless(profile, *args), check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode(errors="replace")


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        chunks[kind] = chunks.get(kind, b"") + data[at + 8 : at + 8 + length]
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    step = 3 if colour == 2 else 4
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * step
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up, corner = previous[x], previous[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                nearest = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[x] = (line[x] + nearest[2]) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def connect_url() -> AsyncIterator[str]:
    """The address the OAuth popup opens: a connect page for a registered client, valid for minutes."""
    with served() as s:
        async with httpx2.AsyncClient(timeout=30) as http:
            flow = Flow(s, http, redirect_uri=CLIENT_REDIRECT)
            assert (await flow.register(client_name=CLIENT_NAME)).status_code == 201
            answer = await flow.authorize(pkce()[1])
            assert answer.status_code == 302, answer.text
            location = answer.headers["location"]
            yield location if location.startswith("http") else s.url + location


async def test_chromium_renders_the_connect_form(connect_url: str, tmp_path: Path) -> None:
    dom = await run_chromium(tmp_path / "profile", "--dump-dom", connect_url)
    assert f"<h1>Connect {CLIENT_NAME} to your Qomon space</h1>" in dom
    assert 'name="api_key"' in dom and "claude.ai" in dom
    assert dom.count('type="radio"') == 6


@pytest.mark.parametrize("size", SIZES, ids=lambda s: s.name)
async def test_screenshot_of_the_connect_page(connect_url: str, size: Size, tmp_path: Path) -> None:
    shot = tmp_path / f"connect-{size.name}.png"
    await run_chromium(
        tmp_path / "profile", f"--window-size={size.width},{size.height}", f"--screenshot={shot}", connect_url
    )
    data = shot.read_bytes()
    width, height, rows = png_pixels(data)
    assert (width, height) == (size.width, size.height)
    # A rendered form, not a blank or error page: many distinct colours (text, brand, borders)
    # and the brand colour of the Connect button (#4b3fd8) somewhere on the page.
    pixels = {row[x : x + 3] for row in rows[::4] for x in range(0, len(row), 12)}
    assert len(pixels) > 20, f"only {len(pixels)} colours: the page did not render"
    step = len(rows[0]) // width
    brand = bytes.fromhex("4b3fd8")
    assert any(brand in (row[x : x + 3] for x in range(0, len(row), step)) for row in rows), "no Connect button"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        (DOCS / shot.name).write_bytes(data)
