"""The whole Users resource: create, get, list, replace, patch, delete, as the hosted API answers them."""

import itertools
import uuid

import pytest

from conftest import AUTH, USER_ID, created, new_project

OTHER_ID = "0190e6a2-7b6f-7b5e-9c1a-0000000000ff"
UNKNOWN_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def ticking_clock(monkeypatch):
    """Each write one second after the previous one, so that orderings are plain to read."""
    ticks = itertools.count(1_790_000_000_000_000, 1_000_000)
    for writer in ("users", "projects.routes"):
        monkeypatch.setattr(f"julep_users_double.{writer}.now_micros", lambda: next(ticks))


def stored(client, user_id):
    return client.get(f"/users/{user_id}", headers=AUTH).get_json()


# POST /users


def test_create_gives_a_time_ordered_uuid7_and_the_defaults(client):
    first = client.post("/users", json={"name": "Ada"}, headers=AUTH)
    second = client.post("/api/users", json={}, headers=AUTH)
    assert (first.status_code, second.status_code) == (201, 201)
    first_id, second_id = uuid.UUID(first.get_json()["id"]), uuid.UUID(second.get_json()["id"])
    assert (first_id.version, second_id.version) == (7, 7)
    assert first_id < second_id
    user = second.get_json()
    assert (user["name"], user["about"], user["metadata"], user["project"]) == ("", "", {}, "default")
    assert stored(client, user["id"]) == user


def test_create_validates_the_body_only(client):
    response = client.post("/users", json={"name": 5, "about": None}, headers=AUTH)
    assert response.status_code == 422
    assert response.get_json() == {
        "detail": [
            {"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string", "input": 5},
            {"type": "string_type", "loc": ["body", "about"], "msg": "Input should be a valid string", "input": None},
        ]
    }


# GET /users/{user_id}


def test_get_returns_the_stored_user(client):
    user = created(client, USER_ID, name="Ada", metadata={"a": [1, 2.5, None]})
    for path in (f"/users/{USER_ID}", f"/api/users/{USER_ID.upper()}"):
        response = client.get(path, headers=AUTH)
        assert response.status_code == 200
        assert response.get_json() == user


