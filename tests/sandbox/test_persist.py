"""`--sandbox-file`: the demo space kept in a SQLite file, reloaded at start, shared by processes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx2
import pytest

from qomon_mcp.cli import main
from qomon_mcp.sandbox.app import Sandbox
from qomon_mcp.sandbox.persist import PersistedSandbox, SandboxFileError, SpaceFile
from qomon_mcp.sandbox.seed.demo import DEFAULT_NOW, build_demo_space
from qomon_mcp.sandbox.space import PinnedClock, Space, real_clock
from qomon_mcp.sandbox.space_codec import decode_space, encode_space

KEY = "persist-test-key"
BASE_URL = "https://incoming.qomon.app"
AUTH = {"Authorization": f"Bearer {KEY}"}


def _small_space(**options: object) -> dict[str, Space]:
    return {KEY: build_demo_space(contacts=40, **options)}  # type: ignore[arg-type]


def _never_built() -> dict[str, Space]:
    raise AssertionError("the space should have been read from the file")


def _team(name: str) -> dict[str, object]:
    return {"data": {"team": {"name": name, "users": [], "leaders": []}}}


def test_a_space_survives_the_round_trip_through_bytes() -> None:
    space = build_demo_space(contacts=40)
    first_fresh_id = space.next_id()
    copy = decode_space(encode_space(space))
    assert copy.contacts == space.contacts and copy.teams == space.teams and copy.forms == space.forms
    assert copy.clock == PinnedClock(DEFAULT_NOW)
    assert copy.next_id() == first_fresh_id + 1 == space.next_id()


def test_a_space_on_the_real_clock_reloads_on_the_real_clock() -> None:
    space = build_demo_space(contacts=10, clock=real_clock)
    assert decode_space(encode_space(space)).clock is real_clock


@pytest.mark.anyio
async def test_a_write_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "space.db"
    SpaceFile(path).load([KEY], _small_space)
    store = SpaceFile(path)
    first = PersistedSandbox(Sandbox(store.load([KEY], _never_built)), store)
    async with httpx2.AsyncClient(transport=first.transport(), base_url=BASE_URL, headers=AUTH) as http:
        created = await http.post("/teams", json=_team("Brest Nord"))
    assert created.status_code == 200, created.text
    team_id = created.json()["data"]["team"]["id"]

    again = SpaceFile(path).load([KEY], _never_built)[KEY]
    assert again.teams[team_id]["name"] == "Brest Nord"


@pytest.mark.anyio
async def test_an_upsert_applied_after_its_delay_is_saved(tmp_path: Path) -> None:
    store = SpaceFile(tmp_path / "space.db")
    persisted = PersistedSandbox(Sandbox(store.load([KEY], _small_space), upsert_delay=0.01), store)
    upsert = {"kind": "contact", "data": {"firstname": "Ada", "surname": "Upsertova", "mail": "ada@example.org"}}
    async with httpx2.AsyncClient(transport=persisted.transport(), base_url=BASE_URL, headers=AUTH) as http:
        accepted = await http.post("/contacts/upsert", json=upsert)
    await persisted.drain()
    assert accepted.status_code == 202, accepted.text
    again = SpaceFile(tmp_path / "space.db").load([KEY], _never_built)[KEY]
    assert [c["firstname"] for c in again.contacts.values() if c.get("surname") == "Upsertova"] == ["Ada"]


@pytest.mark.anyio
async def test_a_process_sees_what_another_one_saved_since_it_started(tmp_path: Path) -> None:
    path = tmp_path / "space.db"
    SpaceFile(path).load([KEY], _small_space)
    one_store, other_store = SpaceFile(path), SpaceFile(path)
    one = PersistedSandbox(Sandbox(one_store.load([KEY], _never_built)), one_store)
    other = PersistedSandbox(Sandbox(other_store.load([KEY], _never_built)), other_store)
    async with (
        httpx2.AsyncClient(transport=one.transport(), base_url=BASE_URL, headers=AUTH) as first,
        httpx2.AsyncClient(transport=other.transport(), base_url=BASE_URL, headers=AUTH) as second,
    ):
        assert (await first.post("/teams", json=_team("Quimper"))).status_code == 200
        assert (await second.post("/teams", json=_team("Lorient"))).status_code == 200
        seen = {t["name"] for t in (await first.get("/teams")).json()["data"]["teams"]}
    assert {"Quimper", "Lorient"} <= seen


WRITER = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path

    import anyio
    import httpx2

    from qomon_mcp.sandbox.app import Sandbox
    from qomon_mcp.sandbox.persist import PersistedSandbox, SpaceFile

    path, key, prefix = sys.argv[1:]
    store = SpaceFile(path)
    sandbox = Sandbox(store.load([key], lambda: sys.exit("the space should come from the file")), burst=1000)
    persisted = PersistedSandbox(sandbox, store)
    # Both writers load the space, then start writing together.
    Path(f"{path}.{prefix}.ready").touch()
    while not Path(f"{path}.go").exists():
        time.sleep(0.01)

    async def write() -> None:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx2.AsyncClient(
            transport=persisted.transport(), base_url="https://incoming.qomon.app", headers=headers
        ) as http:
            for n in range(20):
                body = {"data": {"team": {"name": f"{prefix}-{n}", "users": [], "leaders": []}}}
                answer = await http.post("/teams", json=body)
                assert answer.status_code == 200, answer.text

    anyio.run(write)
    """
)


