"""Bytes of a `search_contacts` result for 100 contacts against the raw API answer for the same page.

    .venv/bin/python bench/search_result_size.py [--pages 5]

For each page of the demo EU space (everyone, in id order) the script sends
POST /search itself through an httpx2 client on the sandbox's transport (the
raw bytes, as Qomon's compact JSON), then calls `search_contacts` with the same
page through an in-memory MCP client (the shaped bytes: the text content item;
structuredContent holds the same JSON and is printed alongside). The goal is
shaped / raw <= 0.25 with no non-empty field dropped unless the caller asked for
fewer (`fields`).

The result is a table (`columns`, then one row of values per contact). To show
that the table drops nothing, each row is read back into an object and compared
with `get_contact` for the same contact, and every non-empty raw field is looked
for in that object: the script lists the raw fields the view does not carry and
the raw values a carried field does not show, and the ratio the default result
would have if it carried the missing fields too.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

import anyio
import httpx2
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox, create_demo_sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
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
# Raw paths the object shows unchanged, under its own key.
SHOWN_AS = {
    **{key: key for key in (
        "id", "firstname", "surname", "married_name", "mail", "phone", "mobile", "gender", "age_category",
        "birthdept", "birthcity", "birthcountry", "nationality", "user_id", "user_contact_id", "black_list",
    )},
    "actions_ids": "action_ids", "tags.name": "tags", "address.pollingstation": "polling_station",
    "address.invalid": "address_invalid",
}  # fmt: skip
ADDRESS_LINE = {f"address.{part}" for part in (
    "housenumber", "street", "postalcode", "city", "state", "country", "addition", "infos", "building", "floor", "door",
)}  # fmt: skip
DATES = {"CreatedAt", "UpdatedAt", "lastchange", "birthdate", "notes.created_at"}
# Answers are decoded (form label -> value label, with their dates): counted per contact instead.
ANSWERS = {"formdatas": "answers", "customfields": "custom_fields"}
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


def as_objects(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's table read back as one object per contact, null cells left out."""
    columns = result.get("columns", [])
    return [{k: v for k, v in zip(columns, row, strict=True) if v is not None} for row in result.get("rows", [])]


async def shaped_100(client: Client, page: int, fields: list[str] | None) -> dict[str, Any]:
    """The same 100 contacts as raw page `page` of 100, in two calls of 50: a call of 100 with
    every field may be cut by the 48 KB result cap, and a cut result would flatter the ratio."""
    halves = [await shaped(client, 2 * page + half, 50, fields) for half in (0, 1)]
    contacts = [c for h in halves for c in as_objects(h["json"])]
    return {
        "text": sum(h["text"] for h in halves),
        "structured": sum(h["structured"] for h in halves),
        "contacts": contacts,
        "tables": [h["json"] for h in halves],
    }


def table_of(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Objects as a table like the tool's, columns in first-seen order: to price extra fields."""
    columns = list(dict.fromkeys(key for obj in objects for key in obj))
    return {"columns": columns, "rows": [[obj.get(key) for key in columns] for obj in objects]}


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


def unseen(contact: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    """The carried raw paths whose value the contact's object (read back from the table) does not show."""
    text = dumps(shown)
    missing = []
    for path, value in leaves(contact):
        if value is False or path in REDUNDANT:
            continue  # false flags and bookkeeping are left out on purpose
        if path in SHOWN_AS:
            got = shown.get(SHOWN_AS[path])
            seen = value == got or (isinstance(got, list) and value in got)
        elif path in ADDRESS_LINE:
            seen = str(value) in shown.get("address", "")
        elif path in ("address.latitude", "address.longitude"):
            seen = str(value) in shown.get("coordinates", "").split(",")
        elif path in DATES:
            seen = (value[:10] if value.endswith("T00:00:00Z") else value[:19]) in text
        elif path.startswith("notes."):
            seen = any(value in note.values() for note in shown.get("notes", []))
        else:
            continue  # answers are counted below; the other paths are redundant or reported by `dropped`
        if not seen:
            missing.append(path)
    for family, key in ANSWERS.items():
        given = [a for a in contact.get(family) or [] if not a.get("deleted_at")]
        values = shown.get(key, {}).values()
        if len(given) != sum(len(v) if isinstance(v, list) else 1 for v in values):
            missing.append(family)
    return missing


async def main(pages: int) -> None:
    sandbox = create_demo_sandbox(burst=100_000, rate=100_000.0)
    server = create_server(Settings(api_key=KEY), transport=sandbox.transport())  # type: ignore[arg-type]
    totals: Counter[str] = Counter()
    by_column: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    not_shown: Counter[str] = Counter()
    differ_from_get_contact = 0
    async with Client(server) as client:
        print(f"{'page':>4} {'raw':>9} {'default':>9} {'ratio':>6} {'narrow':>8} {'ratio':>6}  one call of 100")
        for page in range(pages):
            raw = await raw_page(sandbox, page, 100)
            contacts = json.loads(raw)["data"]["contacts"]
            default = await shaped_100(client, page, None)
            narrow = await shaped(client, page, 100, NARROW)
            one_call = await shaped(client, page, 100, None)
            assert [c["id"] for c in default["contacts"]] == [c["id"] for c in contacts]
            assert [c["id"] for c in as_objects(narrow["json"])] == [c["id"] for c in contacts]
            for table in default["tables"]:
                for row in table["rows"]:
                    for column, cell in zip(table["columns"], row, strict=True):
                        by_column[column if cell is not None else "(null cells)"] += size(cell) + 1  # cell,
            for raw_contact, shown in zip(contacts, default["contacts"], strict=True):
                not_shown.update(set(unseen(raw_contact, shown)))
                single = await client.call_tool("get_contact", {"contact_id": shown["id"]})
                differ_from_get_contact += json.loads(single.content[0].text) != shown
            extras = [dropped(c) for c in contacts]
            for extra in extras:
                missing.update(extra.keys())
            complete = [{**view, **extra} for view, extra in zip(default["contacts"], extras, strict=True)]
            kept = len(one_call["json"].get("rows", []))
            figures = {
                "raw": len(raw), "default": default["text"], "structured": default["structured"],
                "narrow": narrow["text"], "narrow_structured": narrow["structured"],
                "complete": default["text"] + size(table_of(complete)) - size(table_of(default["contacts"])),
                "one_call": one_call["text"], "one_call_kept": kept,
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
    print(f"  one call of 100, every field: {totals['one_call_kept']} of {pages * 100} contacts kept under the cap")
    print("\nWhere the default result's bytes go (share of the rows' bytes, by column):")
    rows_bytes = sum(by_column.values())
    for key, count in by_column.most_common():
        print(f"  {key:<16} {count:>9,}  {count / rows_bytes:6.1%}")
    print(f"\nRows read back as objects that differ from get_contact: {differ_from_get_contact} of {pages * 100}")
    print(f"\nNon-empty raw fields the default view drops (how many of the {pages * 100} contacts have one):")
    for path, count in missing.most_common():
        print(f"  {path:<24} {count:>5}")
    if not missing:
        print("  none")
    print("\nCarried raw values a row does not show (how many contacts):")
    for path, count in not_shown.most_common():
        print(f"  {path:<24} {count:>5}")
    if not not_shown:
        print("  none")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5, help="Pages of 100 contacts measured (default 5).")
    anyio.run(main, parser.parse_args().pages)
