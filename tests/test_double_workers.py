"""The controls' state is shared by every worker of the production server (several processes)."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest import API_KEY, AUTH
from servers import Server

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The production server (two workers) on a free port; yields its base URL."""
    folder = tmp_path_factory.mktemp("production")
    server = Server("production", folder / "users.sqlite3", folder / "server.log", API_KEY).start()
    yield server.base
    server.stop()


def many(url, method, path, count, **kwargs):
    """`count` requests from 8 threads, each on a new connection, so that both workers answer some."""
    with (
        httpx.Client(base_url=url, headers=AUTH, limits=httpx.Limits(max_keepalive_connections=0)) as client,
        ThreadPoolExecutor(8) as pool,
    ):
        return list(pool.map(lambda _: client.request(method, path, **kwargs), range(count)))


def test_a_fault_with_times_3_fires_exactly_three_times_across_workers(production):
    httpx.post(f"{production}/_double/reset", headers=AUTH).raise_for_status()
    httpx.post(f"{production}/_double/faults", json={"path": "/users", "status": 503, "times": 3}, headers=AUTH).raise_for_status()
    statuses = [response.status_code for response in many(production, "GET", "/users", 40)]
    assert sorted(statuses) == [200] * 37 + [503] * 3
    assert httpx.get(f"{production}/_double/faults", headers=AUTH).json() == {"items": []}
    entries = httpx.get(f"{production}/_double/requests", headers=AUTH).json()["items"]
    assert sorted(entry["status"] for entry in entries) == sorted(statuses)


def test_a_frozen_clock_holds_in_every_worker(production):
    httpx.post(f"{production}/_double/reset", headers=AUTH).raise_for_status()
    httpx.post(f"{production}/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=AUTH).raise_for_status()
    users = [response.json() for response in many(production, "POST", "/users", 20, json={})]
    assert {user["created_at"] for user in users} == {"2030-01-01T00:00:00Z"}
    assert len({user["id"] for user in users}) == 20
    httpx.post(f"{production}/_double/reset", headers=AUTH).raise_for_status()
    assert httpx.post(f"{production}/users", json={}, headers=AUTH).json()["created_at"] < "2030"


def test_a_request_answered_by_either_worker_is_in_a_journal_read_by_either_at_once(production):
    """Each request on one of six kept-alive connections, each held by either worker, and the journal read at once on
    the next: the entry was written by the worker that answered, in a batch, and is read by either."""
    httpx.post(f"{production}/_double/reset", headers=AUTH).raise_for_status()
    clients = [httpx.Client(base_url=production, headers=AUTH) for _ in range(6)]
    for number in range(30):
        writer, reader = clients[number % 6], clients[(number + 1) % 6]
        assert writer.post("/users", json={"name": f"User{number}"}).status_code == 201
        entries = reader.get("/_double/requests").json()["items"]
        assert [entry["body"]["name"] for entry in entries] == [f"User{index}" for index in range(number + 1)]
    for client in clients:
        client.close()


def test_the_production_server_refuses_an_in_memory_database_for_two_workers(start_server):
    with pytest.raises(RuntimeError, match="production exited at start-up") as refused:
        start_server("production", database=":memory:")
    assert "the database :memory: lives in one process" in str(refused.value)
