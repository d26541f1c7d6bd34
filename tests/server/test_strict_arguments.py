"""Ids, amounts and counts are strict integers: every such argument of every tool refuses
`true`, `"12"`, `1.0`, `1.5`, `10**30`, `-1` (and `0` for an id), and nothing reaches Qomon.

The integer arguments are found in the tools' own input schemas (nested arrays and objects
included), so an integer argument added later is checked too, once `BASES` gives its tool a
valid call to put the bad value into.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from mcp import Client

from qomon_mcp.assemble import create_server
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.seed.demo import DEMO_KEYS
from qomon_mcp.settings import Settings
from qomon_mcp.toolset_table import TOOLSETS
from tests.spaces import demo_sandbox

pytestmark = pytest.mark.anyio

Path = tuple[str | int, ...]

# Each bad value, and whether an argument of that kind refuses it (a string is fine where the
# schema also takes one, 0 where the argument is not an id: an offset, an amount).
BAD: list[tuple[str, Any]] = [
    ("true", True),
    ("string", "12"),
    ("float-whole", 1.0),
    ("float", 1.5),
    ("huge", 10**30),
    ("negative", -1),
    ("zero", 0),
]


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return demo_sandbox(contacts=100, burst=1000, rate=1000.0, upsert_delay=0.01)


def bases(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """One valid call per tool, with every integer argument present (the demo space's real ids)."""
    space = sandbox.space_for(DEMO_KEYS["eu"])
    contact, user, team, bundle = min(space.contacts), min(space.users), min(space.teams), min(space.bundles)
    form = next(fid for fid, kind in space.form_types.items() if kind == "survey" and space.forms[fid]["refvalues"])
    value = space.forms[form]["refvalues"][0]["id"]
    condition = {"attr": "form", "ope": "eql", "form_id": form, "form_ref_ids": [value]}
    answer = {"id": form, "value": "x"}
    item = space.bundles[bundle]
    payment = {
        "id": item["transactions"][0]["id"],
        "contact_id": contact,
        "amount_cents": 3500,
        "status_id": 1,
        "external_transaction_id": 7,
        "unpaid_amount_cents": 0,
    }
    membership = {
        "id": item["memberships"][0]["id"],
        "contact_id": contact,
        "membership_price_id": 10,
        "amount_cents": 3000,
        "amount_initial_cents": 3000,
    }
    donation = {
        "id": payment["id"],
        "contact_id": contact,
        "donation_price_id": 20,
        "amount_cents": 500,
        "amount_initial_cents": 500,
    }
    return {
        "get_contact": {"contact_id": contact},
        "save_contact": {"contact_id": contact, "surname": "Doe"},
        "upsert_contacts": {
            "records": [
                {
                    "id": contact,
                    "nationbuilderid": 5,
                    "surname": "Doe",
                    **{
                        kind: [answer]
                        for kind in ("consents", "status", "forms", "custom_fields", "actions", "name_presences")
                    },
                }
            ]
        },
        "delete_contact": {"contact_id": contact},
        "search_contacts": {
            "query": {"groups": [{"conditions": [condition]}], "conditions": [condition]},
            "page": 0,
            "per_page": 10,
            "limit": 10,
        },
        "get_forms": {"form_id": form},
        "get_actions": {"action_id": min(space.actions), "limit": 5},
        "get_users": {"user_id": user, "limit": 5, "offset": 0},
        "update_user": {"user_id": user, "firstname": "Ann"},
        "change_user_role": {"user_id": user, "role": "admin"},
        "revoke_access": {"user_id": user, "invitation_id": min(space.invitations)},
        "get_teams": {"team_id": team, "user_id": user, "offset": 0},
        "save_team": {
            "team_id": team,
            "add_member_ids": [user],
            "remove_member_ids": [user],
            "add_leader_ids": [user],
            "remove_leader_ids": [user],
        },
        "delete_team": {"team_id": team},
        "send_global_message": {"title": "Hi", "body": "Hello", "team_ids": [team]},
        "get_bundles": {"bundle_id": bundle, "contact_id": contact, "limit": 5, "offset": 0},
        "save_bundle": {
            "bundle_id": bundle,
            "transactions": [payment],
            "memberships": [membership],
            "donations": [donation],
        },
        "refund_bundle": {"bundle_id": bundle, "transaction_id": payment["id"], "amount_cents": 100},
        "delete_bundle": {"bundle_id": bundle},
    }


def integer_paths(schema: dict[str, Any]) -> list[tuple[Path, dict[str, Any]]]:
    """Where the schema takes an integer: (path, the integer's schema and its siblings' types)."""
    defs = schema.get("$defs", {})
    found: list[tuple[Path, dict[str, Any]]] = []

    def walk(node: Any, path: Path, takes_string: bool = False) -> None:
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            return walk(defs[node["$ref"].rsplit("/", 1)[-1]], path, takes_string)
        branches = node.get("anyOf", [])
        if branches:
            strings = any(b.get("type") == "string" for b in branches)
            for branch in branches:
                walk(branch, path, strings)
        if node.get("type") == "integer":
            found.append((path, {**node, "takes_string": takes_string}))
        if node.get("type") == "array":
            walk(node.get("items"), (*path, 0))
        for name, sub in node.get("properties", {}).items():
            walk(sub, (*path, name))

    walk(schema, ())
    return found


def placed(arguments: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of `arguments` with `value` at `path`; KeyError/IndexError when the base lacks it."""
    changed = copy.deepcopy(arguments)
    node: Any = changed
    for part in path[:-1]:
        node = node[part]
    if path[-1] not in node if isinstance(node, dict) else path[-1] >= len(node):
        raise KeyError(path)
    node[path[-1]] = value
    return changed


def field_name(path: Path) -> str:
    return next(str(p) for p in reversed(path) if isinstance(p, str))


def refuses(path: Path, integer: dict[str, Any], case: str) -> bool:
    name = field_name(path)
    # Another system's id (a payment provider's) may be 0.
    is_id = (name == "id" or name.endswith(("_id", "_ids"))) and not name.startswith("external_")
    if case == "zero":
        return is_id
    return not (case == "string" and integer["takes_string"])


async def test_every_integer_argument_of_every_tool_is_strict(sandbox: Sandbox) -> None:
    settings = Settings(api_key=DEMO_KEYS["eu"], toolsets=",".join(TOOLSETS))
    calls = bases(sandbox)
    checked: dict[str, int] = {}
    async with Client(create_server(settings, transport=sandbox.transport())) as client:
        for tool in (await client.list_tools()).tools:
            paths = integer_paths(tool.input_schema)
            if not paths:
                continue
            assert tool.name in calls, f"{tool.name} takes integers: give it a valid call in BASES"
            base = calls[tool.name]
            for path, integer in paths:
                for case, value in BAD:
                    if not refuses(path, integer, case):
                        continue
                    arguments = placed(base, path, value)
                    before = len(sandbox.request_log)
                    result = await client.call_tool(tool.name, arguments)
                    where = (tool.name, path, case)
                    assert result.is_error, where
                    text = result.content[0].text
                    # The tool wrapper's refusal, or search's own for a query; either names the field.
                    assert text.startswith((f"Invalid arguments for {tool.name} (", "query.")), (where, text)
                    assert field_name(path) in text, (where, text)
                    assert "\n" not in text and len(text) < 600, (where, text)
                    assert sandbox.request_log[before:] == [], where
                    checked[tool.name] = checked.get(tool.name, 0) + 1
            # The same call with valid integers passes validation: the refusals above are the bad value's.
            control = await client.call_tool(tool.name, base)
            assert not (control.is_error and control.content[0].text.startswith("Invalid arguments")), (
                tool.name,
                control.content[0].text,
            )
    assert set(checked) == set(calls)
    assert sum(checked.values()) > 300


async def test_true_is_not_contact_1(sandbox: Sandbox) -> None:
    """The issue's reproduction: a payment for contact `true` used to be recorded for contact 1."""
    settings = Settings(api_key=DEMO_KEYS["eu"])
    payment = {"contact_id": True, "amount_cents": 100, "payment_method_kind": "CB", "date": "2026-01-01"}
    async with Client(create_server(settings, transport=sandbox.transport())) as client:
        before = len(sandbox.request_log)
        result = await client.call_tool("save_bundle", {"transactions": [payment]})
    assert result.is_error
    assert "transactions.0.contact_id" in result.content[0].text
    assert sandbox.request_log[before:] == []
    assert json.dumps(True) not in result.content[0].text
