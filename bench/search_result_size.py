"""Bytes of a `search_contacts` result for 100 contacts against the raw API answer for the same page.

    .venv/bin/python bench/search_result_size.py [--pages 5]

For each page of the demo EU space (everyone, in id order) the script sends
POST /search itself through an httpx2 client on the sandbox's transport (the
raw bytes, as Qomon's compact JSON), then calls `search_contacts` with the same
page through an in-memory MCP client (the shaped bytes: the text content item;
structuredContent holds the same JSON and is printed alongside). The goal is
shaped / raw <= 0.25 with no non-empty field dropped unless the caller asked for
fewer (`fields`).

It also lists every non-empty raw field the default view does not carry, in how
many contacts of the pages it was set, and the ratio the default view would have
if it carried them too: what the figure costs a caller who needs them.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

import anyio
import httpx2
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox, create_demo_sandbox
from qomon_mcp.sandbox.seed import DEMO_KEYS
from qomon_mcp.server.app import create_server
from qomon_mcp.server.shaping import dumps
from qomon_mcp.settings import Settings

KEY = DEMO_KEYS["eu"]
NARROW = ["name", "mail", "mobile", "tags"]

# Raw paths the default view carries, directly or decoded (answers: form label, value label, dates).
CARRIED = {
    "id", "firstname", "surname", "married_name", "mail", "phone", "mobile", "gender", "birthdate", "age_category",
    "birthdept", "birthcity", "birthcountry", "nationality", "user_id", "user_contact_id",
    "black_list", "actions_ids", "CreatedAt", "UpdatedAt", "lastchange", "tags.name",
    "notes.content", "notes.created_at", "notes.user_id",
    "address.housenumber", "address.street", "address.postalcode", "address.city", "address.state",
    "address.country", "address.addition", "address.infos", "address.building", "address.floor", "address.door",
    "address.pollingstation", "address.latitude", "address.longitude", "address.invalid",
    "formdatas.form_id", "formdatas.form_ref_id", "formdatas.data", "formdatas.label", "formdatas.date",
    "formdatas.donedate", "customfields.form_id", "customfields.form_ref_id", "customfields.data",
    "customfields.label", "customfields.date", "customfields.donedate",
}  # fmt: skip
# Raw paths that repeat what the caller already has: the space id, the parent contact's id, an
# answer's or a note's own bookkeeping, the address's id, INSEE code, geocoding score and
# `location` (the coordinates again), and tag colours and counts.
REDUNDANT = {
    "group_id", "formdatas.id", "formdatas.group_id", "formdatas.contact_id",
    "formdatas.created_at", "formdatas.updated_at", "formdatas.type_of_form",
    "customfields.id", "customfields.group_id", "customfields.contact_id", "customfields.created_at",
    "customfields.updated_at", "customfields.type_of_form", "notes.id", "address.id", "address.citycode",
    "address.score", "address.location", "tags.color", "tags.appearance_count",
}  # fmt: skip


def size(value: Any) -> int:
    return len(value.encode() if isinstance(value, str) else dumps(value).encode())


async def raw_page(sandbox: Sandbox, page: int, per_page: int) -> bytes:
    body = {"data": {"advanced_search": {"query": {"$all": []}, "per_page": per_page, "page": page}}}
    # The client's own request, minus the client: the bytes are Qomon's answer as it arrives.
    async with httpx2.AsyncClient(transport=sandbox.transport(), base_url="https://incoming.qomon.app") as http:
        response = await http.post("/search", json=body, headers={"Authorization": f"Bearer {KEY}"})
    response.raise_for_status()
    return response.content


async def shaped(client: Client, page: int, per_page: int, fields: list[str] | None) -> dict[str, Any]:
    """One search_contacts call: its text bytes, structuredContent bytes and the JSON."""
    arguments: dict[str, Any] = {"page": page, "per_page": per_page}
    if fields is not None:
        arguments["fields"] = fields
    result = await client.call_tool("search_contacts", arguments)
    assert not result.is_error and len(result.content) == 1, result.content
    text = result.content[0].text
    return {"text": size(text), "structured": size(result.structured_content), "json": json.loads(text)}


async def shaped_100(client: Client, page: int, fields: list[str] | None) -> dict[str, Any]:
    """The same 100 contacts as raw page `page` of 100, in two calls of 50: one call of 100 with
    every field is cut by the 48 KB result cap, and the cut result would flatter the ratio."""
    halves = [await shaped(client, 2 * page + half, 50, fields) for half in (0, 1)]
    contacts = [c for h in halves for c in h["json"]["contacts"]]
    return {
        "text": sum(h["text"] for h in halves),
        "structured": sum(h["structured"] for h in halves),
        "contacts": contacts,
    }


def leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, value) of every non-empty leaf; list items share their list's path."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in leaves(item, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item, path)]
    return [] if value in (None, "") else [(path, value)]


def dropped(contact: dict[str, Any]) -> dict[str, Any]:
    """The contact's non-empty raw fields that the default view neither carries nor repeats."""
    out: dict[str, list[Any]] = {}
    for path, value in leaves(contact):
        if path not in CARRIED and path not in REDUNDANT:
            out.setdefault(path, []).append(value)
    return out


