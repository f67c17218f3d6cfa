"""The production server (server.py): what it adds to the app, and how it stands up to slow and idle clients."""

import http
import http.client
import os
import re
import signal
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from conftest import API_KEY, USER_ID
from julep_users_double.server import STEADY_S
from servers import Client, Server

pytestmark = pytest.mark.live


def idle(server):
    return socket.create_connection(("127.0.0.1", server.port))


def stalled(server):
    """A write whose body stops 80 bytes short of its Content-Length."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    head = f"PUT /users/{USER_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {API_KEY}\r\nContent-Length: 100\r\n\r\n"
    sock.sendall(head.encode() + b'{"name": "Stalled"')
    return sock


def held_open(server, stack, idle_count, stalled_count):
    for _ in range(idle_count):
        stack.enter_context(idle(server))
    for _ in range(stalled_count):
        stack.enter_context(stalled(server))
    time.sleep(0.2)  # every connection accepted, every stalled request with the server


def timed(server, method, path, body=None):
    started = time.perf_counter()
    status, _ = server.request(method, path, body)
    return status, (time.perf_counter() - started) * 1000


def wait_for_workers(server, count):
    """Until granian has logged `count` workers started: each builds its app first (the first may answer alone)."""
    deadline = time.monotonic() + 10
    while server.log().count("Started worker-") < count:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def children(pid):
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def worker_pids(server):
    """The processes that serve: each worker is a granian server (a child) of one worker process (its child)."""
    return [worker for granian in children(server.process.pid) for worker in children(granian)]


@pytest.mark.parametrize(("sent", "to_group"), [(signal.SIGTERM, False), (signal.SIGINT, True)])
def test_sigterm_or_sigint_stops_it_within_2_s_with_clients_held_open(start_server, sent, to_group):
    server = start_server("production")
    with ExitStack() as stack:
        held_open(server, stack, 20, 10)
        started = time.monotonic()
        if to_group:  # Ctrl-C in a terminal
            os.killpg(server.process.pid, sent)
        else:  # a supervisor's `kill PID`
            server.process.send_signal(sent)
        assert server.process.wait(timeout=5) == 0
        assert time.monotonic() - started < 2


@pytest.mark.parametrize(("idle_count", "stalled_count"), [(256, 64), (1000, 0)])
def test_slow_and_idle_clients_hold_up_no_one(start_server, idle_count, stalled_count):
    server = start_server("production")
    with ExitStack() as stack:
        held_open(server, stack, idle_count, stalled_count)
        answers = [timed(server, "GET", "/_double/health") for _ in range(20)]
        answers += [timed(server, "POST", f"/users/{uuid.uuid4()}", "{}") for _ in range(20)]
    assert [status for status, _ in answers] == [200] * 20 + [201] * 20
    assert max(milliseconds for _, milliseconds in answers) < 100


def test_a_request_that_takes_long_holds_up_no_one(start_server):
    """The first search after a start builds the worker's index of the docs (here 8,000 chunks): the worker's other
    requests run meanwhile."""
    server = start_server("production")
    assert server.request("POST", f"/users/{USER_ID}", {"name": "Reader"})[0] == 201
    docs = [
        {"user_id": USER_ID, "id": str(uuid.UUID(int=n, version=4)), "title": f"Doc {n}",
         "content": " ".join(f"word{(n * 7 + k * 13) % 3001} term{k % 41}" for k in range(40))}
        for n in range(8000)
    ]
    assert server.request("POST", "/_double/users", {"items": [], "docs": docs})[0] == 200
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        search = pool.submit(server.request, "POST", f"/users/{USER_ID}/search", {"text": "word7 term3"})
        time.sleep(0.05)
        probes = [timed(server, "GET", "/_double/health") for _ in range(10)]
        assert not search.done()
        assert search.result()[0] == 200
    assert time.monotonic() - started > 0.3
    assert [status for status, _ in probes] == [200] * 10
    assert max(milliseconds for _, milliseconds in probes) < 100


def test_a_stalled_body_holds_no_database_connection(start_server):
    server = start_server("production")
    database = server.database

    def database_descriptors():
        return sum(
            os.path.realpath(f"/proc/{pid}/fd/{fd}") == database
            for pid in worker_pids(server)
            for fd in os.listdir(f"/proc/{pid}/fd")
        )

    wait_for_workers(server, 2)
    before = database_descriptors()
    with ExitStack() as stack:
        held_open(server, stack, 0, 40)
        assert database_descriptors() == before


def test_the_requests_answered_before_a_stop_are_in_the_journal_after_it(start_server):
    server = start_server("production")
    client = Client(server)
    for number in range(20):
        assert client.request("POST", "/users", {"name": f"User{number}"})[0] == 201
    client.close()
    server.stop()
    _, journal = start_server("production").request("GET", "/_double/requests?method=POST")
    assert [entry["body"]["name"] for entry in journal["items"]] == [f"User{number}" for number in range(20)]


def test_a_key_is_made_once_for_every_worker(start_server):
    server = start_server("production", api_key="")
    (key,) = re.findall(r"AGENTS_API_KEY is not set; this run's API key is (\S+)", server.log())
    server.api_key = key
    # Each request on a new connection: both workers answer some.
    assert {server.request("GET", "/users")[0] for _ in range(20)} == {200}


def test_a_killed_worker_is_replaced(start_server):
    server = start_server("production")
    wait_for_workers(server, 2)
    os.kill(worker_pids(server)[0], signal.SIGKILL)
    wait_for_workers(server, 3)
    # Each request on a new connection: both workers answer some.
    assert {server.request("POST", f"/users/{uuid.uuid4()}", "{}")[0] for _ in range(20)} == {201}


def test_a_worker_killed_again_soon_after_it_is_replaced_is_replaced_again(start_server):
    """granian alone stops the whole server when a worker it replaced dies within 5.5 s ("crash loop")."""
    server = start_server("production")
    wait_for_workers(server, 2)
    time.sleep(STEADY_S)  # a worker that lived this long is replaced at once; one that dies sooner after a back-off
    for started in (3, 4, 5):
        newest = int(re.findall(r"Spawning worker-1 with PID: (\d+)", server.log())[-1])
        os.kill(newest, signal.SIGKILL)
        wait_for_workers(server, started)
        time.sleep(1)  # the replacement answers, and dies a second later
    assert {server.request("POST", f"/users/{uuid.uuid4()}", "{}")[0] for _ in range(20)} == {201}
    assert server.process.poll() is None
    assert len(worker_pids(server)) == 2
    assert re.findall(r"exited with status 1; replaced in (\S+ s)", server.log()) == ["0.0 s", "0.5 s", "1.0 s"]


def test_variables_of_the_server_are_not_read_as_request_headers(start_server):
    # granian starts each request's environ from the server's own environment.
    server = start_server("production", HTTP_X_PLANTED="from the environment")
    assert server.request("GET", "/users")[0] == 200
    _, journal = server.request("GET", "/_double/requests")
    assert "HTTP_X_PLANTED" not in journal["items"][-1]["headers"]


def test_the_app_reads_a_request_as_granian_gives_it(start_server):
    """Repeated headers joined by commas, cookies by semicolons, the path percent-decoded, the query as sent."""
    server = start_server("production")
    request = (
        f"GET /users/caf%C3%A9%20x?limit=%41&limit=2 HTTP/1.1\r\nHost: double.test\r\nAuthorization: Bearer {API_KEY}\r\n"
        "X-Seen: one\r\nX-Seen: two\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n"
    )
    assert status_line(server, request.encode()) == "422 Unprocessable Entity"
    _, journal = server.request("GET", "/_double/requests")
    (entry,) = [entry for entry in journal["items"] if entry["status"] == 422]
    assert (entry["path"], entry["query"]) == ("/users/café x", {"limit": ["A", "2"]})
    assert entry["headers"] == {"Host": "double.test", "Authorization": "[REDACTED]", "X-Seen": "one,two", "Cookie": "a=1;b=2"}
    assert entry["response"]["detail"][0]["input"] == "café x"


def test_an_in_memory_database_is_refused_for_several_workers(tmp_path):
    server = Server("production", ":memory:", tmp_path / "server.log", API_KEY)
    with pytest.raises(RuntimeError, match="the database :memory: lives in one process"):
        server.start()


def test_a_bad_setting_stops_it_once_with_the_reason(tmp_path):
    server = Server("production", tmp_path / "users.sqlite3", tmp_path / "server.log", API_KEY, JULEP_DOUBLE_JOURNAL_SIZE="-1")
    with pytest.raises(RuntimeError, match="exited at start-up"):
        server.start()
    log = server.log()
    assert log.count("JOURNAL_SIZE must be a count of entries, not -1") == 1
    assert "Spawning worker" not in log


def status_line(server, request):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return f"{response.status} {response.reason}"


def test_status_lines_are_granians_and_the_apis_read_as_uvicorns(start_server):
    """granian writes the status line's reason itself (hyper's), whatever the app sets. For every status the API
    answers it is the phrase uvicorn sends (Python's http.HTTPStatus); a fault's status may read otherwise."""
    server = start_server("production")
    auth = f"Authorization: Bearer {API_KEY}\r\n"
    for status, request in [
        (201, f"POST /users/{USER_ID} HTTP/1.1\r\n{auth}Content-Length: 2\r\n\r\n{{}}"),
        (200, f"GET /users/{USER_ID} HTTP/1.1\r\n{auth}\r\n"),
        (202, f"DELETE /users/{USER_ID} HTTP/1.1\r\n{auth}\r\n"),
        (204, f"POST /_double/reset HTTP/1.1\r\n{auth}Content-Length: 0\r\n\r\n"),
        (307, f"GET /users/ HTTP/1.1\r\n{auth}\r\n"),
        (400, f"GET /users?limit=0 HTTP/1.1\r\n{auth}\r\n"),
        (403, "GET /users HTTP/1.1\r\n\r\n"),
        (404, f"GET /users/{USER_ID} HTTP/1.1\r\n{auth}\r\n"),
        (405, f"HEAD /users HTTP/1.1\r\n{auth}\r\n"),
        (422, f"GET /users/x HTTP/1.1\r\n{auth}\r\n"),
    ]:
        assert status_line(server, request.encode()) == f"{status} {http.HTTPStatus(status).phrase}"
    for status, line in [
        (413, "413 Payload Too Large"),  # Python: Request Entity Too Large
        (418, "418 I'm a teapot"),  # Python: I'm a Teapot
        (599, "599 <none>"),  # uvicorn: no reason at all
    ]:
        assert server.request("POST", "/_double/faults", f'{{"path": "/users", "status": {status}}}')[0] == 201
        assert status_line(server, f"GET /users HTTP/1.1\r\n{auth}\r\n".encode()) == line


def test_a_connection_is_kept_alive_and_closed_after_5_s_idle(start_server):
    server = start_server("production")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(b"GET /_double/health HTTP/1.1\r\nHost: x\r\n\r\n")
            response = http.client.HTTPResponse(sock)
            response.begin()
            assert (response.status, response.read()) == (200, b'{"status":"ok","version":"0.1.0"}')
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert 4.5 < time.monotonic() - started < 6
