"""Faults a client cannot arm: a glob SQLite cannot run, or headers that would break HTTP."""

import sqlite3
import time

import pytest

from julep_users_double.double_schemas import GLOB_MAX_LENGTH
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
