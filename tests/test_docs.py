"""A user's docs as the hosted service answers them (../shared/hosted-v1/user-docs.md): one request, its exact answer."""

import itertools
import json
import math
import statistics
import threading

import pytest

from conftest import AUTH, DEFAULT_DEVELOPER_ID, USER_ID, make_app
from julep_users_double.docs import search as doc_search
from julep_users_double.docs import db as docs_db
from julep_users_double.docs import text_index
from julep_users_double.hosted import tsearch
from julep_users_double import users_db
from julep_users_double.hosted import pgvector as vectors

NOW = "2026-01-01T00:00:00Z"
OTHER_USER = "0190e6a2-7b6f-7b5e-9c1a-0000000000ff"
DOC_1, DOC_2, DOC_3, DOC_4 = (f"019b76da-a800-7000-8000-00000000000{n}" for n in range(1, 5))  # ids under the frozen clock
TAIL = {"modality": "text", "language": "english", "embedding_model": "text-embedding-3-large", "embedding_dimensions": 1024}


@pytest.fixture
def client(app):
    client = app.test_client()
    client.post("/_double/clock", json={"now": NOW}, headers=AUTH)
    for user_id in (USER_ID, OTHER_USER):
        assert client.post(f"/users/{user_id}", json={"name": "Ada"}, headers=AUTH).status_code == 201
    return client


def create(client, user_id=USER_ID, **body):
    return client.post(f"/users/{user_id}/docs", json=body, headers=AUTH)


def created(client, user_id=USER_ID, **body):
    response = create(client, user_id, **body)
    assert response.status_code == 201, response.data
    return response.get_json()


def doc(doc_id, title, content, metadata=None, embeddings=None):
    return {"id": doc_id, "metadata": metadata or {}, "created_at": NOW, "title": title, "content": content, "embeddings": embeddings, **TAIL}


def answer(response):
    return response.status_code, response.get_json()


def search(client, user_id=USER_ID, **body):
    return client.post(f"/users/{user_id}/search", json=body, headers=AUTH)


def found(response):
    """(title, chunk index, distance) of each doc a search found."""
    assert response.status_code == 200, response.data
    return [(ref["title"], ref["snippet"]["index"], ref["distance"]) for ref in response.get_json()["docs"]]


def unit(*weights):
    """A 1,024-dimensional vector with these leading components (float4-exact values)."""
    return [*weights, *[0.0] * (1024 - len(weights))]


def embed(client, doc_id, *embeddings):
    response = client.put(f"/_double/docs/{doc_id}/embeddings", json={"embeddings": list(embeddings)}, headers=AUTH)
    assert response.status_code == 200, response.data


# Create


def test_create_answers_the_doc_with_content_always_a_list_and_metadata_in_jsonb_order(client):
    response = create(client, title="Hello World", content="The quick brown fox jumps", metadata={"tag": "a", "n": 1})
    assert response.status_code == 201
    assert response.data == (
        b'{"id":"019b76da-a800-7000-8000-000000000001","metadata":{"n":1,"tag":"a"},"created_at":"2026-01-01T00:00:00Z",'
        b'"title":"Hello World","content":["The quick brown fox jumps"],"embeddings":null,"modality":"text",'
        b'"language":"english","embedding_model":"text-embedding-3-large","embedding_dimensions":1024}'
    )


def test_create_keeps_a_list_of_chunks_and_ignores_embed_instruction_and_unknown_keys(client):
    assert answer(create(client, title="Multi", content=["alpha", "beta"], embed_instruction="x", other=1)) == (
        201, doc(DOC_1, "Multi", ["alpha", "beta"])
    )


@pytest.mark.parametrize(
    ("metadata", "stored"),
    [
        ({"tag": "a", "n": 1, "bb": {"zz": 1, "a": [{"yy": 0, "x": 1}]}}, {"n": 1, "bb": {"a": [{"x": 1, "yy": 0}], "zz": 1}, "tag": "a"}),
        ({"é": 1, "z": 2, "ab": 3}, {"z": 2, "ab": 3, "é": 1}),  # by UTF-8 length, then bytes
        ({"big": 1e16, "small": 1e-7, "neg_zero": -0.0, "x": 1.0}, {"x": 1.0, "big": 10000000000000000, "small": 1e-07, "neg_zero": 0.0}),
        (None, {}),
        ({"a\u0000": "b"}, None),
    ],
)
def test_metadata_comes_back_as_jsonb_keeps_it(client, metadata, stored):
    response = create(client, title="t", content="c", metadata=metadata)
    if stored is None:
        assert answer(response) == (400, {"detail": "Invalid doc data provided during create"})
    else:
        assert response.get_json()["metadata"] == stored
        assert json.dumps(response.get_json()["metadata"]) == json.dumps(stored)


def test_nul_characters_are_removed_from_title_content_and_metadata_values(client):
    body = created(client, title="N\u0000ul", content=["a\u0000b"], metadata={"k": ["v\u0000"]})
    assert (body["title"], body["content"], body["metadata"]) == ("Nul", ["ab"], {"k": ["v"]})


