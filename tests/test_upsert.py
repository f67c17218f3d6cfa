"""POST /users/{user_id}: what the hosted Julep API answers, byte for byte."""

import json
import re

import pytest

from julep_users_double.app import create_app
from conftest import API_KEY, AUTH, USER_ID

URL = f"/users/{USER_ID}"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")


def post(client, body, path=URL, headers=AUTH, content_type="application/json"):
    headers = dict(headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(path, data=data, headers=headers)


def test_create_returns_201_with_the_full_user_in_the_hosted_key_order(client):
    response = post(client, {"name": "Ada Lovelace", "about": "Analyst", "project": "p_1", "metadata": {"a": 1}})
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    user = response.get_json()
    assert list(user) == ["id", "metadata", "created_at", "updated_at", "name", "about", "project"]
    assert user == {
        "id": USER_ID,
        "metadata": {"a": 1},
        "created_at": user["created_at"],
        "updated_at": user["created_at"],
        "name": "Ada Lovelace",
        "about": "Analyst",
        "project": "p_1",
    }
    assert TIMESTAMP.fullmatch(user["created_at"])


def test_response_is_compact_utf8_not_escaped(client):
    response = post(client, {"name": "Zoë", "metadata": {"k": "ünï"}})
    assert response.data.startswith(f'{{"id":"{USER_ID}","metadata":{{"k":"ünï"}},"created_at":"'.encode())
    assert b'"name":"Zo\xc3\xab","about":"","project":"default"}' in response.data


def test_omitted_fields_take_the_hosted_defaults(client):
    user = post(client, {}).get_json()
    assert (user["metadata"], user["name"], user["about"], user["project"]) == ({}, "", "", "default")


def test_null_metadata_and_project_take_the_defaults(client):
    user = post(client, {"metadata": None, "project": None}).get_json()
    assert (user["metadata"], user["project"]) == ({}, "default")


def test_unknown_keys_and_id_are_ignored(client):
    user = post(client, {"id": "11111111-1111-1111-1111-111111111111", "extra": 1, "name": "Ada"}).get_json()
    assert user["id"] == USER_ID
    assert "extra" not in user


def test_update_overwrites_every_field_and_keeps_created_at(client):
    first = post(client, {"name": "Ada", "about": "x", "project": "p", "metadata": {"a": 1}}).get_json()
    second = post(client, {"name": "Grace"})
    assert second.status_code == 201
    user = second.get_json()
    assert user["created_at"] == first["created_at"]
    assert user["updated_at"] > first["updated_at"] or user["updated_at"] != first["updated_at"]
    assert (user["metadata"], user["name"], user["about"], user["project"]) == ({}, "Grace", "", "default")


def test_path_id_in_any_accepted_form_is_answered_lowercase_hyphenated(client):
    for form in [
        USER_ID.upper(),
        USER_ID.replace("-", ""),
        "{" + USER_ID + "}",
        "urn:uuid:" + USER_ID,
    ]:
        response = post(client, {}, path=f"/users/{form}")
        assert response.status_code == 201, form
        assert response.get_json()["id"] == USER_ID


def test_nul_characters_are_removed_from_about_and_metadata(client):
    user = post(client, {"about": "a\u0000b", "metadata": {"k\u0000": ["v\u0000", {"x\u0000y": "\u0000"}]}}).get_json()
    assert user["about"] == "ab"
    assert user["metadata"] == {"k": ["v", {"xy": ""}]}


def test_a_backslash_before_u0000_text_is_not_a_nul(client):
    user = post(client, {"about": "\\u0000", "metadata": {"k": "\\u0000"}}).get_json()
    assert user["about"] == "\\u0000"
    assert user["metadata"] == {"k": "\\u0000"}


def test_routes_also_answer_under_api(client):
    response = post(client, {"name": "Ada"}, path=f"/api/users/{USER_ID}")
    assert response.status_code == 201
    assert response.get_json()["name"] == "Ada"


# Validation: the examples of the contract


def test_wrong_types_come_together_in_field_order(client):
    response = post(client, {"name": 5, "metadata": [1]})
    assert response.status_code == 422
    assert response.get_json() == {
        "detail": [
            {"type": "dict_type", "loc": ["body", "metadata"], "msg": "Input should be a valid dictionary", "input": [1]},
            {"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string", "input": 5},
        ]
    }


def test_malformed_json(client):
    response = post(client, b'{"name": "Ada",}')
    assert response.status_code == 422
    assert response.data == (
        b'{"detail":[{"type":"json_invalid","loc":["body",15],"msg":"JSON decode error","input":{},'
        b'"ctx":{"error":"Expecting property name enclosed in double quotes"}}]}'
    )


def test_path_error_comes_before_body_errors(client):
    response = post(client, {"about": None}, path="/users/abc")
    assert response.status_code == 422
    detail = "invalid length: expected length 32 for simple format, found 3"
    assert response.get_json() == {
        "detail": [
            {
                "type": "uuid_parsing",
                "loc": ["path", "user_id"],
                "msg": f"Input should be a valid UUID, {detail}",
                "input": "abc",
                "ctx": {"error": detail},
            },
            {"type": "string_type", "loc": ["body", "about"], "msg": "Input should be a valid string", "input": None},
        ]
    }


def test_every_field_wrong_at_once(client):
    response = post(client, {"project": 5, "about": 5, "name": True, "metadata": "x"})
    assert [(e["type"], e["loc"][1], e["input"]) for e in response.get_json()["detail"]] == [
        ("dict_type", "metadata", "x"),
        ("string_type", "name", True),
        ("string_type", "about", 5),
        ("string_type", "project", 5),
    ]


@pytest.mark.parametrize("body", [b"", b"null"])
def test_empty_or_null_body_is_missing(client, body):
    response = post(client, body)
    assert response.status_code == 422
    assert response.get_json() == {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]}


