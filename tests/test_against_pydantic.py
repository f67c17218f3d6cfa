"""Our answers beside those of the hosted service's own stack (FastAPI 0.115 + pydantic 2.10), in both error formats:
FastAPI's own handlers (detail) and the hosted service's (hosted, tests/hosted_v1.py)."""

import io
import json
import sys
from typing import Annotated

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

from conftest import API_KEY, AUTH, USER_ID, make_app
from reference import ReferenceClient, reference_app
from julep_users_double.errors import ERROR_FORMATS
from julep_users_double.schemas import NAME_PATTERN, PROJECT_PATTERN, USER_BODY

CONTRACT = yaml.safe_load(open(__file__.rsplit("/", 1)[0] + "/julep-users-openapi.yaml"))
UNREADABLE = (400, b'{"detail":"There was an error parsing the body"}')


@pytest.fixture(scope="module", params=ERROR_FORMATS)
def error_format(request):
    return request.param


@pytest.fixture(scope="module")
def module_client(tmp_path_factory, error_format):
    return make_app(tmp_path_factory.mktemp("double"), ERROR_FORMAT=error_format).test_client()


@pytest.fixture
def client(module_client):
    """The module's app with nothing stored: the reference stores nothing. A reset costs less than a new app."""
    assert module_client.post("/_double/reset", headers=AUTH).status_code == 204
    return module_client


@pytest.fixture(scope="module")
def reference(error_format):
    client = ReferenceClient(reference_app(error_format))
    yield client
    client.close()


def both(client, reference, path, body, content_type="application/json"):
    headers = {**AUTH} if content_type is None else {**AUTH, "Content-Type": content_type}
    # input_stream: the test client would otherwise build a form out of an empty multipart body.
    ours = client.post(path, input_stream=io.BytesIO(body), content_length=len(body), headers=headers)
    theirs = reference.post(path, content=body, headers=headers)
    return ours, theirs


def assert_same(ours, theirs):
    """The same status, and for an error the same bytes; where the hosted stack fails (500), our 400 for bodies it
    cannot read."""
    if theirs.status_code == 500:
        assert (ours.status_code, ours.data) == UNREADABLE
    elif theirs.status_code >= 400:
        assert (ours.status_code, ours.data) == (theirs.status_code, theirs.content)
    else:
        assert ours.status_code == theirs.status_code


def test_patterns_are_the_contracts():
    request = CONTRACT["components"]["schemas"]["CreateOrUpdateUserRequest"]["properties"]
    assert request["name"]["pattern"] == NAME_PATTERN
    assert request["project"]["anyOf"][0]["pattern"] == PROJECT_PATTERN


PATHS = [
    USER_ID, USER_ID.upper(), USER_ID.replace("-", ""), "{" + USER_ID + "}", "urn:uuid:" + USER_ID,
    "abc", "x", "-", "----", "{}", "{", "}", "urn:uuid:", "urn:uuid:{" + USER_ID + "}",
    "{" + USER_ID, USER_ID + "}", "{urn:uuid:" + USER_ID + "}", USER_ID + "0", USER_ID[:-1], USER_ID[1:],
    USER_ID.replace("-", "", 1), USER_ID + "-", "-" + USER_ID, USER_ID.replace("-", "--", 1),
    USER_ID.replace("7b6f", "7b6"), USER_ID.replace("7b6f", "7b6ff"), USER_ID.replace("9c1a", "9c1aa"),
    "g" * 32, "0" * 31, "0" * 33, "0" * 36, "0" * 38, "0" * 45, "%C3%A9" * 3, "0%C3%A9", "%E2%82%AC",
    "%F0%9F%98%80", "0190e6a2 7b6f 7b5e 9c1a 1234567890ab", "%ff", "%20", "a-b-c-d-e", "aaaaaaaa-b-c-d-e",
    "aaaaaaaa-bbbb-c-d-e", "aaaaaaaa-bbbb-cccc-d-e", "aaaaaaaa-bbbb-cccc-dddd-e", "{aaaaaaaa-bbbb-cccc-dddd-e}",
    "urn:uuid:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeeee", "{" + USER_ID.replace("-", "") + "}",
]