def test_a_lone_surrogate_is_invalid_doc_data(client):
    response = client.post(
        f"/users/{USER_ID}/docs", data=b'{"title": "t", "content": "c", "metadata": {"k": "\\ud800"}}',
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert answer(response) == (400, {"detail": "Invalid doc data provided during create"})


def test_an_unknown_user_is_a_409(client):
    assert answer(create(client, "0190e6a2-7b6f-7b5e-9c1a-00000000dead", title="t", content="c")) == (
        409, {"detail": "Reference to user not found during create"}
    )


def test_empty_content_creates_nothing_and_is_a_404_even_for_an_unknown_user(client):
    assert answer(create(client, title="t", content=[])) == (404, {"detail": "Doc not found during create"})
    assert answer(create(client, "0190e6a2-7b6f-7b5e-9c1a-00000000dead", title="t", content=[])) == (
        404, {"detail": "Doc not found during create"}
    )
    assert client.get(f"/users/{USER_ID}/docs", headers=AUTH).get_json() == {"items": []}


DUPLICATE = (409, {"detail": "A doc with this content already exists during create"})


@pytest.mark.parametrize(
    ("second", "user_id", "expected"),
    [
        ({"title": "T", "content": "one"}, USER_ID, DUPLICATE),
        ({"title": "T", "content": ["two", "x"]}, USER_ID, DUPLICATE),  # its first chunk is the other's second
        ({"title": "T", "content": ["x", "one"]}, USER_ID, 201),  # only its second chunk matches
        ({"title": "U", "content": "one"}, USER_ID, 201),
        ({"title": "T", "content": "one"}, OTHER_USER, 201),
        ({"title": "T|o", "content": "ne"}, USER_ID, 201),
        ({"title": "T", "content": ["same", "same"]}, USER_ID, 201),
    ],
)
def test_the_duplicate_rule_compares_the_new_first_chunk_with_every_chunk_of_the_users_other_docs(client, second, user_id, expected):
    created(client, title="T", content=["one", "two"])
    response = create(client, user_id, **second)
    assert (response.status_code if expected == 201 else answer(response)) == expected


DOC_TOO_LARGE = (
    413,
    {
        "detail": "Doc too large: a doc stores at most 1,000 chunks and 4 MiB "
        "(each chunk with its title, metadata, search vector and embedding)"
    },
)


def test_a_doc_of_1000_chunks_is_stored(client):
    assert create(client, title="T", content=[f"c{n}" for n in range(1000)]).status_code == 201


def test_a_doc_of_more_than_1000_chunks_is_413_before_a_chunk_is_indexed(client, monkeypatch):
    indexed = []
    monkeypatch.setattr(text_index, "chunk_vector", lambda *chunk: indexed.append(chunk))
    assert answer(create(client, title="T", content=["a"] * 200_000)) == DOC_TOO_LARGE
    assert indexed == []
    assert client.get(f"/users/{USER_ID}/docs", headers=AUTH).get_json() == {"items": []}


def test_metadata_copied_into_each_chunk_counts_each_time(client):
    metadata = {"k": "x" * 100_000}  # a body of 100 KB, 5 MB in 50 chunks' rows
    assert answer(create(client, title="T", metadata=metadata, content=[f"c{n}" for n in range(50)])) == DOC_TOO_LARGE
    assert create(client, title="T", metadata=metadata, content=[f"c{n}" for n in range(30)]).status_code == 201


@pytest.mark.parametrize(("chunks", "status"), [(450, 201), (600, 413)])
def test_embedded_chunks_count_their_embeddings(tmp_path, chunks, status):
    """A local embedding stores some 8 KB a chunk: 4,096 bytes of float4 and their text."""
    client = make_app(tmp_path, EMBED_NEW_CHUNKS=True).test_client()
    client.post(f"/users/{USER_ID}", json={}, headers=AUTH)
    assert create(client, title="T", content=[f"word{n}" for n in range(chunks)]).status_code == status


def test_embeddings_that_would_take_a_doc_past_4_mib_are_413_and_set_nothing(client):
    created(client, title="T", metadata={"k": "x" * 7000}, content=[f"c{n}" for n in range(300)])  # 2.1 MB stored
    vector = [1] + [0] * 1023  # 8 KB more a chunk: 4,096 bytes of float4 and their text
    response = client.put(f"/_double/docs/{DOC_1}/embeddings", json={"embeddings": [vector] * 300}, headers=AUTH)
    assert answer(response) == DOC_TOO_LARGE
    assert client.get(f"/users/{USER_ID}/docs", headers=AUTH).get_json()["items"][0]["embeddings"] is None


def test_an_import_of_a_doc_too_large_is_413_and_imports_nothing(client):
    body = {"items": [{"id": DOC_2}], "docs": [{**IMPORTED_DOC, "content": ["a"] * 1001}]}
    assert answer(client.post("/_double/users", json=body, headers=AUTH)) == DOC_TOO_LARGE
    assert len(client.get("/_double/users", headers=AUTH).get_json()["items"]) == 2


# List


@pytest.fixture
def three_docs(client):
    created(client, title="A", content="first", metadata={"tag": "a", "flag": True, "n": 1})
    created(client, title="B", content=["second", "more"], metadata={"tag": "b", "nested": {"k": [1, 2.5]}})
    created(client, title="C", content="third", metadata={"tag": "c", "nil": None})
    created(client, OTHER_USER, title="O", content="other's")


def titles(response):
    assert response.status_code == 200, response.data
    return [item["title"] for item in response.get_json()["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["C", "B", "A"]),
        ("direction=asc", ["A", "B", "C"]),
        ("limit=2", ["C", "B"]),
        ("limit=2&offset=2", ["A"]),
        ("offset=3", []),
        ("metadata_filter.tag=b", ["B"]),
        ("metadata_filter.flag=true", ["A"]),
        ("metadata_filter.tag=a&metadata_filter.flag=true", ["A"]),
        ('metadata_filter.nested={"k": [1, 2.5]}', ["B"]),
        ("metadata_filter.nil=null", []),
        ("metadata_filter.n=nan", []),
        ("metadata_filter.missing=x", []),
        ("metadata_filter=x", ["C", "B", "A"]),
    ],
)
def test_list_pages_and_filters_docs_as_text(client, three_docs, query, expected):
    assert titles(client.get(f"/users/{USER_ID}/docs?{query}", headers=AUTH)) == expected


def test_list_answers_whole_docs(client, three_docs):
    items = client.get(f"/users/{USER_ID}/docs?limit=1&offset=1", headers=AUTH).get_json()["items"]
    assert items == [doc(DOC_2, "B", ["second", "more"], {"tag": "b", "nested": {"k": [1, 2.5]}})]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=0", (400, {"detail": "Limit must be between 1 and 100"})),
        ("limit=101", (400, {"detail": "Limit must be between 1 and 100"})),
        ("offset=-1", (400, {"detail": "Offset must be >= 0"})),
        ("metadata_filter.n=1", (400, {"detail": "Invalid doc data provided during list"})),
        ("metadata_filter.n=%201.5", (400, {"detail": "Invalid doc data provided during list"})),
        ("sort_by=updated_at", (400, {"detail": "Docs cannot be sorted by updated_at"})),  # hosted: 500
        (f"offset={2**63}", (400, {"detail": "Invalid doc data provided during list"})),
    ],
)
def test_list_refusals(client, query, expected):
    assert answer(client.get(f"/users/{USER_ID}/docs?{query}", headers=AUTH)) == expected


def test_an_unknown_user_has_no_docs(client, three_docs):
    assert answer(client.get("/users/0190e6a2-7b6f-7b5e-9c1a-00000000dead/docs", headers=AUTH)) == (200, {"items": []})


