"""The sealing keys (rotation, generated secret) and the ledger of spent and revoked tokens."""

from __future__ import annotations

import pytest

from qomon_mcp.auth.keys import Keyring, SecretError
from qomon_mcp.auth.tokens import Ledger

OLD = "old:" + "o" * 40
NEW = "new:" + "n" * 40


def test_rotation_opens_tokens_of_the_previous_key_and_seals_with_the_new_one() -> None:
    before = Keyring.parse(OLD)
    after = Keyring.parse(f"{NEW},{OLD}")
    old_token = before.seal({"u": "access"})
    new_token = after.seal({"u": "access"})
    assert after.open(old_token) == {"u": "access"}
    assert before.open(new_token) is None
    assert Keyring.parse(NEW).open(old_token) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [("short", "at least 32"), (f"{OLD},{OLD}", "twice"), (" , ", "no key")],
    ids=["too-short", "duplicate-id", "empty"],
)
def test_unusable_secrets_are_refused(value: str, problem: str) -> None:
    with pytest.raises(SecretError, match=problem):
        Keyring.parse(value)


def test_without_a_secret_one_is_generated_with_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    keyring = Keyring.from_setting(None)
    assert keyring.open(keyring.seal({"u": "x"})) == {"u": "x"}
    assert "QOMON_MCP_SECRET is not set" in capsys.readouterr().err


def test_the_subject_names_key_and_region_without_revealing_the_key() -> None:
    keyring = Keyring.parse(NEW)
    subject = keyring.subject("eu", "my-api-key")
    assert subject == keyring.subject("eu", "my-api-key")
    assert subject != keyring.subject("us", "my-api-key")
    assert "my-api-key" not in subject


@pytest.mark.anyio
async def test_the_ledger_spends_once_and_forgets_after_expiry() -> None:
    now = [1000.0]
    ledger = Ledger(clock=lambda: now[0])
    assert await ledger.spend("a", until=1010)
    assert not await ledger.spend("a", until=1010)
    await ledger.revoke("g", until=1005)
    assert await ledger.is_revoked("g")
    now[0] = 1011
    assert not await ledger.is_revoked("g")
    assert await ledger.spend("a", until=1020)  # long expired tokens are refused by their own expiry


@pytest.mark.anyio
async def test_the_ledger_stays_bounded() -> None:
    ledger = Ledger(clock=lambda: 0.0, max_entries=100)
    for index in range(1000):
        await ledger.spend(str(index), until=float(index + 1))
    assert len(ledger._spent) <= 100
    assert not await ledger.spend("999", until=1000.0)  # the newest are the ones kept