@pytest.mark.parametrize("path", PATHS)
def test_user_id_forms(client, reference, path):
    assert_same(*both(client, reference, f"/users/{path}", b'{"about": 5}'))
    assert_same(client.get(f"/users/{path}", headers=AUTH), reference.get(f"/users/{path}", headers=AUTH))


BODIES = [
    b"", b" ", b"\n", b"null", b"[]", b"{}", b"5", b'"x"', b"true", b"{", b"}", b'{"a"', b'{"a":', b'{"a":1,}',
    b"{'a': 1}", b'{"a":1} x', b'{"a":1}\n', b"\xef\xbb\xbf{}", b"[1,2", b'{"name": "Ada",}',
    b'{"metadata": [1], "name": 5}', b'{"metadata": "x"}', b'{"metadata": null}', b'{"metadata": {"a": {"b": [1, null]}}}',
    b'{"name": null}', b'{"name": ""}', b'{"name": "1"}', b'{"name": "a\\u0000"}', b'{"name": "\\t"}',
    b'{"name": "Ada\\n"}', b'{"name": "A" }', b'{"about": null}', b'{"about": 1.5}', b'{"about": []}',
    b'{"project": null}', b'{"project": ""}', b'{"project": "_a"}', b'{"project": "a b"}', b'{"project": "a\\n"}',
    b'{"project": ' + b'"a' + b"b" * 255 + b'"}', b'{"name": "' + b"a" * 121 + b'"}', b'{"name": "' + b"1" * 121 + b'"}',
    b'{"metadata": 1, "name": 1, "about": 1, "project": 1}', b'{"metadata": {}, "metadata": 5}',
    b'{"name": "\xc3\xa9t\xc3\xa9"}', b'{"name": "\xe2\x82\xac"}', '{"name": "Ā"}'.encode("utf-16"),
    # Lone surrogates: where one is echoed back as it is, the hosted stack fails.
    b'{"name": "\\ud800"}', b'{"metadata": "\\udfff"}', b'{"metadata": ["\\ud800"], "name": 5}', b'{"about": 5, "x": "\\ud800"}',
    b'{"name": {"\\ud800": 1}}', b'\xff', b'{"name": "\xff"}',
]


@pytest.mark.parametrize("body", BODIES)
def test_bodies(client, reference, body):
    assert_same(*both(client, reference, f"/users/{USER_ID}", body))
    assert_same(*both(client, reference, "/users/abc", body))


@pytest.mark.parametrize(
    "content_type",
    [None, "", "application/json", "Application/JSON", "application/json;charset=latin-1", "application/problem+json",
     "application/+json", "application/json+x", "text/json", "text/plain", "multipart/form-data", "application/*", "a/b/c", ";"],
)
def test_content_types(client, reference, content_type):
    for body in [b'{"name": "Ada"}', b'{"name": 5}', b"[1]", b'{"a', b"", b"\xff\xfe", "é".encode()]:
        assert_same(*both(client, reference, f"/users/{USER_ID}", body, content_type))


# No NUL and no lone surrogate in an object's keys: pydantic takes them, the hosted database refuses them
# (tests/test_upsert.py).
object_keys = st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=5)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(object_keys, children, max_size=3),
    max_leaves=8,
)
field_values = (
    json_values
    | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=130)
    | st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,300}", fullmatch=True)
)
bodies = st.dictionaries(st.sampled_from(["metadata", "name", "about", "project", "id", "other"]), field_values) | json_values


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_random_bodies(client, reference, body):
    # The database is shared by the examples on purpose: valid writes just upsert one user.
    assert_same(*both(client, reference, f"/users/{USER_ID}", json.dumps(body).encode()))