def test_embeddings_are_listed_once_every_chunk_has_one(client):
    created(client, title="T", content=["one", "two"])
    assert client.get(f"/users/{USER_ID}/docs", headers=AUTH).get_json()["items"][0]["embeddings"] is None
    embed(client, DOC_1, unit(0.5), None)
    assert answer(client.get(f"/users/{USER_ID}/docs", headers=AUTH)) == (400, {"detail": "Invalid value provided for doc during list"})
    assert client.get(f"/users/{USER_ID}/docs?include_embeddings=false", headers=AUTH).get_json()["items"][0]["embeddings"] is None
    embed(client, DOC_1, unit(0.5), unit(0.1, 0.2))
    assert client.get(f"/users/{USER_ID}/docs", headers=AUTH).get_json()["items"][0]["embeddings"] == [unit(0.5), unit(0.1, 0.2)]


def test_embeddings_are_float4_as_pgvector_keeps_them(client):
    created(client, title="T", content="one")
    response = client.put(f"/_double/docs/{DOC_1}/embeddings", json={"embeddings": [unit(0.123456789, 1 / 3, 1e-10, -2)]}, headers=AUTH)
    assert response.get_json()["embeddings"][0][:4] == [0.12345679, 0.33333334, 1e-10, -2.0]
    assert client.get(f"/users/{USER_ID}/docs", headers=AUTH).get_json()["items"][0]["embeddings"][0][:4] == [0.12345679, 0.33333334, 1e-10, -2.0]


@pytest.mark.parametrize(
    ("embeddings", "msg"),
    [
        ([unit(1)[:-1]], "Value error, expected 1024 dimensions, not 1023"),
        ([unit()], "Value error, a zero vector has no direction to search by"),
        ([unit(1e39)], "Value error, NaN, infinities and values past float4 are not allowed in a vector"),
        ([unit(1), None], "Value error, the doc has 1 chunks: give one embedding (or null) each"),
    ],
)
def test_the_embeddings_control_refuses_what_pgvector_would(client, embeddings, msg):
    created(client, title="T", content="one")
    response = client.put(f"/_double/docs/{DOC_1}/embeddings", json={"embeddings": embeddings}, headers=AUTH)
    assert response.status_code == 422
    assert response.get_json()["detail"][0]["msg"] == msg


def test_the_embeddings_control_of_an_unknown_doc_is_a_404(client):
    response = client.put(f"/_double/docs/{DOC_1}/embeddings", json={"embeddings": [None]}, headers=AUTH)
    assert answer(response) == (404, {"detail": "No such doc"})


# Delete


def test_delete_answers_the_deletion_and_then_no_doc_is_found(client, three_docs):
    assert answer(client.delete(f"/users/{USER_ID}/docs/{DOC_2}", headers=AUTH)) == (202, {"id": DOC_2, "deleted_at": NOW, "jobs": []})
    assert titles(client.get(f"/users/{USER_ID}/docs", headers=AUTH)) == ["C", "A"]
    assert answer(client.delete(f"/users/{USER_ID}/docs/{DOC_2}", headers=AUTH)) == (404, {"detail": "No doc found during delete"})


def test_another_users_doc_is_not_found(client, three_docs):
    assert answer(client.delete(f"/users/{OTHER_USER}/docs/{DOC_1}", headers=AUTH)) == (404, {"detail": "No doc found during delete"})
    assert titles(client.get(f"/users/{USER_ID}/docs", headers=AUTH)) == ["C", "B", "A"]


def bulk_delete(client, user_id=USER_ID, **body):
    return client.delete(f"/users/{user_id}/docs", json=body, headers=AUTH)


def deleted(doc_id):
    return {"id": doc_id, "deleted_at": NOW, "jobs": []}


@pytest.mark.parametrize(
    ("body", "expected", "left"),
    [
        ({}, [], ["C", "B", "A"]),
        ({"delete_all": False, "metadata_filter": {}}, [], ["C", "B", "A"]),
        ({"delete_all": True, "metadata_filter": {"tag": 5}}, [deleted(DOC_1), deleted(DOC_2), deleted(DOC_2), deleted(DOC_3)], []),
        ({"metadata_filter": {"tag": "b"}}, [deleted(DOC_2), deleted(DOC_2)], ["C", "A"]),  # one item a chunk
        ({"metadata_filter": {"flag": "true", "tag": "a"}}, [deleted(DOC_1)], ["C", "B"]),
        ({"metadata_filter": {"tag": None}}, [], ["C", "B", "A"]),
    ],
)
def test_bulk_delete(client, three_docs, body, expected, left):
    assert answer(bulk_delete(client, **body)) == (202, {"items": expected})
    assert titles(client.get(f"/users/{USER_ID}/docs", headers=AUTH)) == left
    assert titles(client.get(f"/users/{OTHER_USER}/docs", headers=AUTH)) == ["O"]


@pytest.mark.parametrize("value", [1, True, {"a": 1}, ["a"]])
def test_bulk_delete_by_anything_but_text_is_invalid_data(client, three_docs, value):
    assert answer(bulk_delete(client, metadata_filter={"tag": value})) == (400, {"detail": "Invalid doc data provided during delete"})


def test_bulk_delete_needs_a_body(client):
    response = client.delete(f"/users/{USER_ID}/docs", headers=AUTH)
    assert answer(response) == (422, {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]})


def test_deleting_the_user_deletes_their_docs(client, three_docs):
    client.delete(f"/users/{USER_ID}", headers=AUTH)
    client.post(f"/users/{USER_ID}", json={}, headers=AUTH)
    assert titles(client.get(f"/users/{USER_ID}/docs", headers=AUTH)) == []
    assert titles(client.get(f"/users/{OTHER_USER}/docs", headers=AUTH)) == ["O"]


def nested(levels, innermost="x"):
    for _ in range(levels):
        innermost = [innermost]
    return innermost


DEEP = nested(510)  # in metadata {"a": DEEP} of a body: 512 levels, the most a body may nest
DEEP_TEXT = "[" * 510 + '"x"' + "]" * 510  # metadata->>'a'


