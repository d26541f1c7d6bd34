"""The one sentence per kind of missing record: what it says, whichever path reaches it."""

from __future__ import annotations

import pytest

from qomon_mcp.server.explain import Missing, missing


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        ("contact", "Contact 7 does not exist in this space (or was deleted); find contact ids with search_contacts."),
        ("team", "Team 7 does not exist in this space (or was deleted); list teams with get_teams."),
        ("user", 'User 7 does not exist in this space (or was deleted); list ids with get_users view="users".'),
        (
            "invitation",
            'Invitation 7 does not exist in this space (or was deleted); list ids with get_users view="invitations".',
        ),
        ("bundle", "Bundle 7 does not exist in this space (or was deleted); list bundle ids with get_bundles."),
        (
            "form",
            "Form 7 does not exist in this space (or was deleted); list the forms with get_forms and a form_type.",
        ),
        (
            "action",
            "Action 7 does not exist in this space (or was deleted); "
            "list the actions with get_actions and no action_id.",
        ),
    ],
)
def test_each_kind_of_record_has_one_sentence(kind: str, sentence: str) -> None:
    assert missing(kind, 7) == sentence  # type: ignore[arg-type]


def test_a_tool_names_the_argument_holding_the_id() -> None:
    chatgpt = Missing("contact", "id", finder="find contacts with search")
    told = chatgpt.sentence({"id": 12})
    assert told == "Contact 12 does not exist in this space (or was deleted); find contacts with search."
    # Without the id (save_contact creating), a 404 is not about a missing record.
    assert Missing("contact", "contact_id").sentence({"contact_id": None}) is None
