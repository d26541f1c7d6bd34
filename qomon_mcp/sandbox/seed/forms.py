"""The demo forms (advanced fields) and the answers contacts give to them.

Form and refvalue ids are small and fixed, independent of the seed and region:
the docs' search example uses form 4530 with refvalue 7486 ("consent_email"),
so the first form takes 4530 and its first refvalue 7486 and the rest follow.
Every label is unique except "Comments", a text question in both surveys, so
that label lookups can be tested against an ambiguous label.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qomon_mcp.sandbox.seed.common import Clock, iso
from qomon_mcp.sandbox.space import Space

__all__ = ["FIRST_FORM_ID", "FIRST_REFVALUE_ID", "FormAnswerer", "add_forms"]

FIRST_FORM_ID = 4530
FIRST_REFVALUE_ID = 7486

Record = dict[str, Any]

# A choice is (label, value) or (label, value, color); a free-text form has one
# refvalue whose label repeats the question; numeric and range forms carry bounds.
_SUPPORT_COLORS = ("#1E8E3E", "#7CB342", "#FBC02D", "#FB8C00", "#D32F2F")
_FORMS: list[tuple[str, str, str, str, bool, list[tuple]]] = [
    (
        "consent",
        "checkbox",
        "Consents",
        "General communication",
        False,
        [("Email", "consent_email"), ("SMS", "consent_sms"), ("Phone", "consent_phone")],
    ),
    (
        "consent",
        "radio",
        "Consents",
        "Data processing",
        True,
        [("Accepted", "accepted"), ("Refused", "refused")],
    ),
    (
        "level_of_support",
        "radio",
        "Support",
        "Level of support",
        False,
        [
            (label, value, color)
            for (label, value), color in zip(
                [
                    ("Strong support", "strong_support"),
                    ("Leaning", "leaning"),
                    ("Undecided", "undecided"),
                    ("Leaning against", "leaning_against"),
                    ("Opposed", "opposed"),
                ],
                _SUPPORT_COLORS,
                strict=True,
            )
        ],
    ),
    (
        "survey",
        "checkbox",
        "Local priorities 2026",
        "Priority issues",
        False,
        [
            ("Housing", "housing"),
            ("Transport", "transport"),
            ("Environment", "environment"),
            ("Safety", "safety"),
            ("Health", "health"),
            ("Education", "education"),
            ("Jobs", "jobs"),
        ],
    ),
    (
        "survey",
        "radio",
        "Local priorities 2026",
        "Volunteering",
        False,
        [
            ("Interested in volunteering", "Interested in volunteering"),
            ("Not interested", "Not interested"),
            ("Already volunteering", "Already volunteering"),
        ],
    ),
    ("survey", "text", "Local priorities 2026", "Comments", False, []),
    (
        "survey",
        "radio",
        "Door-to-door feedback",
        "Heard of the campaign",
        False,
        [("Yes", "yes"), ("No", "no")],
    ),
    ("survey", "range", "Door-to-door feedback", "Likelihood to vote", False, [(0, 10, 1)]),
    ("survey", "date", "Door-to-door feedback", "Preferred callback date", False, []),
    ("survey", "text", "Door-to-door feedback", "Comments", False, []),
    (
        "custom_fields",
        "radio",
        "Membership",
        "Membership type",
        False,
        [
            ("Individual", "individual"),
            ("Family", "family"),
            ("Student", "student"),
            ("Honorary", "honorary"),
        ],
    ),
    ("custom_fields", "text", "Profile", "Favourite food", False, []),
    (
        "custom_fields",
        "checkbox",
        "Profile",
        "Languages spoken",
        False,
        [
            (v.capitalize(), v)
            for v in ("english", "french", "spanish", "german", "arabic", "italian", "portuguese", "chinese")
        ],
    ),
    ("custom_fields", "numeric", "Volunteering", "Volunteer hours", False, [(0, 2000, 1)]),
    ("custom_fields", "date", "Membership", "Date joined", False, []),
    (
        "presence_status",
        "radio",
        "Presence",
        "Presence",
        False,
        [("Present", "present"), ("Absent", "absent"), ("Excused", "excused")],
    ),
    (
        "tasks",
        "checkbox",
        "Follow-up",
        "Follow-up",
        False,
        [
            ("Send information", "send_information"),
            ("Call back", "call_back"),
            ("Invite to an event", "invite_to_event"),
            ("Add to newsletter", "add_to_newsletter"),
        ],
    ),
    (
        "tasks",
        "radio",
        "Follow-up",
        "Yard sign",
        False,
        [("Requested", "requested"), ("Installed", "installed")],
    ),
]

# label -> (share of contacts who answered, how many choices for a checkbox)
_ANSWER_RATE = {
    "General communication": 0.65,
    "Data processing": 0.55,
    "Level of support": 0.45,
    "Priority issues": 0.22,
    "Volunteering": 0.18,
    "Heard of the campaign": 0.15,
    "Likelihood to vote": 0.12,
    "Preferred callback date": 0.03,
    "Membership type": 0.12,
    "Favourite food": 0.05,
    "Languages spoken": 0.15,
    "Volunteer hours": 0.07,
    "Date joined": 0.10,
    "Presence": 0.08,
    "Follow-up": 0.07,
    "Yard sign": 0.02,
}
_COMMENTS = (
    "Wants more bike lanes",
    "Worried about rent increases",
    "Asked for the programme",
    "Not home, left a flyer",
    "Will come to the next meeting",
    "Concerned about school closures",
    "Supportive but very busy",
    "Asked to be called back in the evening",
    "Neighbour also interested",
)
_FOODS = {
    "eu": ("couscous", "ratatouille", "crêpes", "sushi", "lasagne", "pho", "cassoulet", "pizza"),
    "us": ("burgers", "tacos", "barbecue", "pizza", "sushi", "gumbo", "bagels", "pho"),
}


def add_forms(space: Space) -> None:
    form_id, ref_id = FIRST_FORM_ID, FIRST_REFVALUE_ID
    for order, (category, kind, section, label, mandatory, choices) in enumerate(_FORMS, start=1):
        if kind in ("numeric", "range"):
            low, high, step = choices[0]
            specs = [{"label": label, "value": kind, "min": low, "max": high, "step": step}]
        elif not choices:
            specs = [{"label": label, "value": kind}]
        else:
            specs = [
                {
                    "label": c[0],
                    "value": c[1],
                    "color": c[2] if len(c) > 2 else None,
                    "followed": category == "tasks",
                }
                for c in choices
            ]
        refvalues = []
        for spec in specs:
            refvalues.append(_refvalue(ref_id, form_id, **spec))
            ref_id += 1
        space.forms[form_id] = {
            "id": form_id,
            "group_id": [space.group_id],
            "type": kind,
            "section": section,
            "order": order,
            "label": label,
            "mandatory": mandatory,
            "refvalues": refvalues,
        }
        space.form_types[form_id] = category
        form_id += 1


def _refvalue(
    ref_id: int,
    form_id: int,
    label: str,
    value: str,
    *,
    min=None,
    max=None,
    step=None,
    color=None,
    followed=False,
) -> Record:
    return {
        "id": ref_id,
        "form_id": form_id,
        "label": label,
        "value": value,
        "min": min,
        "max": max,
        "step": step,
        "color": color,
        "followed": followed,
    }


@dataclass
class _Question:
    form: Record
    category: str
    rate: float


class FormAnswerer:
    """Draws a contact's answers, as FormData records, to the space's forms."""

    def __init__(self, space: Space, rng: random.Random) -> None:
        self.space, self.rng = space, rng
        self.foods = _FOODS[space.region]
        self.questions = [
            _Question(form, space.form_types[fid], _ANSWER_RATE.get(form["label"], 0.1))
            for fid, form in space.forms.items()
        ]

    def answer(
        self, contact: Record, start: datetime, end: datetime, clock: Clock
    ) -> tuple[list[Record], list[Record]]:
        rng = self.rng
        formdatas: list[Record] = []
        customfields: list[Record] = []
        for q in self.questions:
            if rng.random() >= q.rate:
                continue
            form = q.form
            when = clock.between(rng, start, end)
            target = customfields if q.category == "custom_fields" else formdatas
            for ref, data in self._pick(form, when):
                done = iso(clock.between(rng, when, end)) if q.category == "tasks" and rng.random() < 0.6 else None
                target.append(self._formdata(contact, form, ref, data, iso(when), done))
        return formdatas, customfields

    def _pick(self, form: Record, when: datetime) -> list[tuple[Record, str]]:
        rng, refs, kind, label = self.rng, form["refvalues"], form["type"], form["label"]
        if kind == "checkbox":
            if label == "General communication":
                # Most people who consent at all agree to email; fewer to SMS or phone.
                chosen = [r for r, p in zip(refs, (0.9, 0.5, 0.25), strict=True) if rng.random() < p]
                chosen = chosen or [refs[0]]
            else:
                chosen = rng.sample(refs, k=min(len(refs), rng.choice((1, 1, 2, 3))))
            return [(r, r["value"]) for r in chosen]
        if kind == "radio":
            weights = (4, 3, 3, 1, 1, 1, 1)[: len(refs)]
            ref = rng.choices(refs, weights=weights)[0]
            return [(ref, ref["value"])]
        ref = refs[0]
        if kind == "text":
            data = rng.choice(self.foods if label == "Favourite food" else _COMMENTS)
        elif kind == "date":
            data = iso(when.replace(hour=0, minute=0, second=0))
        elif kind == "range":
            data = str(rng.randint(ref["min"], ref["max"]))
        else:
            data = str(rng.choice((2, 4, 6, 10, 12, 20, 35, 50, 80, 120)))
        return [(ref, data)]

    def _formdata(self, contact: Record, form: Record, ref: Record, data: str, when: str, done: str | None) -> Record:
        return {
            "id": self.space.next_id(),
            "form_id": form["id"],
            "form_ref_id": ref["id"],
            "data": data,
            "date": when,
            "donedate": done,
            "label": ref["label"],
            "type_of_form": form["type"],
            "group_id": self.space.group_id,
            "contact_id": contact["id"],
            "created_at": when,
            "updated_at": when,
            "deleted_at": None,
        }
