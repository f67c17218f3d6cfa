"""AGENTS_API_ERROR_FORMAT=hosted: the hosted v1 service's `{"error": …}` bodies, byte for byte.

The transcripts are those of /work/shared/hosted-v1/error-envelope.md §7, recorded from the hosted handlers;
the rest runs the hosted handlers themselves (tests/hosted_v1.py) on what the double raises.
"""

import asyncio
import json
import typing

import jsonschema
import pydantic_core
import pytest
from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError as FastAPIValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hosted_v1
from conftest import API_KEY, AUTH, USER_ID, make_app
from julep_users_double import errors
from julep_users_double.app import create_app
from julep_users_double.hosted.envelope import suggestions

U = "0190e0b4-0000-7000-8000-000000000001"
JSON = {**AUTH, "Content-Type": "application/json"}


@pytest.fixture
def hosted(tmp_path):
    return make_app(tmp_path, ERROR_FORMAT="hosted").test_client()


def answer(response):
    return response.status_code, response.headers.get("Content-Type"), response.data


def validation_error(*details):
    return 422, "application/json", b'{"error":{"message":"Validation error","details":[%s],"code":"validation_error"}}' % b",".join(details)


def http_error(status, message):
    return status, "application/json", b'{"error":{"message":"%s","code":"http_%d","type":"http_error"}}' % (message, status)


UNREADABLE = (400, "application/json", b'{"detail":"There was an error parsing the body"}')
MISSING_BODY = (
    b'{"type":"missing","msg":"Field required","loc":"body","fix":"Add this required field to your request",'
    b'"example":"{ \\"field_name\\": \\"value\\" }","received":"None"}'
)
NOT_AN_OBJECT = b'{"type":"model_attributes_type","msg":"Input should be a valid dictionary or object to extract fields from","loc":"body","received":"%s"}'

TRANSCRIPTS = [
    # 1
    (
        "POST", "/users/not-a-uuid", b'{"name": 5}', JSON,
        validation_error(
            b'{"type":"uuid_parsing","msg":"Input should be a valid UUID, invalid character: expected an optional prefix of '
            b'`urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1","loc":"path.user_id",'
            b'"fix":"Provide a valid UUID (e.g., 123e4567-e89b-12d3-a456-426614174000)","received":"not-a-uuid"}',
            b'{"type":"string_type","msg":"Input should be a valid string","loc":"name","received":"5"}',
        ),
    ),
    # 2
    (
        "POST", f"/users/{U}", b"{", JSON,
        validation_error(b'{"type":"json_invalid","msg":"JSON decode error","loc":"[1]","fix":"Provide valid JSON format","received":"{}"}'),
    ),
    # 3: no body, an empty one, null
    ("POST", f"/users/{U}", None, AUTH, validation_error(MISSING_BODY)),
    ("POST", f"/users/{U}", b"", JSON, validation_error(MISSING_BODY)),
    ("POST", f"/users/{U}", b"null", JSON, validation_error(MISSING_BODY)),
    # 4
    ("POST", f"/users/{U}", b"[]", JSON, validation_error(NOT_AN_OBJECT % b"[]")),
    ("POST", f"/users/{U}", b'"hi"', JSON, validation_error(NOT_AN_OBJECT % b"hi")),
    # 5
    (
        "POST", f"/users/{U}", b'{"name": "' + b"a" * 121 + b'"}', JSON,
        validation_error(
            b'{"type":"string_too_long","msg":"String should have at most 120 characters","loc":"name","received":"' + b"a" * 121 + b'"}'
        ),
    ),
    # 6
    (
        "POST", f"/users/{U}", b'{"name":"Bob","project":"1x"}', JSON,
        validation_error(
            b'{"type":"string_pattern_mismatch","msg":"String should match pattern \'^[a-zA-Z][a-zA-Z0-9_]*$\'","loc":"project","received":"1x"}'
        ),
    ),
    # 7
    (
        "GET", "/users?limit=abc&direction=up", None, AUTH,
        validation_error(
            b'{"type":"int_parsing","msg":"Input should be a valid integer, unable to parse string as an integer","loc":"query.limit","received":"abc"}',
            b'{"type":"literal_error","msg":"Input should be \'asc\' or \'desc\'","loc":"query.direction","received":"up"}',
        ),
    ),
    # 8, 9 and the other not-found answers
    ("GET", f"/users/{U}", None, AUTH, http_error(404, b"User not found during get")),
    ("PUT", f"/users/{U}", b'{"name":"Bob"}', JSON, http_error(404, b"No user found during update")),
    ("PATCH", f"/users/{U}", b'{"name":"Bob"}', JSON, http_error(404, b"No user found during patch")),
    ("DELETE", f"/users/{U}", None, AUTH, http_error(404, b"No user found during delete")),
    # 10: a wrong key, none, and a wrong key with an invalid body that parses
    ("GET", f"/users/{U}", None, {"Authorization": "Bearer wrong"}, http_error(403, b"Could not validate API KEY")),
    ("GET", f"/users/{U}", None, {}, http_error(403, b"Could not validate API KEY")),
    ("POST", "/users/x", b'{"name": 5}', {"Content-Type": "application/json"}, http_error(403, b"Could not validate API KEY")),
    # 11: Starlette's own answers
    ("GET", "/nope", None, {}, (404, "application/json", b'{"detail":"Not Found"}')),
    ("DELETE", "/users", None, AUTH, (405, "application/json", b'{"detail":"Method Not Allowed"}')),
    # 12
    (
        "POST", f"/users/{U}", b'{"name":"x"}', {**AUTH, "Content-Type": "text/plain"},
        validation_error(NOT_AN_OBJECT % b"b'{\\\"name\\\":\\\"x\\\"}'"),
    ),
    # 13
    ("POST", f"/users/{U}", b'{"name": "\xff"}', JSON, UNREADABLE),
    # 14: the hosted handler fails on the lone surrogate it echoes (a plain-text 500); the double answers as in detail
    ("POST", f"/users/{U}", b'{"name":"\\ud800"}', JSON, UNREADABLE),
    # 15
    (
        "POST", f"/users/{U}", b'{"name":{"a":[1,null,true]},"metadata":[1,2],"about":null}', JSON,
        validation_error(
            b'{"type":"dict_type","msg":"Input should be a valid dictionary","loc":"metadata","received":"[1, 2]"}',
            b'{"type":"string_type","msg":"Input should be a valid string","loc":"name","received":"{\'a\': [1, None, True]}"}',
            b'{"type":"string_type","msg":"Input should be a valid string","loc":"about","received":"None"}',
        ),
    ),
    # 16
    ("GET", "/users?limit=0", None, AUTH, http_error(400, b"Limit must be between 1 and 100")),
    ("GET", "/users?offset=-1", None, AUTH, http_error(400, b"Offset must be non-negative")),
    # Under a bigger body than the double takes: its own 413, in the detail shape of the layer that reads bodies.
    ("POST", f"/users/{U}", b" " * (1024 * 1024 + 1), JSON, (413, "application/json", b'{"detail":"Request body too large"}')),
]


