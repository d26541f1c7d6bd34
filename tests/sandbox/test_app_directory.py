"""Forms, actions, users, roles, invitations, teams and the global message."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.app_support import KEY, US_KEY, address, build_sandbox, client


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
    [
        ("", [500, 501, 502]),
        ("?sort=true", [500, 501, 502]),
        ("?sort=false", [502, 501, 500]),
        ("?limit=1&offset=1", [501]),
        ("?sort=false&limit=2&offset=1", [501, 500]),
    ],
    ids=["default", "ascending", "descending", "page", "descending-page"],
)
async def test_list_users_pages_and_sorts(query: str, ids: list[int]) -> None:
    async with client(build_sandbox()) as http:
        data = (await http.get(f"/users{query}")).json()["data"]
    assert data["count"] == 3
    assert [u["id"] for u in data["users"]] == ids


@pytest.mark.anyio
async def test_list_users_sorts_by_surname_then_firstname() -> None:
    sandbox = build_sandbox()
    users = sandbox.space_for(KEY).users
    users[500].update(surname="Zola", firstname="Ada")
    users[501].update(surname="adams", firstname="Bob")
    users[502].update(surname="Adams", firstname="Al")
    async with client(sandbox) as http:
        ascending = (await http.get("/users?sort=true")).json()["data"]["users"]
        descending = (await http.get("/users?sort=false")).json()["data"]["users"]
    assert [u["id"] for u in ascending] == [502, 501, 500]
    assert [u["id"] for u in descending] == [500, 501, 502]


@pytest.mark.anyio
@pytest.mark.parametrize("sort", ["id", "-created_at", "surname"], ids=["id", "minus-field", "field"])
async def test_list_users_refuses_a_sort_that_is_not_a_boolean(sort: str) -> None:
    async with client(build_sandbox()) as http:
        response = await http.get(f"/users?sort={sort}")
    assert response.status_code == 400
    assert set(response.json()["data"]) == {"sort"}


@pytest.mark.anyio
async def test_get_user_answers_capital_user() -> None:
    async with client(build_sandbox()) as http:
        response = await http.get("/users/501")
    assert response.json()["data"]["User"]["firstname"] == "Bob"


@pytest.mark.anyio
async def test_update_user_requires_mail() -> None:
    async with client(build_sandbox()) as http:
        response = await http.patch("/users/501", json={"data": {"firstname": "Robert"}})
    assert response.status_code == 400
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
    assert response.status_code == 200
    assert response.json()["status"] == "success"
    space = sandbox.space_for(KEY)
    assert 502 not in space.users and space.teams[600]["users"] == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"user_id": 502, "role_id": 901}, 200),
        ({"user_id": 999, "role_id": 901}, 404),
        ({"user_id": 502, "role_id": 999}, 400),
        ({"user_id": 500, "role_id": 902}, 400),
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
    ("invitations", "status", "outcomes"),
    [
        ([{"email": "new@example.com", "role_id": 902}], 201, ["invited"]),
        (
            [{"email": "new@example.com", "role_id": 902}, {"email": "not-an-email", "role_id": 902}],
            207,
            ["invited", "failed"],
        ),
        (
            [{"email": "not-an-email", "role_id": 902}, {"email": "x@example.com", "role_id": 999}],
            400,
            ["failed", "failed"],
        ),
        ([{"email": "ada@org.example", "role_id": 902}], 201, ["member"]),
        (
            [{"email": "dup@example.com", "role_id": 902}, {"email": "DUP@example.com", "role_id": 902}],
            201,
            ["invited", "invited"],
        ),
    ],
    ids=["all", "some", "none", "already-a-member", "invited-twice"],
)
async def test_invitations(invitations: list, status: int, outcomes: list[str]) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.post("/users/invitation", json={"data": {"invitations": invitations}})
        listed = (await http.get("/users/invitation")).json()["data"]["invitations"]
    body = response.json()
    assert response.status_code == status
    # shapes file: a partial success (207) and a total failure (400) both say "fail".
    assert body["status"] == ("success" if status == 201 else "fail")
    assert [r["status"] for r in body["data"]["results"]] == outcomes
    assert [r["index"] for r in body["data"]["results"]] == list(range(len(invitations)))
    assert len(body["data"]["errors"]) == outcomes.count("failed")
    assert len(listed) == len({r["email"].lower() for r in body["data"]["results"] if r["status"] == "invited"})


@pytest.mark.anyio
async def test_invitation_without_role_gets_the_plain_user_role_as_a_role_object() -> None:
    async with client(build_sandbox()) as http:
        response = await http.post("/users/invitation", json={"data": {"invitations": [{"email": "a@b.co"}]}})
        listed = (await http.get("/users/invitation")).json()["data"]["invitations"]
    assert response.status_code == 201
    plain = {"id": 902, "name": "User", "type": "user", "order": 4}
    [sent] = response.json()["data"]["invitations"]
    assert (sent["role_id"], sent["role"]) == (902, plain)
    assert [(i["email"], i["role"]) for i in listed] == [("a@b.co", plain)]


@pytest.mark.anyio
async def test_invitation_of_an_existing_account_adds_it_to_the_space() -> None:
    sandbox = build_sandbox()
    elsewhere = sandbox.space_for(US_KEY)
    elsewhere.users[700] = {**elsewhere.users[502], "id": 700, "firstname": "Dee", "mail": "dee@org.example"}
    invitations = [{"email": "dee@org.example", "role_id": 901}]
    async with client(sandbox) as http:
        response = await http.post("/users/invitation", json={"data": {"invitations": invitations}})
    [result] = response.json()["data"]["results"]
    assert (response.status_code, result["status"]) == (201, "added")
    user = sandbox.space_for(KEY).users[result["user_id"]]
    assert (user["firstname"], user["mail"], user["role_data"]["type"]) == ("Dee", "dee@org.example", "admin")
    assert sandbox.space_for(KEY).invitations == {}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [{"data": {}}, {"data": {"invitations": []}}, {"invitations": [{"email": "a@b.co"}]}],
    ids=["no-list", "empty-list", "no-data"],
)
async def test_invitation_body_errors_are_400(body: dict) -> None:
    async with client(build_sandbox()) as http:
        response = await http.post("/users/invitation", json=body)
    assert response.status_code == 400 and response.json()["status"] == "fail"


@pytest.mark.anyio
async def test_delete_invitation() -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        created = await http.post(
            "/users/invitation", json={"data": {"invitations": [{"email": "a@b.co", "role_id": 902}]}}
        )
        invitation_id = created.json()["data"]["invitations"][0]["id"]
        responses = [await http.delete(f"/users/invitation/{invitation_id}") for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 404]
    assert responses[0].json()["status"] == "success"
    assert responses[1].json()["status"] in ("fail", "error")


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
        response = await http.post("/teams", json={"data": {"team": {"name": "Phoners", "users": [{"id": 501}]}}})
    team = response.json()["data"]["team"]
    assert team["users"] == [{"id": 501, "firstname": "Bob", "surname": "User", "mail": "bob@org.example"}]
    assert team["private"] is False and team["leaders"] == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("team", "problem"),
    [
        ({"users": [{"id": 501}]}, "name"),
        ({"name": "X", "users": [{"id": 9}]}, "users[0].id"),
        ({"name": "X", "users": [{"id": 501}], "leaders": [{"id": 502}]}, "leaders[0].id"),
        ({"name": "X", "address": "Paris"}, "address"),
    ],
    ids=["no-name", "unknown-user", "leader-not-a-user", "address-as-text"],
)
async def test_create_team_rejects(team: dict, problem: str) -> None:
    async with client(build_sandbox()) as http:
        response = await http.post("/teams", json={"data": {"team": team}})
    assert response.status_code == 400
    assert set(response.json()["data"]) == {problem}


@pytest.mark.anyio
async def test_create_team_with_leaders_among_users_and_an_address_object() -> None:
    team: dict[str, Any] = {
        "name": "Lyon",
        "users": [{"id": 501}, {"id": 502}],
        "leaders": [{"id": 502}],
        "address": {"street": "Rue A", "postalcode": "69001", "city": "Lyon", "country": "France"},
    }
    async with client(build_sandbox()) as http:
        created = (await http.post("/teams", json={"data": {"team": team}})).json()["data"]["team"]
        read = (await http.get(f"/teams/{created['id']}")).json()["data"]["team"]
    assert [u["id"] for u in read["leaders"]] == [502] and [u["id"] for u in read["users"]] == [501, 502]
    assert {k: read["address"][k] for k in ("street", "postalcode", "city", "country")} == team["address"]
    assert read["address"]["id"] and set(read["address"]) >= {"housenumber", "latitude", "invalid"}


@pytest.mark.anyio
async def test_team_reads_carry_an_address_object() -> None:
    async with client(build_sandbox()) as http:
        listed = (await http.get("/teams")).json()["data"]["teams"]
        public = (await http.get("/teams/public")).json()
        one = (await http.get("/teams/600")).json()["data"]["team"]
    expected = address("Paris", "75001", "Rue de Rivoli")
    assert listed[0]["address"] == public[0]["address"] == one["address"] == expected


@pytest.mark.anyio
async def test_patch_team_is_a_full_replace() -> None:
    async with client(build_sandbox()) as http:
        response = await http.patch("/teams", json={"data": {"team": {"id": 600, "name": "Renamed"}}})
    team = response.json()["data"]["team"]
    assert (team["name"], team["users"], team["address"], team["description"]) == ("Renamed", [], None, "")


@pytest.mark.anyio
@pytest.mark.parametrize("name", [None, ""], ids=["absent", "empty"])
async def test_patch_team_without_a_name_keeps_the_name(name: str | None) -> None:
    team: dict[str, Any] = {"id": 600, "description": "Door to door", "address": {"city": "Lyon"}}
    if name is not None:
        team["name"] = name
    async with client(build_sandbox()) as http:
        response = await http.patch("/teams", json={"data": {"team": team}})
    replaced = response.json()["data"]["team"]
    assert response.status_code == 200
    assert (replaced["name"], replaced["description"], replaced["users"]) == ("Canvassers", "Door to door", [])
    assert (replaced["address"]["city"], replaced["address"]["street"]) == ("Lyon", "")


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
        ({"title": "Hi", "body": "Meet at 6", "team_ids": [999]}, 400),
        ({"title": "Hi", "team_ids": [600]}, 400),
        ({"title": "Hi", "body": "Meet at 6", "team_ids": []}, 400),
    ],
    ids=["ok", "unknown-team", "no-body", "no-team"],
)
async def test_global_message(body: dict, status: int) -> None:
    sandbox = build_sandbox()
    async with client(sandbox) as http:
        response = await http.post("/global-message", json={"data": body})
    assert response.status_code == status
    assert len(sandbox.space_for(KEY).messages) == (status == 200)
    if status == 200:
        assert response.json()["data"] == {"accepted": True}