list_values = st.sampled_from(["", "0", "1", "100", "101", "-1", " 7 ", "1_0", "1.0", "1.5", "x", "9" * 30, "created_at", "asc", "UP"])
list_queries = st.lists(
    st.tuples(st.sampled_from(["limit", "offset", "sort_by", "direction", "metadata_filter.a"]), list_values), max_size=5
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=list_queries)
def test_random_list_queries(client, reference, query):
    ours = client.get("/users", query_string=query, headers=AUTH)
    theirs = reference.get("/users", params=query, headers=AUTH)
    assert (ours.status_code, ours.data) == (theirs.status_code, theirs.content)


key_values = st.lists(
    st.sampled_from(["Bearer ", "bearer ", "Bearer", "BEARER ", " ", "\t", "\xa0", "\x85", API_KEY, API_KEY[:4], "None", "x"]),
    max_size=6,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=key_values)
def test_random_key_headers(client, reference, value):
    # Sent to the reference as uvicorn's h11 hands a header over: without the spaces and tabs at its ends.
    ours = client.get(f"/users/{USER_ID}", headers={"Authorization": value})
    theirs = reference.get(f"/users/{USER_ID}", headers={"Authorization": value.strip(" \t").encode("latin-1")})
    assert (ours.status_code, ours.data) == (theirs.status_code, theirs.content)


def test_name_pattern_agrees_on_every_code_point():
    """The `regex` module's Unicode tables must be those of pydantic-core's Rust regex."""
    matcher = USER_BODY.fields["name"].matcher
    adapter = TypeAdapter(Annotated[str, Field(pattern=NAME_PATTERN)])

    def pydantic_accepts(text):
        try:
            adapter.validate_python(text)
            return True
        except ValidationError:
            return False

    disagreements = [
        hex(code_point)
        for code_point in range(sys.maxunicode + 1)
        if not 0xD800 <= code_point <= 0xDFFF
        for text in (chr(code_point), "A" + chr(code_point))
        if bool(matcher.fullmatch(text)) != pydantic_accepts(text)
    ]
    assert disagreements == []


# Projects: POST /projects's body and GET /projects's query beside CreateProjectRequest and list_projects' signature.

PROJECT_BODIES = [
    b"", b"null", b"[]", b"{}", b'{"name": ""}', b'{"name": null}', b'{"name": 5}', b'{"name": "' + b"a" * 256 + b'"}',
    b'{"name": "x", "canonical_name": ""}', b'{"name": "x", "canonical_name": "1a"}', b'{"name": "x", "canonical_name": "a-b"}',
    b'{"name": "x", "canonical_name": "' + b"a" * 256 + b'"}', b'{"name": "x", "canonical_name": 5}',
    b'{"name": "x", "metadata": []}', b'{"metadata": "x", "canonical_name": "_", "name": []}', b'{"name": "x", "metadata": null}',
    b'{"name": "\\ud800", "canonical_name": "\\ud800"}', b'{', b'\xff',
]


@pytest.mark.parametrize("body", PROJECT_BODIES)
def test_project_bodies(client, reference, body):
    assert_same(*both(client, reference, "/projects", body))
    assert_same(*both(client, reference, "/api/projects", body))


project_bodies = st.dictionaries(st.sampled_from(["metadata", "canonical_name", "name", "id", "other"]), field_values) | json_values


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=project_bodies)
def test_random_project_bodies(client, reference, body):
    ours, theirs = both(client, reference, "/projects", json.dumps(body).encode())
    if theirs.status_code == 201:
        # The hosted database may refuse what validates (a taken canonical name, a name of NULs): never a 422.
        assert ours.status_code in (201, 400, 409)
    else:
        assert_same(ours, theirs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=list_queries)
def test_random_project_list_queries(client, reference, query):
    ours = client.get("/projects", query_string=query, headers=AUTH)
    theirs = reference.get("/projects", params=query, headers=AUTH)
    if theirs.status_code == 422:
        assert (ours.status_code, ours.data) == (theirs.status_code, theirs.content)
    else:
        # What validates, PostgreSQL may still refuse: a negative limit or offset, or one past int8.
        assert ours.status_code in (200, 400)
