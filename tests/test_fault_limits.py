"""Faults a client cannot arm: a glob SQLite cannot run, or headers that would break HTTP."""

import http.client
import json
import sqlite3
import time

import pytest

from julep_users_double.controls.schemas import GLOB_MAX_LENGTH
from conftest import AUTH


def arm(client, **fault):
    return client.post("/_double/faults", json=fault, headers=AUTH)


def test_a_fault_path_sqlite_cannot_match_is_422_and_every_request_goes_on(client):
    response = arm(client, path="*" * 50_001, status=503)
    assert response.status_code == 422
    assert response.get_json()["detail"] == [
        {
            "type": "string_too_long",
            "loc": ["body", "path"],
            "msg": "String should have at most 256 characters",
            "input": "*" * 50_001,
            "ctx": {"max_length": 256},
        }
    ]
    assert client.get("/_double/faults", headers=AUTH).get_json() == {"items": []}
    assert client.get("/users").status_code == 403
    assert client.get("/users", headers=AUTH).status_code == 200


def test_the_longest_fault_path_fits_sqlites_own_limit_in_any_characters():
    # SQLite counts the pattern's bytes: four a character at most in UTF-8.
    assert 4 * GLOB_MAX_LENGTH <= sqlite3.connect(":memory:").getlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH)


def test_the_longest_fault_path_is_armed_and_matched_quickly(client):
    assert arm(client, path="😀" * GLOB_MAX_LENGTH, status=503).status_code == 201
    assert arm(client, path="*[" + "b" * (GLOB_MAX_LENGTH - 4) + "]*", status=503).status_code == 201
    started = time.perf_counter()
    response = client.get("/users/" + "a" * 8000, headers=AUTH)
    assert response.status_code == 422
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "name",
    ["Transfer-Encoding", "content-length", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Proxy-Connection",
     "proxy-authenticate"],
)
def test_a_fault_header_that_frames_the_connection_is_422(client, name):
    response = arm(client, status=503, headers={"Retry-After": "1", name: "chunked"})
    assert response.status_code == 422
    assert response.get_json()["detail"] == [
        {
            "type": "value_error",
            "loc": ["body", "headers", name],
            "msg": "Value error, a fault may not set a header of the connection (Content-Length, Transfer-Encoding, "
            "Connection, Keep-Alive, Upgrade, TE, Trailer, Proxy-*): the server sets them, and two would break HTTP",
            "input": "chunked",
            "ctx": {"error": {}},
        }
    ]
    assert client.get("/_double/faults", headers=AUTH).get_json() == {"items": []}


@pytest.mark.live
def test_a_fault_with_every_header_it_may_set_is_valid_http_under_flask_run(start_server):
    server = start_server("flask")
    headers = {"Retry-After": "1", "Content-Type": "text/html", "Set-Cookie": "a=b", "Location": "/elsewhere", "X-Any": "x"}
    fault = json.dumps({"status": 503, "headers": headers})
    assert server.request("POST", "/_double/faults", fault)[0] == 201
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", "/users")
    response = connection.getresponse()
    assert (response.status, response.read()) == (503, b'{"detail":"Service Unavailable"}')
    assert {name: response.getheader(name) for name in headers} == {**headers, "Content-Type": "application/json"}
    connection.close()
