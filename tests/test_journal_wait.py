"""GET /_double/requests?wait_ms=N&min_count=K: a test of asynchronous code waits for its call instead of sleeping."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from julep_users_double.app import create_app
from conftest import API_KEY, AUTH, USER_ID


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
    with ThreadPoolExecutor(16) as pool:
        waiting = [pool.submit(httpx.get, f"{base}/_double/requests?path=/nowhere&wait_ms=3000", headers=headers, timeout=10) for _ in range(8)]
        delayed = [pool.submit(httpx.get, f"{base}/users/{USER_ID}", headers=headers, timeout=10) for _ in range(8)]
        time.sleep(0.5)  # all sixteen are waiting now, four times the turns of the two workers
        started = time.monotonic()
        answer = httpx.post(f"{base}/users", json={}, headers=headers, timeout=10)
        elapsed = time.monotonic() - started
        assert [future.result().status_code for future in waiting + delayed] == [200] * 8 + [404] * 8
    assert answer.status_code == 201
    assert elapsed < 0.5
