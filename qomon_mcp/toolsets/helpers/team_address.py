"""A team's address: Qomon stores it as an Address object (the contact address shape).

`save_team` takes the address as parts, like `save_contact`, and merges them into
the object the team has; reads show it on one line. Older answers may carry a
plain string: it is shown as it is, and written back inside an Address object.
"""

from __future__ import annotations

from typing import Any

from qomon_mcp.qomon.models import Address
from qomon_mcp.toolsets.helpers.contact_writes import address_payload

__all__ = ["address_line", "merged_address", "team_address"]


def _joined(*parts: Any, sep: str = " ") -> str:
    return sep.join(str(p).strip() for p in parts if p not in (None, "") and str(p).strip())


def address_line(value: Any) -> str | None:
    """A team's address as people write it ("12 Rue X, 75001 Paris, France"): Qomon sends an
    Address object, older answers a plain string. Ids and geocoding results are left out."""
    if isinstance(value, dict):
        a = value
        lines = (
            _joined(a.get("housenumber"), a.get("street")),
            a.get("addition"),
            _joined(a.get("building"), a.get("floor"), a.get("door"), sep=", "),
            _joined(a.get("postalcode"), a.get("city")),
            a.get("state"),
            a.get("country"),
        )
        return _joined(*lines, sep=", ") or None
    return (value.strip() or None) if isinstance(value, str) else None


def team_address(value: Any) -> dict[str, Any] | None:
    """A team's address as PATCH /teams must send it back: the Address object's documented parts
    (an undocumented key could get the write refused).

    A legacy one-line string goes back as the street of an Address object: PATCH /teams is a
    full replace, so leaving it out would erase it, and Qomon takes only the object."""
    if isinstance(value, dict):
        return address_payload(Address.model_validate(value))
    if isinstance(value, str) and value.strip():
        return {"street": value.strip()}
    return None


# Geocoding results describe the old address; Qomon recomputes them from the new one.
_GEOCODED = ("latitude", "longitude", "score", "location", "invalid")


def merged_address(current: dict[str, Any] | None, parts: dict[str, str]) -> tuple[dict[str, Any] | None, list[str]]:
    """`current` (as `team_address` gives it) with `parts` changed ("" clears a part), and the names
    of the parts that changed."""
    base = dict(current or {})
    changed = []
    for name, value in parts.items():
        value = value.strip()
        if (base.get(name) or "") == value:
            continue
        changed.append(f"address.{name}")
        if value:
            base[name] = value
        else:
            base.pop(name, None)
    if not changed:
        return current, []
    for name in _GEOCODED:
        base.pop(name, None)
    return base or None, changed