async def main(pages: int) -> None:
    sandbox = create_demo_sandbox(burst=100_000, rate=100_000.0)
    server = create_server(Settings(api_key=KEY), transport=sandbox.transport())  # type: ignore[arg-type]
    totals: Counter[str] = Counter()
    by_key: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    async with Client(server) as client:
        print(f"{'page':>4} {'raw':>9} {'default':>9} {'ratio':>6} {'narrow':>8} {'ratio':>6}  one call of 100")
        for page in range(pages):
            raw = await raw_page(sandbox, page, 100)
            contacts = json.loads(raw)["data"]["contacts"]
            default = await shaped_100(client, page, None)
            narrow = await shaped(client, page, 100, NARROW)
            one_call = await shaped(client, page, 100, None)
            assert [c["id"] for c in default["contacts"]] == [c["id"] for c in contacts]
            assert [c["id"] for c in narrow["json"]["contacts"]] == [c["id"] for c in contacts]
            for view in default["contacts"]:
                for key, value in view.items():
                    by_key[key] += size({key: value}) - 1  # '"key":value,' inside the list
            extras = [dropped(c) for c in contacts]
            for extra in extras:
                missing.update(extra.keys())
            complete = [{**view, **extra} for view, extra in zip(default["contacts"], extras, strict=True)]
            kept = len(one_call["json"]["contacts"])
            figures = {
                "raw": len(raw), "default": default["text"], "structured": default["structured"],
                "narrow": narrow["text"], "narrow_structured": narrow["structured"],
                "complete": default["text"] + size(complete) - size(default["contacts"]),
            }  # fmt: skip
            totals.update(figures)
            print(
                f"{page:>4} {len(raw):>9,} {default['text']:>9,} {default['text'] / len(raw):>6.3f} "
                f"{narrow['text']:>8,} {narrow['text'] / len(raw):>6.3f}  {one_call['text']:,} B, {kept} contacts"
            )
    raw_total = totals["raw"]

    def line(label: str, value: int, ratio: bool = True) -> None:
        print(f"  {label:<44} {value:>9,}" + (f"  ratio {value / raw_total:.3f}" if ratio else ""))

    print(f"\n{pages} pages of 100 contacts (everyone, in id order); bytes of compact UTF-8 JSON:")
    line("raw POST /search answers", raw_total, ratio=False)
    line("search_contacts text, default fields", totals["default"])
    line("  its structuredContent (same JSON)", totals["structured"])
    line(f"search_contacts text, fields={NARROW}", totals["narrow"])
    line("  its structuredContent", totals["narrow_structured"])
    line("default + the raw fields the view drops", totals["complete"])
    print("\nWhere the default result's bytes go (share of the contacts' bytes, by key):")
    contacts_bytes = sum(by_key.values())
    for key, count in by_key.most_common():
        print(f"  {key:<16} {count:>9,}  {count / contacts_bytes:6.1%}")
    print(f"\nNon-empty raw fields the default view drops (how many of the {pages * 100} contacts have one):")
    for path, count in missing.most_common():
        print(f"  {path:<24} {count:>5}")
    if not missing:
        print("  none")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5, help="Pages of 100 contacts measured (default 5).")
    anyio.run(main, parser.parse_args().pages)
