"""The test-double controls under /_double: each control with its exact answers."""

import datetime
import json
import re
import sqlite3
import threading
import time
import uuid

import pytest

from julep_users_double.app import create_app
from julep_users_double.db import get_db
from conftest import API_KEY, AUTH, DEFAULT_DEVELOPER_ID, EPOCH, USER_ID, make_app, new_project, upsert

OTHER_ID = "0190e6a2-7b6f-7b5e-9c1a-0000000000ff"
DEVELOPER_A = "aaaaaaaa-0000-4000-8000-000000000001"
DEVELOPER_B = "bbbbbbbb-0000-4000-8000-000000000002"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")


def journal(client, query=""):
    response = client.get(f"/_double/requests{query}", headers=AUTH)
    assert response.status_code == 200
    return response.get_json()["items"]


def exported(client):
    return client.get("/_double/users", headers=AUTH).get_json()["items"]


# Health and the key


def test_health_needs_no_key_and_tells_only_the_version(client):
    response = client.get("/_double/health")
    assert response.status_code == 200
    assert response.data == b'{"status":"ok","version":"0.1.0"}'


def test_controls_are_not_in_the_openapi_document(client):
    document = client.get("/openapi.json").get_json()
    assert not [path for path in document["paths"] if "_double" in path]


# The same requests, as a client whose base URL ends in /api (the SDKs' default) sends them.
CONTROL_REQUESTS = [
    ("GET", "/_double/health", None),
    ("POST", "/_double/clock", {"now": "2026-01-01T00:00:00Z"}),
    ("POST", "/_double/clock", {"advance_seconds": 1.5}),
    ("POST", "/_double/faults", {"path": "/nowhere", "status": 503, "times": 2}),
    ("GET", "/_double/faults", None),
    ("POST", "/_double/faults", {"status": 99, "extra": 1}),
    ("POST", "/_double/users", {"items": [{"id": USER_ID, "name": "Ada"}]}),
    ("GET", "/_double/users", None),
    ("POST", "/_double/users", {"items": [{"name": 5}]}),
    ("GET", "/_double/requests?method=POST", None),
    ("DELETE", "/_double/requests", None),
    ("DELETE", "/_double/faults", None),
    ("GET", "/_double/clock", None),
    ("DELETE", "/_double/clock", None),
    ("POST", "/_double/clock", {"advance_seconds": 1}),
    ("POST", "/_double/reset?developer_id=x", None),
    ("POST", "/_double/reset", None),
    ("GET", "/_double/users", None),
    ("GET", "/_double/requests/cursor", None),
    ("GET", "/_double/nope", None),
    ("PUT", "/_double/reset", None),
]


def test_controls_answer_alike_under_api(tmp_path):
    answers = {}
    for prefix in ("", "/api"):
        client = make_app(tmp_path / prefix.strip("/")).test_client()
        answers[prefix] = [
            (response.status_code, response.headers.get("Allow"), response.data)
            for method, path, body in CONTROL_REQUESTS
            for response in [client.open(prefix + path, method=method, json=body, headers=AUTH)]
        ]
        assert journal(client) == []
    assert answers["/api"] == answers[""]
    assert [status for status, _, _ in answers[""]] == [200, 200, 200, 201, 200, 422, 200, 200, 422, 200, 204, 204, 200, 204, 409, 422, 204, 200, 200, 404, 405]


# Reset


def test_reset_forgets_users_journal_faults_and_the_clock(client):
    upsert(client, name="Ada")
    client.post("/_double/faults", json={"path": "/nowhere", "status": 500}, headers=AUTH)
    client.post("/_double/clock", json={"now": "2026-01-01T00:00:00Z"}, headers=AUTH)

    response = client.post("/_double/reset", headers=AUTH)
    assert (response.status_code, response.data) == (204, b"")

    assert client.get(f"/users/{USER_ID}", headers=AUTH).status_code == 404
    assert exported(client) == []
    assert client.get("/_double/faults", headers=AUTH).get_json() == {"items": []}
    assert [(entry["method"], entry["status"]) for entry in journal(client)] == [("GET", 404)]
    assert not upsert(client).get_json()["created_at"].startswith("2026-01-01T00:00:00")


