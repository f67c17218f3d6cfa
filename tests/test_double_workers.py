"""The controls' state is shared by every worker of the production server (gunicorn, several processes)."""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conftest import API_KEY, AUTH, free_port

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """The production command with two workers on a free port; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "AGENTS_API_KEY": API_KEY,
        "FLASK_DATABASE": str(tmp_path_factory.mktemp("gunicorn") / "users.sqlite3"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/_double/health").raise_for_status()
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=30)


def many(url, method, path, count, **kwargs):
    """`count` requests from 8 threads, each on a new connection, so that both workers answer some."""
    with (
        httpx.Client(base_url=url, headers=AUTH, limits=httpx.Limits(max_keepalive_connections=0)) as client,
        ThreadPoolExecutor(8) as pool,
    ):
        return list(pool.map(lambda _: client.request(method, path, **kwargs), range(count)))


def test_a_fault_with_times_3_fires_exactly_three_times_across_workers(gunicorn):
    httpx.post(f"{gunicorn}/_double/reset", headers=AUTH).raise_for_status()
    httpx.post(f"{gunicorn}/_double/faults", json={"path": "/users", "status": 503, "times": 3}, headers=AUTH).raise_for_status()
    statuses = [response.status_code for response in many(gunicorn, "GET", "/users", 40)]
    assert sorted(statuses) == [200] * 37 + [503] * 3
    assert httpx.get(f"{gunicorn}/_double/faults", headers=AUTH).json() == {"items": []}
    entries = httpx.get(f"{gunicorn}/_double/requests", headers=AUTH).json()["items"]
    assert sorted(entry["status"] for entry in entries) == sorted(statuses)


def test_a_frozen_clock_holds_in_every_worker(gunicorn):
    httpx.post(f"{gunicorn}/_double/reset", headers=AUTH).raise_for_status()
    httpx.post(f"{gunicorn}/_double/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=AUTH).raise_for_status()
    users = [response.json() for response in many(gunicorn, "POST", "/users", 20, json={})]
    assert {user["created_at"] for user in users} == {"2030-01-01T00:00:00Z"}
    assert len({user["id"] for user in users}) == 20
    httpx.post(f"{gunicorn}/_double/reset", headers=AUTH).raise_for_status()
    assert httpx.post(f"{gunicorn}/users", json={}, headers=AUTH).json()["created_at"] < "2030"


def test_gunicorn_refuses_an_in_memory_database_for_two_workers(start_server):
    with pytest.raises(RuntimeError, match="gunicorn exited at start-up") as refused:
        start_server("gunicorn", database=":memory:", GUNICORN_CMD_ARGS="--workers 2")
    assert (
        "Error: FLASK_DATABASE=:memory: lives in one process, and this server starts 2 worker processes, each of "
        "which would have a database of its own: use a database file, or a single worker"
    ) in str(refused.value)


def test_gunicorn_serves_an_in_memory_database_with_one_worker(start_server):
    server = start_server("gunicorn", database=":memory:", GUNICORN_CMD_ARGS="--workers 1")
    assert server.request("POST", "/users", "{}")[0] == 201
    assert len(server.request("GET", "/users")[1]["items"]) == 1