def test_get_unknown_user_is_404(client):
    response = client.get(f"/users/{UNKNOWN_ID}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (404, {"detail": "User not found during get"})


def test_get_with_a_bad_id_is_422(client):
    response = client.get("/users/nope", headers=AUTH)
    assert response.status_code == 422
    assert response.get_json()["detail"][0]["loc"] == ["path", "user_id"]


# PUT /users/{user_id}


def test_put_overwrites_everything_and_keeps_created_at(client, ticking_clock):
    new_project(client, "p")
    original = created(client, USER_ID, name="Ada", about="x", project="p", metadata={"a": 1})
    response = client.put(f"/users/{USER_ID}", json={"about": "y"}, headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": USER_ID,
        "metadata": {},
        "created_at": original["created_at"],
        "updated_at": "2026-09-21T14:13:22Z",  # the project made at :20, the user at :21
        "name": "",
        "about": "y",
        "project": "default",
    }
    assert stored(client, USER_ID) == response.get_json()


def test_put_unknown_user_is_404(client):
    response = client.put(f"/users/{UNKNOWN_ID}", json={}, headers=AUTH)
    assert response.status_code == 404
    assert response.get_json() == {"detail": "No user found during update"}


def test_put_validates_path_and_body_together(client):
    response = client.put("/users/abc", json={"project": ""}, headers=AUTH)
    assert [error["type"] for error in response.get_json()["detail"]] == ["uuid_parsing", "string_too_short"]


# PATCH /users/{user_id}


def test_patch_changes_only_what_the_body_holds(client, ticking_clock):
    new_project(client, "p")
    original = created(client, USER_ID, name="Ada", about="x", project="p", metadata={"a": 1, "b": {"c": 1}})
    response = client.patch(f"/users/{USER_ID}", json={"about": "y", "metadata": {"b": {"d": 2}, "e": None}}, headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": USER_ID,
        "metadata": {"a": 1, "b": {"d": 2}, "e": None},
        "created_at": original["created_at"],
        "updated_at": "2026-09-21T14:13:22Z",  # the project made at :20, the user at :21
        "name": "Ada",
        "about": "y",
        "project": "p",
    }
    assert stored(client, USER_ID) == response.get_json()


def test_patch_with_null_metadata_and_project_keeps_them(client):
    new_project(client, "p")
    created(client, USER_ID, project="p", metadata={"a": 1})
    user = client.patch(f"/users/{USER_ID}", json={"metadata": None, "project": None, "name": "Bo"}, headers=AUTH).get_json()
    assert (user["metadata"], user["project"], user["name"]) == ({"a": 1}, "p", "Bo")


def test_patch_strips_nul_from_merged_metadata(client):
    created(client, USER_ID, metadata={"a": 1})
    user = client.patch(f"/users/{USER_ID}", json={"metadata": {"b": "c\u0000"}, "about": "\u0000"}, headers=AUTH).get_json()
    assert (user["metadata"], user["about"]) == ({"a": 1, "b": "c"}, "")


def test_patch_merges_metadata_in_jsonb_order(client):
    created(client, USER_ID, metadata={"zz": 1, "b": 2})
    response = client.patch(f"/users/{USER_ID}", json={"metadata": {"a": 3, "zz": 4}}, headers=AUTH)
    assert b'"metadata":{"a":3,"b":2,"zz":4}' in response.data


@pytest.mark.parametrize("method, operation", [("PUT", "update"), ("PATCH", "patch")])
def test_what_postgres_refuses_is_invalid_user_data_during_the_operation(client, method, operation):
    created(client, USER_ID)
    response = client.open(f"/users/{USER_ID}", method=method, json={"metadata": {"k\u0000": 1}}, headers=AUTH)
    assert (response.status_code, response.get_json()) == (400, {"detail": f"Invalid user data provided during {operation}"})


def test_patch_unknown_user_is_404(client):
    response = client.patch(f"/users/{UNKNOWN_ID}", json={"name": "Ada"}, headers=AUTH)
    assert response.status_code == 404
    assert response.get_json() == {"detail": "No user found during patch"}


def test_patch_validates_like_the_upsert(client):
    created(client, USER_ID)
    response = client.patch(f"/users/{USER_ID}", json={"metadata": [1]}, headers=AUTH)
    assert response.get_json() == {
        "detail": [{"type": "dict_type", "loc": ["body", "metadata"], "msg": "Input should be a valid dictionary", "input": [1]}]
    }
    assert client.patch(f"/users/{USER_ID}", data=b"", headers=AUTH).status_code == 422


# DELETE /users/{user_id}


def test_delete_then_it_is_gone(client, ticking_clock):
    created(client, USER_ID)
    response = client.delete(f"/users/{USER_ID}", headers=AUTH)
    assert response.status_code == 202
    assert response.get_json() == {"id": USER_ID, "deleted_at": "2026-09-21T14:13:21Z", "jobs": []}
    assert list(response.get_json()) == ["id", "deleted_at", "jobs"]
    assert client.get(f"/users/{USER_ID}", headers=AUTH).status_code == 404
    again = client.delete(f"/users/{USER_ID}", headers=AUTH)
    assert (again.status_code, again.get_json()) == (404, {"detail": "No user found during delete"})


# GET /users


@pytest.fixture
def three_users(client, ticking_clock):
    """Created in the order c, a, b (ids sort a < b < c); then a is updated last."""
    ids = {name: f"0190e6a2-7b6f-7b5e-9c1a-00000000000{name}" for name in "abc"}
    for name in "cab":
        created(client, ids[name], name=name.upper(), metadata={"n": ord(name), "tag": name, "f": 1.5})
    created(client, ids["a"], name="A", metadata={"n": ord("a"), "tag": "a", "f": 1.5})
    return ids


def names(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [user["name"] for user in response.get_json()["items"]]


def test_list_defaults_to_newest_created_first(client, three_users):
    assert names(client.get("/users", headers=AUTH)) == ["B", "A", "C"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("direction=asc", ["C", "A", "B"]),
        ("sort_by=updated_at", ["A", "B", "C"]),
        ("sort_by=updated_at&direction=asc", ["C", "B", "A"]),
        ("limit=2", ["B", "A"]),
        ("limit=2&offset=2", ["C"]),
        ("offset=3", []),
        ("limit=1&limit=2", ["B", "A"]),
        ("limit= 2 ", ["B", "A"]),
        ("limit=2.0", ["B", "A"]),
        ("unknown=1&limit=1", ["B"]),
    ],
)
def test_list_sorting_and_paging(client, three_users, query, expected):
    assert names(client.get(f"/users?{query}", headers=AUTH)) == expected
    assert names(client.get(f"/api/users?{query}", headers=AUTH)) == expected


def test_equal_sort_keys_are_ordered_by_id(client, monkeypatch):
    monkeypatch.setattr("julep_users_double.users.now_micros", lambda: 1_790_000_000_000_000)
    ids = [f"0190e6a2-7b6f-7b5e-9c1a-00000000000{digit}" for digit in "3142"]
    for user_id in ids:
        created(client, user_id)
    listed = [user["id"] for user in client.get("/users?direction=asc", headers=AUTH).get_json()["items"]]
    assert listed == sorted(ids)
    pages = [client.get(f"/users?limit=1&offset={offset}", headers=AUTH).get_json()["items"][0]["id"] for offset in range(4)]
    assert pages == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("metadata_filter.tag=a", ["A"]),
        ("metadata_filter.n=98", ["B"]),
        ("metadata_filter.n=98.0", ["B"]),
        ("metadata_filter.f=1.5", ["B", "A", "C"]),
        ("metadata_filter.f=1.5&metadata_filter.tag=c", ["C"]),
        ("metadata_filter.tag=a&metadata_filter.tag=b", ["B"]),
        ("metadata_filter.n=%2298%22", []),
        ("metadata_filter.tag=1", []),
        ("metadata_filter.missing=1", []),
        ("metadata_filter.n=1" + "0" * 30, []),
        ("metadata_filter.n=nan", []),
    ],
)
def test_list_metadata_filter(client, three_users, query, expected):
    assert names(client.get(f"/users?{query}", headers=AUTH)) == expected