def test_reset_of_one_developer_keeps_the_others(multi_tenant_client):
    client = multi_tenant_client
    for developer in (DEVELOPER_A, DEVELOPER_B):
        assert upsert(client, headers={**AUTH, "X-Developer-Id": developer}).status_code == 201

    response = client.post(f"/_double/reset?developer_id={DEVELOPER_A.upper()}", headers=AUTH)
    assert (response.status_code, response.data) == (204, b"")

    assert [user["developer_id"] for user in exported(client)] == [DEVELOPER_B]
    assert [entry["developer_id"] for entry in journal(client)] == [DEVELOPER_B]


def test_reset_of_a_developer_that_is_no_uuid_is_422(client):
    response = client.post("/_double/reset?developer_id=nope", headers=AUTH)
    assert response.status_code == 422
    assert response.get_json() == {
        "detail": [
            {
                "type": "uuid_parsing",
                "loc": ["query", "developer_id"],
                "msg": "Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` "
                "followed by [0-9a-fA-F-], found `n` at 1",
                "input": "nope",
                "ctx": {
                    "error": "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"
                },
            }
        ]
    }


def test_reset_of_10000_users_answers_within_50_ms(client):
    users = [{"id": str(uuid.UUID(int=n)), "name": "Ada"} for n in range(10_000)]
    assert client.post("/_double/users", json={"items": users}, headers=AUTH).get_json() == {"imported": 10_000, "imported_docs": 0}
    started = time.perf_counter()
    response = client.post("/_double/reset", headers=AUTH)
    elapsed = time.perf_counter() - started
    assert response.status_code == 204
    assert exported(client) == []
    # Typically 1-2 ms for the whole request; the bound leaves room for a loaded CI machine.
    assert elapsed < 0.05


# The request journal


def test_journal_entry_holds_the_request_and_the_answer(client):
    response = client.post(
        f"/api/users/{USER_ID}?a=1&b=2&b=3",
        json={"name": "Ada"},
        headers={**AUTH, "X-Trace": "t-1"},
    )
    (entry,) = journal(client)
    assert list(entry) == [
        "method", "path", "query", "headers", "body", "body_size", "body_truncated", "status", "response",
        "response_size", "response_truncated", "started_at", "duration_ms", "developer_id",
    ]
    assert entry == {
        "method": "POST",
        "path": f"/api/users/{USER_ID}",
        "query": {"a": "1", "b": ["2", "3"]},
        "headers": {
            "Host": "localhost",
            "Authorization": "[REDACTED]",
            "X-Trace": "t-1",
            "Content-Type": "application/json",
            "Content-Length": "15",
            "User-Agent": entry["headers"]["User-Agent"],
        },
        "body": {"name": "Ada"},
        "body_size": 15,
        "body_truncated": False,
        "status": 201,
        "response": response.get_json(),
        "response_size": len(response.data),
        "response_truncated": False,
        "started_at": entry["started_at"],
        "duration_ms": entry["duration_ms"],
        "developer_id": DEFAULT_DEVELOPER_ID,
    }
    assert TIMESTAMP.fullmatch(entry["started_at"])
    assert 0 < entry["duration_ms"] < 1000


def test_journal_keeps_bodies_that_are_not_json_as_text_and_errors_too(client):
    client.post(f"/users/{USER_ID}", data=b"name=Ada", headers={**AUTH, "Content-Type": "text/plain"})
    client.get("/usres", headers=AUTH)
    client.get(f"/users/{USER_ID}")
    body, typo, no_key = journal(client)
    assert (body["body"], body["status"], body["response"]["detail"][0]["type"]) == ("name=Ada", 422, "model_attributes_type")
    assert (typo["path"], typo["status"], typo["response"], typo["body"]) == ("/usres", 404, {"detail": "Not Found"}, None)
    assert (no_key["status"], no_key["response"], no_key["developer_id"]) == (403, {"detail": "Could not validate API KEY"}, None)


def test_journal_never_holds_the_key(tmp_path):
    app = make_app(tmp_path, API_KEY="s3cret-key", API_KEY_HEADER_NAME="X-Api-Key")
    client = app.test_client()
    client.post(f"/users/{USER_ID}", json={}, headers={"x-api-key": "s3cret-key", "X-Echo": "Bearer s3cret-key"})
    client.post(f"/users/{USER_ID}", json={}, headers={"X-Api-Key": "wrong"})
    text = client.get("/_double/requests", headers={"X-Api-Key": "s3cret-key"}).get_data(as_text=True)
    assert "s3cret-key" not in text
    first, second = json.loads(text)["items"]
    assert (first["headers"]["X-Api-Key"], first["headers"]["X-Echo"], first["status"]) == ("[REDACTED]", "[REDACTED]", 201)
    assert (second["headers"]["X-Api-Key"], second["status"]) == ("[REDACTED]", 403)


