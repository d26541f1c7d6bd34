"""Forms (by type, by id, and the deprecated /forms/{type}) and GET /actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from qomon_mcp.sandbox.space import FORM_TYPES, Space
from qomon_mcp.sandbox.web import fail, not_found, space_of, success

__all__ = ["HANDLERS"]


def _forms(space: Space, form_type: str) -> list[dict]:
    if form_type not in FORM_TYPES:
        raise fail(422, type=f"must be one of {', '.join(FORM_TYPES)}")
    return sorted(space.forms_of_type(form_type), key=lambda f: (f.get("order") or 0, f["id"]))


async def list_forms(request: Request) -> Response:
    return success({"forms": _forms(space_of(request), request.path_params["type"])})


async def get_form(request: Request) -> Response:
    space, arg = space_of(request), request.path_params["id"]
    if arg in FORM_TYPES:
        # The deprecated GET /forms/{type} still answers, and says it is deprecated.
        return success({"forms": _forms(space, arg)}, headers={"Deprecation": "true"})
    if not arg.isdigit():
        raise fail(400, id=f"must be a numeric form id (or, deprecated, one of {', '.join(FORM_TYPES)})")
    form = space.forms.get(int(arg))
    if form is None:
        raise not_found()
    return success({"form": form})


async def list_actions(request: Request) -> Response:
    space = space_of(request)
    zero = {"NbVisites": 0, "NbContacts": 0, "NbVisitesDeclared": 0}
    aggregates = [
        {"Action": action, **zero, **space.action_stats.get(action_id, {})}
        for action_id, action in sorted(space.actions.items())
    ]
    return success({"ActionsAggreg": aggregates})


HANDLERS = {"list_forms": list_forms, "get_form": get_form, "list_actions": list_actions}
