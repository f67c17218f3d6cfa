"""The official Julep SDK's `client.users.docs` (julep 2.21.0) against the double, in-process: no server, no socket."""

import httpx
import pytest
from julep import BadRequestError, ConflictError, Julep, NotFoundError, UnprocessableEntityError

from conftest import API_KEY, AUTH, USER_ID, make_app

NOW = "2026-01-01T00:00:00Z"


@pytest.fixture
def julep(tmp_path):
    app = make_app(tmp_path)
    http_client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://double.test")
    client = Julep(api_key=API_KEY, base_url="http://double.test", http_client=http_client, max_retries=0)
    client.post("/_double/clock", body={"now": NOW}, cast_to=httpx.Response)
    client.users.create_or_update(USER_ID, name="Ada")
    return client


def unit(*weights):
    return [*weights, *[0.0] * (1024 - len(weights))]


def set_embeddings(julep, doc_id, *embeddings):
    julep.put(f"/_double/docs/{doc_id}/embeddings", body={"embeddings": list(embeddings)}, cast_to=httpx.Response)


def test_create_answers_a_doc_whose_content_is_a_list(julep):
    doc = julep.users.docs.create(USER_ID, title="Hello", content="The quick brown fox", metadata={"tag": "a", "n": 1})
    assert (doc.id, doc.title, doc.content, doc.metadata, doc.embeddings) == (
        "019b76da-a800-7000-8000-000000000001", "Hello", ["The quick brown fox"], {"n": 1, "tag": "a"}, None
    )
    assert (doc.modality, doc.language, doc.embedding_model, doc.embedding_dimensions) == ("text", "english", "text-embedding-3-large", 1024)
    assert doc.created_at.isoformat() == "2026-01-01T00:00:00+00:00"


def test_a_duplicate_raises_conflict_and_an_unknown_user_too(julep):
    julep.users.docs.create(USER_ID, title="T", content="same")
    with pytest.raises(ConflictError) as raised:
        julep.users.docs.create(USER_ID, title="T", content="same")
    assert raised.value.body == {"detail": "A doc with this content already exists during create"}
    with pytest.raises(ConflictError) as raised:
        julep.users.docs.create("0190e6a2-7b6f-7b5e-9c1a-00000000dead", title="T", content="c")
    assert raised.value.body == {"detail": "Reference to user not found during create"}


def test_list_auto_paginates_by_offset_until_an_empty_page(julep):
    for number in range(5):
        julep.users.docs.create(USER_ID, title=f"D{number}", content=f"c{number}", metadata={"batch": "x"})
    titles = [doc.title for doc in julep.users.docs.list(USER_ID, limit=2, direction="asc", metadata_filter={"batch": "x"})]
    assert titles == ["D0", "D1", "D2", "D3", "D4"]


def test_list_with_a_number_in_metadata_filter_is_a_bad_request(julep):
    with pytest.raises(BadRequestError) as raised:
        list(julep.users.docs.list(USER_ID, metadata_filter={"n": 1}))
    assert raised.value.body == {"detail": "Invalid doc data provided during list"}


def test_list_sorted_by_updated_at_is_a_bad_request_where_the_hosted_service_fails(julep):
    with pytest.raises(BadRequestError) as raised:
        list(julep.users.docs.list(USER_ID, sort_by="updated_at"))
    assert raised.value.body == {"detail": "Docs cannot be sorted by updated_at"}


def test_delete_and_bulk_delete(julep):
    first = julep.users.docs.create(USER_ID, title="A", content="a", metadata={"tag": "x"})
    second = julep.users.docs.create(USER_ID, title="B", content=["b0", "b1"], metadata={"tag": "y"})
    deleted = julep.users.docs.delete(first.id, user_id=USER_ID)
    assert (deleted.id, deleted.deleted_at.isoformat(), deleted.jobs) == (first.id, "2026-01-01T00:00:00+00:00", [])
    with pytest.raises(NotFoundError) as raised:
        julep.users.docs.delete(first.id, user_id=USER_ID)
    assert raised.value.body == {"detail": "No doc found during delete"}
    assert julep.users.docs.bulk_delete(USER_ID) == []  # the SDK sends {}: nothing is deleted
    items = julep.users.docs.bulk_delete(USER_ID, metadata_filter={"tag": "y"})
    assert [item.id for item in items] == [second.id, second.id]  # one item a chunk