def test_journal_is_newest_last_and_filters_by_method_path_and_developer(multi_tenant_client):
    client = multi_tenant_client
    a, b = {**AUTH, "X-Developer-Id": DEVELOPER_A}, {**AUTH, "X-Developer-Id": DEVELOPER_B}
    upsert(client, USER_ID, headers=a)
    client.get(f"/api/users/{USER_ID}", headers=a)
    upsert(client, OTHER_ID, headers=b)
    client.get("/users", headers=b)

    def requests(query):
        return [(entry["method"], entry["path"]) for entry in journal(client, query)]

    assert requests("") == [
        ("POST", f"/users/{USER_ID}"), ("GET", f"/api/users/{USER_ID}"), ("POST", f"/users/{OTHER_ID}"), ("GET", "/users")
    ]
    assert requests("?method=POST") == [("POST", f"/users/{USER_ID}"), ("POST", f"/users/{OTHER_ID}")]
    assert requests(f"?path=/users/{USER_ID}") == [("POST", f"/users/{USER_ID}"), ("GET", f"/api/users/{USER_ID}")]
    assert requests("?path=/users/*&method=GET") == [("GET", f"/api/users/{USER_ID}")]
    assert requests(f"?developer_id={DEVELOPER_B}") == [("POST", f"/users/{OTHER_ID}"), ("GET", "/users")]


def test_journal_keeps_only_the_last_journal_size_entries(tmp_path):
    app = make_app(tmp_path, JOURNAL_SIZE=5)
    client = app.test_client()
    for n in range(1, 251):
        client.get(f"/users/{uuid.UUID(int=n)}", headers=AUTH)
        if n in (3, 5, 6, 99, 100, 101, 250):
            paths = [entry["path"] for entry in journal(client)]
            assert paths == [f"/users/{uuid.UUID(int=k)}" for k in range(max(1, n - 4), n + 1)], n
    with app.app_context():
        (stored,) = get_db().execute("SELECT count(*) FROM journal_entries").fetchone()
    assert stored <= 5 + 100  # pruned in batches of 100


def test_journal_size_0_journals_nothing(tmp_path):
    client = make_app(tmp_path, JOURNAL_SIZE=0).test_client()
    upsert(client)
    assert journal(client) == []


def test_journal_size_must_be_a_count(tmp_path):
    with pytest.raises(ValueError, match="JOURNAL_SIZE"):
        make_app(tmp_path, JOURNAL_SIZE="many")


def test_controls_are_not_journaled_and_delete_clears_it(client):
    upsert(client)
    client.get("/_double/faults", headers=AUTH)
    client.get("/_double/health")
    client.get("/api/_double/faults", headers=AUTH)
    client.get("/api/_double/nope", headers=AUTH)
    assert [entry["path"] for entry in journal(client)] == [f"/users/{USER_ID}"]
    response = client.delete("/_double/requests", headers=AUTH)
    assert (response.status_code, response.data) == (204, b"")
    assert journal(client) == []


def test_the_journal_cursor_is_its_end_from_which_a_read_gives_only_what_comes_after(client):
    upsert(client)
    response = client.get("/_double/requests/cursor", headers=AUTH)
    assert (response.status_code, response.data) == (200, b'{"cursor":1}')
    client.get("/users", headers=AUTH)
    assert [entry["path"] for entry in journal(client, "?cursor=1")] == ["/users"]
    client.delete("/_double/requests", headers=AUTH)  # ids are never given again: the cursor stays where it was
    assert client.get("/_double/requests/cursor", headers=AUTH).get_json() == {"cursor": 2}


# Faults


