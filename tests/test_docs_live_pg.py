"""The docs beside a real PostgreSQL 15 (tests/pg15.py): metadata as jsonb gives it back, `->>` and `@>`, and
text search end to end, through the route, as search_by_text ranks a user's chunks."""

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pg15
import textsearch_corpus as corpus
from conftest import AUTH, USER_ID
from julep_users_double.hosted import jsonb
from julep_users_double.hosted.fastapi_wire import encode_compact

pytestmark = pytest.mark.live
NULL = "<SQL NULL>"  # what the CSV output writes for a NULL, which csv would read as ''


@pytest.fixture(scope="module")
def pg():
    with pg15.started_or_skipped() as server:
        yield server


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([1e16, 1.5e-7, -0.0, 100.0, 1e300, 0.1])
    | st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=6),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=4), children, max_size=4),
    max_leaves=10,
)
objects = st.dictionaries(st.sampled_from(["a", "b", "é", "ab", "key", "n"]), json_values, max_size=4)


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cases=st.lists(st.tuples(objects, objects), min_size=300, max_size=300))
def test_jsonb_round_trips_texts_and_containment_as_postgresql_has_them(pg, cases):
    """asyncpg writes json.dumps(value) into jsonb and reads it back with json.loads; `->>` and `@>` on top."""
    inputs = [(json.dumps(value), json.dumps(contained)) for value, contained in cases]
    fields = ", ".join(f"coalesce((a::jsonb)->>'{key}', '{NULL}')" for key in ("a", "ab", "n"))
    rows = pg.rows(f"SELECT a::jsonb::text, {fields}, a::jsonb @> b::jsonb FROM t", inputs, columns=("a", "b"))
    differ = []
    for (value, contained), (text, field_a, field_ab, field_n, contains) in zip(cases, rows):
        stored = jsonb.stored(value)
        ours = (
            jsonb.encode(stored), jsonb.field_text(stored, "a"), jsonb.field_text(stored, "ab"),
            jsonb.field_text(stored, "n"), jsonb.contains(stored, jsonb.stored(contained)),
        )
        theirs = (encode_compact(json.loads(text)), *(None if field == NULL else field for field in (field_a, field_ab, field_n)), contains == "t")
        if ours != theirs:
            differ.append((value, contained, ours, theirs))
    assert differ == []


def test_jsonb_key_order_and_text(pg):
    value = {"tag": "a", "n": 1, "é": [True, None, {"zz": 1.50, "a": "x\ny"}], "bb": 1e-7}
    ((text,),) = pg.query(f"SELECT '{json.dumps(value)}'::jsonb::text")
    assert jsonb.jsonb_text(jsonb.stored(value)) == text == '{"n": 1, "bb": 0.0000001, "é": [true, null, {"a": "x\\ny", "zz": 1.5}], "tag": "a"}'


def test_text_search_finds_ranks_and_orders_chunks_as_search_by_text(pg, client):
    """Each chunk a doc of the user's; search_by_text's ORDER BY score DESC LIMIT k, equal scores oldest first."""
    rng = random.Random(20261201)
    chunks = [(rng.choice(corpus.TITLES), text) for text in corpus.SENTENCES]
    client.post(f"/users/{USER_ID}", json={}, headers=AUTH)
    created = [
        client.post(f"/users/{USER_ID}/docs", json={"title": title, "content": content}, headers=AUTH) for title, content in chunks
    ]
    kept = [index for index, response in enumerate(created) if response.status_code == 201]  # duplicates are refused
    setup = (
        pg.table("t", [chunks[index] for index in kept], columns=("title", "content"))
        + "CREATE TEMP TABLE docs AS SELECT i, setweight(to_tsvector('english_unaccent', title), 'A')"
        " || setweight(to_tsvector('english_unaccent', content), 'B') AS search_tsv FROM t;\n"
        + pg.table("q", [(text,) for text in corpus.QUERIES])
    )
    rows = pg.query(
        "SELECT q.i, found.i, found.score FROM q, LATERAL (SELECT docs.i, ts_rank_cd(search_tsv, query, 32)::float8 AS score"
        " FROM docs, websearch_to_tsquery('english_unaccent', q.a) query WHERE search_tsv @@ query"
        " ORDER BY score DESC, docs.i LIMIT 50) found ORDER BY q.i, found.score DESC, found.i",
        setup,
    )
    theirs = {index: [] for index in range(len(corpus.QUERIES))}
    for query, chunk, score in rows:
        theirs[int(query)].append((created[kept[int(chunk)]].get_json()["id"], float(score)))
    differ = []
    for index, text in enumerate(corpus.QUERIES):
        response = client.post(f"/users/{USER_ID}/search", json={"text": text, "limit": 50}, headers=AUTH)
        ours = [(ref["id"], ref["distance"]) for ref in response.get_json()["docs"]]
        if ours != theirs[index]:
            differ.append((text, ours[:3], theirs[index][:3]))
    assert differ == []
    assert sum(map(len, theirs.values())) > 100  # the queries find something