@pytest.mark.parametrize(("value", "listed"), [("x", False), (DEEP_TEXT, True)])
def test_deep_metadata_is_listed_by_a_filter_of_its_text(client, value, listed):
    created(client, title="deep", content="c", metadata={"a": DEEP})
    response = client.get(f"/users/{USER_ID}/docs", query_string={"metadata_filter.a": value}, headers=AUTH)
    assert answer(response) == (200, {"items": [doc(DOC_1, "deep", ["c"], {"a": DEEP})] if listed else []})


@pytest.mark.parametrize(("value", "deleted"), [("x", False), (DEEP_TEXT, True)])
def test_deep_metadata_is_deleted_by_a_filter_of_its_text(client, value, deleted):
    created(client, title="deep", content="c", metadata={"a": DEEP})
    response = client.delete(f"/users/{USER_ID}/docs", json={"metadata_filter": {"a": value}}, headers=AUTH)
    assert response.status_code == 202
    assert [item["id"] for item in response.get_json()["items"]] == ([DOC_1] if deleted else [])


@pytest.mark.parametrize("query", [{"text": "deep"}, {"vector": unit(1), "mmr_strength": 0}])
@pytest.mark.parametrize(("metadata_filter", "hit"), [({"a": DEEP}, True), ({"a": nested(510, "y")}, False)])
def test_a_search_filter_as_deep_as_a_body_may_nest(client, query, metadata_filter, hit):
    created(client, title="deep", content="c", metadata={"a": DEEP})
    embed(client, DOC_1, unit(1))
    assert [title for title, _, _ in found(search(client, **query, metadata_filter=metadata_filter))] == (["deep"] if hit else [])


# Text search


@pytest.fixture
def fox_docs(client):
    created(client, title="Hello World", content="The quick brown fox jumps", metadata={"tag": "a", "n": 1})
    created(client, title="Multi", content=["alpha chunk about foxes", "beta"], metadata={"tag": "b", "flag": True})
    embed(client, DOC_1, unit(0.1, 0.2, 0.3))


def test_the_specs_text_search_example(client, fox_docs):
    response = search(client, text="fox")
    assert response.status_code == 200
    docs, time = response.data.rsplit(b',"time":', 1)
    assert float(time[:-1]) >= 0.01  # the seconds it took, 0.01 at the least
    assert docs + b',"time":0.01}' == (
        b'{"docs":[{"metadata":{"n":1,"tag":"a"},"owner":{"id":"0190e6a2-7b6f-7b5e-9c1a-1234567890ab","role":"user"},'
        b'"id":"019b76da-a800-7000-8000-000000000001","title":"Hello World","snippet":{"index":0,"content":"The quick brown fox jumps",'
        b'"embedding":[' + ",".join(map(repr, unit(0.1, 0.2, 0.3))).encode() + b']},"distance":0.2857142984867096},'
        b'{"metadata":{"tag":"b","flag":true},"owner":{"id":"0190e6a2-7b6f-7b5e-9c1a-1234567890ab","role":"user"},'
        b'"id":"019b76da-a800-7000-8000-000000000002","title":"Multi","snippet":{"index":0,"content":"alpha chunk about foxes",'
        b'"embedding":null},"distance":0.2857142984867096}],"time":0.01}'
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"text": "the and of"}, []),
        ({"text": ""}, []),
        # One B-weighted (content) match scores 0.4 / 1.4; an A-weighted (title) one 1 / 2 (ts_rank_cd, normalization 32).
        ({"text": "beta"}, [("Multi", 1, 0.2857142984867096)]),
        ({"text": "multi"}, [("Multi", 0, 0.5), ("Multi", 1, 0.5)]),
        ({"text": '"brown fox"'}, [("Hello World", 0, 0.2857142984867096)]),
        ({"text": "fox -quick"}, [("Multi", 0, 0.2857142984867096)]),
        ({"text": "beta or quick"}, [("Hello World", 0, 0.2857142984867096), ("Multi", 1, 0.2857142984867096)]),
        ({"text": "fox", "metadata_filter": {"n": 1.0}}, [("Hello World", 0, 0.2857142984867096)]),
        ({"text": "fox", "metadata_filter": {"n": "1"}}, []),
        ({"text": "fox", "metadata_filter": {"tag": "b", "flag": True}}, [("Multi", 0, 0.2857142984867096)]),
        ({"text": "fox", "limit": 1}, [("Hello World", 0, 0.2857142984867096)]),
    ],
)
def test_text_search(client, fox_docs, body, expected):
    assert found(search(client, **body)) == expected


def test_text_search_without_embeddings(client, fox_docs):
    assert search(client, text="fox", include_embeddings=False).get_json()["docs"][0]["snippet"]["embedding"] is None


@pytest.mark.parametrize("text", ["fox", "fox or cat", '"brown fox"', "fox -cat"])
def test_equal_text_scores_come_oldest_first_and_the_oldest_make_the_limit(client, text):
    for n in range(1, 7):
        created(client, title=f"Filler {n}", content="nothing here")
    for n in range(7, 10):  # chunks 7, 8, 9: a set of them iterates 8, 9, 7
        created(client, title=f"T{n}", content=f"brown fox {n}")
    assert found(search(client, text=text, limit=2)) == [("T7", 0, 0.2857142984867096), ("T8", 0, 0.2857142984867096)]


def test_a_text_search_costing_too_much_is_refused(client):
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    for n in range(30):
        created(client, title=f"D{n}", content=" ".join(words) + f" {n}")
    phrases = [f'"{a} {b} {c}"' for a, b, c in itertools.permutations(words, 3)]  # 1,320 phrases, in every doc
    assert answer(search(client, text=" or ".join(phrases))) == (
        400, {"detail": "The search text is too costly: 1320 words and phrases to rank 30 chunks by; search fewer at once"}
    )
    assert len(found(search(client, text=" or ".join(phrases[:40])))) == 10


def held_indexes(app):
    """The users whose text index the app keeps in memory."""
    return {user_id for _, user_id in app.extensions["text_indexes"].by_owner}


def test_the_text_indexes_kept_follow_what_is_stored(app, client):
    created(client, title="A", content="fox")
    created(client, user_id=OTHER_USER, title="B", content="fox")
    created(client, user_id=OTHER_USER, title="C", content="dog")
    for user_id in (USER_ID, OTHER_USER):
        assert len(found(search(client, user_id, text="fox"))) == 1
    assert held_indexes(app) == {USER_ID, OTHER_USER}
    assert client.delete(f"/users/{OTHER_USER}", headers=AUTH).status_code == 202
    assert held_indexes(app) == {USER_ID}
    assert bulk_delete(client, delete_all=True).status_code == 202
    assert found(search(client, text="fox")) == []
    assert held_indexes(app) == set()


