"""Can a client that searches the tool list by keyword find the right tool?

    .venv/bin/python bench/tool_search.py

Agent clients that defer long tool lists pick tools by keyword search over each tool's
name, title and description. This ranks the default toolsets' tools with BM25 for
plain requests, in the words campaign staff use, and prints how often the tool each
request needs comes first and in the first three, with the misses.
Goals: first for >= 80 % of the requests, in the first three for >= 95 %.
tests/server/test_tool_search.py holds the registry to the same goals.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["FIRST_GOAL", "REQUESTS", "TOP3_GOAL", "default_documents", "misses", "rank", "rates"]

FIRST_GOAL = 0.80
TOP3_GOAL = 0.95

# (request, the tool it needs). Written as staff would type them; not taken from the descriptions.
REQUESTS: list[tuple[str, str]] = [
    ("record a 50 EUR donation from Jane Doe", "save_bundle"),
    ("Paul paid his annual membership by cheque, record it", "save_bundle"),
    ("change the donation amount on an existing payment", "save_bundle"),
    ("who are the admins of the space", "get_users"),
    ("list all the staff accounts", "get_users"),
    ("which invitations are still pending", "get_users"),
    ("what roles can I give to people", "get_users"),
    ("import these 80 people from my spreadsheet", "upsert_contacts"),
    ("sync the new sign-ups from our website into Qomon", "upsert_contacts"),
    ("add the newsletter tag to these 30 people", "upsert_contacts"),
    ("this person wants no more emails or calls, stop all communication", "upsert_contacts"),
    ("how many supporters live in Lyon", "count_contacts"),
    ("how many members renewed in 2025", "count_contacts"),
    ("how many contacts do we have in total", "count_contacts"),
    ("erase this person's data, it's a GDPR request", "delete_contact"),
    ("remove Marc Dupont from the database for good", "delete_contact"),
    ("list the volunteers in Marseille", "search_contacts"),
    ("who donated more than 100 euros this year", "search_contacts"),
    ("find contacts with no mobile number", "search_contacts"),
    ("export the contacts changed since yesterday", "search_contacts"),
    ("what's the email and address of Jane Doe", "search_contacts"),
    ("show the people who opened our last email campaign", "search_contacts"),
    ("show me everything about contact 48213", "get_contact"),
    ("read the full record of supporter id 1000120", "get_contact"),
    ("refund Paul's membership fee", "refund_bundle"),
    ("give back 10 euros of that donation", "refund_bundle"),
    ("this payment was entered twice, cancel it", "delete_bundle"),
    ("delete the wrong transaction", "delete_bundle"),
    ("show the last payments we received", "get_bundles"),
    ("show the history of this transaction", "get_bundles"),
    ("invite my colleague marie@example.org to Qomon", "invite_users"),
    ("give three new volunteers access to the app", "invite_users"),
    ("make Sophie an administrator", "change_user_role"),
    ("promote an organizer to staff", "change_user_role"),
    ("Tom left the campaign, remove his access", "revoke_access"),
    ("withdraw the invitation I sent to Luc", "revoke_access"),
    ("which canvassing sessions are planned this week", "get_actions"),
    ("how many doors were knocked in the last door-to-door", "get_actions"),
    ("list our phone banks and events", "get_actions"),
    ("create a team for the north district volunteers", "save_team"),
    ("add Julie to the Lyon team", "save_team"),
    ("delete the old phone bank team", "delete_team"),
    ("which teams do we have and who leads them", "get_teams"),
    ("who is in team Paris Nord", "get_teams"),
    ("notify every volunteer of the team that the meeting moved", "send_global_message"),
    ("send a push notification to the canvassers", "send_global_message"),
    ("what membership prices do we offer", "get_fundraising_reference"),
    ("which payment methods and statuses are set up", "get_fundraising_reference"),
    ("what consent options do we have", "get_forms"),
    ("what survey questions do we ask at the door", "get_forms"),
    ("which levels of support can a contact have", "get_forms"),
    ("set Jean's level of support to strong supporter", "save_contact"),
    ("add a new supporter, Ana Lopez, with her email", "save_contact"),
    ("fix the address of one contact", "save_contact"),
    ("change the phone number on Léa's user profile", "update_user"),
]

_WORD = re.compile(r"[a-z0-9]+")
_K1, _B = 1.2, 0.75


def tokens(text: str) -> list[str]:
    """Lowercase words; `search_contacts` gives `search` and `contacts` (the underscore splits)."""
    return _WORD.findall(text.lower())


def rank(query: str, documents: dict[str, str]) -> list[str]:
    """The documents' names, best BM25 score first (ties by name, so the order is stable)."""
    words = {name: tokens(text) for name, text in documents.items()}
    average = sum(map(len, words.values())) / len(words)
    frequency = Counter(word for doc in words.values() for word in set(doc))
    total = len(words)

    def score(doc: list[str]) -> float:
        counts = Counter(doc)
        result = 0.0
        for word in set(tokens(query)):
            tf = counts[word]
            if tf:
                idf = math.log(1 + (total - frequency[word] + 0.5) / (frequency[word] + 0.5))
                result += idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * len(doc) / average))
        return result

    return sorted(words, key=lambda name: (-score(words[name]), name))


def default_documents() -> dict[str, str]:
    """Name, title and description of each tool a client lists by default."""
    from qomon_mcp.assemble import all_tool_specs
    from qomon_mcp.toolset_table import DEFAULT_TOOLSETS

    specs = [s for s in all_tool_specs() if s.toolset in DEFAULT_TOOLSETS]
    return {s.name: f"{s.name} {s.title} {s.description}" for s in specs}


def rates(documents: dict[str, str], requests: Iterable[tuple[str, str]] = REQUESTS) -> tuple[float, float]:
    """Share of requests whose tool comes first, and in the first three."""
    ranks = [rank(request, documents).index(tool) for request, tool in requests]
    return sum(r == 0 for r in ranks) / len(ranks), sum(r < 3 for r in ranks) / len(ranks)


def misses(documents: dict[str, str], requests: Iterable[tuple[str, str]] = REQUESTS) -> list[str]:
    """One line per request whose tool is not first: the request, the tool, and what came first."""
    lines = []
    for request, tool in requests:
        order = rank(request, documents)
        if order[0] != tool:
            lines.append(f"#{order.index(tool) + 1} {tool:<26} {request!r} (first: {', '.join(order[:3])})")
    return lines


def main() -> None:
    documents = default_documents()
    first, top3 = rates(documents)
    print(f"tools: {len(documents)}, requests: {len(REQUESTS)}")
    print(f"right tool first:      {first:6.1%} (goal >= {FIRST_GOAL:.0%})")
    print(f"right tool in top 3:   {top3:6.1%} (goal >= {TOP3_GOAL:.0%})")
    for line in misses(documents):
        print(f"  {line}")


if __name__ == "__main__":
    main()