@pytest.mark.parametrize("body", [[], 5, "x", True, 1.5])
def test_json_that_is_not_an_object(client, body):
    response = post(client, body)
    assert response.status_code == 422
    assert response.get_json() == {
        "detail": [
            {
                "type": "model_attributes_type",
                "loc": ["body"],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": body,
            }
        ]
    }


def test_name_too_long_is_reported_before_the_pattern(client):
    name = "1" * 121
    response = post(client, {"name": name})
    assert response.get_json() == {
        "detail": [
            {
                "type": "string_too_long",
                "loc": ["body", "name"],
                "msg": "String should have at most 120 characters",
                "input": name,
                "ctx": {"max_length": 120},
            }
        ]
    }


@pytest.mark.parametrize("name", ["", "1abc", "A😀", "😀", "a\u0000"])
def test_name_pattern_mismatch(client, name):
    from schemas import NAME_PATTERN

    response = post(client, {"name": name})
    assert response.status_code == 422
    assert response.get_json() == {
        "detail": [
            {
                "type": "string_pattern_mismatch",
                "loc": ["body", "name"],
                "msg": f"String should match pattern '{NAME_PATTERN}'",
                "input": name,
                "ctx": {"pattern": NAME_PATTERN},
            }
        ]
    }


@pytest.mark.parametrize("name", ["Ada", "Ada Lovelace", "A-b", " ", "été", "日本語", "Ab1", "x" * 120])
def test_names_the_pattern_accepts(client, name):
    response = post(client, {"name": name})
    assert response.status_code == 201
    assert response.get_json()["name"] == name


def test_project_rules(client):
    cases = {
        "": ("string_too_short", "String should have at least 1 character", {"min_length": 1}),
        "a" * 256: ("string_too_long", "String should have at most 255 characters", {"max_length": 255}),
        "1a": (
            "string_pattern_mismatch",
            "String should match pattern '^[a-zA-Z][a-zA-Z0-9_]*$'",
            {"pattern": "^[a-zA-Z][a-zA-Z0-9_]*$"},
        ),
        "ab\n": (
            "string_pattern_mismatch",
            "String should match pattern '^[a-zA-Z][a-zA-Z0-9_]*$'",
            {"pattern": "^[a-zA-Z][a-zA-Z0-9_]*$"},
        ),
    }
    for project, (error_type, msg, ctx) in cases.items():
        response = post(client, {"project": project})
        assert response.get_json() == {
            "detail": [{"type": error_type, "loc": ["body", "project"], "msg": msg, "input": project, "ctx": ctx}]
        }, project
    assert post(client, {"project": "a" * 255}).status_code == 201


def test_about_refuses_null(client):
    response = post(client, {"about": None})
    assert response.get_json()["detail"] == [
        {"type": "string_type", "loc": ["body", "about"], "msg": "Input should be a valid string", "input": None}
    ]


