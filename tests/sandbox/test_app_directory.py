"""Forms, actions, users, roles, invitations, teams and the global message."""

from __future__ import annotations

import pytest

from tests.sandbox.app_support import KEY, build_sandbox, client


@pytest.mark.anyio
async def test_forms_by_type() -> None:
    async with client(build_sandbox()) as http:
        response = await http.get("/v1/forms/type/consent")
    assert [f["id"] for f in response.json()["data"]["forms"]] == [10, 11]
    assert "Deprecation" not in response.headers


@pytest.mark.anyio
async def test_unknown_form_type_is_422() -> None:
    async with client(build_sandbox()) as http:
        response = await http.get("/v1/forms/type/petition")
    assert response.status_code == 422


@pytest.mark.anyio
async def test_deprecated_forms_by_type_still_answers_and_says_so() -> None:
    async with client(build_sandbox()) as http:
        response = await http.get("/forms/level_of_support")
    assert [f["id"] for f in response.json()["data"]["forms"]] == [12]
    assert response.headers["Deprecation"] == "true"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "status"),
    [("/forms/12", 200), ("/forms/999", 404), ("/forms/petition", 400)],
    ids=["known", "unknown", "not-a-type"],
)
async def test_form_by_id(path: str, status: int) -> None:
    async with client(build_sandbox()) as http:
        response = await http.get(path)
    assert response.status_code == status
    if status == 200:
        assert response.json()["data"]["form"]["label"] == "Level of support"


@pytest.mark.anyio
async def test_actions_are_aggregated() -> None:
    sandbox = build_sandbox()
    space = sandbox.space_for(KEY)
    space.actions[7] = {"id": 7, "name": "Door knocking"}
    space.action_stats[7] = {"NbVisites": 12, "NbContacts": 9}
    async with client(sandbox) as http:
        response = await http.get("/actions")
    assert response.json()["data"]["ActionsAggreg"] == [
        {
            "Action": {"id": 7, "name": "Door knocking"},
            "NbVisites": 12,
            "NbContacts": 9,
            "NbVisitesDeclared": 0,
        }
    ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "ids"),
    [("", [500, 501, 502]), ("?sort=-created_at", [502, 501, 500]), ("?limit=1&offset=1", [501])],
    ids=["default", "newest", "page"],
)
async def test_list_users_pages_and_sorts(query: str, ids: list[int]) -> None:
    async with client(build_sandbox()) as http:
        data = (await http.get(f"/users{query}")).json()["data"]
    assert data["count"] == 3
    assert [u["id"] for u in data["users"]] == ids


@pytest.mark.anyio
async def test_get_user_answers_capital_user() -> None:
    async with client(build_sandbox()) as http:
        response = await http.get("/users/501")
    assert response.json()["data"]["User"]["firstname"] == "Bob"


@pytest.mark.anyio
async def test_update_user_requires_mail() -> None:
    async with client(build_sandbox()) as http:
        response = await http.patch("/users/501", json={"data": {"firstname": "Robert"}})
    assert response.status_code == 422
    assert response.json() == {"status": "fail", "data": {"mail": "required"}}


@pytest.mark.anyio
async def test_update_user_is_partial() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.patch("/users/501", json={"data": {"mail": "bob@org.example", "city": "Lyon"}})
    assert response.json() == {"status": "success", "data": "Successfully updated"}
    user = sandbox.space_for(KEY).users[501]
    assert (user["city"], user["firstname"]) == ("Lyon", "Bob")


@pytest.mark.anyio
async def test_delete_user_removes_them_from_teams() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.delete("/users/502")
    assert response.status_code == 204
    space = sandbox.space_for(KEY)
    assert 502 not in space.users and space.teams[600]["users"] == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"user_id": 502, "role_id": 901}, 200),
        ({"user_id": 999, "role_id": 901}, 404),
        ({"user_id": 502, "role_id": 999}, 422),
        ({"user_id": 500, "role_id": 902}, 422),
    ],
    ids=["ok", "unknown-user", "unknown-role", "last-superadmin"],
)
async def test_change_user_role(body: dict, status: int) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.patch("/users/role", json={"data": body})
    assert response.status_code == status
    if status == 200:
        assert sandbox.space_for(KEY).users[502]["role_data"]["type"] == "admin"