def test_a_fault_answers_instead_of_the_api_times_times_then_the_api_answers(client):
    response = client.post(
        "/_double/faults",
        json={"method": "POST", "path": "/users/*", "status": 503, "body": {"detail": "down"}, "headers": {"Retry-After": "1"}, "times": 2},
        headers=AUTH,
    )
    assert response.status_code == 201
    assert response.get_json() == {
        "id": 1,
        "method": "POST",
        "path": "/users/*",
        "status": 503,
        "body": {"detail": "down"},
        "headers": {"Retry-After": "1"},
        "delay_ms": 0,
        "times": 2,
        "remaining": 2,
        "developer_id": None,
    }

    first = upsert(client, name="Ada")
    assert (first.status_code, first.get_json(), first.headers["Retry-After"]) == (503, {"detail": "down"}, "1")
    assert client.get("/_double/faults", headers=AUTH).get_json()["items"][0]["remaining"] == 1
    assert client.get(f"/users/{USER_ID}", headers=AUTH).status_code == 404  # not matched, and nothing was written
    second = client.post(f"/api/users/{USER_ID}", json={"name": "Ada"}, headers=AUTH)  # /api is not part of the path
    assert (second.status_code, second.get_json()) == (503, {"detail": "down"})
    assert client.get("/_double/faults", headers=AUTH).get_json() == {"items": []}
    assert upsert(client, name="Ada").status_code == 201

    assert [entry["status"] for entry in journal(client)] == [503, 404, 503, 201]


def test_a_fault_without_a_body_answers_its_status_detail_for_any_method_and_path(client):
    fault = client.post("/_double/faults", json={"status": 429}, headers=AUTH).get_json()
    assert (fault["method"], fault["path"], fault["body"], fault["headers"], fault["times"]) == (None, "*", {"detail": "Too Many Requests"}, {}, 1)
    response = client.delete(f"/users/{USER_ID}", headers=AUTH)
    assert (response.status_code, response.data) == (429, b'{"detail":"Too Many Requests"}')


def test_a_delay_without_a_status_is_processed_normally_afterwards(client):
    client.post("/_double/faults", json={"path": f"/users/{USER_ID}", "delay_ms": 120}, headers=AUTH)
    started = time.perf_counter()
    response = upsert(client, name="Ada")
    assert time.perf_counter() - started >= 0.12
    assert (response.status_code, response.get_json()["name"]) == (201, "Ada")
    assert journal(client)[0]["duration_ms"] >= 120


def test_a_fault_answers_a_request_without_a_key_as_a_failing_proxy_would(client):
    client.post("/_double/faults", json={"status": 502}, headers=AUTH)
    response = client.get("/users")
    assert (response.status_code, response.get_json()) == (502, {"detail": "Bad Gateway"})
    assert client.get("/users").status_code == 403


def test_faults_are_played_oldest_first_and_delete_clears_them(client):
    client.post("/_double/faults", json={"status": 500}, headers=AUTH)
    client.post("/_double/faults", json={"status": 502, "times": 3}, headers=AUTH)
    assert client.get("/users", headers=AUTH).status_code == 500
    assert client.get("/users", headers=AUTH).status_code == 502
    assert [(fault["id"], fault["remaining"]) for fault in client.get("/_double/faults", headers=AUTH).get_json()["items"]] == [(2, 2)]
    response = client.delete("/_double/faults", headers=AUTH)
    assert (response.status_code, response.data) == (204, b"")
    assert client.get("/users", headers=AUTH).status_code == 200


def test_the_faults_of_a_database_of_an_earlier_version_are_dropped(tmp_path):
    with sqlite3.connect(tmp_path / "users.sqlite3") as db:
        db.execute(
            "CREATE TABLE faults (id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT, path TEXT NOT NULL, status INTEGER,"
            " body TEXT NOT NULL, headers TEXT NOT NULL, delay_ms INTEGER NOT NULL, times INTEGER NOT NULL,"
            " remaining INTEGER NOT NULL)"
        )
        db.execute("INSERT INTO faults (path, status, body, headers, delay_ms, times, remaining) VALUES ('*', 500, '{}', '{}', 0, 1, 1)")
    client = make_app(tmp_path).test_client()
    assert client.get("/users", headers=AUTH).status_code == 200
    assert client.post("/_double/faults", json={"status": 502}, headers=AUTH).status_code == 201
    assert client.get("/users", headers=AUTH).status_code == 502


