"""The docs routes' validation beside the hosted models' own (FastAPI 0.115 + pydantic 2.10, tests/reference.py):
every 422 byte for byte, over fixed cases and a randomized corpus; the search union picks the same member."""

import io
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from conftest import AUTH, USER_ID, make_app
from julep_users_double.docs.schemas import SEARCH_BODY
from julep_users_double.hosted.fastapi_wire import load_body
from reference import HybridDocSearchRequest, ReferenceClient, TextOnlyDocSearchRequest, VectorDocSearchRequest, reference_app

DOC_ID = "0190e6a2-7b6f-7b5e-9c1a-0000000000d0"
SEARCH_UNION = TypeAdapter(TextOnlyDocSearchRequest | VectorDocSearchRequest | HybridDocSearchRequest)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    # One app for the module, as the reference is one: no answer compared here depends on what is stored.
    return make_app(tmp_path_factory.mktemp("double")).test_client()


@pytest.fixture(scope="module")
def reference():
    client = ReferenceClient(reference_app("detail"))
    yield client
    client.close()


def both(client, reference, method, path, body=None):
    """The same request to the double and to the reference: their (status, body bytes)."""
    headers = {} if body is None else {"Content-Type": "application/json"}
    ours = client.open(
        path, method=method, input_stream=io.BytesIO(body or b""), content_length=len(body or b""), headers={**AUTH, **headers}
    )
    theirs = reference.request(method, path, content=body, headers={**AUTH, **headers})
    assert theirs.status_code != 500, theirs.content  # a reference that fails is no oracle
    return (ours.status_code, ours.data), (theirs.status_code, theirs.content)


def assert_same(ours, theirs):
    """A 422 of the reference's is ours byte for byte; any other answer of its is no validation error of ours."""
    if theirs[0] == 422:
        assert ours == theirs
    else:
        assert not (ours[0] == 422 and isinstance(json.loads(ours[1])["detail"], list)), ours


def encoded(value):
    return json.dumps(value).encode()


IDS = [USER_ID, USER_ID.upper(), USER_ID.replace("-", ""), "x", "{" + USER_ID + "}", USER_ID[:-1], "0" * 33]


@pytest.mark.parametrize("user_id", IDS)
@pytest.mark.parametrize("doc_id", IDS)
def test_delete_reports_doc_id_then_user_id(client, reference, user_id, doc_id):
    assert_same(*both(client, reference, "DELETE", f"/users/{user_id}/docs/{doc_id}"))


CREATE_BODIES = [
    None, b"", b"null", b"[]", b"{}", b'"x"', b"5", b"{", b'{"title": "t"}', b'{"content": "c"}',
    {"title": "t", "content": "c"}, {"title": "t", "content": []}, {"title": "t", "content": ["a", "b"]},
    {"title": "t" * 801, "content": "c"}, {"title": "t" * 800, "content": "c" * 30000},
    {"title": "t", "content": "c" * 30001}, {"title": "t", "content": ["a", 5, "c" * 30001, None, ["x"]]},
    {"title": 5, "content": None, "metadata": 5, "embed_instruction": 3}, {"title": None, "content": {"a": 1}},
    {"title": "t", "content": "c", "metadata": None, "embed_instruction": None}, {"title": "t", "content": "c", "metadata": []},
    {"title": "", "content": [""], "metadata": {"a": {"b": [1, None]}}, "embed_instruction": "x", "other": 1},
    {"title": "t", "content": [["a"]]}, {"title": "t", "content": True}, {"title": ["t"], "content": 1.5},
]


@pytest.mark.parametrize("body", CREATE_BODIES)
@pytest.mark.parametrize("user_id", [USER_ID, "x"])
def test_create_bodies(client, reference, body, user_id):
    raw = body if body is None or isinstance(body, bytes) else encoded(body)
    assert_same(*both(client, reference, "POST", f"/users/{user_id}/docs", raw))


