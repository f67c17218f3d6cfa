"""POST /users/{user_id}: what the hosted Julep API answers, byte for byte."""

import json
import re

import pytest

from conftest import AUTH, USER_ID, new_project

URL = f"/users/{USER_ID}"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")


def post(client, body, path=URL, headers=AUTH, content_type="application/json"):
    headers = dict(headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(path, data=data, headers=headers)


def test_create_returns_201_with_the_full_user_in_the_hosted_key_order(client):
    new_project(client, "p_1")
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
    new_project(client, "p")
    first = post(client, {"name": "Ada", "about": "x", "project": "p", "metadata": {"a": 1}}).get_json()
    second = post(client, {"name": "Grace"})
    assert second.status_code == 201
    user = second.get_json()
    assert user["created_at"] == first["created_at"]
    assert user["updated_at"] > first["updated_at"]
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


def test_nul_characters_are_removed_from_strings_as_the_hosted_sanitize_string_does(client):
    user = post(client, {"about": "a\u0000b", "metadata": {"k": ["v\u0000", {"xy": "\u0000"}]}}).get_json()
    assert user["about"] == "ab"
    assert user["metadata"] == {"k": ["v", {"xy": ""}]}


@pytest.mark.parametrize("metadata", [{"k\u0000": 1}, {"a": [{"x\u0000y": None}]}])
def test_a_nul_in_a_metadata_key_is_what_jsonb_refuses(client, metadata):
    response = post(client, {"metadata": metadata})
    assert (response.status_code, response.get_json()) == (400, {"detail": "Invalid user data provided during create_or_update"})


def test_metadata_comes_back_as_jsonb_keeps_it(client):
    response = post(client, {"metadata": {"tag": "a", "n": 1, "bb": {"é": 1e16, "z": 1.5, "a": -0.0}, "aa": 0}})
    assert b'"metadata":{"n":1,"aa":0,"bb":{"a":0.0,"z":1.5,"\xc3\xa9":10000000000000000},"tag":"a"}' in response.data


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
    from julep_users_double.schemas import NAME_PATTERN

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
    new_project(client, "a" * 255)
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
    [b"\xff", b'{"name": "A\\ud800"}', b'{"a": NaN}', b'{"a": -Infinity}', b'{"a": 1e999}', b"[" * 100_000, b'{"a": ' + b"1" * 10_000 + b"}"],
)
def test_bodies_fastapi_cannot_read_or_answer_are_a_400(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.get_json() == {"detail": "There was an error parsing the body"}
    assert post(client, {}).status_code == 201


@pytest.mark.parametrize("body", [b'{"about": "\\ud800"}', b'{"metadata": {"a": ["\\udfff"]}}'])
def test_a_lone_surrogate_the_body_may_hold_is_what_postgres_refuses(client, body):
    response = post(client, body)
    assert (response.status_code, response.get_json()) == (400, {"detail": "Invalid user data provided during create_or_update"})