def test_a_worker_lets_go_of_the_text_indexes_of_deleted_chunks_at_its_next_search(app, client):
    created(client, title="A", content="fox")
    created(client, user_id=OTHER_USER, title="B", content="fox")
    for user_id in (USER_ID, OTHER_USER):
        assert len(found(search(client, user_id, text="fox"))) == 1
    with app.app_context():  # as another worker deletes them
        docs_db.delete_docs(DEFAULT_DEVELOPER_ID, OTHER_USER)
    assert held_indexes(app) == {USER_ID, OTHER_USER}
    assert len(found(search(client, text="fox"))) == 1
    assert held_indexes(app) == {USER_ID}


def test_the_text_indexes_are_let_go_after_a_reset(app, client):
    created(client, title="A", content="fox")
    assert len(found(search(client, text="fox"))) == 1
    assert client.post("/_double/reset", headers=AUTH).status_code == 204
    assert held_indexes(app) == set()


def test_a_text_search_does_not_wait_for_another_users(app, client):
    created(client, title="A", content="fox")
    created(client, user_id=OTHER_USER, title="B", content="fox")
    assert len(found(search(client, text="fox"))) == 1
    answers = []
    with app.extensions["text_indexes"].by_owner[(DEFAULT_DEVELOPER_ID, USER_ID)].lock:  # as a long search holds it
        other = threading.Thread(target=lambda: answers.append(found(search(client, OTHER_USER, text="fox"))))
        other.start()
        other.join(timeout=30)
    assert answers == [[("B", 0, 0.2857142984867096)]]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("xx", (422, {"detail": "Invalid ISO 639 language code."})),
        ("english", (422, {"detail": "Invalid ISO 639 language code."})),
        ("en-XYZW", (422, {"detail": "Invalid ISO 639 language code."})),
        ("ja", (422, {"detail": "No text search configuration for the language 'japanese'"})),  # hosted: 500
        ("nb", (422, {"detail": "No text search configuration for the language 'norwegian bokmål'"})),  # hosted: 500
    ],
)
def test_lang_refusals(client, fox_docs, lang, expected):
    assert answer(search(client, text="fox", lang=lang)) == expected


@pytest.mark.parametrize("lang", ["en", "EN", "en-GB", "und", "fr"])
def test_lang_only_parses_the_query(client, fox_docs, lang):
    assert search(client, text="fox", lang=lang).status_code == 200


# Vector search


@pytest.fixture
def vector_docs(client):
    created(client, title="near", content="n")
    created(client, title="far", content=["f0", "f1"])
    created(client, title="unembedded", content="u")
    created(client, OTHER_USER, title="other", content="o")
    embed(client, DOC_1, unit(1, 0.1))
    embed(client, DOC_2, unit(0.6, 0.8), unit(-1))
    embed(client, DOC_4, unit(1))


def cosine_distance(a, b):
    return 1 - sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"vector": unit(1), "mmr_strength": 0}, [("near", 0, cosine_distance(unit(1), unit(1, 0.1))), ("far", 0, 0.4)]),
        ({"vector": unit(1), "mmr_strength": 0, "confidence": 0.9}, [("near", 0, cosine_distance(unit(1), unit(1, 0.1)))]),
        ({"vector": unit(1), "mmr_strength": 0, "confidence": -1}, [("near", 0, 0.004962901506290167), ("far", 0, 0.4), ("far", 1, 2.0)]),
        ({"vector": unit(1), "mmr_strength": 0, "metadata_filter": {"x": 1}}, []),
        ({"vector": unit(0, 1), "mmr_strength": 0, "confidence": 0.7}, [("far", 0, 0.19999998807907104)]),
    ],
)
def test_vector_search_is_by_doc_id_within_the_confidence(client, vector_docs, body, expected):
    results = found(search(client, **body))
    assert [(title, index) for title, index, _ in results] == [(title, index) for title, index, _ in expected]
    assert [distance for _, _, distance in results] == pytest.approx([distance for _, _, distance in expected], abs=1e-6)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"vector": []}, (400, {"detail": "Empty embedding provided"})),
        ({"vector": [1.0] * 3}, (400, {"detail": "Invalid doc data provided during search"})),
        ({"vector": ["nan"] * 1024}, (400, {"detail": "Invalid doc data provided during search"})),
        ({"vector": unit(1e39)}, (400, {"detail": "Invalid doc data provided during search"})),
        ({"vector": unit(), "confidence": -1}, (400, {"detail": "A zero vector has no cosine distance"})),  # hosted: 500
        ({"text": "", "vector": []}, (400, {"detail": "Empty query provided"})),
        ({"text": "x", "vector": []}, (400, {"detail": "Empty embedding provided"})),
        ({"vector": unit(1), "metadata_filter": {"a\u0000": 1}}, (400, {"detail": "Invalid doc data provided during search"})),
    ],
)
def test_vector_refusals(client, vector_docs, body, expected):
    assert answer(search(client, **body)) == expected


def test_a_zero_vector_finds_nothing_within_a_confidence(client, vector_docs):
    assert found(search(client, vector=unit(), confidence=-0.99)) == []


def test_the_candidates_are_the_developers_nearest_before_the_owner_is_looked_at(client):
    """search_by_vector takes the GREATEST(8k, 40) nearest embeddings of the developer, then keeps the user's."""
    for number in range(41):
        created(client, OTHER_USER, title=f"other {number}", content="o")
        embed(client, f"019b76da-a800-7000-8000-{number + 1:012x}", unit(1))
    created(client, title="mine", content="m")
    embed(client, "019b76da-a800-7000-8000-00000000002a", unit(1, 0.01))
    assert found(search(client, vector=unit(1), mmr_strength=0, limit=5)) == []
    assert [title for title, _, _ in found(search(client, vector=unit(1), mmr_strength=0, limit=6))] == ["mine"]


def others_and_mine(client, others, mine):
    """41 chunks of another user's at `others`, more than the 40 places of a search of limit 5, and one of mine."""
    for number in range(41):
        created(client, OTHER_USER, title=f"other {number}", content="o")
        embed(client, f"019b76da-a800-7000-8000-{number + 1:012x}", others)
    created(client, title="mine", content="m")
    embed(client, "019b76da-a800-7000-8000-00000000002a", mine)