@pytest.mark.parametrize(
    "user_id, detail",
    [
        ("x", "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1"),
        (USER_ID + "c", "invalid group length in group 4: expected 12, found 13"),
        (USER_ID[:-1], "invalid group length in group 4: expected 12, found 11"),
        ("0190e6a2-7b6f-7b5e-9c1a1234567890ab", "invalid group count: expected 5, found 4"),
        ("a-b-c-d-e", "invalid group length in group 0: expected 8, found 1"),
        ("urn:uuid:abc", "invalid group count: expected 5, found 1"),
        ("{" + USER_ID.replace("-", "") + "}", "invalid group count: expected 5, found 1"),
        ("URN:UUID:" + USER_ID, "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `U` at 1"),
        ("%C3%A9", "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `é` at 1"),
        ("1" * 36, "invalid length: expected length 32 for simple format, found 36"),
    ],
)
def test_user_id_errors_in_pydantic_words(client, user_id, detail):
    response = post(client, {}, path=f"/users/{user_id}")
    assert response.status_code == 422
    [error] = response.get_json()["detail"]
    assert error["msg"] == f"Input should be a valid UUID, {detail}"
    assert error["ctx"] == {"error": detail}


def test_malformed_json_is_reported_alone_even_with_a_bad_path(client):
    response = post(client, b'{"a', path="/users/abc")
    assert response.get_json() == {
        "detail": [
            {"type": "json_invalid", "loc": ["body", 1], "msg": "JSON decode error", "input": {}, "ctx": {"error": "Unterminated string starting at"}}
        ]
    }


@pytest.mark.parametrize("content_type", [None, "APPLICATION/JSON", "application/json; charset=utf-8", "application/vnd.api+json"])
def test_json_content_types_are_parsed(client, content_type):
    response = post(client, {"name": "Ada"}, content_type=content_type)
    assert response.status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "json", "application/jsonx"])
def test_other_content_types_are_validated_as_the_raw_text(client, content_type):
    response = post(client, b'{"name":"Ada"}', content_type=content_type)
    assert response.status_code == 422
    assert response.get_json()["detail"] == [
        {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": '{"name":"Ada"}',
        }
    ]


@pytest.mark.parametrize(
    "body",
    [b"\xff", b'{"about": "\\ud800"}', b'{"name": "A\\ud800"}', b'{"a": NaN}', b'{"a": -Infinity}', b'{"a": 1e999}', b"[" * 100_000, b'{"a": ' + b"1" * 10_000 + b"}"],
)
def test_bodies_fastapi_cannot_read_or_answer_are_a_400(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.get_json() == {"detail": "There was an error parsing the body"}
    assert post(client, {}).status_code == 201


# Authentication and tenancy


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "nope"}, {"X-Api-Key": API_KEY}])
def test_missing_or_wrong_key_is_a_403_before_anything_else(client, headers):
    for path, body in [(URL, {}), ("/users/abc", b'{"a'), (URL, b"\xff")]:
        response = post(client, body, path=path, headers=headers)
        assert response.status_code == 403
        assert response.get_json() == {"detail": "Could not validate API KEY"}


def test_key_alone_without_bearer_is_accepted(client):
    assert post(client, {}, headers={"Authorization": API_KEY}).status_code == 201


def test_key_header_name_is_configurable(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "API_KEY": "k", "API_KEY_HEADER_NAME": "X-Auth-Key"})
    client = app.test_client()
    assert post(client, {}, headers={"X-Auth-Key": "k"}).status_code == 201
    assert post(client, {}, headers={"Authorization": "k"}).status_code == 403


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTS_API_KEY", "from-env")
    monkeypatch.setenv("AGENTS_API_KEY_HEADER_NAME", "X-Key")
    monkeypatch.setenv("AGENTS_API_MULTI_TENANT_MODE", "TRUE")
    monkeypatch.setenv("FLASK_DATABASE", str(tmp_path / "env.sqlite3"))
    app = create_app()
    assert (app.config["API_KEY"], app.config["API_KEY_HEADER_NAME"], app.config["MULTI_TENANT_MODE"]) == ("from-env", "X-Key", True)
    assert app.config["DATABASE"] == str(tmp_path / "env.sqlite3")


def test_without_a_configured_key_one_is_generated_and_logged(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("AGENTS_API_KEY", raising=False)
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3")})
    key = app.config["API_KEY"]
    assert len(key) >= 32
    assert key in caplog.text
    assert post(app.test_client(), {}, headers={"Authorization": f"Bearer {key}"}).status_code == 201


@pytest.fixture
def tenant_client(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "API_KEY": API_KEY, "MULTI_TENANT_MODE": True})
    return app.test_client()


@pytest.mark.parametrize("developer", [None, "", "not-a-uuid", "1234"])
def test_multi_tenant_mode_needs_a_developer_uuid(tenant_client, developer):
    headers = dict(AUTH) if developer is None else {**AUTH, "X-Developer-Id": developer}
    response = post(tenant_client, {}, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"detail": "Invalid developer ID"}


