"""The sentences for a call that ran out of time and for one the rate limit refused.

A rate limit (Qomon's 429, or the client's own pacing holding a call past its deadline) says
so with the wait in seconds and never blames the page size; only a slow answer to a tool that
takes a page size may suggest a smaller page.
"""

from __future__ import annotations

import pytest

from qomon_mcp.qomon import errors
from qomon_mcp.server.explain import explain

RATE_LIMITS = [
    pytest.param(errors.RateLimited("search_contacts", 429, retry_after=60), "60 seconds", id="qomon-429"),
    pytest.param(errors.RateLimitHeld("search_contacts", 59.2, step="POST /search"), "60 seconds", id="own-pacing"),
    pytest.param(errors.RateLimitHeld("get_contact", 0.1, step="GET /contacts/{id}"), "1 second", id="under-a-second"),
]


@pytest.mark.parametrize(("error", "wait"), RATE_LIMITS)
@pytest.mark.parametrize("paged", [True, False], ids=["paged-tool", "other-tool"])
def test_a_rate_limit_says_so_with_the_wait(error: errors.QomonError, wait: str, paged: bool) -> None:
    sentence = explain(error, paged=paged)
    assert sentence.startswith(f"Qomon's rate limit is exhausted; wait {wait} before trying again")
    assert "page" not in sentence and "in time" not in sentence


def test_a_slow_answer_names_the_step_and_suggests_a_smaller_page_only_where_there_is_one() -> None:
    error = errors.RequestTimeout("search_contacts", "no answer before the deadline", step="POST /search")
    paged, other = explain(error, paged=True), explain(error, paged=False)
    assert paged.startswith("Qomon did not answer in time (POST /search did not finish)")
    assert "smaller page" in paged
    assert "smaller page" not in other and "POST /search" in other


def test_a_call_that_used_up_its_deadline_names_the_step_it_could_not_start() -> None:
    error = errors.RequestTimeout(
        "get_bundle", "the deadline ran out", step="reading the bundle before the update", slow=False
    )
    sentence = explain(error, paged=True)
    assert "ran out of time before reading the bundle before the update could start" in sentence
    assert "rate limit" not in sentence and "smaller page" not in sentence
