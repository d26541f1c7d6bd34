"""Demo contacts, in the read shape of GET /contacts/{id}.

Contact ids form one contiguous block so that tests can reason about ranges.
A handful of contacts are updated in the last day and a few dozen in the last
week (counted off the anchor), so polling with `UpdatedAt gte now-1d/d` finds
something but not everything. Some optional keys are absent rather than null,
as in responses from older records on live spaces.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from typing import Any

from qomon_mcp.sandbox.seed.common import Clock, iso
from qomon_mcp.sandbox.seed.forms import FormAnswerer
from qomon_mcp.sandbox.seed.identity import Identity, IdentityMaker
from qomon_mcp.sandbox.seed.vocab import TAGS
from qomon_mcp.sandbox.space import Space

__all__ = ["add_contacts"]

Record = dict[str, Any]

# Actions contacts were reached by, weighted by how many people each kind touches.
_ACTION_WEIGHT = {
    "canvassing": 6,
    "gotvcanvassing": 4,
    "calling": 4,
    "gotvcalling": 3,
    "call": 1,
    "event": 2,
    "static": 1,
    "challenge": 1,
    "mail": 1,
    "sharing": 1,
    "other": 0.2,
}
_OPTIONAL_KEYS = ("married_name", "birthdept", "birthcity", "birthcountry", "nationality")
_NOTES = (
    "Prefers to be contacted in the evening.",
    "Met at the market stall, keen to help with leaflets.",
    "Asked not to be called on weekends.",
    "Former member, may renew.",
    "Runs the local residents' association.",
)
_AGE_BOUNDS = (25, 35, 45, 55, 65, 75)
_TAG_COLORS = {name: color for name, color, _ in TAGS}


def add_contacts(
    space: Space,
    rng: random.Random,
    clock: Clock,
    people: IdentityMaker,
    answerer: FormAnswerer,
    users: list[tuple[Record, Identity]],
    count: int,
) -> None:
    ids = [space.next_id() for _ in range(count)]
    in_last_day = set(rng.sample(range(count), k=min(count, max(3, count // 300))))
    in_last_week = set(rng.sample(range(count), k=min(count, max(5, count // 100)))) - in_last_day
    editors = [u["id"] for u, _ in users]
    past_actions = [a for a in space.actions.values() if a["start"] < iso(clock.anchor)]
    action_cum = list(itertools.accumulate(_ACTION_WEIGHT[a["type_data"]] for a in past_actions))
    tag_counts = dict.fromkeys((name for name, _, _ in TAGS), 0)
    # A user's own contact record carries the user's identity and points back to the user.
    linked = [(u, who) for u, who in users if rng.random() < 0.75]
    for index, contact_id in enumerate(ids):
        if index < len(linked):
            user, who = linked[index]
        else:
            user, who = None, people.identity()
        created, updated = _timeline(rng, clock, index in in_last_day, index in in_last_week)
        contact = _contact(space, rng, clock, people, contact_id, who, created, updated)
        contact["user_id"] = rng.choice(editors) if rng.random() < 0.85 else None
        contact["user_contact_id"] = user["id"] if user else None
        contact["tags"] = _tags(rng, tag_counts, volunteer=user is not None)
        if past_actions and rng.random() < 0.35:
            picked = {a["id"] for a in rng.choices(past_actions, cum_weights=action_cum, k=rng.randint(1, 3))}
            contact["actions_ids"] = sorted(picked)
        contact["notes"] = _notes(space, rng, clock, editors, created) if rng.random() < 0.04 else []
        contact["formdatas"], contact["customfields"] = answerer.answer(contact, created, updated, clock)
        if index % 7 == 3:
            for key in _OPTIONAL_KEYS:
                if contact.get(key) is None:
                    contact.pop(key, None)
        space.contacts[contact_id] = contact
    for contact in space.contacts.values():
        for tag in contact["tags"]:
            tag["appearance_count"] = tag_counts[tag["name"]]
    # NationBuilder ids of contacts imported from NationBuilder, which upsert matches on.
    imported = rng.sample(ids, k=count // 12)
    for nb_id, contact_id in zip(rng.sample(range(10_000, 99_999), k=len(imported)), imported, strict=True):
        space.nationbuilder_ids[str(nb_id)] = contact_id


def _timeline(rng: random.Random, clock: Clock, last_day: bool, last_week: bool) -> tuple[datetime, datetime]:
    if last_day:
        updated = clock.ago(rng, 0.95, 0.01)
        # Some are brand new, the others are older records edited today.
        created = updated - timedelta(minutes=rng.randint(0, 90)) if rng.random() < 0.3 else clock.ago(rng, 1095, 8)
        return created, updated
    if last_week:
        updated = clock.ago(rng, 7, 1.05)
        created = updated if rng.random() < 0.2 else clock.ago(rng, 1095, 8)
        return created, updated
    created = clock.ago(rng, 1095, 8)
    updated = created if rng.random() < 0.45 else clock.between(rng, created, clock.days(-8))
    return created, updated


def _contact(
    space: Space,
    rng: random.Random,
    clock: Clock,
    people: IdentityMaker,
    contact_id: int,
    who: Identity,
    created: datetime,
    updated: datetime,
) -> Record:
    city = who.city
    birthdate = age_category = None
    if rng.random() < 0.78:
        age = rng.randint(18, 90) if rng.random() < 0.97 else rng.randint(15, 17)
        born = clock.anchor - timedelta(days=age * 365 + rng.randint(0, 364))
        birthdate = iso(born.replace(hour=0, minute=0, second=0))
        age_category = sum(age >= bound for bound in _AGE_BOUNDS)
    elif rng.random() < 0.3:
        # Age band estimated on the doorstep when the birthdate is unknown.
        age_category = rng.randint(0, 6)
    born_in = _birth(rng, people, city.country)
    married = None
    if who.gender == "F" and rng.random() < 0.15:
        married = rng.choice(people.vocab.surnames)
    has_address = rng.random() < 0.85
    return {
        "id": contact_id,
        "group_id": space.group_id,
        "CreatedAt": iso(created),
        "UpdatedAt": iso(updated),
        "lastchange": iso(updated),
        "firstname": who.firstname,
        "surname": who.surname,
        "married_name": married,
        "gender": who.gender,
        "birthdate": birthdate,
        "age_category": age_category,
        "birthdept": born_in[0],
        "birthcity": born_in[1],
        "birthcountry": born_in[2],
        "nationality": born_in[3],
        "mail": who.mail if rng.random() < 0.86 else None,
        "phone": who.phone if rng.random() < 0.3 else None,
        "mobile": who.mobile if rng.random() < 0.72 else None,
        "address": people.address(space, city) if has_address else None,
        "tags": [],
        "actions_ids": [],
        "user_id": None,
        "user_contact_id": None,
        "black_list": rng.random() < 0.015,
        "notes": [],
        "formdatas": [],
        "customfields": [],
    }


def _birth(rng: random.Random, people: IdentityMaker, home: str) -> tuple[str | None, ...]:
    """(birthdept, birthcity, birthcountry, nationality), known for about half the contacts."""
    if rng.random() >= 0.5:
        return (None, None, None, None)
    births = people.vocab.births
    country = home if home in births and rng.random() < 0.85 else rng.choice(list(births))
    nationality, cities = births[country]
    city = rng.choice(cities) if rng.random() < 0.8 else None
    dept = None
    if country == "France" and city:
        dept = {
            "Paris": "75",
            "Lyon": "69",
            "Marseille": "13",
            "Lille": "59",
            "Toulouse": "31",
            "Nantes": "44",
            "Rouen": "76",
        }[city]
    return (dept, city, country, nationality)


def _tags(rng: random.Random, counts: dict[str, int], *, volunteer: bool) -> list[Record]:
    names = [name for name, _, weight in TAGS if rng.random() < weight]
    if volunteer or "canvasser" in names:
        names.append("volunteer")
    tags = []
    for name in dict.fromkeys(names):
        counts[name] += 1
        tags.append({"name": name, "color": _TAG_COLORS[name], "appearance_count": 0})
    return tags


def _notes(space: Space, rng: random.Random, clock: Clock, editors: list[int], created: datetime) -> list[Record]:
    return [
        {
            "id": space.next_id(),
            "content": rng.choice(_NOTES),
            "created_at": iso(clock.between(rng, created, clock.days(-1))),
            "user_id": rng.choice(editors),
        }
        for _ in range(rng.randint(1, 2))
    ]