def test_text_search(julep):
    julep.users.docs.create(USER_ID, title="Hello World", content="The quick brown fox jumps")
    julep.users.docs.create(USER_ID, title="Other", content="nothing here")
    result = julep.users.docs.search(USER_ID, text="foxes")
    assert [(doc.title, doc.snippet.index, doc.snippet.content, doc.distance, doc.owner.id, doc.owner.role) for doc in result.docs] == [
        ("Hello World", 0, "The quick brown fox jumps", 0.2857142984867096, USER_ID, "user")
    ]
    assert result.time >= 0.01


def test_vector_and_hybrid_search_with_embeddings_set_by_the_control(julep):
    near = julep.users.docs.create(USER_ID, title="near fox", content="n")
    far = julep.users.docs.create(USER_ID, title="far", content="f")
    set_embeddings(julep, near.id, unit(1, 0.1))
    set_embeddings(julep, far.id, unit(0.6, 0.8))
    vector = julep.users.docs.search(USER_ID, vector=unit(1), mmr_strength=0)
    assert [(doc.title, round(doc.distance, 6), doc.snippet.embedding[:2]) for doc in vector.docs] == [
        ("near fox", 0.004963, [1.0, 0.1]), ("far", 0.4, [0.6, 0.8])  # pgvector's shortest float4 text, read back
    ]
    hybrid = julep.users.docs.search(USER_ID, text="fox", vector=unit(1), alpha=0.8, mmr_strength=0, include_embeddings=False)
    assert [doc.title for doc in hybrid.docs] == ["far", "near fox"]  # upstream rewards the larger cosine distance
    assert [doc.snippet.embedding for doc in hybrid.docs] == [None, None]
    assert julep.users.docs.list(USER_ID).items[0].embeddings == [unit(0.6, 0.8)]


def test_search_refusals(julep):
    with pytest.raises(UnprocessableEntityError) as raised:
        julep.users.docs.search(USER_ID, text="fox", lang="xx")
    assert raised.value.body == {"detail": "Invalid ISO 639 language code."}
    with pytest.raises(BadRequestError) as raised:
        julep.users.docs.search(USER_ID, vector=[0.5, 0.5])
    assert raised.value.body == {"detail": "Invalid doc data provided during search"}
    with pytest.raises(UnprocessableEntityError) as raised:
        julep.users.docs.search(USER_ID, text="fox", limit=51)
    assert [error["loc"] for error in raised.value.body["detail"]] == [
        ["body", "TextOnlyDocSearchRequest", "limit"], ["body", "VectorDocSearchRequest", "limit"],
        ["body", "VectorDocSearchRequest", "vector"], ["body", "HybridDocSearchRequest", "limit"],
        ["body", "HybridDocSearchRequest", "vector"],
    ]


def test_the_sdk_requests_are_journaled_with_their_bodies(julep):
    julep.delete("/_double/requests", cast_to=httpx.Response)
    julep.users.docs.search(USER_ID, text="fox", connection_pool="ignored")
    entry = julep.get("/_double/requests", cast_to=httpx.Response).json()["items"][0]
    assert (entry["method"], entry["path"], entry["query"], entry["body"], entry["status"]) == (
        "POST", f"/users/{USER_ID}/search", {"connection_pool": "ignored"}, {"text": "fox"}, 200
    )
    assert AUTH["Authorization"] not in str(entry)


def test_get_reads_a_doc_by_id_with_its_embeddings_by_default(julep):
    doc = julep.users.docs.create(USER_ID, title="Hello", content=["one", "two"])
    set_embeddings(julep, doc.id, unit(1.0), unit(0.0, 1.0))
    read = julep.docs.get(doc.id)
    assert (read.id, read.title, read.content, read.created_at) == (doc.id, "Hello", ["one", "two"], doc.created_at)
    assert read.embeddings == [unit(1.0), unit(0.0, 1.0)]
    assert julep.docs.get(doc.id, include_embeddings=False).embeddings is None


def test_get_of_an_unknown_doc_raises_not_found(julep):
    with pytest.raises(NotFoundError) as raised:
        julep.docs.get("019b76da-a800-7000-8000-0000000000ff")
    assert raised.value.body == {"detail": "No doc found during get"}