def test_same_user_id_under_two_developers_is_two_users(tenant_client):
    developer_a = {**AUTH, "X-Developer-Id": "aaaaaaaa-0000-0000-0000-000000000000"}
    developer_b = {**AUTH, "X-Developer-Id": "bbbbbbbb-0000-0000-0000-000000000000"}
    first_a = post(tenant_client, {"name": "A"}, headers=developer_a).get_json()
    first_b = post(tenant_client, {"name": "B"}, headers=developer_b).get_json()
    assert first_b["created_at"] != first_a["created_at"]
    again_a = post(tenant_client, {"name": "A2"}, headers=developer_a).get_json()
    assert again_a["created_at"] == first_a["created_at"]


def test_single_tenant_mode_ignores_the_developer_header(client):
    assert post(client, {}, headers={**AUTH, "X-Developer-Id": "junk"}).status_code == 201


# Everything else is JSON too


def test_unknown_route_is_json_404(client):
    response = client.get("/nope", headers=AUTH)
    assert (response.status_code, response.get_json()) == (404, {"detail": "Not Found"})


@pytest.mark.parametrize(
    "path, location",
    [
        (f"{URL}/", f"http://localhost{URL}"),
        ("/api/users//?limit=1", "http://localhost/api/users?limit=1"),
        (f"{URL}/jobs/", None),
        ("/nope/", None),
    ],
)
def test_trailing_slash_redirects_as_starlette_does(client, path, location):
    response = client.get(path)
    if location is None:
        assert (response.status_code, response.get_json()) == (404, {"detail": "Not Found"})
    else:
        assert (response.status_code, response.headers["Location"], response.data) == (307, location, b"")


@pytest.mark.parametrize(
    "path, method", [(URL, "OPTIONS"), (URL, "TRACE"), ("/users", "PUT"), ("/users", "DELETE"), ("/api/users", "PATCH")]
)
def test_wrong_method_is_json_405(client, path, method):
    response = client.open(path, method=method, headers=AUTH)
    assert (response.status_code, response.get_json()) == (405, {"detail": "Method Not Allowed"})
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("path", [URL, "/users", "/api/users"])
def test_head_is_not_answered_like_get(client, path):
    response = client.open(path, method="HEAD", headers=AUTH, buffered=True)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "HEAD" not in response.headers["Allow"]


def test_body_over_the_limit_is_413_without_being_read(client):
    response = post(client, b"x" * (1024 * 1024 + 1))
    assert (response.status_code, response.get_json()) == (413, {"detail": "Request body too large"})


def test_unexpected_failure_is_json_500_with_traceback_only_in_the_log(app, client, monkeypatch, caplog):
    def explode(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr("julep_users_double.db.upsert_user", explode)
    response = post(client, {})
    assert (response.status_code, response.get_json()) == (500, {"detail": "Internal Server Error"})
    assert "RuntimeError: boom" in caplog.text


# Storage


def test_data_survives_a_restart_on_the_same_file(tmp_path):
    config = {"DATABASE": str(tmp_path / "db.sqlite3"), "API_KEY": API_KEY}
    first = post(create_app(config).test_client(), {"name": "Ada"}).get_json()
    second = post(create_app(config).test_client(), {"name": "Ada"}).get_json()
    assert second["created_at"] == first["created_at"]


def test_init_db_empties_the_database(app, client):
    first = post(client, {}).get_json()
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert "Initialized the database." in result.output
    again = post(client, {}).get_json()
    assert again["created_at"] != first["created_at"]


def test_a_running_double_answers_its_own_writes_after_init_db_from_elsewhere(tmp_path):
    # The row an upsert answers with comes from a TEMP trigger of the writing connection (schema.sql),
    # which must outlive the users table being dropped and made again by another connection.
    config = {"DATABASE": str(tmp_path / "db.sqlite3"), "API_KEY": API_KEY}
    running = create_app(config).test_client()
    first = post(running, {"name": "Ada"}).get_json()
    create_app(config).test_cli_runner().invoke(args=["init-db"])
    response = post(running, {"name": "Grace"})
    assert response.status_code == 201
    assert response.get_json()["name"] == "Grace"
    assert response.get_json()["created_at"] != first["created_at"]


def test_database_is_in_wal_mode(app):
    import sqlite3

    assert sqlite3.connect(app.config["DATABASE"]).execute("PRAGMA journal_mode").fetchone() == ("wal",)
