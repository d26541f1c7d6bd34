"""Keyword search over the tool list finds the tool a plain request needs (bench/tool_search.py).

Clients that defer long tool lists pick tools by BM25 over name, title and description;
the registry must keep the right tool first for most requests and in the first three for
nearly all. Deterministic: the same descriptions always give the same ranks.
"""

from __future__ import annotations

import pytest

from bench.tool_search import FIRST_GOAL, REQUESTS, TOP3_GOAL, default_documents, misses, rank, rates


def test_the_requests_are_many_and_name_real_tools() -> None:
    documents = default_documents()
    assert len(REQUESTS) >= 40
    assert {tool for _, tool in REQUESTS} <= set(documents)
    assert len({request for request, _ in REQUESTS}) == len(REQUESTS)


def test_keyword_search_finds_the_right_tool() -> None:
    documents = default_documents()
    first, top3 = rates(documents)
    report = "\n".join(misses(documents))
    assert first >= FIRST_GOAL, f"first for {first:.0%} only:\n{report}"
    assert top3 >= TOP3_GOAL, f"in the first three for {top3:.0%} only:\n{report}"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("refund", ["b", "a", "c"], id="rare-word-wins"),
        pytest.param("delete team", ["c", "a", "b"], id="more-matching-words-win"),
        pytest.param("nothing matches", ["a", "b", "c"], id="ties-by-name"),
    ],
)
def test_bm25_ranks_by_matching_words(query: str, expected: list[str]) -> None:
    documents = {"a": "delete a contact", "b": "refund a payment", "c": "delete_team delete a team"}
    assert rank(query, documents) == expected
