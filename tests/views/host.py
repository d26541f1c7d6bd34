"""A minimal MCP Apps host page, written against the extension's protocol (SEP-1865, 2026-01-26).

It frames a view's HTML (as `resources/read` returned it) in a sandboxed iframe, with the
content-security policy the spec has a host build from the resource's `_meta.ui.csp`, answers
the view's `ui/initialize` with a host context (theme, display mode, size), waits for
`ui/notifications/initialized`, then sends `ui/notifications/tool-input` and
`ui/notifications/tool-result` and sizes the frame on `ui/notifications/size-changed`.

For the tests it then runs `steps`: `probe` reads the rendered view (text, width and
aria-sort of the elements a CSS selector finds), `click` clicks an element. Their readings
are written as JSON into `<textarea class="reading">` elements of the host page, which
Chromium's `--dump-dom` prints.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = ["csp_for", "host_page", "readings"]

PROTOCOL_VERSION = "2026-01-26"


def csp_for(resource_csp: dict[str, list[str]]) -> str:
    """The policy a host enforces for a view: only the declared origins, none beyond the page itself."""
    resources = " ".join(resource_csp.get("resourceDomains", []))
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'unsafe-inline' {resources}".strip(),
            f"style-src 'unsafe-inline' {resources}".strip(),
            f"img-src data: {resources}".strip(),
            f"font-src {resources or chr(39) + 'none' + chr(39)}",
            f"connect-src {' '.join(resource_csp.get('connectDomains', [])) or chr(39) + 'none' + chr(39)}",
            f"frame-src {' '.join(resource_csp.get('frameDomains', [])) or chr(39) + 'none' + chr(39)}",
            "object-src 'none'",
            "base-uri 'none'",
        ]
    )


_SCRIPT = r"""
const setup = JSON.parse(document.getElementById("setup").textContent);
const frame = document.getElementById("view");
const seen = [];
const violations = [];
const post = (message) => frame.contentWindow.postMessage({ jsonrpc: "2.0", ...message }, "*");
const pause = (ms) => new Promise((done) => setTimeout(done, ms));

function write(step, value) {
  const area = document.createElement("textarea");
  area.className = "reading";
  area.dataset.step = String(step);
  area.textContent = JSON.stringify(value);
  document.getElementById("readings").append(area);
}

function probe(selectors) {
  const doc = frame.contentDocument;
  const found = {};
  for (const [name, selector] of Object.entries(selectors)) {
    found[name] = [...doc.querySelectorAll(selector)].map((node) => ({
      text: node.textContent,
      width: node.style.width,
      sort: node.getAttribute("aria-sort"),
    }));
  }
  found.theme = doc.documentElement.dataset.theme || null;
  found.scroll_width = doc.documentElement.scrollWidth;
  found.frame_width = frame.contentWindow.innerWidth;
  found.background = getComputedStyle(doc.body).backgroundColor;
  found.seen = seen.slice();
  found.violations = violations.slice();
  return found;
}

let resized = 0;

async function run() {
  // The view has drawn the result once it reports its new size (or after 3 s, and the test sees it missing).
  const before = resized;
  for (let i = 0; i < 60 && resized === before; i++) await pause(50);
  await pause(50);
  let step = 0;
  for (const action of setup.steps) {
    if (action.probe) write(step++, probe(action.probe));
    if (action.click) { frame.contentDocument.querySelector(action.click).click(); await pause(100); }
  }
  document.title = "done";
}

window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  const message = event.data;
  seen.push(message.method || "response");
  if (message.method === "ui/initialize") {
    post({ id: message.id, result: {
      protocolVersion: setup.protocolVersion,
      hostInfo: { name: "qomon-test-host", version: "1" },
      hostCapabilities: {},
      hostContext: setup.context,
    } });
  } else if (message.method === "ui/notifications/initialized") {
    post({ method: "ui/notifications/tool-input", params: { arguments: setup.arguments } });
    post({ method: "ui/notifications/tool-result", params: setup.result });
    run();
  } else if (message.method === "ui/notifications/size-changed") {
    // Never shorter than the window, so that a screenshot shows the page's background below a short view.
    frame.style.height = Math.max(message.params.height, window.innerHeight) + "px";
    resized++;
  }
});

frame.addEventListener("load", () => {
  frame.contentDocument.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
});
frame.srcdoc = setup.page;
"""


def host_page(
    view_html: str,
    csp: dict[str, list[str]],
    *,
    result: dict[str, Any],
    arguments: dict[str, Any],
    theme: str | None,
    steps: list[dict[str, Any]] | None = None,
    frame_width: int | None = None,
) -> str:
    """The host page for one view, one tool result and one theme (None: the host sends no theme).

    `frame_width` gives the frame a width in pixels (a phone's), else it spans the window."""
    policy = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp_for(csp))}">'
    page = view_html.replace("<head>", "<head>\n" + policy, 1)
    context: dict[str, Any] = {"displayMode": "inline", "platform": "web", "locale": "en-US"}
    if theme:
        context["theme"] = theme
    setup = {
        "protocolVersion": PROTOCOL_VERSION,
        "page": page,
        "context": context,
        "arguments": arguments,
        "result": result,
        "steps": steps or [],
    }
    # JSON in a script element: "</" is escaped so that no value can end the element.
    data = json.dumps(setup).replace("</", "<\\/")
    width = f"{frame_width}px" if frame_width else "100%"
    background = {"dark": "#18171c", "light": "#ffffff"}.get(theme or "", "Canvas")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>host</title>
<style>html, body {{ margin: 0; background: {background}; color-scheme: light dark; }}
iframe {{ border: 0; width: {width}; display: block; height: 100vh; }}</style></head>
<body><iframe id="view" title="view" sandbox="allow-scripts allow-same-origin"></iframe>
<div id="readings" hidden></div>
<script type="application/json" id="setup">{data}</script>
<script>{_SCRIPT}</script>
</body></html>"""


def readings(dom: str) -> list[dict[str, Any]]:
    """The probes' readings, in step order, from the host page's dumped DOM."""
    found = re.findall(r'<textarea class="reading" data-step="(\d+)">(.*?)</textarea>', dom, re.DOTALL)
    return [json.loads(html.unescape(text)) for _, text in sorted(found, key=lambda f: int(f[0]))]
