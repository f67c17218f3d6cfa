"""The production server's journal, written in batches by each worker: a read sees every request answered before it."""

import errno
import logging
import multiprocessing
import os
import sqlite3
import threading
import time
import uuid

import pytest

from conftest import AUTH, make_app, upsert
from julep_users_double.controls import db as double_db
from julep_users_double.controls import journal_batches
from test_storage import disk_full


@pytest.fixture
def batching(app):
    journal_batches.start(app)
    return app.extensions["pending_counts"]


def journal(client, cursor=0):
    return client.get(f"/_double/requests?cursor={cursor}", headers=AUTH).get_json()


def another_process_handed(counts, handed, pid=None):
    """A slot as another process that was handed `handed` entries and wrote none: its index."""
    index = counts.claim_slot()
    counts.set_slot(index, pid or os.getpid(), handed, 0)
    return index


def dead_pid():
    process = multiprocessing.get_context("spawn").Process(target=int)
    process.start()
    process.join()
    return process.pid


def test_every_answered_request_is_in_the_journal_at_once(client, batching):
    for number in range(20):
        assert upsert(client, str(uuid.uuid4()), name=f"User{number}").status_code == 201
    assert [entry["body"]["name"] for entry in journal(client)["items"]] == [f"User{number}" for number in range(20)]


def test_entries_past_the_most_a_batch_holds_are_written_in_the_next(client, batching, monkeypatch):
    monkeypatch.setattr(journal_batches, "MOST_IN_A_BATCH", 3)
    for number in range(20):
        client.get(f"/nowhere/{number}")
    assert [entry["path"] for entry in journal(client)["items"]] == [f"/nowhere/{number}" for number in range(20)]


def test_a_cursor_taken_after_a_request_is_past_its_entry(client, batching):
    upsert(client, name="Ada")
    cursor = client.get("/_double/requests/cursor", headers=AUTH).get_json()["cursor"]
    read = journal(client)
    assert ([entry["body"] for entry in read["items"]], read["next_cursor"]) == ([{"name": "Ada"}], cursor)


def test_batches_keep_the_last_journal_size_entries_and_prune_the_rest(tmp_path):
    app = make_app(tmp_path, JOURNAL_SIZE=10)
    journal_batches.start(app)
    client = app.test_client()
    for number in range(250):
        client.get(f"/nowhere/{number}")
    assert [entry["path"] for entry in journal(client)["items"]] == [f"/nowhere/{number}" for number in range(240, 250)]
    with sqlite3.connect(app.config["DATABASE"]) as db:
        assert db.execute("SELECT min(id) > 190, max(id) FROM journal_entries").fetchone() == (1, 250)


def test_a_read_waits_for_the_entries_another_process_was_handed(client, batching):
    other = another_process_handed(batching, 1)
    threading.Timer(0.2, batching.set_slot, (other, os.getpid(), 1, 1)).start()
    started = time.monotonic()
    assert journal(client) == {"items": [], "next_cursor": 0}
    assert time.monotonic() - started >= 0.2


def test_the_entries_of_a_process_that_died_hold_no_read_up(client, batching):
    other = another_process_handed(batching, 5, pid=dead_pid())
    started = time.monotonic()
    assert journal(client) == {"items": [], "next_cursor": 0}
    assert time.monotonic() - started < 0.1
    assert batching.claim_slot() == other  # the dead process's slot is free


def test_a_new_process_frees_the_slots_of_dead_ones(batching):
    batching.set_slot(5, dead_pid(), 3, 0)
    assert batching.claim_slot() == 1  # slot 0 is the app's
    assert batching.slot(5) == (0, 0, 0)


def test_a_read_is_503_when_a_process_holds_entries_it_does_not_write(client, batching, monkeypatch):
    monkeypatch.setattr(journal_batches, "BUSY_TIMEOUT", 0.1)
    another_process_handed(batching, 1)
    response = client.get("/_double/requests", headers=AUTH)
    assert (response.status_code, response.get_json(), response.headers["Retry-After"]) == (503, {"detail": "Database busy"}, "1")


def test_entries_that_cannot_be_stored_hold_no_read_up(client, batching, monkeypatch, caplog):
    def full(entries):
        raise disk_full()

    monkeypatch.setattr(double_db, "add_journal_entries", full)
    with caplog.at_level(logging.WARNING):
        assert upsert(client, name="Ada").status_code == 201
        assert journal(client) == {"items": [], "next_cursor": 0}
    assert "Journal entries not stored: database or disk is full" in caplog.text


def test_a_clear_or_a_reset_leaves_no_entry_of_a_request_answered_before(client, batching):
    for control in ("DELETE /_double/requests", "POST /_double/reset"):
        upsert(client, name="Ada")
        method, path = control.split()
        assert client.open(path, method=method, headers=AUTH).status_code == 204
        upsert(client, name="Bob")
        assert [entry["body"]["name"] for entry in journal(client)["items"]] == ["Bob"]


def test_a_worker_that_cannot_make_the_counts_file_journals_each_entry_at_once(app, client, monkeypatch, caplog):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    journal_batches.start(app)
    monkeypatch.undo()
    assert "journal_batches" not in app.extensions
    assert "-pending-entries not made: [Errno 28] No space left on device" in caplog.text
    upsert(client, name="Ada")
    assert [entry["body"] for entry in journal(client)["items"]] == [{"name": "Ada"}]


def test_a_worker_that_finds_every_slot_taken_journals_each_entry_at_once(tmp_path):
    taken = make_app(tmp_path)
    journal_batches.start(taken)
    counts = taken.extensions["pending_counts"]
    while counts.claim_slot() is not None:
        pass
    app = make_app(tmp_path)
    journal_batches.start(app)
    assert "journal_batches" not in app.extensions


def test_an_in_memory_database_is_journaled_at_once(tmp_path):
    app = make_app(tmp_path, DATABASE=":memory:")
    journal_batches.start(app)
    assert "journal_batches" not in app.extensions
