"""What happened to the demo contacts: emails, sanctions, interactions, action totals.

Campaign 42 is the docs' search example ("delivered but not opened"), so it is
recent and large enough that both its opened and unopened sides are populated.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from qomon_mcp.sandbox.seed.common import Clock, iso
from qomon_mcp.sandbox.space import Space

__all__ = ["CAMPAIGNS", "add_action_stats", "add_emails", "add_interactions", "add_sanctions"]

Record = dict[str, Any]

# (id, name, goal, type, days before the anchor, successful, rating, template, subject, share, urls)
CAMPAIGNS = (
    (
        17,
        "Welcome series",
        "information",
        "automation",
        700,
        True,
        64,
        (301, "Welcome"),
        "Welcome aboard!",
        0.15,
        ("https://example.org/get-involved",),
    ),
    (
        28,
        "Spring fundraising appeal",
        "fundraising",
        "campaign",
        560,
        True,
        58,
        (302, "Appeal"),
        "Help us keep going this spring",
        0.35,
        ("https://example.org/donate",),
    ),
    (
        35,
        "Volunteer call-out",
        "mobilization",
        "campaign",
        400,
        False,
        31,
        (303, "Call to action"),
        "We need you this weekend",
        0.3,
        ("https://example.org/volunteer",),
    ),
    (
        42,
        "October newsletter",
        "newsletter",
        "campaign",
        12,
        True,
        72,
        (304, "Monthly newsletter"),
        "Our October news",
        0.45,
        ("https://example.org/news/october", "https://example.org/events"),
    ),
    (
        51,
        "Town hall invitation",
        "mobilization",
        "campaign",
        60,
        True,
        66,
        (303, "Call to action"),
        "You're invited: town hall meeting",
        0.3,
        ("https://example.org/events/town-hall",),
    ),
    (
        63,
        "Membership renewal reminder",
        "fundraising",
        "campaign",
        35,
        False,
        38,
        (305, "Reminder"),
        "Your membership is about to expire",
        0.2,
        ("https://example.org/renew",),
    ),
)
_WELCOME = 17
_SENDER = {"eu": "contact@example.org", "us": "hello@example.org"}
_SANCTION_STATUSES = ("warning", "suspended", "excluded")
_INTERACTION_TYPE = {
    "canvassing": "door",
    "gotvcanvassing": "door",
    "static": "door",
    "challenge": "door",
    "other": "door",
    "calling": "call",
    "gotvcalling": "call",
    "call": "call",
    "mail": "mail",
    "sharing": "mail",
    "event": "event",
}
# Action kind -> (type, sub_type) of its interaction records; the reference gives letter|call
# as the types and leaves sub_type's values unsaid, so these sub_types are our own.
_INTERACTION_KINDS = {"call": ("call", "outgoing"), "mail": ("letter", "sent")}
_COMMENTS = {
    "door": ("Nobody home, flyer left", "Good conversation", "Wants to be kept informed", "Not interested"),
    "call": ("Voicemail", "Will volunteer next month", "Asked to call back later", "Wrong number"),
    "mail": ("Leaflet delivered",),
    "event": ("Came with a friend", "Signed the petition at the event"),
}


def add_emails(space: Space, rng: random.Random, clock: Clock) -> None:
    reachable = [c for c in space.contacts.values() if c.get("mail")]
    senders = [u["id"] for u in space.users.values() if u["role"] in ("superadmin", "admin")]
    for spec in CAMPAIGNS:
        cid, name, goal, kind, days_ago, success, rating, template, subject, share, urls = spec
        sent = clock.days(-days_ago).replace(hour=10, minute=0, second=0)
        sender_user = senders[cid % len(senders)]
        for contact in reachable:
            # Blocked contacts only ever got the welcome email, which recorded the block.
            if contact["black_list"] and cid != _WELCOME:
                continue
            if rng.random() >= share and not (contact["black_list"] and cid == _WELCOME):
                continue
            record = {
                "created_at": iso(sent),
                "type": kind,
                "sender": _SENDER[space.region],
                "subject": subject,
                "user_id": sender_user,
                "campaign_id": cid,
                "campaign_name": name,
                "campaign_goal": goal,
                "campaign_is_successful": success,
                "campaign_performance_rating": rating,
                "template_id": template[0],
                "template_name": template[1],
                "clicked_urls": [],
            }
            record.update(_engagement(rng, clock, sent, urls, blocked=contact["black_list"]))
            space.emails.setdefault(contact["id"], []).append(record)


def _engagement(rng: random.Random, clock: Clock, sent: datetime, urls: tuple[str, ...], *, blocked: bool) -> Record:
    at = dict.fromkeys(
        (
            "delivered_at",
            "opened_at",
            "clicked_at",
            "bounced_at",
            "unsubscribed_at",
            "blacklisted_at",
            "abuse_report_at",
        )
    )
    out: Record = {}
    moment = sent + timedelta(seconds=rng.randint(1, 600))
    if rng.random() < 0.08:
        at["bounced_at"] = moment
    else:
        at["delivered_at"] = moment
        if rng.random() < 0.38:
            moment = min(clock.anchor, moment + timedelta(seconds=rng.randint(60, 5 * 86400)))
            at["opened_at"] = moment
            if rng.random() < 0.3:
                at["clicked_at"] = min(clock.anchor, moment + timedelta(seconds=rng.randint(5, 3600)))
                out["clicked_urls"] = rng.sample(urls, k=rng.randint(1, len(urls)))
        if rng.random() < 0.015:
            at["unsubscribed_at"] = min(clock.anchor, moment + timedelta(seconds=rng.randint(5, 600)))
        if rng.random() < 0.001:
            at["abuse_report_at"] = min(clock.anchor, moment + timedelta(seconds=rng.randint(5, 600)))
    if blocked:
        at["blacklisted_at"] = min(clock.anchor, moment + timedelta(days=rng.randint(1, 30)))
    out.update({key: iso(value) if value else None for key, value in at.items()})
    return out


def add_sanctions(space: Space, rng: random.Random, clock: Clock) -> None:
    """A few contacts under a sanction; the first half still ongoing, the rest ended."""
    contacts = list(space.contacts)
    chosen = rng.sample(contacts, k=min(len(contacts), max(4, len(contacts) // 200)))
    for n, contact_id in enumerate(chosen):
        start = clock.ago(rng, 700, 20).replace(hour=0, minute=0, second=0)
        if n < len(chosen) // 2:
            end = None if n % 2 == 0 else clock.days(rng.randint(10, 200)).replace(hour=0, minute=0, second=0)
        else:
            end = clock.between(rng, start + timedelta(days=7), clock.days(-2)).replace(hour=0, minute=0, second=0)
        space.sanctions[contact_id] = [
            {
                "created_at": iso(start - timedelta(days=rng.randint(0, 3))),
                "start_date": iso(start),
                "end_date": iso(end) if end else None,
                "status": _SANCTION_STATUSES[n % len(_SANCTION_STATUSES)],
            }
        ]


def add_interactions(space: Space, rng: random.Random, clock: Clock) -> None:
    """An interaction for most contacts reached by a calling or mailing action, dated within it.

    Records have the reference's shape (shapes file, "Types and rules"): `{id,
    created_at, type, sub_type, title, comments, files, user_id, action_id}`, with
    `type` letter or call. Door knocks and events are visits, not interactions, so
    they leave none; their random draws and ids are still taken, so the rest of
    the space does not move.
    """
    anchor = iso(clock.anchor)
    for contact in space.contacts.values():
        for action_id in contact["actions_ids"]:
            if rng.random() >= 0.8:
                continue
            action = space.actions[action_id]
            kind = _INTERACTION_TYPE[action["type_data"]]
            start = datetime.fromisoformat(action["start"][:-1])
            end = datetime.fromisoformat(min(action["end"], anchor)[:-1])
            created_at = iso(clock.between(rng, start, end))
            user_id = rng.choice(action["Users"])["id"]
            comment = rng.choice(_COMMENTS[kind]) if rng.random() < 0.25 else ""
            interaction_id = space.next_id()  # drawn even when skipped, so later ids stay put
            if kind not in _INTERACTION_KINDS:
                continue
            interaction_type, sub_type = _INTERACTION_KINDS[kind]
            space.interactions.setdefault(contact["id"], []).append(
                {
                    "id": interaction_id,
                    "created_at": created_at,
                    "type": interaction_type,
                    "sub_type": sub_type,
                    "title": action["name"],
                    "comments": comment,
                    "files": [],
                    "user_id": user_id,
                    "action_id": action_id,
                }
            )


def add_action_stats(space: Space, rng: random.Random) -> None:
    reached = Counter(a for c in space.contacts.values() for a in c["actions_ids"])
    for action_id, action in space.actions.items():
        contacts = reached[action_id]
        if _INTERACTION_TYPE[action["type_data"]] == "door":
            # Doors knocked where nobody answered count as visits without a contact.
            visits = contacts + rng.randint(contacts // 4, max(contacts // 4, contacts))
            declared = rng.randint(0, contacts // 3)
        else:
            # Calls, mailings and events count once per contact reached.
            visits, declared = contacts, 0
        space.action_stats[action_id] = {
            "NbVisites": visits,
            "NbContacts": contacts,
            "NbVisitesDeclared": declared,
        }
