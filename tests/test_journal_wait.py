"""GET /_double/requests?wait_ms=N&min_count=K: a test of asynchronous code waits for its call instead of sleeping."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from julep_users_double.controls import db as double_db
from julep_users_double.app import create_app
from conftest import API_KEY, AUTH, USER_ID, make_app
from servers import Client


@pytest.fixture
def in_memory():
    return create_app({"DATABASE": ":memory:", "API_KEY": API_KEY}).test_client()


def later(seconds, call):
    thread = threading.Timer(seconds, call)
    thread.start()
    return thread


def test_the_read_answers_as_soon_as_the_entries_are_there(in_memory):
    writes = [later(0.2, lambda: in_memory.post("/users", json={}, headers=AUTH)) for _ in range(2)]
    started = time.monotonic()
    response = in_memory.get("/_double/requests?path=/users&wait_ms=5000&min_count=2", headers=AUTH)
    elapsed = time.monotonic() - started
    for write in writes:
        write.join()
    assert response.status_code == 200
    assert [entry["status"] for entry in response.get_json()["items"]] == [201, 201]
    assert 0.2 <= elapsed < 2


def test_after_wait_ms_it_answers_with_what_there_is(in_memory):
    in_memory.get(f"/users/{USER_ID}", headers=AUTH)
    started = time.monotonic()
    response = in_memory.get("/_double/requests?wait_ms=300&min_count=2", headers=AUTH)
    assert time.monotonic() - started >= 0.3
    assert [entry["status"] for entry in response.get_json()["items"]] == [404]


def test_only_entries_that_match_the_filters_and_follow_the_cursor_count(in_memory):
    in_memory.get("/users", headers=AUTH)
    cursor = in_memory.get("/_double/requests", headers=AUTH).get_json()["next_cursor"]
    in_memory.get(f"/users/{USER_ID}", headers=AUTH)
    response = in_memory.get(f"/_double/requests?method=POST&cursor={cursor}&wait_ms=200", headers=AUTH)
    assert response.get_json() == {"items": [], "next_cursor": cursor}


@pytest.mark.parametrize(
    "query, error",
    [
        ("wait_ms=30001", ("less_than_equal", "wait_ms", "Input should be less than or equal to 30000", {"le": 30000})),
        ("wait_ms=-1", ("greater_than_equal", "wait_ms", "Input should be greater than or equal to 0", {"ge": 0})),
        ("min_count=0", ("greater_than_equal", "min_count", "Input should be greater than or equal to 1", {"ge": 1})),
    ],
)
def test_bounds(in_memory, query, error):
    error_type, name, msg, ctx = error
    response = in_memory.get(f"/_double/requests?{query}", headers=AUTH)
    value = query.split("=")[1]
    assert (response.status_code, response.get_json()) == (
        422,
        {"detail": [{"type": error_type, "loc": ["query", name], "msg": msg, "input": value, "ctx": ctx}]},
    )


@pytest.mark.live
def test_waiting_requests_hold_up_no_one_on_the_production_server(start_server):
    server = start_server("production")
    base, headers = server.base, {"Authorization": f"Bearer {server.api_key}"}
    httpx.post(f"{base}/_double/faults", json={"path": "/users/*", "delay_ms": 3000, "times": 8}, headers=headers).raise_for_status()
    # Made before the others start: sixteen threads making httpx clients at once took the next one 3.5 s.
    http = httpx.Client(base_url=base, headers=headers, timeout=10)
    with http, ThreadPoolExecutor(16) as pool:
        waiting = [pool.submit(httpx.get, f"{base}/_double/requests?path=/nowhere&wait_ms=3000", headers=headers, timeout=10) for _ in range(8)]
        delayed = [pool.submit(httpx.get, f"{base}/users/{USER_ID}", headers=headers, timeout=10) for _ in range(8)]
        time.sleep(0.5)  # all sixteen are waiting now, four times the turns of the two workers
        started = time.monotonic()
        answer = http.post("/users", json={})
        elapsed = time.monotonic() - started
        assert [future.result().status_code for future in waiting + delayed] == [200] * 8 + [404] * 8
    assert answer.status_code == 201
    assert elapsed < 0.5


def waiting_reads(client, count, query):
    """`count` journal reads of `query` sent at once, each from a thread of its own; their answers to come."""
    pool = ThreadPoolExecutor(count)
    answers = [pool.submit(client.get, f"/_double/requests?{query}", headers=AUTH) for _ in range(count)]
    pool.shutdown(wait=False)
    return answers


def test_waiting_reads_cost_nothing_while_nothing_is_written(in_memory):
    answers = waiting_reads(in_memory, 100, "path=/users&wait_ms=5000")
    time.sleep(0.3)  # all of them wait now
    started = time.process_time()
    time.sleep(0.5)
    cpu_seconds = time.process_time() - started
    in_memory.post("/users", json={}, headers=AUTH)
    assert [answer.result().status_code for answer in answers] == [200] * 100
    assert cpu_seconds < 0.025


def test_an_entry_no_waiting_read_matches_has_none_of_them_count_again(in_memory, monkeypatch):
    counts = []
    journal_count = double_db.journal_count
    monkeypatch.setattr(double_db, "journal_count", lambda *args: counts.append(args) or journal_count(*args))
    answers = waiting_reads(in_memory, 50, "path=/nowhere&wait_ms=500")
    time.sleep(0.2)
    for _ in range(20):
        in_memory.get(f"/users/{USER_ID}", headers=AUTH)
    assert [answer.result().get_json()["items"] for answer in answers] == [[]] * 50
    assert len(counts) == 50  # once each, before it waited


def test_past_128_waiting_reads_one_more_that_would_wait_is_refused(in_memory):
    answers = waiting_reads(in_memory, 128, "path=/users&wait_ms=10000")
    time.sleep(0.5)  # all of them wait now
    refused = in_memory.get("/_double/requests?path=/users&wait_ms=1000", headers=AUTH)
    not_waiting = in_memory.get("/_double/requests?path=/users", headers=AUTH)
    in_memory.post("/users", json={}, headers=AUTH)
    assert [answer.result().status_code for answer in answers] == [200] * 128
    assert (refused.status_code, refused.headers["Retry-After"], refused.get_json()) == (
        503,
        "1",
        {"detail": "128 journal reads are waiting already, as many as a server process lets wait: try again later"},
    )
    assert (not_waiting.status_code, not_waiting.get_json()) == (200, {"items": [], "next_cursor": 0})


def answered_at(server, query):
    """The status of a journal read of `query` and when it was answered (time.monotonic())."""
    client = Client(server)
    try:
        status, _ = client.request("GET", f"/_double/requests?{query}")
    finally:
        client.close()
    return status, time.monotonic()


@pytest.mark.live
def test_an_entry_another_process_journals_wakes_the_waiting_reads_at_once(start_server, tmp_path):
    server = start_server("production")
    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(answered_at, server, "path=/users&wait_ms=5000") for _ in range(8)]
        other_process = make_app(tmp_path).test_client()  # on the server's database file, as another worker
        time.sleep(0.5)  # all of them wait now, in both workers
        written = time.monotonic()
        assert other_process.post("/users", json={}, headers=AUTH).status_code == 201
        results = [answer.result() for answer in answers]
    assert [status for status, _ in results] == [200] * 8
    assert max(at for _, at in results) - written < 0.25


@pytest.mark.live
def test_waiting_reads_cost_the_production_server_nothing_while_nothing_is_written(start_server):
    server = start_server("production")
    with ThreadPoolExecutor(100) as pool:
        answers = [pool.submit(answered_at, server, "path=/nowhere&wait_ms=3000") for _ in range(100)]
        time.sleep(1)  # all of them wait now
        before = server.cpu_seconds()
        time.sleep(1)
        cpu_seconds = server.cpu_seconds() - before
        assert [answer.result()[0] for answer in answers] == [200] * 100
    assert cpu_seconds < 0.2