BULK_BODIES = [
    None, b"", b"null", b"[]", b"{}", {"delete_all": True}, {"delete_all": "true"}, {"delete_all": 1},
    {"delete_all": None}, {"metadata_filter": None}, {"metadata_filter": []}, {"metadata_filter": "a"},
    {"metadata_filter": {"a": 1}, "delete_all": False}, {"metadata_filter": 1, "delete_all": 0}, {"other": 1},
]


@pytest.mark.parametrize("body", BULK_BODIES)
def test_bulk_delete_bodies(client, reference, body):
    raw = body if body is None or isinstance(body, bytes) else encoded(body)
    assert_same(*both(client, reference, "DELETE", f"/users/{USER_ID}/docs", raw))
    assert_same(*both(client, reference, "DELETE", "/users/x/docs", raw))


LIST_QUERIES = [
    "", "limit=5", "limit=x", "limit=5.0", "limit=5.5", "limit= 5", "limit=1_0", "limit=" + "9" * 5000, "offset=-1",
    "offset=x", "sort_by=name", "sort_by=updated_at", "direction=up", "direction=ASC", "include_embeddings=maybe",
    "include_embeddings=TRUE", "include_embeddings=no", "include_embeddings=", "include_embeddings= true",
    "limit=x&offset=y&sort_by=z&direction=w&include_embeddings=v", "limit=1&limit=x", "limit=x&limit=1",
    "metadata_filter=x", "metadata_filter.a=b", "metadata_filter.a=1", "metadata_filter.a.b=c&limit=0",
]


@pytest.mark.parametrize("query", LIST_QUERIES)
@pytest.mark.parametrize("user_id", [USER_ID, "x"])
def test_list_queries(client, reference, query, user_id):
    assert_same(*both(client, reference, "GET", f"/users/{user_id}/docs?{query}"))


SEARCH_BODIES = [
    None, b"", b"null", b"[]", b'"x"', b"{}", {"text": "fox"}, {"vector": []}, {"text": "a", "vector": []},
    {"limit": 51, "text": "a"}, {"limit": 0, "vector": [1]}, {"text": 5, "vector": "x"}, {"vector": [1, "x", None, True]},
    {"text": "a", "include_embeddings": "true"}, {"text": "a", "lang": "xx"}, {"text": "a", "lang": "english"},
    {"text": "a", "lang": "en-XYZW"}, {"text": "a", "lang": ""}, {"text": "a", "lang": "fr"}, {"text": "a", "lang": "EN"},
    {"text": "a", "lang": 5}, {"vector": [0.5], "lang": "xx"}, {"text": "a", "vector": [1], "alpha": 2},
    {"text": "a", "vector": [1], "confidence": -1.5, "mmr_strength": 1, "k_multiplier": 11, "alpha": -0.1},
    {"text": "a", "trigram_similarity_threshold": "0.5", "vector": [1.0], "confidence": 0.1, "alpha": 2},
    {"text": "a", "trigram_similarity_threshold": True, "vector": [1.0], "confidence": 0.1, "alpha": 2},
    {"text": "a", "limit": "5", "vector": ["1e3", " 2 ", "1_0", "nan", "inf", "-Infinity", "0x1", "1__0", "_1", ".5", "5."]},
    {"vector": [1], "confidence": "nan"}, {"vector": [1], "mmr_strength": "nan"}, {"text": "a", "limit": 5.5},
    {"text": "a", "limit": 1e300}, {"text": "a", "limit": 9.3e18}, {"text": "a", "limit": True}, {"vector": [10**400]},
    {"text": "a", "metadata_filter": None}, {"text": "a", "metadata_filter": []}, {"text": None, "vector": None},
]


@pytest.mark.parametrize("body", SEARCH_BODIES)
@pytest.mark.parametrize("user_id", [USER_ID, "x"])
def test_search_bodies(client, reference, body, user_id):
    raw = body if body is None or isinstance(body, bytes) else encoded(body)
    assert_same(*both(client, reference, "POST", f"/users/{user_id}/search", raw))


def union_member(body):
    """The member the reference's union validates the body as, or None."""
    try:
        return type(SEARCH_UNION.validate_python(body, from_attributes=True)).__name__
    except ValidationError:
        return None


def our_member(body):
    loaded = load_body(SEARCH_BODY, body, [])
    return loaded and loaded["model"]