def test_a_chunk_of_mine_nearer_than_every_other_is_found_among_more_than_the_places(client):
    others_and_mine(client, unit(0, 1), unit(1, 0.01))
    assert [(title, round(distance, 6)) for title, _, distance in found(search(client, vector=unit(1), mmr_strength=0, limit=5))] == [
        ("mine", 0.00005)
    ]


def test_a_vector_search_measures_only_my_chunks_when_none_is_within_the_confidence(client, monkeypatch):
    others_and_mine(client, unit(1), unit(0, 1))
    measured = []
    real_norm = vectors.norm
    monkeypatch.setattr(vectors, "norm", lambda vector: measured.append(len(vector)) or real_norm(vector))
    assert found(search(client, vector=unit(1), mmr_strength=0, limit=5)) == []
    assert measured == [1024, 1024]  # the query's, mine's: not the 41 others'


def test_a_chunk_deleted_while_a_vector_search_runs_is_found_as_it_was_read(client, monkeypatch, fox_docs):
    deletes = meanwhile(monkeypatch, doc_search, "by_vector", lambda: client.delete(f"/users/{USER_ID}/docs/{DOC_1}", headers=AUTH).status_code)
    assert [title for title, _, _ in found(search(client, vector=unit(0.1, 0.2, 0.3), mmr_strength=0))] == ["Hello World"]
    assert deletes == [202]


def test_mmr_picks_the_nearest_then_the_most_different(client):
    for number, weights in enumerate([(1, 0.05), (1, 0.06), (0.8, -0.6), (1, 0.07)], start=1):
        created(client, title=f"d{number}", content=f"c{number}")
        embed(client, f"019b76da-a800-7000-8000-00000000000{number}", unit(*weights))
    query = {"vector": unit(1), "confidence": -1, "limit": 2}
    assert [title for title, _, _ in found(search(client, **query, mmr_strength=0))] == ["d1", "d2"]
    assert [title for title, _, _ in found(search(client, **query, mmr_strength=0.5))] == ["d1", "d3"]
    # Without embeddings MMR has nothing to compare: the first `limit` in the SQL's order.
    assert [title for title, _, _ in found(search(client, **query, mmr_strength=0.5, include_embeddings=False))] == ["d1", "d2"]


# Hybrid search


def dbsf(scores):
    if len(scores) < 2 or statistics.stdev(scores) == 0:
        return scores
    mean, sd = statistics.mean(scores), statistics.stdev(scores)
    return [(score - (mean - 3 * sd)) / (6 * sd) for score in scores]


def test_hybrid_fuses_dbsf_normalised_scores_and_rewards_the_larger_distance(client):
    created(client, title="fox one", content="a fox")
    created(client, title="two", content="no match here")
    created(client, title="fox three", content="fox fox fox")
    embed(client, DOC_1, unit(1))
    embed(client, DOC_2, unit(0.6, 0.8))
    embed(client, DOC_3, unit(0, 1))
    results = found(search(client, text="fox", vector=unit(1), confidence=-1, alpha=0.3, mmr_strength=0))
    text_only = {title: distance for title, _, distance in found(search(client, text="fox"))}
    vector_only = {title: distance for title, _, distance in found(search(client, vector=unit(1), confidence=-1, mmr_strength=0))}
    by_doc = ["fox one", "two", "fox three"]
    text_scores = dbsf([text_only.get(title, 0.0) for title in by_doc])
    vector_scores = dbsf([vector_only.get(title, 0.0) for title in by_doc])
    expected = sorted((1 - (0.7 * t + 0.3 * v), title) for title, t, v in zip(by_doc, text_scores, vector_scores))
    assert [title for title, _, _ in results] == [title for _, title in expected]
    assert [distance for _, _, distance in results] == pytest.approx([distance for distance, _ in expected], abs=1e-12)


def test_a_body_with_text_and_vector_is_hybrid_and_one_with_only_text_keys_is_text(client, fox_docs):
    assert found(search(client, text="fox", confidence=0.9, mmr_strength=0.9)) == found(search(client, text="fox"))
    assert search(client, text="fox", vector=[]).get_json() == {"detail": "Empty embedding provided"}


# The double's own parts


def test_an_export_of_users_and_docs_imports_back(client, fox_docs):
    snapshot = client.get("/_double/users", headers=AUTH).get_json()
    assert snapshot["docs"][1] == {
        "developer_id": DEFAULT_DEVELOPER_ID, "user_id": USER_ID, "id": DOC_2, "metadata": {"tag": "b", "flag": True},
        "created_at": NOW, "title": "Multi", "content": ["alpha chunk about foxes", "beta"], "embeddings": [None, None],
    }
    client.post("/_double/reset", headers=AUTH)
    assert client.post("/_double/users", json=snapshot, headers=AUTH).get_json() == {"imported": 2, "imported_docs": 2}
    assert client.get("/_double/users", headers=AUTH).get_json() == snapshot
    assert found(search(client, text="fox"))[0] == ("Hello World", 0, 0.2857142984867096)


IMPORTED_DOC = {"user_id": USER_ID, "id": DOC_1, "title": "t", "content": "c"}
HUGE = 10**400  # a JSON integer of 401 digits, past any double
PAST_FLOAT4 = "Value error, NaN, infinities and values past float4 are not allowed in a vector"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"user_id": "not-a-uuid"},
            {
                "type": "uuid_parsing", "loc": ["body", "docs", 0, "user_id"],
                "msg": "Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by "
                "[0-9a-fA-F-], found `n` at 1",
                "input": "not-a-uuid",
                "ctx": {"error": "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"},
            },
        ),
        ({"title": 5}, {"type": "string_type", "loc": ["body", "docs", 0, "title"], "msg": "Input should be a valid string", "input": 5}),
        (
            {"id": 5},
            {"type": "uuid_type", "loc": ["body", "docs", 0, "id"], "msg": "UUID input should be a string, bytes or UUID object", "input": 5},
        ),
        (
            {"embeddings": [unit(HUGE)]},
            {"type": "value_error", "loc": ["body", "docs", 0, "embeddings", 0], "msg": PAST_FLOAT4, "input": unit(HUGE), "ctx": {"error": {}}},
        ),
    ],
)
def test_an_import_of_a_bad_doc_is_422_and_imports_nothing(client, change, error):
    before = client.get("/_double/users", headers=AUTH).get_json()
    body = {"items": [{"id": DOC_2}], "docs": [{**IMPORTED_DOC, **change}]}
    assert answer(client.post("/_double/users", json=body, headers=AUTH)) == (422, {"detail": [error]})
    assert client.get("/_double/users", headers=AUTH).get_json() == before