@pytest.mark.slow
def test_two_processes_writing_to_one_file_both_keep_their_writes(tmp_path: Path) -> None:
    path = tmp_path / "space.db"
    SpaceFile(path).load([KEY], _small_space)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writers = [
        subprocess.Popen([sys.executable, str(script), str(path), KEY, prefix], stderr=subprocess.PIPE, text=True)
        for prefix in ("north", "south")
    ]
    deadline = time.monotonic() + 120
    while not all(Path(f"{path}.{prefix}.ready").exists() for prefix in ("north", "south")):
        assert time.monotonic() < deadline and all(w.poll() is None for w in writers), "a writer did not start"
        time.sleep(0.02)
    Path(f"{path}.go").touch()
    for writer in writers:
        _, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err

    teams = {t["name"] for t in SpaceFile(path).load([KEY], _never_built)[KEY].teams.values()}
    assert {f"{prefix}-{n}" for prefix in ("north", "south") for n in range(20)} <= teams
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.slow
def test_a_contact_saved_by_one_call_is_found_by_the_next(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "demo.db")
    contact = {"firstname": "Ada", "surname": "Persistova", "mail": "ada.persistova@example.org"}
    assert main(["call", "save_contact", json.dumps(contact), "--sandbox", "--sandbox-file", path]) == 0
    contact_id = json.loads(capsys.readouterr().out)["id"]

    lookup = json.dumps({"contact_id": contact_id})
    assert main(["call", "get_contact", lookup, "--sandbox", "--sandbox-file", path]) == 0
    found = json.loads(capsys.readouterr().out)
    assert (found["id"], found["surname"]) == (contact_id, "Persistova")


def _foreign_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"these are not the spaces you are looking for\n" * 200)


@pytest.mark.parametrize("make", [_foreign_database, _not_a_database], ids=["other-sqlite", "not-sqlite"])
def test_a_file_that_is_not_a_demo_space_is_refused_in_one_sentence(
    make: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.db"
    make(path)  # type: ignore[operator]
    before = path.read_bytes()
    with pytest.raises(SandboxFileError):
        SpaceFile(path).load([KEY], _never_built)
    for argv in (["call", "get_teams", "{}", "--sandbox"], ["serve", "--sandbox"], ["sandbox"]):
        assert main([*argv, "--sandbox-file", str(path)]) == 2
        err = capsys.readouterr().err
        assert "is not a demo space file" in err and "pass another --sandbox-file path" in err
        assert err.count("\n") == 1, err
    assert path.read_bytes() == before
