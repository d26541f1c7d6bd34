"""The connect page's HTML: one self-contained document, every shown value escaped.

No script, no external asset: the style is inline and allowed by a nonce, so the
Content-Security-Policy can forbid everything else. Fields: `api_key`
(password), `region` (eu/us), `access` (read/write, read by default).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse

__all__ = ["ConnectView", "render_connect", "render_problem"]

_SOURCE = re.compile(r"[a-z][a-z0-9+.-]*:(//[A-Za-z0-9.\-]+(:\d+)?|//\[[0-9a-fA-F:]+\](:\d+)?)?")

_STYLE = """
:root{color-scheme:light dark;--ink:#1b1f3b;--soft:#5b6180;--line:#d9dcec;--field:#7c81a0;--bg:#f4f5fb;
--card:#fff;--brand:#4b3fd8;--brand-hover:#3a2fc0;--brand-ink:#fff;--tint:#f1f0ff;--bad:#b3261e;--bad-bg:#fdecea;
--focus:#4b3fd8}
@media (prefers-color-scheme:dark){:root{--ink:#eceefe;--soft:#a9aecb;--line:#3a3f60;--field:#6b7090;
--bg:#12142a;--card:#1c1f3a;--brand:#8c82ff;--brand-hover:#a59dff;--brand-ink:#12142a;--tint:#26285a;
--bad:#ffb4ab;--bad-bg:#3b1d1d;--focus:#a59dff}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px 16px;
background:var(--bg);color:var(--ink);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
accent-color:var(--brand)}
main{width:100%;max-width:500px;background:var(--card);border:1px solid var(--line);border-radius:16px;
padding:32px 28px;box-shadow:0 8px 30px rgba(20,20,60,.08)}
main>:last-child{margin-bottom:0}
.brand{display:flex;align-items:center;gap:10px;font-weight:700;font-size:18px;margin-bottom:20px}
.logo{width:32px;height:32px;border-radius:9px;background:var(--brand);color:var(--brand-ink);
display:grid;place-items:center;font-weight:800}
h1{font-size:22px;line-height:1.3;margin:0 0 8px}
p{margin:0 0 20px;color:var(--soft)}
strong{color:var(--ink);overflow-wrap:anywhere}
.alert{border-radius:10px;padding:12px 14px;margin:0 0 20px;background:var(--bad-bg);color:var(--bad);
border-left:4px solid var(--bad);font-weight:600}
label,legend{display:block;font-weight:600;margin:0 0 6px;padding:0;color:var(--ink)}
input[type=password]{width:100%;font:inherit;padding:12px 14px;min-height:48px;border:1px solid var(--field);
border-radius:10px;background:transparent;color:var(--ink)}
input[aria-invalid=true]{border:2px solid var(--bad)}
fieldset{border:0;padding:0;margin:22px 0 0;min-width:0}
.choices{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:10px}
.choice{display:flex;gap:10px;align-items:flex-start;border:1px solid var(--field);border-radius:10px;padding:12px;
cursor:pointer;font-weight:500;min-height:48px;margin:0}
.choice input{margin:4px 0 0;width:18px;height:18px;flex:none}
.choice span{min-width:0}
.choice small{display:block;color:var(--soft);font-weight:400;font-size:13px;overflow-wrap:anywhere}
.choice:has(input:checked){border-color:var(--brand);box-shadow:inset 0 0 0 1px var(--brand);background:var(--tint)}
.choice:has(input:disabled){opacity:.6;cursor:not-allowed;border-style:dashed}
.choice:has(input:focus-visible){outline:3px solid var(--focus);outline-offset:2px}
.choice input:focus-visible{outline:0}
input:focus-visible,button:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.hint{font-size:14px;margin:8px 0 0}
button{width:100%;margin-top:28px;padding:14px;border:0;border-radius:10px;background:var(--brand);
color:var(--brand-ink);font:inherit;font-weight:700;cursor:pointer;min-height:48px}
button:hover{background:var(--brand-hover)}
.foot{font-size:14px;margin:16px 0 0;text-align:center}
@media (max-width:480px){body{padding:0;align-items:flex-start;background:var(--card)}
main{border:0;border-radius:0;box-shadow:none;padding:24px 20px 32px}.choices{grid-template-columns:1fr}}
"""


@dataclass(frozen=True, slots=True)
class ConnectView:
    request: str
    csrf: str
    client_name: str
    client_verified_host: str | None
    redirect_uri: str
    region: str = "eu"
    access: str = "read"
    write_allowed: bool = True
    privacy: str = "full"
    error: str | None = None


def redirect_host(uri: str) -> str:
    """What the user is told they will be sent back to: a host, or an application's own scheme."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return parts.netloc
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"


def _form_target(uri: str) -> str | None:
    # Browsers apply form-action to the redirect that follows the POST, so the
    # client's redirect origin must be allowed as well as this page. Anything
    # that could end the directive early is left out rather than escaped.
    parts = urlsplit(uri)
    source = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else f"{parts.scheme}:"
    return source if _SOURCE.fullmatch(source) else None


def _respond(body: str, nonce: str, status: int, form_target: str | None) -> HTMLResponse:
    csp = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; base-uri 'none'; frame-ancestors 'none'; "
        f"form-action 'self'{' ' + form_target if form_target else ''}"
    )
    return HTMLResponse(
        body,
        status_code=status,
        headers={
            "Content-Security-Policy": csp,
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _document(title: str, main: str, nonce: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f'<title>{escape(title)}</title><style nonce="{nonce}">{_STYLE}</style></head>'
        f'<body><main><div class="brand"><span class="logo" aria-hidden="true">Q</span>Qomon</div>{main}</main>'
        "</body></html>"
    )


def _choice(name: str, value: str, label: str, hint: str, checked: bool, disabled: bool = False) -> str:
    state = (" checked" if checked else "") + (" disabled" if disabled else "")
    return (
        f'<label class="choice"><input type="radio" name="{name}" value="{value}"{state}>'
        f"<span>{escape(label)}<small>{escape(hint)}</small></span></label>"
    )


def render_connect(view: ConnectView, status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    name = escape(view.client_name)
    host = escape(redirect_host(view.redirect_uri))
    verified = (
        f" (published by <strong>{escape(view.client_verified_host)}</strong>)" if view.client_verified_host else ""
    )
    alert = f'<p class="alert" role="alert" id="problem">{escape(view.error)}</p>' if view.error else ""
    described = ' aria-describedby="problem key-hint"' if view.error else ' aria-describedby="key-hint"'
    write_hint = "Read and change data" if view.write_allowed else "Not offered by this server"
    main = f"""<h1>Connect {name} to your Qomon space</h1>
<p><strong>{name}</strong>{verified} asks to use your Qomon space. After you connect, you will be
sent back to <strong>{host}</strong>.</p>{alert}
<form method="post" action="/connect" autocomplete="off">
<input type="hidden" name="request" value="{escape(view.request)}">
<input type="hidden" name="csrf" value="{escape(view.csrf)}">
<label for="api_key">Qomon API key</label>
<input type="password" id="api_key" name="api_key" required autocomplete="off" spellcheck="false"
 autocapitalize="off"{described}{' aria-invalid="true"' if view.error else ""}>
<p class="hint" id="key-hint">Find it in Qomon under Settings, then Integrations &amp; API. It is checked
now and kept only inside this connection, encrypted.</p>
<fieldset><legend>Region of your space</legend><div class="choices">
{_choice("region", "eu", "Europe", "incoming.qomon.app", view.region != "us")}
{_choice("region", "us", "United States", "incoming-us.qomon.app", view.region == "us")}
</div></fieldset>
<fieldset><legend>Access</legend><div class="choices">
{_choice("access", "read", "Read only", "Search and read data", view.access != "write" or not view.write_allowed)}
{
        _choice(
            "access",
            "write",
            "Read and write",
            write_hint,
            view.access == "write" and view.write_allowed,
            disabled=not view.write_allowed,
        )
    }
</div></fieldset>
<fieldset><legend>Show contact details</legend><div class="choices">
{_choice("privacy", "full", "Full", "Emails, phones, addresses", view.privacy != "masked")}
{_choice("privacy", "masked", "Masked", "j***@example.org, town only", view.privacy == "masked")}
</div></fieldset>
<button type="submit">Connect</button>
</form>
<p class="foot">Only connect applications you trust. You can disconnect at any time from the application.</p>"""
    return _respond(
        _document(f"Connect {view.client_name} to Qomon", main, nonce), nonce, status, _form_target(view.redirect_uri)
    )


def render_problem(message: str, status: int) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    main = f'<h1>This connection cannot continue</h1><p class="alert" role="alert">{escape(message)}</p>'
    return _respond(_document("Qomon connection", main, nonce), nonce, status, None)