def test_an_import_of_a_doc_without_an_id_is_422(client):
    doc = {key: value for key, value in IMPORTED_DOC.items() if key != "id"}
    response = client.post("/_double/users", json={"items": [], "docs": [doc]}, headers=AUTH)
    assert answer(response) == (422, {"detail": [{"type": "missing", "loc": ["body", "docs", 0, "id"], "msg": "Field required", "input": doc}]})


def test_an_import_of_two_docs_with_one_id_is_422_and_imports_nothing(client):
    body = {"items": [{"id": DOC_2}], "docs": [IMPORTED_DOC, {**IMPORTED_DOC, "content": "other"}]}
    assert answer(client.post("/_double/users", json=body, headers=AUTH)) == (
        422,
        {"detail": [{"type": "value_error", "loc": ["body", "docs", 1, "id"], "msg": "Value error, docs 0 and 1 have one id", "input": DOC_1, "ctx": {"error": {}}}]},
    )
    assert client.get("/_double/users", headers=AUTH).get_json()["docs"] == []


def test_the_embeddings_control_refuses_a_number_past_a_double(client):
    created(client, title="T", content="one")
    response = client.put(f"/_double/docs/{DOC_1}/embeddings", json={"embeddings": [unit(HUGE)]}, headers=AUTH)
    assert answer(response) == (
        422,
        {"detail": [{"type": "value_error", "loc": ["body", "embeddings", 0], "msg": PAST_FLOAT4, "input": unit(HUGE), "ctx": {"error": {}}}]},
    )
    assert client.get(f"/users/{USER_ID}/docs", headers=AUTH).get_json()["items"][0]["embeddings"] is None


def meanwhile(monkeypatch, module, name, write):
    """`module.name` reads, then `write` runs to its end in another thread (another connection): what a client
    writing at that moment does. Its answers are kept in the list returned."""
    read, answers = getattr(module, name), []

    def read_then_write(*args):
        found = read(*args)
        writer = threading.Thread(target=lambda: answers.append(write()))
        writer.start()
        writer.join(10)
        return found

    monkeypatch.setattr(module, name, read_then_write)
    return answers


NEW_USER = "0190e6a2-7b6f-7b5e-9c1a-00000000000e"


def test_an_export_is_one_snapshot_while_others_write(client, monkeypatch, fox_docs):
    before = client.get("/_double/users", headers=AUTH).get_json()
    writes = meanwhile(
        monkeypatch, users_db, "all_users",
        lambda: (client.post(f"/users/{NEW_USER}", json={}, headers=AUTH).status_code, create(client, NEW_USER, title="t", content="c").status_code),
    )
    assert client.get("/_double/users", headers=AUTH).get_json() == before
    assert writes == [(201, 201)]
    monkeypatch.undo()
    after = client.get("/_double/users", headers=AUTH).get_json()
    client.post("/_double/reset", headers=AUTH)
    assert client.post("/_double/users", json=after, headers=AUTH).get_json() == {"imported": 3, "imported_docs": 3}


@pytest.mark.parametrize(("query", "read"), [("", "page_of_docs"), ("?metadata_filter.tag=a", "doc_heads")])
def test_a_doc_deleted_while_its_page_is_read_is_listed_as_it_was(client, monkeypatch, query, read):
    created(client, title="T", content=["one", "two"], metadata={"tag": "a"})
    deletes = meanwhile(monkeypatch, docs_db, read, lambda: client.delete(f"/users/{USER_ID}/docs/{DOC_1}", headers=AUTH).status_code)
    response = client.get(f"/users/{USER_ID}/docs{query}", headers=AUTH)
    assert answer(response) == (200, {"items": [doc(DOC_1, "T", ["one", "two"], {"tag": "a"})]})
    assert deletes == [202]
    monkeypatch.undo()
    assert client.get(f"/users/{USER_ID}/docs{query}", headers=AUTH).get_json() == {"items": []}


def test_a_chunk_deleted_while_a_text_search_reads_its_row_is_not_found(client, monkeypatch, fox_docs):
    deletes = meanwhile(monkeypatch, text_index, "search", lambda: client.delete(f"/users/{USER_ID}/docs/{DOC_1}", headers=AUTH).status_code)
    assert found(search(client, text="fox")) == [("Multi", 0, 0.2857142984867096)]
    assert deletes == [202]


def test_reset_deletes_docs(client, fox_docs):
    client.post("/_double/reset", headers=AUTH)
    client.post(f"/users/{USER_ID}", json={}, headers=AUTH)
    assert found(search(client, text="fox")) == []


def test_docs_requests_are_journaled_and_faulted(client):
    client.delete("/_double/requests", headers=AUTH)
    client.post("/_double/faults", json={"path": "/users/*/search", "status": 503}, headers=AUTH)
    assert search(client, text="x").status_code == 503
    assert search(client, text="x").status_code == 200
    assert [(entry["path"], entry["status"]) for entry in client.get("/_double/requests", headers=AUTH).get_json()["items"]] == [
        (f"/users/{USER_ID}/search", 503), (f"/users/{USER_ID}/search", 200)
    ]


def test_every_docs_route_is_under_api_too(client, fox_docs):
    assert found(client.post(f"/api/users/{USER_ID}/search", json={"text": "fox"}, headers=AUTH))[0][0] == "Hello World"


def test_docs_belong_to_their_developer(tmp_path):
    client = make_app(tmp_path, MULTI_TENANT_MODE=True).test_client()
    ada, bob = ({**AUTH, "X-Developer-Id": f"00000000-0000-0000-0000-00000000000{n}"} for n in (1, 2))
    client.post(f"/users/{USER_ID}", json={}, headers=ada)
    assert client.post(f"/users/{USER_ID}/docs", json={"title": "t", "content": "fox"}, headers=ada).status_code == 201
    assert answer(client.post(f"/users/{USER_ID}/docs", json={"title": "t", "content": "fox"}, headers=bob)) == (
        409, {"detail": "Reference to user not found during create"}
    )
    assert client.get(f"/users/{USER_ID}/docs", headers=bob).get_json() == {"items": []}
    assert client.post(f"/users/{USER_ID}/search", json={"text": "fox"}, headers=bob).get_json()["docs"] == []
    assert len(client.post(f"/users/{USER_ID}/search", json={"text": "fox"}, headers=ada).get_json()["docs"]) == 1