@pytest.mark.parametrize("method, path, body, headers, expected", TRANSCRIPTS)
def test_the_hosted_transcripts(hosted, method, path, body, headers, expected):
    assert answer(hosted.open(path, method=method, data=body, headers=headers)) == expected


def test_a_wrong_method_is_starlettes_405_with_the_first_routes_allow(hosted):
    response = hosted.delete("/users", headers=AUTH)
    assert (response.status_code, response.headers["Allow"], response.data) == (405, "POST", b'{"detail":"Method Not Allowed"}')


def test_the_document_says_which_shape_is_served(hosted):
    document = hosted.get("/openapi.json").get_json()
    assert 'Errors are the hosted service\'s `{"error": {…}}`' in document["info"]["description"]
    assert {name for name in document["components"]["schemas"] if "Error" in name} == {
        "HostedValidationError", "HostedHTTPError", "HostedMiddlewareError", "HTTPError"
    }
    put = document["paths"]["/users/{user_id}"]["put"]["responses"]
    assert put["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/HostedValidationError"}
    assert put["400"]["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/HostedMiddlewareError"}, {"$ref": "#/components/schemas/HTTPError"}]
    }


def test_every_transcript_is_answered_as_documented(hosted):
    document = hosted.get("/openapi.json").get_json()
    checked = 0
    for method, path, body, headers, (status, _, data) in TRANSCRIPTS:
        template = "/users/{user_id}" if path.startswith("/users/") else path.split("?")[0]
        responses = document["paths"].get(template, {}).get(method.lower(), {}).get("responses", {})
        if str(status) in responses:  # not the router's 404 and 405, which FastAPI does not document either
            schema = responses[str(status)]["content"]["application/json"]["schema"]
            jsonschema.validate(json.loads(data), {**schema, "components": document["components"]})
            checked += 1
    assert checked == len(TRANSCRIPTS) - 2


DEVELOPER_ID_ERROR = (400, "application/json", b'{"error":{"message":"Invalid developer ID","code":"invalid_developer_id"}}')


@pytest.mark.parametrize("headers", [{"X-Developer-Id": "abc"}, {}])
def test_a_developer_id_that_is_none_is_the_middlewares_400(tmp_path, headers):
    """17: the middleware in front of the hosted app answers a header that is no UUID. Without the header the hosted
    app fails (a plain-text 500): the double answers the same 400."""
    client = make_app(tmp_path, ERROR_FORMAT="hosted", MULTI_TENANT_MODE=True).test_client()
    assert answer(client.get(f"/users/{U}", headers={**AUTH, **headers})) == DEVELOPER_ID_ERROR


def test_the_controls_keep_their_own_shape(hosted):
    assert hosted.get("/_double/faults").data == b'{"detail":"Could not validate API KEY"}'
    response = hosted.post("/_double/faults", json={"status": 99}, headers=AUTH)
    assert json.loads(response.data)["detail"][0]["loc"] == ["body", "status"]