def test_a_fault_with_times_2_fires_exactly_twice_across_workers(tmp_path):
    """Two apps on one database file stand for two workers of the production server; eight threads race through them."""
    path = str(tmp_path / "db.sqlite3")
    workers = [create_app({"DATABASE": path, "API_KEY": API_KEY}) for _ in range(2)]
    workers[0].test_client().post("/_double/faults", json={"path": "/users", "status": 503, "times": 2}, headers=AUTH)
    statuses = []

    def hammer(app):
        client = app.test_client()
        for _ in range(10):
            statuses.append(client.get("/users", headers=AUTH).status_code)

    threads = [threading.Thread(target=hammer, args=(workers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 78 + [503] * 2
    assert len(journal(workers[1].test_client())) == 80


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"method": "post", "status": "503", "times": 0, "delay_ms": 60_001, "headers": {"A": 1}, "retry": 1},
            [
                {
                    "type": "literal_error",
                    "loc": ["body", "method"],
                    "msg": "Input should be 'GET', 'POST', 'PUT', 'PATCH' or 'DELETE'",
                    "input": "post",
                    "ctx": {"expected": "'GET', 'POST', 'PUT', 'PATCH' or 'DELETE'"},
                },
                {"type": "int_type", "loc": ["body", "status"], "msg": "Input should be a valid integer", "input": "503"},
                {"type": "string_type", "loc": ["body", "headers", "A"], "msg": "Input should be a valid string", "input": 1},
                {
                    "type": "less_than_equal",
                    "loc": ["body", "delay_ms"],
                    "msg": "Input should be less than or equal to 60000",
                    "input": 60_001,
                    "ctx": {"le": 60_000},
                },
                {
                    "type": "greater_than_equal",
                    "loc": ["body", "times"],
                    "msg": "Input should be greater than or equal to 1",
                    "input": 0,
                    "ctx": {"ge": 1},
                },
                {"type": "extra_forbidden", "loc": ["body", "retry"], "msg": "Extra inputs are not permitted", "input": 1},
            ],
        ),
        (
            {"path": "/users", "times": 2},
            [
                {
                    "type": "value_error",
                    "loc": ["body"],
                    "msg": "Value error, a fault needs a status or a delay_ms",
                    "input": {"path": "/users", "times": 2},
                    "ctx": {"error": {}},
                }
            ],
        ),
        (
            {"path": "/api/users", "status": 99},
            [
                {
                    "type": "greater_than_equal",
                    "loc": ["body", "status"],
                    "msg": "Input should be greater than or equal to 200",
                    "input": 99,
                    "ctx": {"ge": 200},
                }
            ],
        ),
        (
            {"path": "/api/users", "status": 500, "headers": {"Bad Name": "x", "X": "two\nlines"}},
            [
                {
                    "type": "value_error",
                    "loc": ["body", "headers", "Bad Name"],
                    "msg": "Value error, not a valid HTTP header",
                    "input": "x",
                    "ctx": {"error": {}},
                }
            ],
        ),
        (
            {"path": "/api/users", "status": 500, "delay_ms": True},
            [{"type": "int_type", "loc": ["body", "delay_ms"], "msg": "Input should be a valid integer", "input": True}],
        ),
        (
            {"path": "/api/users/*", "status": 500},
            [
                {
                    "type": "value_error",
                    "loc": ["body", "path"],
                    "msg": "Value error, path is matched without the /api prefix",
                    "input": "/api/users/*",
                    "ctx": {"error": {}},
                }
            ],
        ),
        (
            [{"status": 500}],
            [
                {
                    "type": "model_attributes_type",
                    "loc": ["body"],
                    "msg": "Input should be a valid dictionary or object to extract fields from",
                    "input": [{"status": 500}],
                }
            ],
        ),
        (None, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]),
    ],
)
def test_a_bad_fault_definition_is_422_in_the_api_error_shape(client, body, detail):
    data = b"" if body is None else json.dumps(body).encode()
    response = client.post("/_double/faults", data=data, headers={**AUTH, "Content-Type": "application/json"})
    assert (response.status_code, response.get_json()) == (422, {"detail": detail})
    assert client.get("/_double/faults", headers=AUTH).get_json() == {"items": []}


