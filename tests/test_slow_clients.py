"""Slow and silent clients: a body still on its way holds no database connection, so no one waits for it."""

import os
import socket
import time
import uuid

import pytest

from conftest import API_KEY

pytestmark = pytest.mark.live


def stalled_bodies(server, count):
    """`count` connections, each sending an upsert's head and 10 of its 100 bytes of body, then nothing."""
    head = f"POST /users/{uuid.uuid4()} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {API_KEY}\r\nContent-Length: 100\r\n\r\n"
    connections = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", server.port))
        connection.sendall(head.encode() + b'{"name": "')
        connections.append(connection)
    return connections


def timed(server, method, path, body=None):
    started = time.perf_counter()
    status, _ = server.request(method, path, body)
    return status, time.perf_counter() - started


def database_descriptors(pid, database):
    """How many of the process's open files are the database, its WAL or its shared-memory index."""
    folder = f"/proc/{pid}/fd"
    count = 0
    for fd in os.listdir(folder):
        try:
            count += os.readlink(f"{folder}/{fd}").startswith(str(database))
        except FileNotFoundError:  # closed since the listing
            pass
    return count


def test_a_stalled_body_holds_up_neither_health_nor_writes_under_flask_run_in_memory(start_server):
    server = start_server("flask", database=":memory:")
    stalled = stalled_bodies(server, 1)
    try:
        time.sleep(0.2)  # the stalled request is in the app, waiting for its body
        health = timed(server, "GET", "/_double/health")
        write = timed(server, "POST", f"/users/{uuid.uuid4()}", "{}")
    finally:
        stalled[0].close()
    assert (health[0], write[0]) == (200, 201)
    # Typically 2-3 ms each; before, both waited for the stalled body for ever.
    assert max(health[1], write[1]) < 1


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc (Linux)")
def test_300_stalled_bodies_open_no_database_connection_and_idle_ones_are_closed(start_server, tmp_path):
    database = tmp_path / "users.sqlite3"
    server = start_server("flask", database)
    before = database_descriptors(server.process.pid, database)
    stalled = stalled_bodies(server, 300)
    try:
        time.sleep(0.5)
        assert timed(server, "GET", "/_double/health")[0] == 200
        during = database_descriptors(server.process.pid, database)
    finally:
        for connection in stalled:
            connection.close()
    # Each connection opens the file, its WAL and its -shm: 3 descriptors. Before, every stalled body held one.
    assert during - before <= 3
    # Cut off, the 300 requests are journaled at once (400). SQLite keeps the file descriptor of a connection
    # closed while others hold locks on the file, and closes it at the next unlock that leaves the file unlocked
    # (a request answered after the others): at most one per connection in use at once; a -wal for each of the 8
    # kept idle; one -shm.
    status, journal = server.request("GET", "/_double/requests?method=POST&min_count=300&wait_ms=10000&limit=1000")
    assert (status, len(journal["items"])) == (200, 300)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and database_descriptors(server.process.pid, database) > 16 + 8 + 1:
        assert timed(server, "GET", "/_double/health")[0] == 200
        time.sleep(0.05)
    assert database_descriptors(server.process.pid, database) <= 16 + 8 + 1
