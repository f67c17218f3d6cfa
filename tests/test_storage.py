"""When the database cannot take a write: locked by others, full, or gone. Never a 500, never a lie."""

import os
import sqlite3

import pytest

from julep_users_double import db
from julep_users_double.controls import db as double_db
from julep_users_double.errors import DatabaseBusy
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


def disk_full():
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL
    return error


def test_a_write_the_disk_cannot_take_is_507_and_stores_nothing(app, client):
    with app.app_context():  # the connection the next request takes: it may grow the file by no page
        (pages,) = db.get_db().execute("PRAGMA page_count").fetchone()
        db.get_db().execute(f"PRAGMA max_page_count = {pages}")
    response = upsert(client, about="x" * 100_000)
    assert (response.status_code, response.data) == (507, b'{"detail":"Insufficient Storage"}')
    assert client.get(f"/users/{USER_ID}", headers=AUTH).status_code == 404


def test_a_stored_write_is_201_and_a_read_200_when_their_journal_entries_cannot_be_stored(client, monkeypatch, caplog):
    def full(entries):
        raise disk_full()

    monkeypatch.setattr(double_db, "add_journal_entries", full)
    assert upsert(client, name="Ada").status_code == 201
    assert client.get(f"/users/{USER_ID}", headers=AUTH).get_json()["name"] == "Ada"
    assert caplog.text.count("Journal entries not stored: database or disk is full") == 2


def test_health_is_503_while_a_write_cannot_be_stored(client, monkeypatch):
    def full():
        raise disk_full()

    monkeypatch.setattr(double_db, "probe_write", full)
    response = client.get("/_double/health")
    assert (response.status_code, response.data) == (503, b'{"detail":"Insufficient Storage"}')


def test_health_is_503_while_the_database_is_locked_too_long(app, client, short_busy_timeout):
    with sqlite3.connect(app.config["DATABASE"], isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")
        response = client.get("/_double/health")
        other.execute("ROLLBACK")
    assert (response.status_code, response.data) == (503, b'{"detail":"Database busy"}')
    assert client.get("/_double/health").status_code == 200


GONE = b'{"detail":"The database file was deleted or replaced: restart the double"}'


def test_a_database_file_deleted_while_running_is_503_for_every_request_and_for_health(app, client):
    created(client)
    os.remove(app.config["DATABASE"])
    answers = [upsert(client, name="Lost"), client.get(f"/users/{USER_ID}", headers=AUTH), client.get("/_double/health")]
    assert [(response.status_code, response.data) for response in answers] == [(503, GONE)] * 3


def test_a_database_file_replaced_while_running_is_503(app, client, tmp_path):
    created(client)
    replacement = tmp_path / "replacement.sqlite3"
    sqlite3.connect(replacement).close()
    os.replace(replacement, app.config["DATABASE"])
    response = upsert(client, name="Lost")
    assert (response.status_code, response.data) == (503, GONE)
    assert client.get("/_double/health").status_code == 503


def test_the_pool_keeps_8_idle_connections_and_closes_the_others(tmp_path):
    pool = db.ConnectionPool(str(tmp_path / "pool.sqlite3"))
    taken = [pool.take() for _ in range(16)]
    for connection in taken:
        pool.give(connection)
    assert len(pool.idle) == 8
    for connection in taken:
        if connection not in pool.idle:
            with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
                connection.execute("SELECT 1")


def test_the_pool_has_16_connections_in_use_at_most_and_one_more_waits_for_one(tmp_path, short_busy_timeout):
    pool = db.ConnectionPool(str(tmp_path / "pool.sqlite3"))
    taken = [pool.take() for _ in range(16)]
    with pytest.raises(DatabaseBusy):
        pool.take()
    pool.give(taken.pop())
    assert pool.take().execute("SELECT 1").fetchone()[0] == 1