def test_a_fault_definition_that_is_no_json_is_answered_like_the_api(client):
    response = client.post("/_double/faults", data=b"{", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.get_json()["detail"][0]["type"] == "json_invalid"


# Seeding and snapshots


def test_export_lists_every_developers_users_with_their_developer(multi_tenant_client):
    client = multi_tenant_client
    ada = upsert(client, USER_ID, headers={**AUTH, "X-Developer-Id": DEVELOPER_B}, name="Ada", metadata={"a": 1}).get_json()
    grace = upsert(client, OTHER_ID, headers={**AUTH, "X-Developer-Id": DEVELOPER_A}, name="Grace").get_json()
    response = client.get("/_double/users", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {
        "items": [{"developer_id": DEVELOPER_A, **grace}, {"developer_id": DEVELOPER_B, **ada}], "projects": [], "docs": []
    }
    assert list(response.get_json()["items"][0]) == [
        "developer_id", "id", "metadata", "created_at", "updated_at", "name", "about", "project"
    ]


def test_an_export_imports_back_as_it_was(multi_tenant_client):
    client = multi_tenant_client
    new_project(client, "p", headers={**AUTH, "X-Developer-Id": DEVELOPER_A})
    upsert(client, USER_ID, headers={**AUTH, "X-Developer-Id": DEVELOPER_A}, name="Ada", about="x", project="p", metadata={"k": [1]})
    upsert(client, OTHER_ID, headers={**AUTH, "X-Developer-Id": DEVELOPER_B}, name="Grace")
    snapshot = client.get("/_double/users", headers=AUTH).get_json()
    client.post("/_double/reset", headers=AUTH)

    response = client.post("/_double/users", json=snapshot, headers=AUTH)
    assert (response.status_code, response.get_json()) == (200, {"imported": 2, "imported_docs": 0})
    assert client.get("/_double/users", headers=AUTH).get_json() == snapshot
    user = client.get(f"/users/{USER_ID}", headers={**AUTH, "X-Developer-Id": DEVELOPER_A}).get_json()
    assert user == {key: value for key, value in snapshot["items"][0].items() if key != "developer_id"}


def test_import_upserts_and_fills_in_what_is_left_out(client):
    upsert(client, name="Old")
    response = client.post(
        "/_double/users",
        json={"items": [{"id": USER_ID.upper(), "name": "New", "created_at": "2020-01-02T03:04:05.5+01:00"}, {"id": OTHER_ID}]},
        headers=AUTH,
    )
    assert response.get_json() == {"imported": 2, "imported_docs": 0}
    new, other = (user for user in exported(client) if user["id"] in (USER_ID, OTHER_ID))
    assert new == {
        "developer_id": DEFAULT_DEVELOPER_ID,
        "id": USER_ID,
        "metadata": {},
        "created_at": "2020-01-02T02:04:05.500000Z",
        "updated_at": "2020-01-02T02:04:05.500000Z",
        "name": "New",
        "about": "",
        "project": "default",
    }
    assert other["created_at"] == other["updated_at"]
    assert TIMESTAMP.fullmatch(other["created_at"])


def test_a_bad_import_is_422_with_every_error_and_imports_nothing(client):
    response = client.post(
        "/_double/users",
        json={"items": [{"id": USER_ID}, {"name": "1", "developer_id": 7}, "x", {"id": OTHER_ID, "updated_at": "yesterday"}]},
        headers=AUTH,
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "detail": [
            {
                "type": "string_pattern_mismatch",
                "loc": ["body", "items", 1, "name"],
                "msg": response.get_json()["detail"][0]["msg"],
                "input": "1",
                "ctx": response.get_json()["detail"][0]["ctx"],
            },
            {
                "type": "uuid_type",
                "loc": ["body", "items", 1, "developer_id"],
                "msg": "UUID input should be a string, bytes or UUID object",
                "input": 7,
            },
            {"type": "missing", "loc": ["body", "items", 1, "id"], "msg": "Field required", "input": {"name": "1", "developer_id": 7}},
            {
                "type": "model_attributes_type",
                "loc": ["body", "items", 2],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": "x",
            },
            {
                "type": "datetime_parsing",
                "loc": ["body", "items", 3, "updated_at"],
                "msg": "Input should be a valid datetime, input is not an ISO 8601 date-time",
                "input": "yesterday",
                "ctx": {"error": "input is not an ISO 8601 date-time"},
            },
        ]
    }
    assert response.get_json()["detail"][0]["msg"].startswith("String should match pattern")
    assert exported(client) == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, {"type": "missing", "loc": ["body", "items"], "msg": "Field required", "input": {}}),
        ({"items": {}}, {"type": "list_type", "loc": ["body", "items"], "msg": "Input should be a valid list", "input": {}}),
    ],
)
def test_an_import_needs_a_list_of_items(client, body, error):
    response = client.post("/_double/users", json=body, headers=AUTH)
    assert (response.status_code, response.get_json()) == (422, {"detail": [error]})


