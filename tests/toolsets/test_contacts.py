import json

import pytest
from mcp import Client

from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.space import Space

pytestmark = pytest.mark.anyio


async def test_get_contact_decodes_advanced_fields(mcp: Client, space: Space) -> None:
    contact = next(c for c in space.contacts.values() if c.get("formdatas"))
    result = await mcp.call_tool("get_contact", {"contact_id": contact["id"]})
    assert not result.is_error
    view = json.loads(result.content[0].text)
    assert view["id"] == contact["id"]
    assert view["surname"] == contact["surname"]
    first = contact["formdatas"][0]
    form = space.forms[first["form_id"]]
    answer = next(a for a in view["answers"] if a["form_id"] == first["form_id"])
    assert answer["form"] == form["label"]
    assert "form_ref_id" not in result.content[0].text
    assert result.structured_content == view


async def test_get_contact_leaves_out_empty_values(mcp: Client, space: Space) -> None:
    contact = next(c for c in space.contacts.values() if not c.get("mobile"))
    result = await mcp.call_tool("get_contact", {"contact_id": contact["id"]})
    assert "mobile" not in json.loads(result.content[0].text)
    assert "null" not in result.content[0].text


async def test_get_contact_fields_narrow_the_result(mcp: Client, space: Space) -> None:
    contact_id = next(iter(space.contacts))
    result = await mcp.call_tool("get_contact", {"contact_id": contact_id, "fields": ["mail"]})
    assert set(json.loads(result.content[0].text)) <= {"id", "mail"}


async def test_get_contact_unknown_id_is_an_actionable_tool_error(mcp: Client, sandbox: Sandbox) -> None:
    result = await mcp.call_tool("get_contact", {"contact_id": 1})
    assert result.is_error
    assert "Contact 1 does not exist; find contact ids with search_contacts." in result.content[0].text