def test_the_journal_keeps_the_hosted_answer(hosted):
    hosted.get(f"/users/{U}", headers=AUTH)
    entry = hosted.get("/_double/requests", headers=AUTH).get_json()["items"][0]
    assert entry["response"] == {"error": {"message": "User not found during get", "code": "http_404", "type": "http_error"}}


@pytest.mark.live
@pytest.mark.parametrize("kind", ["flask", "production"])
def test_the_servers_take_the_setting_from_the_environment(start_server, kind):
    server = start_server(kind, AGENTS_API_ERROR_FORMAT="hosted")
    assert server.request("GET", f"/users/{U}") == (
        404, {"error": {"message": "User not found during get", "code": "http_404", "type": "http_error"}}
    )


def test_the_format_is_a_setting_detail_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("AGENTS_API_ERROR_FORMAT", raising=False)
    assert make_app(tmp_path).test_client().get(f"/users/{U}", headers=AUTH).get_json() == {"detail": "User not found during get"}
    monkeypatch.setenv("AGENTS_API_ERROR_FORMAT", "hosted")
    client = create_app({"DATABASE": str(tmp_path / "users.sqlite3"), "API_KEY": API_KEY}).test_client()
    assert client.get(f"/users/{U}", headers=AUTH).get_json()["error"]["code"] == "http_404"
    with pytest.raises(ValueError, match="ERROR_FORMAT must be one of detail, hosted, not 'error'"):
        make_app(tmp_path, ERROR_FORMAT="error")


# The hosted handlers on anything the double may raise: any ApiError, any pydantic-style 422 item.

PYDANTIC_ERROR_TYPES = typing.get_args(pydantic_core.core_schema.ErrorType) + ("json_invalid", "missing")


def test_suggestions_are_the_hosted_ones_for_every_pydantic_error_type():
    assert len(PYDANTIC_ERROR_TYPES) > 100
    assert {t: suggestions(t) for t in PYDANTIC_ERROR_TYPES} == {t: hosted_v1._get_error_suggestions({"type": t}) for t in PYDANTIC_ERROR_TYPES}


def run_hosted_handler(handler, exception):
    """The hosted handler's (status, body) for `exception`; None where it fails (a plain-text 500 then)."""
    try:
        response = asyncio.run(handler(None, exception))
    except UnicodeEncodeError:
        return None
    return response.status_code, response.body


def where_it_fails(theirs):
    """What the double answers for the hosted handler's answer: the same, or where it fails the detail mode's 400."""
    return (UNREADABLE[0], UNREADABLE[2]) if theirs is None else theirs


def raised_by_a_route(client, monkeypatch, error):
    """The double's answer when a route raises `error` (here the user lookup of GET /users/{id})."""

    def fail(*args):
        raise error

    monkeypatch.setattr("julep_users_double.users_db.get_user", fail)
    response = client.get(f"/users/{USER_ID}", headers=AUTH)
    return response.status_code, response.data


# Text with lone surrogates too, which the hosted handler fails on where it echoes one as it is.
any_text = st.text(st.characters() | st.characters(categories=["Cs"]), max_size=6)
json_inputs = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=6,
)
loc_parts = st.sampled_from(["body", "path", "query", "header", "content", "Content", "list[Content]", "items", "a.b", ""]) | st.text(
    max_size=4
) | st.integers(-1, 30)
items = st.builds(
    lambda error_type, loc, msg, value: {"type": error_type, "loc": loc, "msg": msg, "input": value},
    st.sampled_from(PYDANTIC_ERROR_TYPES),
    st.lists(loc_parts, max_size=5) | st.lists(loc_parts, max_size=4).map(lambda rest: ["body", *rest]),
    st.text(max_size=20),
    json_inputs | st.binary(max_size=8),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(details=st.lists(items, min_size=1, max_size=4))
def test_any_422_is_answered_as_the_hosted_handler_answers_it(hosted, monkeypatch, details):
    theirs = run_hosted_handler(hosted_v1.make_exception_handler(422), FastAPIValidationError(details))
    assert raised_by_a_route(hosted, monkeypatch, errors.RequestValidationError(details)) == where_it_fails(theirs)


NAMED_ERRORS = [errors.InvalidApiKey(), errors.UserNotFound("get"), errors.LimitOutOfRange(), errors.NegativeOffset(), errors.ClockNotFrozen()]


@pytest.mark.parametrize("error", NAMED_ERRORS, ids=lambda error: type(error).__name__)
def test_every_named_error_is_answered_as_the_hosted_handler_answers_its_http_exception(hosted, monkeypatch, error):
    theirs = run_hosted_handler(hosted_v1.http_exception_handler, HTTPException(error.status, error.detail))
    assert raised_by_a_route(hosted, monkeypatch, error) == theirs


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.integers(400, 599), detail=any_text)
def test_any_api_error_is_answered_as_the_hosted_handler_answers_its_http_exception(hosted, monkeypatch, status, detail):
    error = type("SomeError", (errors.ApiError,), {"status": status})(detail)
    theirs = run_hosted_handler(hosted_v1.http_exception_handler, HTTPException(status, detail))
    assert raised_by_a_route(hosted, monkeypatch, error) == where_it_fails(theirs)
