"""The organisation side of a demo space: roles, users, teams, invitations, actions."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from qomon_mcp.sandbox.seed.common import Clock, iso
from qomon_mcp.sandbox.seed.identity import Identity, IdentityMaker
from qomon_mcp.sandbox.seed.vocab import City, region_vocab
from qomon_mcp.sandbox.space import Space

__all__ = ["ROLE_SPECS", "add_actions", "add_org", "space_cities", "team_user"]

Record = dict[str, Any]

# Roles keep small fixed ids, 101-105 in this order, so tests can name them.
_FIRST_ROLE_ID = 101
# (type, display name, number of users holding it); the display names are Qomon's defaults.
ROLE_SPECS = (
    ("superadmin", "Administrator", 2),
    ("admin", "Staff", 5),
    ("manager", "Organizer", 9),
    ("user", "Champ", 22),
    ("custom", "Fundraising officer", 2),
)

_TEAMS = {
    "eu": (
        "Paris Centre",
        "Lyon Presqu'île",
        "Marseille Nord",
        "Phone bank",
        "Youth",
        "Event crew",
        "Fundraising committee",
        "Board",
    ),
    "us": (
        "Downtown",
        "Eastside",
        "Northside",
        "Phone bank",
        "Youth",
        "Event crew",
        "Fundraising committee",
        "Board",
    ),
}
_PRIVATE_TEAMS = {"Fundraising committee", "Board"}
# The first local teams have an address. These Address records take small fixed
# ids (201 up) rather than `Space.next_id()`, so that every later id of the space
# stays as it is whether or not teams carry an address.
_FIRST_TEAM_ADDRESS_ID = 201
_TEAMS_WITH_ADDRESS = 3

# (type, name with {n} = the n-th largest city, days before the anchor it starts, duration in days).
# Negative start days are upcoming actions.
_ACTIONS = (
    ("canvassing", "Door-to-door canvass — {0}", 520, 30),
    ("canvassing", "Door-to-door canvass — {1}", 480, 21),
    ("canvassing", "Weekend canvass — {2}", 300, 14),
    ("canvassing", "Housing survey — {0}", 150, 45),
    ("canvassing", "Door-to-door canvass — {3}", 40, 60),
    ("canvassing", "Door-to-door canvass — {5}", -7, 30),
    ("gotvcanvassing", "Get out the vote — {0}", 210, 7),
    ("gotvcanvassing", "Get out the vote — {1}", 208, 5),
    ("calling", "Phone bank — membership renewal", 330, 20),
    ("calling", "Phone bank — volunteer recruitment", 95, 14),
    ("gotvcalling", "GOTV calls — final weekend", 206, 3),
    ("call", "Donor thank-you calls", 60, 10),
    ("event", "Town hall meeting — {4}", 400, 1),
    ("event", "Summer picnic — {1}", 120, 1),
    ("event", "Fundraising gala", 250, 1),
    ("event", "Volunteer training night", 20, 1),
    ("event", "Annual general meeting", -21, 1),
    ("event", "Neighbourhood assembly — {5}", -45, 1),
    ("mail", "Leaflet drop — {2}", 180, 10),
    ("mail", "Postal mailing — autumn programme", 35, 7),
    ("sharing", "Share the petition online", 260, 60),
    ("sharing", "Social media week of action", 75, 7),
    ("static", "Market stall — {0}", 90, 1),
    ("static", "Information stand — {3}", 15, 2),
    ("challenge", "Volunteer challenge: 1,000 doors", 140, 30),
    ("other", "Data clean-up sprint", 10, 5),
)
_PITCH = {
    "canvassing": "Introduce yourself, ask about their priorities for the neighbourhood, note their level of "
    "support and offer to keep them informed.",
    "calling": "Thank them for their support, ask whether they can give an hour this month, log the answer.",
    "event": "Welcome guests, collect contact details and consents at the entrance.",
    "mail": "One leaflet per letterbox; skip the ones marked 'no flyers'.",
    "sharing": "Share the link with your friends and on your social networks.",
}


def team_user(user: Record) -> Record:
    return {
        "id": user["id"],
        "firstname": user["firstname"],
        "surname": user["surname"],
        "mail": user["mail"],
    }


def add_org(space: Space, rng: random.Random, clock: Clock, people: IdentityMaker) -> list[tuple[Record, Identity]]:
    """Roles, users, teams and invitations; returns each user with its identity."""
    roles = {}
    for order, (kind, name, _) in enumerate(ROLE_SPECS, start=1):
        role: Record = {"id": _FIRST_ROLE_ID + order - 1, "name": name, "type": kind, "order": order}
        space.roles[role["id"]] = roles[kind] = role
    users = []
    for kind, _, count in ROLE_SPECS:
        for _ in range(count):
            users.append(_user(space, rng, clock, people, roles[kind]))
    _add_teams(space, rng, clock, [u for u, _ in users])
    staff = [u for u, _ in users if u["role"] in ("superadmin", "admin")]
    for n in range(5):
        kind = ("user", "user", "manager", "user", "admin")[n]
        who = people.identity()
        created = clock.ago(rng, 40, 2)
        invitation_id = space.next_id()
        space.invitations[invitation_id] = {
            "id": invitation_id,
            "group_id": space.group_id,
            "email": who.mail,
            "mobile_phone": who.mobile if n % 2 == 0 else None,
            "role_id": roles[kind]["id"],
            # shapes file, "Types and rules": an Invitation's role is a Role object.
            "role": dict(roles[kind]),
            "created_at": iso(created),
            "last_sent": iso(clock.between(rng, created, clock.days(-1))),
            "user_id": staff[n % len(staff)]["id"],
        }
    return users


def _user(
    space: Space, rng: random.Random, clock: Clock, people: IdentityMaker, role: Record
) -> tuple[Record, Identity]:
    who = people.identity()
    address = people.address(space, who.city)
    created = clock.ago(rng, 1100, 30)
    user = {
        "id": space.next_id(),
        "firstname": who.firstname,
        "surname": who.surname,
        "mail": who.mail,
        "phone": who.mobile,
        "address": f"{address['housenumber']} {address['street']}",
        "city": who.city.name,
        "postal": address["postalcode"],
        "location": f"{who.city.name}, {who.city.country}",
        "birthdate": iso(clock.days(-rng.randint(18 * 365, 70 * 365)).replace(hour=0, minute=0, second=0))
        if rng.random() < 0.7
        else None,
        "locale": people.vocab.locale if rng.random() < 0.9 else ("en" if space.region == "eu" else "es"),
        "role": role["type"],
        "role_data": dict(role),
        "group_id": space.group_id,
        "selected_group_id": [space.group_id],
        "created_at": iso(created),
        "updated_at": iso(clock.between(rng, created, clock.days(-1))),
    }
    space.users[user["id"]] = user
    return user, who


def _add_teams(space: Space, rng: random.Random, clock: Clock, users: list[Record]) -> None:
    leaders_pool = [u for u in users if u["role"] in ("admin", "manager")]
    members_pool = [u for u in users if u["role"] in ("manager", "user", "custom")]
    vocab_cities = region_vocab(space.region).cities[:6]
    names = list(_TEAMS[space.region])
    # One team was deleted last year; its record stays, as Qomon soft-deletes teams.
    names.append("Spring canvass (archived)")
    for n, name in enumerate(names):
        deleted = n == len(names) - 1
        created = clock.ago(rng, 1000, 400 if deleted else 60)
        last_change = clock.days(-rng.randint(150, 300)) if deleted else clock.days(-2)
        leaders = rng.sample(leaders_pool, k=1 if n % 3 else 2)
        members = rng.sample(members_pool, k=rng.randint(3, 10))
        private = name in _PRIVATE_TEAMS
        city = vocab_cities[n % len(vocab_cities)]
        team: Record = {
            "id": space.next_id(),
            "name": name,
            "description": f"{name}: coordination of members and volunteers." if n % 4 else None,
            "private": private,
            "hide_users": name == "Board",
            "leaders": [team_user(u) for u in leaders],
            # shapes file, "Types and rules": leaders are among a team's users.
            "users": [team_user(u) for u in members if u not in leaders] + [team_user(u) for u in leaders],
            "address": _team_address(city, _FIRST_TEAM_ADDRESS_ID + n) if n < _TEAMS_WITH_ADDRESS else None,
            "created_at": iso(created),
            "updated_at": iso(clock.between(rng, created, last_change)),
        }
        if deleted:
            team["deleted_at"] = iso(last_change)
        space.teams[team["id"]] = team


def _team_address(city: City, address_id: int) -> Record:
    """A team's meeting place in the contact address shape (shapes file, "Types and rules")."""
    return {
        "id": address_id,
        "housenumber": "",
        "street": "",
        "postalcode": city.postcodes[0],
        "citycode": city.citycodes[0] if city.citycodes else None,
        "city": city.name,
        "state": city.state,
        "country": city.country,
        "addition": None,
        "infos": None,
        "building": None,
        "floor": None,
        "door": None,
        "pollingstation": None,
        "score": None,
        "latitude": city.lat,
        "longitude": city.lon,
        "location": None,
        "invalid": False,
    }