def test_metadata_filter_numbers_never_match_strings_or_booleans(client):
    created(client, USER_ID, name="Text", metadata={"k": "1", "flag": True, "dotted.key": "x", 'qu"ote': "y"})
    created(client, OTHER_ID, name="Number", metadata={"k": 1, "flag": "true"})
    assert names(client.get("/users?metadata_filter.k=1", headers=AUTH)) == ["Number"]
    assert names(client.get("/users?metadata_filter.flag=1", headers=AUTH)) == []
    assert names(client.get("/users?metadata_filter.flag=true", headers=AUTH)) == ["Number"]
    assert names(client.get("/users?metadata_filter.dotted.key=x", headers=AUTH)) == ["Text"]
    assert names(client.get('/users?metadata_filter.qu"ote=y', headers=AUTH)) == ["Text"]


def test_list_query_errors_come_together_in_order(client):
    response = client.get("/users?direction=up&sort_by=name&offset=x&limit=abc", headers=AUTH)
    assert response.status_code == 422
    assert response.get_json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["query", "limit"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "abc",
            },
            {
                "type": "int_parsing",
                "loc": ["query", "offset"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "x",
            },
            {
                "type": "literal_error",
                "loc": ["query", "sort_by"],
                "msg": "Input should be 'created_at' or 'updated_at'",
                "input": "name",
                "ctx": {"expected": "'created_at' or 'updated_at'"},
            },
            {
                "type": "literal_error",
                "loc": ["query", "direction"],
                "msg": "Input should be 'asc' or 'desc'",
                "input": "up",
                "ctx": {"expected": "'asc' or 'desc'"},
            },
        ]
    }


