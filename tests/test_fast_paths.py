"""Each fast path that stands in for a general rule gives what the general rule gives, on many inputs.

A fast path is kept for speed only: if one ever answered otherwise, the double would depend on which path a value
took. Each test here runs both on the same inputs.
"""

import io
import json
import random
from array import array
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from julep_users_double.controls.recorder import REDACTED, redacted_headers
from julep_users_double.hosted import jsonb
from julep_users_double.hosted import pgvector as vectors
from julep_users_double.hosted.pydantic import HYPHENATED_UUID, PydanticSchema
from julep_users_double.schemas import PATH_IDS, USER_BODY
from julep_users_double.web import pipeline

# --- schemas.UserBody.load_model: a body loaded by its fields alone, without marshmallow's schema machinery.

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
field_values = (
    json_values
    | st.text(max_size=130)
    | st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,300}", fullmatch=True)
    | st.from_regex(r"[a-z0-9][a-z0-9-]{0,40}", fullmatch=True)
)
user_bodies = st.dictionaries(st.sampled_from(["metadata", "name", "about", "project", "id", "other"]), field_values)


@settings(max_examples=500, deadline=None)
@given(body=user_bodies | json_values)
def test_user_body_by_its_fields_is_the_schema_load(body):
    fast_errors, general_errors = [], []
    fast = USER_BODY.load_model(json.loads(json.dumps(body)), fast_errors)
    general = PydanticSchema.load_model(USER_BODY, json.loads(json.dumps(body)), general_errors)
    assert (fast, fast_errors) == (general, general_errors)


# --- pipeline.read_uuid: a canonical hyphenated UUID taken as it is, lowercased, without the path schema.

hyphenated_uuids = st.uuids().map(str) | st.from_regex(HYPHENATED_UUID, fullmatch=True)


@settings(max_examples=500, deadline=None)
@given(text=hyphenated_uuids, name=st.sampled_from(["user_id", "doc_id"]))
def test_a_canonical_uuid_reads_as_the_path_schema_reads_it(text, name):
    fast_errors, general_errors = [], []
    fast = pipeline.read_uuid(name, text, fast_errors)
    ids = PATH_IDS.load_or_collect({name: text}, "path", general_errors)
    assert (fast, fast_errors) == (str(ids[name]), general_errors) == (text.lower(), [])


# --- jsonb.stored_text: an object of scalars but floats, keys in jsonb's order, is its own text.

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
flat_objects = st.dictionaries(st.text(alphabet=st.characters(exclude_categories=["Cs"])), scalars)


def in_jsonb_order(flat):
    return dict(sorted(flat.items(), key=lambda item: jsonb.jsonb_key_order(item[0])))


def stored_or_refused(store, value):
    try:
        return store(value)
    except jsonb.NotStorable:
        return jsonb.NotStorable


@settings(max_examples=1000, deadline=None)
@given(value=flat_objects.map(in_jsonb_order) | flat_objects | json_values)
def test_stored_text_is_the_stored_value_encoded(value):
    assert stored_or_refused(jsonb.stored_text, value) == stored_or_refused(
        lambda value: jsonb.encode(jsonb.stored(value)), value
    )


# --- pgvector.farther_than: the sketch's bound tells a chunk farther without its whole dot product.

@settings(max_examples=1000, deadline=None)
@given(
    seed=st.integers(min_value=0),
    dimension=st.integers(min_value=1, max_value=vectors.HEAD * 3),
    noise=st.sampled_from([0.0, 1e-6, 1e-3, 0.1, 1.0, 10.0]),
    margin=st.sampled_from([0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6, 1e-3, -1e-3, 0.5, -0.5]),
)
def test_farther_by_sketch_is_farther_by_the_whole_product(seed, dimension, noise, margin):
    # An embedding near the query (noise small) or anywhere (noise large), the similarity asked about just around
    # the embedding's own: where a bound that is off would show.
    rng = random.Random(seed)
    query = array("f", (rng.gauss(0, 1) for _ in range(dimension)))
    blob = array("f", (value + rng.gauss(0, noise) for value in query)).tobytes()
    query_norm, embedding_norm = vectors.norm(query), vectors.sketch(blob)[0]
    if not query_norm or not embedding_norm:
        return  # no sketch is asked for a zero query (search.nearer_others), and no zero embedding is stored
    distance = vectors.distance_of(vectors.dot(query, array("f", blob)), query_norm, embedding_norm)
    similarity = max(-1.0, min(1.0, 1.0 - distance + margin))
    if vectors.farther_than(query, vectors.norm(query[vectors.HEAD :]), query_norm, blob, similarity):
        # Strictly: a chunk at the very distance may still come first, by its doc and index (search.nearness).
        assert distance > 1.0 - similarity


# --- pipeline.read_body: a body within the limit read straight from the server's stream, not by request.get_data().

LIMIT = 1024


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=LIMIT), content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_a_body_read_from_the_stream_is_the_body_werkzeug_reads(body, content_type):
    environ = EnvironBuilder(method="POST", data=body, content_type=content_type or None).get_environ()
    call = SimpleNamespace(
        request=Request(dict(environ, **{"wsgi.input": io.BytesIO(body)})), app=SimpleNamespace(config={"MAX_CONTENT_LENGTH": LIMIT})
    )
    stream_read = pipeline.read_body(call)
    request = Request(dict(environ, **{"wsgi.input": io.BytesIO(body)}))
    assert stream_read == request.get_data()


# --- recorder.redacted_headers: the headers read from the environ, not through request.headers.

header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}", fullmatch=True).filter(lambda name: name.lower() != "content-length")
header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)


@settings(max_examples=300, deadline=None)
@given(headers=st.dictionaries(header_names, header_values, max_size=6), with_key=st.booleans())
def test_headers_read_from_the_environ_are_the_request_headers(headers, with_key):
    config = {"API_KEY_HEADER_NAME": "Authorization", "API_KEY": "the-key"}
    if with_key:
        headers = {**headers, "Authorization": "Bearer the-key"}
    environ = EnvironBuilder(method="POST", data=b"{}", headers=list(headers.items())).get_environ()
    by_request = {
        ("" if name in ("Content-Type", "Content-Length") else "HTTP_") + name.upper().replace("-", "_"): (
            REDACTED if name.lower() == "authorization" or "the-key" in value else value
        )
        for name, value in Request(environ).headers.items()
    }
    assert json.loads(redacted_headers(environ, config)) == by_request
