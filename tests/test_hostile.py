"""Hostile requests against the production server: each gets its JSON 4xx (or a 2xx where it is valid),
a refused one changes nothing, and the server stays healthy.

The corpus is tests/hostile_requests.txt, one case a line: a Python dict literal read with
ast.literal_eval. Keys (all optional but `expect`):

  expect      the exact status; None: the server closes the connection without an answer
  bare        True: the server refuses the request itself, before the app, with the status alone
              (granian answers malformed HTTP with no body)
  method      "POST"
  target      "/users/{id}"
  headers     {name: value} over the defaults (Host, Authorization, Content-Type: application/json,
              Content-Length of the body, Connection: close); None removes a default
  body        b""
  raw         the whole request, instead of method/target/headers/body

Text (target, header names and values, body, raw) is str (sent as UTF-8) or bytes, or a list of such
parts where (part, count) stands for the part repeated count times. `{id}` and `{other}` in it are
stored users' ids, `{key}` the API key.
  trickle     seconds to wait before each byte of the body (a slow client)
  half_close  True: shut the sending side once all is sent (a client that gives up)
"""

import ast
import http.client
import json
import select
import socket
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import API_KEY, DEFAULT_DEVELOPER_ID, USER_ID, stored_users
from servers import Server

pytestmark = pytest.mark.live

CORPUS = Path(__file__).with_name("hostile_requests.txt")
OTHER_ID = "11111111-2222-4333-8444-555555555555"


def corpus():
    lines = enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), 1)
    return [
        pytest.param(ast.literal_eval(line), id=f"line{number}")
        for number, line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]


def text(value):
    """A corpus text as bytes, parts joined and repeated, {id} and {key} filled in."""
    if isinstance(value, list):
        return b"".join(text(part[0]) * part[1] if isinstance(part, tuple) else text(part) for part in value)
    data = value if isinstance(value, bytes) else value.encode()
    for placeholder, filling in ((b"{id}", USER_ID), (b"{other}", OTHER_ID), (b"{key}", API_KEY)):
        data = data.replace(placeholder, filling.encode())
    return data


def request_parts(case):
    """(method, head bytes, body bytes) of a corpus case."""
    if "raw" in case:
        raw = text(case["raw"])
        return raw.split(b" ", 1)[0].decode("latin-1"), raw, b""
    method = case.get("method", "POST")
    body = text(case.get("body", b""))
    headers = {
        "Host": "127.0.0.1",
        "Authorization": "Bearer {key}",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "close",
    }
    for name, value in case.get("headers", {}).items():
        for default in [default for default in headers if default.lower() == name.lower()]:
            del headers[default]
        if value is not None:
            headers[name] = value
    lines = [text(method) + b" " + text(case.get("target", "/users/{id}")) + b" HTTP/1.1"]
    lines += [text(name) + b": " + text(value) for name, value in headers.items()]
    return method, b"\r\n".join(lines) + b"\r\n\r\n", body


def send(sock, data):
    """Send `data`, stopping early if the server answers first (a 413 does not wait for the body)."""
    sent = 0
    while sent < len(data):
        readable, writable, _ = select.select([sock], [sock], [], 10)
        if readable:
            return
        try:
            sent += sock.send(data[sent : sent + 65536])
        except (BrokenPipeError, ConnectionResetError):
            return


def exchange(port, method, head, body, case):
    """Send a case on a new connection: (status, Content-Type, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        if "trickle" in case:
            sock.sendall(head)
            for byte in range(len(body)):
                time.sleep(case["trickle"])
                sock.sendall(body[byte : byte + 1])
        else:
            send(sock, head + body)
        if case.get("half_close"):
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return response.status, response.getheader("Content-Type"), response.read()


def stored_state(database):
    """Every stored user as the API answers it, by (developer, id); and the armed faults and the clock."""
    state = stored_users(database)
    with sqlite3.connect(database) as db:
        state["faults"] = db.execute("SELECT * FROM armed_faults").fetchall()
        state["clock"] = db.execute("SELECT frozen_now, frozen_ids FROM double_state").fetchall()
        state["developer_clocks"] = db.execute("SELECT * FROM developer_clocks").fetchall()
        return state


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    server = Server("production", folder / "users.sqlite3", folder / "server.log", API_KEY).start()
    for user_id in (USER_ID, OTHER_ID):
        body = {"name": "Seed", "about": "untouched", "metadata": {"seed": True}}
        assert server.request("POST", f"/users/{user_id}", json.dumps(body))[0] == 201
    yield server
    server.stop()


@pytest.mark.parametrize("case", corpus())
def test_hostile_request(server, case):
    database = server.database
    method, head, body = request_parts(case)
    before = stored_state(database)
    if case["expect"] is None:
        with pytest.raises(http.client.RemoteDisconnected):
            exchange(server.port, method, head, body, case)
        assert stored_state(database) == before
        return
    status, content_type, answer = exchange(server.port, method, head, body, case)
    after = stored_state(database)
    assert status == case["expect"], answer[:500]
    if case.get("bare"):
        assert (content_type, answer, after) == (None, b"", before)
        return
    if status == 307:  # a trailing slash: Starlette's empty redirect
        assert (answer, after) == (b"", before)
        return
    assert content_type == "application/json"
    if method == "HEAD":
        assert answer == b""
        assert after == before
    elif status < 300:
        # A valid request changes its own user and nothing else.
        user_id = json.loads(answer).get("id")
        expected = dict(before)
        if method == "DELETE":
            del expected[DEFAULT_DEVELOPER_ID, user_id]
        elif method != "GET":
            expected[DEFAULT_DEVELOPER_ID, user_id] = answer.decode()
        assert after == expected
    else:
        assert list(json.loads(answer)) == ["detail"]
        assert after == before


def test_a_10_mb_body_is_refused_before_it_is_sent(server):
    head = f"POST /users/{USER_ID} HTTP/1.1\r\nAuthorization: Bearer {API_KEY}\r\nContent-Length: 10485760\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"{" * 65536)  # and not one byte more
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert (response.status, response.read()) == (413, b'{"detail":"Request body too large"}')


def test_stalled_bodies_hold_up_no_one_else(server):
    database = server.database
    before = stored_state(database)
    head = f"PUT /users/{USER_ID} HTTP/1.1\r\nAuthorization: Bearer {API_KEY}\r\nContent-Length: 100\r\n\r\n"
    stalled = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
    try:
        for sock in stalled:
            sock.sendall(head.encode() + b'{"name": "Stalled"')
        for _ in range(20):
            assert server.request("GET", f"/users/{USER_ID}")[0] == 200
    finally:
        for sock in stalled:
            sock.close()
    assert stored_state(database) == before


def test_corpus_is_large_enough():
    assert len(corpus()) >= 200


def test_the_server_is_healthy_after_the_corpus(server):
    assert server.process.poll() is None
    assert server.request("POST", f"/users/{USER_ID}", '{"name": "After"}')[0] == 201
    # Every entry the corpus left in the journal reads back, page by page.
    status, page = server.request("GET", "/_double/requests?limit=1000")
    entries = page["items"]
    while status == 200 and len(page["items"]) == 1000:
        status, page = server.request("GET", f"/_double/requests?limit=1000&cursor={page['next_cursor']}")
        entries += page["items"]
    assert status == 200
    with sqlite3.connect(server.database) as db:
        (stored,) = db.execute("SELECT count(*) FROM journal_entries").fetchone()
    # The journal shows the last 1000 requests. (Under xdist, each worker's server takes its share of the corpus.)
    assert len(entries) == min(stored, 1000)
    log = server.log()
    assert "Traceback" not in log
    assert API_KEY not in log
