"""When the database cannot take a write: locked by others, full, or gone. Never a 500, never a lie."""

import sqlite3

import pytest

from julep_users_double import db
from conftest import AUTH, USER_ID, created, upsert


@pytest.fixture
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.05)


def test_a_write_that_finds_the_database_locked_too_long_is_503_with_retry_after(app, client, short_busy_timeout):
    created(client)
    with sqlite3.connect(app.config["DATABASE"], isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")
        response = upsert(client, name="Ada")
        other.execute("ROLLBACK")
    assert (response.status_code, response.data) == (503, b'{"detail":"Database busy"}')
    assert response.headers["Retry-After"] == "1"
    assert client.get(f"/users/{USER_ID}", headers=AUTH).get_json()["name"] == ""
