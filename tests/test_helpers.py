"""The JulepDouble helpers (testing/julep_double.py) say what the double says: its refusals, every journal entry, docs."""

import threading

import httpx
import pytest

from julep_users_double.testing import julep_double as testing
from julep_users_double.testing.julep_double import ControlRefused

USER_ID = "0190e6a2-7b6f-7b5e-9c1a-1234567890ab"
DOC_ID = "0190e6a2-7b6f-7b5e-9c1a-0000000000d0"
EMBEDDINGS = [[1.0] + [0.0] * 1023, [0.0, 1.0] + [0.0] * 1022]


def test_a_refused_control_raises_with_the_doubles_own_words(julep_double):
    with pytest.raises(ControlRefused) as refused:
        julep_double.add_fault(status=700)
    assert str(refused.value) == (
        'POST /_double/faults answered 422: {"detail":[{"type":"less_than_equal","loc":["body","status"],'
        '"msg":"Input should be less than or equal to 599","input":700,"ctx":{"le":599}}]}'
    )
    assert isinstance(refused.value, httpx.HTTPStatusError)
    assert julep_double.faults() == []


def test_requests_gives_every_entry_the_journal_keeps_page_after_page(julep_double, monkeypatch):
    monkeypatch.setattr(testing, "JOURNAL_PAGE", 100)
    for _ in range(250):
        julep_double.http.get("/users", headers=julep_double.headers)
    assert [entry["status"] for entry in julep_double.requests()] == [200] * 250


def test_requests_since_a_mark_gives_only_what_came_after(julep_double):
    julep_double.client.users.create(name="Before")
    mark = julep_double.mark()
    julep_double.client.users.create(name="After")
    assert [entry["body"]["name"] for entry in julep_double.requests(since=mark)] == ["After"]
    assert [entry["body"]["name"] for entry in julep_double.requests(method="POST")] == ["Before", "After"]


def test_wait_for_request_waits_for_a_request_made_after_it_is_called(julep_double):
    julep_double.client.users.create(name="Before")
    with pytest.raises(AssertionError, match=r"^0 of 1 requests POST /users within 0.1s: \[\]$"):
        julep_double.wait_for_request(method="POST", path="/users", timeout=0.1)
    timer = threading.Timer(0.1, julep_double.client.users.create, kwargs={"name": "Later"})
    timer.start()
    (entry,) = julep_double.wait_for_request(method="POST", path="/users", timeout=5)
    timer.join()
    assert (entry["status"], entry["body"]) == (201, {"name": "Later"})
    assert [entry["body"]["name"] for entry in julep_double.wait_for_request(method="POST", count=2, since=0)] == ["Before", "Later"]


def test_seed_docs_read_them_and_set_their_embeddings(julep_double):
    doc = {"user_id": USER_ID, "id": DOC_ID, "title": "Notes", "content": ["one", "two"], "created_at": "2026-01-01T00:00:00Z"}
    assert julep_double.seed([{"id": USER_ID, "name": "Ada"}], docs=[doc]) == 1
    assert julep_double.set_embeddings(DOC_ID, EMBEDDINGS) == EMBEDDINGS
    assert julep_double.docs() == [
        {
            "developer_id": "00000000-0000-0000-0000-000000000000",
            "user_id": USER_ID,
            "id": DOC_ID,
            "metadata": {},
            "created_at": "2026-01-01T00:00:00Z",
            "title": "Notes",
            "content": ["one", "two"],
            "embeddings": EMBEDDINGS,
        }
    ]
    assert julep_double.client.users.docs.list(USER_ID).items[0].title == "Notes"