def space_cities(space: Space) -> list[str]:
    """The six largest cities of the region, which name local teams and actions."""
    return [c.name for c in region_vocab(space.region).cities[:6]]


def add_actions(space: Space, rng: random.Random, clock: Clock) -> None:
    users = list(space.users.values())
    creators = [u for u in users if u["role"] in ("superadmin", "admin", "manager")]
    field = [u for u in users if u["role"] in ("manager", "user", "custom")]
    teams = space.live_teams()
    cities = space_cities(space)
    for kind, name, days_ago, duration in _ACTIONS:
        start = clock.days(-days_ago).replace(hour=18 if kind == "event" else 9, minute=0, second=0)
        end = start + (timedelta(hours=3) if duration == 1 else timedelta(days=duration, hours=9))
        creator = rng.choice(creators)
        crew = rng.sample(field, k=rng.randint(2, 4) if kind == "event" else rng.randint(3, 10))
        slug = name.split(" — ")[0].lower().replace(" ", "-").replace(":", "").replace(",", "")
        door = kind in ("canvassing", "gotvcanvassing", "challenge", "static")
        phone = kind in ("calling", "gotvcalling", "call")
        action = {
            "id": space.next_id(),
            "name": name.format(*cities),
            "type_data": kind,
            "pitch": _PITCH.get(kind if not phone else "calling", _PITCH["canvassing"] if door else ""),
            "status": "finished" if end < clock.anchor else "todo",
            "group_id": space.group_id,
            "Users": [{"id": u["id"], "firstname": u["firstname"], "surname": u["surname"]} for u in crew],
            "Teams": [{"id": t["id"], "name": t["name"]} for t in rng.sample(teams, k=rng.randint(0, 2))],
            "start": iso(start),
            "end": iso(end),
            "goal": rng.randrange(200, 2000, 50)
            if door
            else rng.randrange(100, 800, 50)
            if phone
            else rng.randrange(30, 300, 10),
            "goal_forms": 0,
            "link": f"https://example.org/act/{slug}" if kind == "sharing" else "",
            "public": kind in ("event", "sharing"),
            "registration_link": f"https://example.org/events/{slug}" if kind == "event" else "",
            "created_by": creator["id"],
            "created_by_detail": {"first_name": creator["firstname"], "last_name": creator["surname"]},
        }
        # shapes file, "Types and rules": goal_forms is an integer, a number of forms to fill in.
        action["goal_forms"] = action["goal"] // 4 if door or phone else 0
        space.actions[action["id"]] = action
