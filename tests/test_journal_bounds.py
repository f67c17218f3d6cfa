"""The journal holds whatever a client sends, reads it all back, in pages, and keeps its size bounded in bytes."""

import os
import sqlite3
import time

import pytest

from conftest import AUTH, USER_ID, make_app, upsert

KIB = 1024
# The guide's example of an entry (guide/controls.md), for its fields.
ENTRY_FIELDS = [
    "method", "path", "query", "headers", "body", "body_size", "body_truncated", "status", "response", "response_size",
    "response_truncated", "started_at", "duration_ms", "developer_id",
]


def journal_page(client, query=""):
    response = client.get(f"/_double/requests{query}", headers=AUTH)
    assert response.status_code == 200, response.data
    return response.get_json()


def file_size(database):
    """The database's size on disk once its WAL is checkpointed into it and cut back."""
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(os.path.getsize(f"{database}{suffix}") for suffix in ("", "-wal") if os.path.exists(f"{database}{suffix}"))


def nested(depth):
    """Lists `depth` deep, as JSON text."""
    return b"[" * depth + b"]" * depth


def nested_value(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        # A lone surrogate parses, and cannot be answered as UTF-8.
        (b'{"about": "\\ud800"}', '{"about": "\\ud800"}'),
        # Too deep for Python's JSON, and for the journal's.
        (nested(30_000), nested(30_000).decode()),
        (nested(515), nested(515).decode()),
        (b'{"a": "\xff"}', '{"a": "\ufffd"}'),
        (b"NaN", "NaN"),
        (b'{"n": 1e999}', '{"n": 1e999}'),
        (nested(514), nested_value(514)),
    ],
    ids=["lone-surrogate", "30000-deep", "515-deep", "invalid-utf-8", "nan", "infinity", "514-deep"],
)
def test_every_entry_reads_back_and_what_is_no_json_for_every_client_as_text(client, body, kept):
    assert client.post("/nowhere", data=body, headers={"Content-Type": "application/json"}).status_code == 404
    (entry,) = journal_page(client)["items"]
    assert (entry["body"], entry["body_size"], entry["body_truncated"]) == (kept, len(body), False)


def test_a_user_as_deep_as_the_api_takes_reads_back_as_json(client):
    metadata = {"a": nested_value(510)}  # the body is 512 deep, the most the API takes
    assert upsert(client, metadata=metadata).status_code == 201
    assert client.get("/users", headers=AUTH).status_code == 200  # a list of it: 514 deep
    write, listing = journal_page(client)["items"]
    assert (write["body"], write["response"]["metadata"]) == ({"metadata": metadata}, metadata)
    assert listing["response"]["items"][0]["metadata"] == metadata


