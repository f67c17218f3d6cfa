"""Many clients at once against live servers: only 201s, each echoing its write, and nothing lost."""

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from julep_users_double import db
from conftest import stored_users
from servers import Client

THREADS = 16
UPSERTS_PER_THREAD = 250
SHARED_IDS = [str(uuid.UUID(int=number)) for number in range(1, 21)]


def user_body(thread, number):
    return {
        "name": f"Thread{thread} write{number}",
        "about": f"written by thread {thread} ü",
        "project": f"p{thread}",
        "metadata": {"thread": thread, "write": number, "tags": ["a", None, 1.5]},
    }


def run_clients(servers):
    """16 threads x 250 upserts, spread over `servers`; even writes go to a shared id, odd ones to fresh ids.

    Returns every write as (user_id, body sent, status, response text).
    """
    writes = [[] for _ in range(THREADS)]
    for thread in range(THREADS):
        status, _ = servers[0].request("POST", "/projects", {"name": f"P{thread}", "canonical_name": f"p{thread}"})
        assert status == 201

    def client_thread(thread):
        client = Client(servers[thread % len(servers)])
        try:
            for number in range(UPSERTS_PER_THREAD):
                shared = number % 2 == 0
                user_id = SHARED_IDS[(thread + number) % len(SHARED_IDS)] if shared else str(uuid.uuid4())
                body = user_body(thread, number)
                writes[thread].append((user_id, body, *client.upsert(user_id, body)))
        finally:
            client.close()

    threads = [threading.Thread(target=client_thread, args=(thread,)) for thread in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [write for thread_writes in writes for write in thread_writes]


def assert_nothing_lost(writes, database):
    assert len(writes) == THREADS * UPSERTS_PER_THREAD
    failures = [(status, text) for _, _, status, text in writes if status != 201]
    assert failures == []
    for user_id, body, _, text in writes:
        user = json.loads(text)
        assert {key: user[key] for key in ("id", *body)} == {"id": user_id, **body}

    answers = {}
    for user_id, _, _, text in writes:
        answers.setdefault(user_id, []).append(text)
    stored = {user_id: text for (_, user_id), text in stored_users(database).items()}
    assert len(stored) == len(SHARED_IDS) + THREADS * UPSERTS_PER_THREAD // 2
    assert stored.keys() == answers.keys()
    for user_id in SHARED_IDS:
        # Every write after the first found the user, so all share its created_at.
        assert len({json.loads(text)["created_at"] for text in answers[user_id]}) == 1
        assert stored[user_id] in answers[user_id]
    for user_id, texts in answers.items():
        if user_id not in SHARED_IDS:
            assert [stored[user_id]] == texts


@pytest.mark.live
@pytest.mark.parametrize("kind", ["flask", "production"])
def test_parallel_upserts_on_one_server_lose_nothing(start_server, tmp_path, kind):
    database = tmp_path / "users.sqlite3"
    server = start_server(kind, database)
    writes = run_clients([server])
    assert_nothing_lost(writes, database)
    assert "database is locked" not in server.log()


@pytest.mark.live
def test_two_server_processes_on_one_file_lose_nothing(start_server, tmp_path):
    database = tmp_path / "users.sqlite3"
    servers = [start_server("flask", database), start_server("flask", database)]
    writes = run_clients(servers)
    assert_nothing_lost(writes, database)
    for server in servers:
        assert "database is locked" not in server.log()


def test_workers_starting_at_once_on_a_brand_new_file_all_get_the_schema(tmp_path):
    """As gunicorn's workers do at boot: each applies the schema, racing to switch a new file to WAL."""
    workers = 8
    for attempt in range(30):
        path = tmp_path / f"{attempt}.sqlite3"
        connections = [db.connect(str(path)) for _ in range(workers)]
        with ThreadPoolExecutor(workers) as executor:
            list(executor.map(db.apply_schema, connections))
        for connection in connections:
            assert tuple(connection.execute("PRAGMA journal_mode").fetchone()) == ("wal",)
            assert tuple(connection.execute("SELECT count(*) FROM users").fetchone()) == (0,)
            connection.close()