@pytest.mark.parametrize("value", ["5.5", "1e2", "0x10", "", "1__0", "５"])
def test_limit_must_be_an_integer_as_pydantic_reads_one(client, value):
    response = client.get("/users", query_string={"limit": value}, headers=AUTH)
    assert response.status_code == 422
    assert response.get_json()["detail"][0]["input"] == value


@pytest.mark.parametrize(
    "query, detail",
    [
        ("limit=0", "Limit must be between 1 and 100"),
        ("limit=101", "Limit must be between 1 and 100"),
        ("limit=-1&offset=-1", "Limit must be between 1 and 100"),
        ("offset=-1", "Offset must be non-negative"),
        ("limit=1_000", "Limit must be between 1 and 100"),
    ],
)
def test_limit_and_offset_ranges_are_400(client, query, detail):
    response = client.get(f"/users?{query}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (400, {"detail": detail})


def test_a_422_comes_before_a_400(client):
    response = client.get("/users?limit=0&direction=x", headers=AUTH)
    assert response.status_code == 422


# Tenancy on every route (the key: test_auth.py)

ROUTES = [
    ("POST", f"/users/{USER_ID}", {}),
    ("POST", "/users", {}),
    ("GET", f"/users/{USER_ID}", None),
    ("PUT", f"/users/{USER_ID}", {}),
    ("PATCH", f"/users/{USER_ID}", {}),
    ("DELETE", f"/users/{USER_ID}", None),
    ("GET", "/users", None),
]


@pytest.fixture
def tenants(multi_tenant_client):
    client = multi_tenant_client
    alice = {**AUTH, "X-Developer-Id": "aaaaaaaa-0000-0000-0000-000000000000"}
    bob = {**AUTH, "X-Developer-Id": "bbbbbbbb-0000-0000-0000-000000000000"}
    assert client.post(f"/users/{USER_ID}", json={"name": "Alice"}, headers=alice).status_code == 201
    return client, alice, bob


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_every_route_needs_a_developer_in_multi_tenant_mode(tenants, method, path, body):
    client, _, _ = tenants
    response = client.open(path, method=method, json=body, headers=AUTH)
    assert (response.status_code, response.get_json()) == (400, {"detail": "Invalid developer ID"})


def test_one_developer_cannot_see_or_touch_anothers_users(tenants):
    client, alice, bob = tenants
    assert client.get(f"/users/{USER_ID}", headers=bob).status_code == 404
    assert client.get("/users", headers=bob).get_json() == {"items": []}
    assert client.put(f"/users/{USER_ID}", json={"name": "Bob"}, headers=bob).status_code == 404
    assert client.patch(f"/users/{USER_ID}", json={"name": "Bob"}, headers=bob).status_code == 404
    assert client.delete(f"/users/{USER_ID}", headers=bob).status_code == 404
    assert client.post(f"/users/{USER_ID}", json={"name": "Bob"}, headers=bob).status_code == 201
    assert client.get(f"/users/{USER_ID}", headers=alice).get_json()["name"] == "Alice"
    assert [user["name"] for user in client.get("/users", headers=alice).get_json()["items"]] == ["Alice"]
    assert client.delete(f"/users/{USER_ID}", headers=bob).status_code == 202
    assert client.get(f"/users/{USER_ID}", headers=alice).status_code == 200


def test_what_postgres_refuses_in_a_new_user_is_invalid_user_data_during_create(client):
    response = client.post("/users", json={"about": "\ud800"}, headers=AUTH)
    assert (response.status_code, response.get_json()) == (400, {"detail": "Invalid user data provided during create"})