def test_a_seed_file_is_imported_at_start_up(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"items": [{"id": USER_ID, "name": "Ada", "created_at": "2025-05-05T00:00:00Z"}]}))
    app = make_app(tmp_path, SEED_FILE=str(seed))
    user = app.test_client().get(f"/users/{USER_ID}", headers=AUTH).get_json()
    assert (user["name"], user["created_at"]) == ("Ada", "2025-05-05T00:00:00Z")


def test_a_bad_seed_file_stops_the_start_up_with_its_errors(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text('{"items": [{"name": "Ada"}]}')
    with pytest.raises(ValueError, match=r"seed.json is not a users export: .*\"loc\":\[\"body\",\"items\",0,\"id\"\]"):
        make_app(tmp_path, SEED_FILE=str(seed))


def test_a_seed_file_with_a_bad_doc_stops_the_start_up_with_its_errors(tmp_path):
    seed = tmp_path / "seed.json"
    doc = {"user_id": USER_ID, "title": "t", "content": "c"}
    seed.write_text(json.dumps({"items": [{"id": USER_ID}], "docs": [doc, {**doc, "id": OTHER_ID}, {**doc, "id": OTHER_ID}]}))
    with pytest.raises(ValueError) as stopped:
        make_app(tmp_path, SEED_FILE=str(seed))
    assert str(stopped.value) == f"{seed} is not a users export: " + json.dumps(
        [
            {"type": "missing", "loc": ["body", "docs", 0, "id"], "msg": "Field required", "input": doc},
            {"type": "value_error", "loc": ["body", "docs", 2, "id"], "msg": "Value error, docs 1 and 2 have one id", "input": OTHER_ID, "ctx": {"error": {}}},
        ],
        separators=(",", ":"),
    )


# Frozen time


def test_a_frozen_clock_sets_created_updated_and_deleted_at(client):
    response = client.post("/_double/clock", json={"now": "2026-01-01T00:00:00Z"}, headers=AUTH)
    assert (response.status_code, response.data) == (200, b'{"now":"2026-01-01T00:00:00Z"}')
    created = upsert(client, name="Ada").get_json()
    assert (created["created_at"], created["updated_at"]) == ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")

    response = client.post("/_double/clock", json={"advance_seconds": 1.5}, headers=AUTH)
    assert response.data == b'{"now":"2026-01-01T00:00:01.500000Z"}'
    patched = client.patch(f"/users/{USER_ID}", json={"about": "x"}, headers=AUTH).get_json()
    assert (patched["created_at"], patched["updated_at"]) == ("2026-01-01T00:00:00Z", "2026-01-01T00:00:01.500000Z")
    client.post("/_double/clock", json={"advance_seconds": 60}, headers=AUTH)
    deleted = client.delete(f"/users/{USER_ID}", headers=AUTH).get_json()
    assert deleted["deleted_at"] == "2026-01-01T00:01:01.500000Z"

    response = client.delete("/_double/clock", headers=AUTH)
    assert (response.status_code, response.data) == (204, b"")
    assert upsert(client).get_json()["created_at"] > "2026-11"


def test_a_frozen_clock_makes_uuid7_ids_from_its_time_and_a_count(client):
    client.post("/_double/clock", json={"now": "2026-01-01T00:00:00.000250Z"}, headers=AUTH)
    first = client.post("/users", json={}, headers=AUTH).get_json()["id"]
    second = client.post("/users", json={}, headers=AUTH).get_json()["id"]
    assert (first, second) == ("019b76da-a800-70fa-8000-000000000001", "019b76da-a800-70fa-8000-000000000002")
    assert uuid.UUID(first).version == 7
    client.post("/_double/clock", json={"now": "2026-01-01T00:00:00.000250Z"}, headers=AUTH)  # freezing again counts on
    assert client.post("/users", json={}, headers=AUTH).get_json()["id"] == "019b76da-a800-70fa-8000-000000000003"
    client.post("/_double/reset", headers=AUTH)  # no user left: the count starts again
    client.post("/_double/clock", json={"now": "2026-01-01T00:00:00.000250Z"}, headers=AUTH)
    assert client.post("/users", json={}, headers=AUTH).get_json()["id"] == first


def test_snapshot_tests_get_byte_identical_answers(tmp_path):
    def session(name):
        client = create_app({"DATABASE": str(tmp_path / name), "API_KEY": API_KEY}).test_client()
        client.post("/_double/clock", json={"now": "2026-03-04T05:06:07Z"}, headers=AUTH)
        answers = [client.post("/users", json={"name": "Ada"}, headers=AUTH).data, upsert(client, name="Grace").data]
        client.post("/_double/clock", json={"advance_seconds": 0.25}, headers=AUTH)
        answers.append(client.get("/users", headers=AUTH).data)
        return answers

    assert session("one.sqlite3") == session("two.sqlite3")


def test_the_clock_is_read_again_for_each_request_inside_one_app_context(app, client):
    with app.app_context():  # the requests below share it, and its `g`
        upsert(client)
        client.post("/_double/clock", json={"now": "2026-01-01T00:00:00Z"}, headers=AUTH)
        client.post("/_double/users", json={"items": [{"id": OTHER_ID}]}, headers=AUTH)
    assert [user["created_at"] for user in exported(client) if user["id"] == OTHER_ID] == ["2026-01-01T00:00:00Z"]


def test_the_clock_reads_as_frozen_or_real(client):
    before = time.time_ns() // 1000
    real = client.get("/_double/clock", headers=AUTH)
    assert (real.status_code, sorted(real.get_json())) == (200, ["frozen", "now"])
    assert real.get_json()["frozen"] is False
    assert before <= micros(real.get_json()["now"]) <= time.time_ns() // 1000
    client.post("/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=AUTH)
    client.post("/_double/clock", json={"advance_seconds": 0.25}, headers=AUTH)
    frozen = client.get("/_double/clock", headers=AUTH)
    assert (frozen.status_code, frozen.data) == (200, b'{"now":"2030-01-01T00:00:00.250000Z","frozen":true}')


def test_the_clock_reads_as_the_developer_sees_it(multi_tenant_client):
    as_a = {**AUTH, "X-Developer-Id": DEVELOPER_A}
    multi_tenant_client.post("/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=as_a)
    frozen = multi_tenant_client.get("/_double/clock", headers=as_a)
    assert (frozen.status_code, frozen.data) == (200, b'{"now":"2030-01-01T00:00:00Z","frozen":true}')
    for headers in ({**AUTH, "X-Developer-Id": DEVELOPER_B}, AUTH):
        assert multi_tenant_client.get("/_double/clock", headers=headers).get_json()["frozen"] is False


def micros(timestamp):
    moment = datetime.datetime.fromisoformat(timestamp)
    return (moment - EPOCH) // datetime.timedelta(microseconds=1)


def test_advancing_a_clock_that_is_not_frozen_is_409(client):
    response = client.post("/_double/clock", json={"advance_seconds": 1}, headers=AUTH)
    assert (response.status_code, response.get_json()) == (409, {"detail": "The clock is not frozen"})


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {},
            [{"type": "value_error", "loc": ["body"], "msg": "Value error, give exactly one of now and advance_seconds", "input": {}, "ctx": {"error": {}}}],
        ),
        (
            {"now": "2026-01-01T00:00:00Z", "advance_seconds": 1},
            [
                {
                    "type": "value_error",
                    "loc": ["body"],
                    "msg": "Value error, give exactly one of now and advance_seconds",
                    "input": {"now": "2026-01-01T00:00:00Z", "advance_seconds": 1},
                    "ctx": {"error": {}},
                }
            ],
        ),
        (
            {"now": 1767225600, "advance_seconds": -1, "then": 1},
            [
                {"type": "datetime_type", "loc": ["body", "now"], "msg": "Input should be a valid datetime", "input": 1767225600},
                {
                    "type": "greater_than_equal",
                    "loc": ["body", "advance_seconds"],
                    "msg": "Input should be greater than or equal to 0",
                    "input": -1,
                    "ctx": {"ge": 0},
                },
                {"type": "extra_forbidden", "loc": ["body", "then"], "msg": "Extra inputs are not permitted", "input": 1},
            ],
        ),
        (
            {"advance_seconds": "1"},
            [{"type": "float_type", "loc": ["body", "advance_seconds"], "msg": "Input should be a valid number", "input": "1"}],
        ),
        (
            {"advance_seconds": 1e10},
            [
                {
                    "type": "less_than_equal",
                    "loc": ["body", "advance_seconds"],
                    "msg": "Input should be less than or equal to 1000000000",
                    "input": 1e10,
                    "ctx": {"le": 1_000_000_000},
                }
            ],
        ),
    ],
)
def test_a_bad_clock_change_is_422(client, body, detail):
    response = client.post("/_double/clock", json=body, headers=AUTH)
    assert (response.status_code, response.get_json()) == (422, {"detail": detail})