@pytest.mark.parametrize("body", [body for body in SEARCH_BODIES if isinstance(body, dict)])
def test_the_union_picks_the_same_member(body):
    assert our_member(body) == union_member(body)


# The randomized corpus: values of every JSON type, around every bound, and numbers as strings.

numbers = st.sampled_from([0, 1, -1, 2, 5, 10, 11, 50, 51, 0.0, -0.0, 0.5, 0.999, 1.0, 1.5, -1.0, -1.5, 1e300, 9.3e18, 10**20])
number_texts = st.sampled_from(["5", "0.5", " 1 ", "1_0", "nan", "inf", "-1", "1e3", "x", "", "5.0", "0x1", "١", "\u00a01"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
field_values = json_values | numbers | number_texts | st.lists(numbers | number_texts | st.none(), max_size=4)
langs = st.sampled_from(["en", "en-US", "EN", "und", "fr", "ja", "nb", "xx", "english", "", "x", "en-XYZW", "zh-Hant", "i-klingon"])

SEARCH_FIELDS = [
    "limit", "metadata_filter", "include_embeddings", "text", "lang", "trigram_similarity_threshold", "vector",
    "confidence", "mmr_strength", "alpha", "k_multiplier", "other",
]
search_bodies = st.dictionaries(st.sampled_from(SEARCH_FIELDS), field_values | langs) | json_values
create_bodies = st.dictionaries(
    st.sampled_from(["metadata", "title", "content", "embed_instruction", "other"]),
    field_values | st.sampled_from(["t" * 800, "t" * 801, "c" * 30000, "c" * 30001, ["c" * 30001, 1, "ok"]]),
) | json_values
bulk_bodies = st.dictionaries(st.sampled_from(["metadata_filter", "delete_all", "other"]), field_values) | json_values
query_values = st.sampled_from(["5", "x", "-1", "0", "101", "5.0", " 5", "true", "No", "asc", "DESC", "created_at", "updated_at", ""])
list_queries = st.dictionaries(
    st.sampled_from(["limit", "offset", "sort_by", "direction", "include_embeddings", "metadata_filter.a", "metadata_filter"]),
    query_values,
)
EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@EXAMPLES
@given(body=search_bodies, user_id=st.sampled_from([USER_ID, "x"]))
def test_random_search_bodies(client, reference, body, user_id):
    assert_same(*both(client, reference, "POST", f"/users/{user_id}/search", encoded(body)))
    assert our_member(body) == union_member(body)


@EXAMPLES
@given(body=create_bodies, user_id=st.sampled_from([USER_ID, "x"]))
def test_random_create_bodies(client, reference, body, user_id):
    assert_same(*both(client, reference, "POST", f"/users/{user_id}/docs", encoded(body)))


@EXAMPLES
@given(body=bulk_bodies)
def test_random_bulk_delete_bodies(client, reference, body):
    assert_same(*both(client, reference, "DELETE", "/users/x/docs", encoded(body)))


@EXAMPLES
@given(query=list_queries, user_id=st.sampled_from([USER_ID, "x"]))
def test_random_list_queries(client, reference, query, user_id):
    text = "&".join(f"{quote(key)}={quote(value)}" for key, value in query.items())
    assert_same(*both(client, reference, "GET", f"/users/{user_id}/docs?{text}"))


GET_DOC_QUERIES = [
    "", "include_embeddings=false", "include_embeddings=0", "include_embeddings=off", "include_embeddings=maybe",
    "include_embeddings=TRUE", "include_embeddings=", "include_embeddings= true", "include_embeddings=1&include_embeddings=x",
]


@pytest.mark.parametrize("query", GET_DOC_QUERIES)
@pytest.mark.parametrize("doc_id", IDS)
def test_get_doc_paths_and_queries(client, reference, doc_id, query):
    # No doc is stored: every answer, 404 or 422, is the reference's byte for byte.
    for prefix in ("", "/api"):
        ours, theirs = both(client, reference, "GET", f"{prefix}/docs/{doc_id}?{query}")
        assert ours == theirs