def test_embed_new_chunks_embeds_each_chunk_at_once_with_the_local_embedding(tmp_path):
    client = make_app(tmp_path, EMBED_NEW_CHUNKS=True).test_client()
    client.post(f"/users/{USER_ID}", json={}, headers=AUTH)
    response = client.post(f"/users/{USER_ID}/docs", json={"title": "Fox", "content": ["the quick brown fox", "  "]}, headers=AUTH)
    assert response.get_json()["embeddings"] is None  # the create reads the doc back without them, as hosted
    items = client.get(f"/users/{USER_ID}/docs?direction=asc", headers=AUTH)
    assert items.get_json() == {"detail": "Invalid value provided for doc during list"}  # a blank chunk is never embedded
    client.delete(f"/users/{USER_ID}/docs", json={"delete_all": True}, headers=AUTH)
    client.post(f"/users/{USER_ID}/docs", json={"title": "Fox", "content": "the quick brown fox"}, headers=AUTH)
    client.post(f"/users/{USER_ID}/docs", json={"title": "Tax", "content": "annual returns"}, headers=AUTH)
    fox = client.get(f"/users/{USER_ID}/docs?direction=asc", headers=AUTH).get_json()["items"][0]["embeddings"][0]
    assert len(fox) == 1024 and math.isclose(math.sqrt(sum(value * value for value in fox)), 1, abs_tol=1e-6)
    results = client.post(f"/users/{USER_ID}/search", json={"vector": fox, "confidence": 0.5}, headers=AUTH).get_json()["docs"]
    assert [(ref["title"], round(ref["distance"], 6)) for ref in results] == [("Fox", 0.0)]


def test_every_worker_process_sees_every_others_docs(tmp_path):
    """Two apps on one database file stand for two gunicorn workers, each with its own text index."""
    first, second = (make_app(tmp_path).test_client() for _ in range(2))
    first.post(f"/users/{USER_ID}", json={}, headers=AUTH)
    ids = [create(first, title=f"fox {n}", content="c").get_json()["id"] for n in range(3)]
    assert [title for title, _, _ in found(search(second, text="fox"))] == ["fox 0", "fox 1", "fox 2"]
    first.delete(f"/users/{USER_ID}/docs/{ids[1]}", headers=AUTH)
    create(first, title="fox 3", content="c")
    assert [title for title, _, _ in found(search(second, text="fox"))] == ["fox 0", "fox 2", "fox 3"]
    first.delete(f"/users/{USER_ID}/docs", json={"delete_all": True}, headers=AUTH)
    assert found(search(second, text="fox")) == []
    create(second, title="fox 4", content="c")
    assert [title for title, _, _ in found(search(first, text="fox"))] == ["fox 4"]


def test_the_local_embedding_is_the_same_on_every_run_and_machine():
    """BLAKE2b of each word of "Title: Fox\n\nthe quick brown fox": title, fox (twice), the, quick, brown."""
    embedding = vectors.local_embedding("Fox", "the quick brown fox")
    half, quarter = 0.7071067690849304, 0.3535533845424652
    assert {index: value for index, value in enumerate(embedding) if value} == {
        132: quarter, 139: -quarter, 274: half, 522: -quarter, 606: -quarter
    }


def test_english_searches_the_config_the_docs_are_indexed_with():
    assert doc_search.search_config("en") == tsearch.DOCS_CONFIG


# GET /docs/{doc_id}


def test_get_reads_any_doc_of_the_developer_with_its_embeddings_by_default(client):
    created(client, title="T", content=["one", "two"], metadata={"k": "v"})
    created(client, OTHER_USER, title="Other", content="three")
    assert answer(client.get(f"/docs/{DOC_1}", headers=AUTH)) == (200, doc(DOC_1, "T", ["one", "two"], {"k": "v"}))
    assert answer(client.get(f"/api/docs/{DOC_2.upper()}", headers=AUTH)) == (200, doc(DOC_2, "Other", ["three"]))
    embed(client, DOC_1, unit(0.5), None)
    assert answer(client.get(f"/docs/{DOC_1}", headers=AUTH)) == (400, {"detail": "Invalid value provided for doc during get"})
    assert answer(client.get(f"/docs/{DOC_1}?include_embeddings=false", headers=AUTH)) == (200, doc(DOC_1, "T", ["one", "two"], {"k": "v"}))
    embed(client, DOC_1, unit(0.5), unit(0.1, 0.2))
    embedded = doc(DOC_1, "T", ["one", "two"], {"k": "v"}, [unit(0.5), unit(0.1, 0.2)])
    assert answer(client.get(f"/docs/{DOC_1}?include_embeddings=true", headers=AUTH)) == (200, embedded)
    assert answer(client.get(f"/docs/{DOC_1}?include_embeddings=no", headers=AUTH)) == (200, doc(DOC_1, "T", ["one", "two"], {"k": "v"}))


def test_get_of_an_unknown_or_deleted_doc_is_404_in_the_hosted_words(client):
    created(client, title="T", content="one")
    client.delete(f"/users/{USER_ID}/docs/{DOC_1}", headers=AUTH)
    for doc_id in (DOC_1, DOC_2):
        assert answer(client.get(f"/docs/{doc_id}", headers=AUTH)) == (404, {"detail": "No doc found during get"})


def test_get_is_scoped_by_developer(tmp_path):
    client = make_app(tmp_path, MULTI_TENANT_MODE=True).test_client()
    ada, bob = ({**AUTH, "X-Developer-Id": f"0190e6a2-0000-7000-8000-00000000000{n}"} for n in (1, 2))
    client.post(f"/users/{USER_ID}", json={}, headers=ada)
    doc_id = client.post(f"/users/{USER_ID}/docs", json={"title": "T", "content": "one"}, headers=ada).get_json()["id"]
    assert client.get(f"/docs/{doc_id}", headers=ada).status_code == 200
    assert answer(client.get(f"/docs/{doc_id}", headers=bob)) == (404, {"detail": "No doc found during get"})