@pytest.mark.anyio
async def test_roles_list() -> None:
    async with client(build_sandbox()) as http:
        data = (await http.get("/roles")).json()["data"]
    assert data["count"] == 3 and data["roles"][0]["type"] == "superadmin"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("invitations", "status", "created", "failed"),
    [
        ([{"email": "new@example.com", "role_id": 902}], 201, 1, 0),
        (
            [{"email": "new@example.com", "role_id": 902}, {"email": "not-an-email", "role_id": 902}],
            207,
            1,
            1,
        ),
        (
            [{"email": "ada@org.example", "role_id": 902}, {"email": "x@example.com", "role_id": 999}],
            422,
            0,
            2,
        ),
        (
            [{"email": "dup@example.com", "role_id": 902}, {"email": "DUP@example.com", "role_id": 902}],
            207,
            1,
            1,
        ),
    ],
    ids=["all", "some", "none", "invited-twice"],
)
async def test_invitations(invitations: list, status: int, created: int, failed: int) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.post("/users/invitation", json={"data": {"invitations": invitations}})
        listed = (await http.get("/users/invitation")).json()["data"]["invitations"]
    body = response.json()
    assert response.status_code == status
    assert (len(body["data"]["invitations"]), len(body["data"]["errors"])) == (created, failed)
    assert len(listed) == created


@pytest.mark.anyio
async def test_delete_invitation() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        created = await http.post(
            "/users/invitation", json={"data": {"invitations": [{"email": "a@b.co", "role_id": 902}]}}
        )
        invitation_id = created.json()["data"]["invitations"][0]["id"]
        statuses = [(await http.delete(f"/users/invitation/{invitation_id}")).status_code for _ in range(2)]
    assert statuses == [204, 404]


@pytest.mark.anyio
async def test_public_teams_is_a_bare_array() -> None:
    async with client(build_sandbox()) as http:
        response = await http.get("/teams/public")
    assert [t["id"] for t in response.json()] == [600]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "ids"),
    [("", [600, 601]), ("?user_id=502", [600]), ("?user_id=1", [])],
    ids=["all", "member", "nobody"],
)
async def test_list_teams(query: str, ids: list[int]) -> None:
    async with client(build_sandbox()) as http:
        response = await http.get(f"/teams{query}")
    assert [t["id"] for t in response.json()["data"]["teams"]] == ids


@pytest.mark.anyio
async def test_create_team_expands_users() -> None:
    async with client(build_sandbox()) as http:
        response = await http.post(
            "/teams", json={"data": {"team": {"name": "Phoners", "users": [{"id": 501}]}}}
        )
    team = response.json()["data"]["team"]
    assert team["users"] == [{"id": 501, "firstname": "Bob", "surname": "User", "mail": "bob@org.example"}]
    assert team["private"] is False and team["leaders"] == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "team", [{"users": [{"id": 501}]}, {"name": "X", "users": [{"id": 9}]}], ids=["no-name", "unknown-user"]
)
async def test_create_team_rejects(team: dict) -> None:
    async with client(build_sandbox()) as http:
        response = await http.post("/teams", json={"data": {"team": team}})
    assert response.status_code == 422


@pytest.mark.anyio
async def test_patch_team_is_a_full_replace() -> None:
    async with client(build_sandbox()) as http:
        response = await http.patch("/teams", json={"data": {"team": {"id": 600, "name": "Renamed"}}})
    team = response.json()["data"]["team"]
    assert (team["name"], team["users"], team["address"], team["description"]) == ("Renamed", [], None, "")


@pytest.mark.anyio
async def test_delete_team_soft_deletes() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        deleted = await http.delete("/teams/600")
        after = await http.get("/teams/600")
        listed = (await http.get("/teams")).json()["data"]["teams"]
        patched = await http.patch("/teams", json={"data": {"team": {"id": 600, "name": "Back"}}})
    assert deleted.json()["data"]["team_id"] == 600
    assert after.status_code == 404 and patched.status_code == 404
    assert [t["id"] for t in listed] == [601]
    assert sandbox.space_for(KEY).teams[600]["deleted_at"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"title": "Hi", "body": "Meet at 6", "team_ids": [600]}, 200),
        ({"title": "Hi", "body": "Meet at 6", "team_ids": [999]}, 422),
        ({"title": "Hi", "team_ids": [600]}, 422),
    ],
    ids=["ok", "unknown-team", "no-body"],
)
async def test_global_message(body: dict, status: int) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.post("/global-message", json={"data": body})
    assert response.status_code == status
    assert len(sandbox.space_for(KEY).messages) == (status == 200)
    if status == 200:
        assert response.json()["data"] == {"accepted": True}