def test_a_body_and_a_response_over_64_kib_are_kept_as_their_first_64_kib_with_their_size(client):
    body = ('{"about": "' + "é" * 40_000 + '"}').encode()  # 80,013 bytes, cut inside a character
    response = client.post(f"/users/{USER_ID}", data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 201
    (entry,) = journal_page(client)["items"]
    assert list(entry) == ENTRY_FIELDS
    assert (entry["body"], entry["body_size"], entry["body_truncated"]) == (
        body[: 64 * KIB].decode(errors="replace"), len(body), True
    )
    assert (entry["response"], entry["response_size"], entry["response_truncated"]) == (
        response.data[: 64 * KIB].decode(errors="replace"), len(response.data), True
    )


def test_the_journal_is_read_in_pages_of_100_by_default_and_a_cursor_reads_on(client):
    for number in range(250):
        client.get(f"/nowhere/{number}")
    first = journal_page(client)
    second = journal_page(client, f"?cursor={first['next_cursor']}")
    third = journal_page(client, f"?cursor={second['next_cursor']}")
    assert [len(page["items"]) for page in (first, second, third)] == [100, 100, 50]
    paths = [entry["path"] for page in (first, second, third) for entry in page["items"]]
    assert paths == [f"/nowhere/{number}" for number in range(250)]

    # The last cursor reads only what comes after it, however many pages later.
    assert journal_page(client, f"?cursor={third['next_cursor']}") == {"items": [], "next_cursor": third["next_cursor"]}
    client.get("/nowhere/later")
    later = journal_page(client, f"?cursor={third['next_cursor']}&limit=1000")
    assert [entry["path"] for entry in later["items"]] == ["/nowhere/later"]
    assert later["next_cursor"] > third["next_cursor"]


def test_a_cursor_stays_valid_when_the_journal_is_cleared(client):
    client.get("/nowhere/before")
    cursor = journal_page(client)["next_cursor"]
    client.delete("/_double/requests", headers=AUTH)
    client.get("/nowhere/after")
    assert [entry["path"] for entry in journal_page(client, f"?cursor={cursor}")["items"]] == ["/nowhere/after"]


def test_a_cursor_stays_valid_when_one_developers_entries_the_newest_are_deleted(multi_tenant_client):
    client = multi_tenant_client
    alice = {**AUTH, "X-Developer-Id": "aaaaaaaa-0000-4000-8000-000000000001"}
    client.get("/users", headers=alice)
    cursor = journal_page(client)["next_cursor"]
    client.delete("/_double/requests", headers=alice)
    client.get("/users", headers=alice)
    assert len(journal_page(client, f"?cursor={cursor}")["items"]) == 1


def test_filters_and_the_page_go_together(client):
    for number in range(10):
        client.get(f"/nowhere/{number}")
        client.post(f"/nowhere/{number}")
    page = journal_page(client, "?method=POST&path=/nowhere/[0-4]&limit=3")
    assert [entry["path"] for entry in page["items"]] == ["/nowhere/0", "/nowhere/1", "/nowhere/2"]
    rest = journal_page(client, f"?method=POST&path=/nowhere/[0-4]&limit=3&cursor={page['next_cursor']}")
    assert [entry["path"] for entry in rest["items"]] == ["/nowhere/3", "/nowhere/4"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            "limit=0",
            {"type": "greater_than_equal", "loc": ["query", "limit"], "msg": "Input should be greater than or equal to 1",
             "input": "0", "ctx": {"ge": 1}},
        ),
        (
            "limit=1001",
            {"type": "less_than_equal", "loc": ["query", "limit"], "msg": "Input should be less than or equal to 1000",
             "input": "1001", "ctx": {"le": 1000}},
        ),
        (
            "cursor=-1",
            {"type": "greater_than_equal", "loc": ["query", "cursor"], "msg": "Input should be greater than or equal to 0",
             "input": "-1", "ctx": {"ge": 0}},
        ),
        (
            "cursor=99999999999999999999",
            {"type": "less_than_equal", "loc": ["query", "cursor"],
             "msg": "Input should be less than or equal to 9223372036854775807", "input": "99999999999999999999",
             "ctx": {"le": 9223372036854775807}},
        ),
        (
            "cursor=next",
            {"type": "int_parsing", "loc": ["query", "cursor"],
             "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "next"},
        ),
        (
            "path=" + "*" * 257,
            {"type": "string_too_long", "loc": ["query", "path"], "msg": "String should have at most 256 characters",
             "input": "*" * 257, "ctx": {"max_length": 256}},
        ),
    ],
)
def test_a_bad_journal_query_is_422(client, query, error):
    response = client.get(f"/_double/requests?{query}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (422, {"detail": [error]})


def test_a_path_filter_of_the_longest_glob_is_matched_quickly(client):
    for _ in range(50):
        client.get("/nowhere/" + "a" * 8000)
    page = journal_page(client, "?path=*[" + "b" * 252 + "]*")
    assert page["items"] == []


def test_clearing_the_journal_gives_its_space_back(app, client):
    database = app.config["DATABASE"]
    empty = file_size(database)
    for _ in range(100):
        client.post("/nowhere", data=b"x" * (1024 * KIB))
    full = file_size(database)
    assert client.delete("/_double/requests", headers=AUTH).status_code == 204
    cleared = file_size(database)
    # 100 bodies of 1 MiB kept as 64 KiB each: 6.5 MB, and then no more than the free pages kept (1 MiB).
    assert full - empty < 8_000_000
    assert cleared - empty < 1_200_000


def test_a_reset_gives_the_space_back(app, client):
    database = app.config["DATABASE"]
    empty = file_size(database)
    for number in range(40):
        upsert(client, f"{USER_ID[:-4]}{number:04d}", about="x" * 200_000)
    assert file_size(database) - empty > 8_000_000
    assert client.post("/_double/reset", headers=AUTH).status_code == 204
    assert file_size(database) - empty < 1_200_000


def test_pruning_gives_the_space_back(tmp_path):
    big = make_app(tmp_path).test_client()
    for _ in range(200):
        big.post("/nowhere", data=b"x" * (64 * KIB))
    database = str(tmp_path / "users.sqlite3")
    full = file_size(database)
    small = make_app(tmp_path, JOURNAL_SIZE=5).test_client()
    for _ in range(100):  # one pruning: every 100 entries
        small.get("/nowhere")
    assert len(journal_page(small)["items"]) == 5
    assert full > 13_000_000
    assert file_size(database) < 1_500_000


@pytest.mark.live
def test_list_reads_of_large_users_grow_the_journal_by_64_kib_each(app, client):
    database = app.config["DATABASE"]
    for number in range(20):
        assert upsert(client, f"{USER_ID[:-4]}{number:04d}", about="x" * 1_000_000).status_code == 201
    users = file_size(database)
    for _ in range(20):
        assert len(client.get("/users", headers=AUTH).data) > 20_000_000
    grown = file_size(database) - users
    started = time.perf_counter()
    page = journal_page(client, "?method=GET")
    read_in = time.perf_counter() - started
    assert [entry["response_size"] > 20_000_000 for entry in page["items"]] == [True] * 20
    # 20 responses of 20 MB kept as 64 KiB each: 1.3 MB (before, 400 MB; 100 users of 1 MB, 2 GB).
    assert grown < 2_000_000
    assert read_in < 1
