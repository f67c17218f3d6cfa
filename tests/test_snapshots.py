"""Whatever the API stored exports and imports back, through POST /_double/users and as FLASK_SEED_FILE, at any size."""

import json
import os
import signal
import sqlite3
import time

import pytest

from conftest import AUTH, DEFAULT_DEVELOPER_ID, USER_ID, make_app, upsert
from servers import Client

LIMIT = 1024 * 1024  # FLASK_MAX_CONTENT_LENGTH's default
JSON = {**AUTH, "Content-Type": "application/json"}


def nested_value(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def export(client):
    response = client.get("/_double/users", headers=AUTH)
    assert response.status_code == 200
    return response.data


def store_what_the_api_can(client):
    """Users at the edges of what the API stores: its defaults, the deepest metadata, the first and last instants."""
    assert client.post("/users", json={}, headers=AUTH).status_code == 201  # name "", about "", project "default"
    assert upsert(client, metadata={"deep": nested_value(510)}, about="a\u0000b").status_code == 201  # 512 deep
    for now in ("1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"):
        client.post("/_double/clock", json={"now": now}, headers=AUTH)
        assert client.post("/users", json={"name": "Edge"}, headers=AUTH).status_code == 201
    client.delete("/_double/clock", headers=AUTH)


def test_what_the_api_stores_exports_and_imports_back(client):
    store_what_the_api_can(client)
    snapshot = export(client)
    client.post("/_double/reset", headers=AUTH)
    response = client.post("/_double/users", data=snapshot, headers=JSON)
    assert (response.status_code, response.get_json()) == (200, {"imported": 4, "imported_docs": 0})
    assert export(client) == snapshot


def test_what_the_api_stores_exports_and_starts_again_as_a_seed_file(tmp_path):
    client = make_app(tmp_path / "first").test_client()
    store_what_the_api_can(client)
    seed = tmp_path / "seed.json"
    seed.write_bytes(export(client))
    assert export(make_app(tmp_path / "second", SEED_FILE=str(seed)).test_client()) == seed.read_bytes()


def test_a_body_deeper_than_512_levels_is_400_as_the_api_answers_bodies_it_cannot_read(client):
    response = upsert(client, metadata={"deep": nested_value(511)})
    assert (response.status_code, response.get_json()) == (400, {"detail": "There was an error parsing the body"})


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("created_at", "1969-12-31T23:59:59Z", ("greater_than_equal", "1970-01-01T00:00:00Z", "ge")),
        ("updated_at", "0001-01-01T00:00:00Z", ("greater_than_equal", "1970-01-01T00:00:00Z", "ge")),
        ("created_at", "9999-12-31T23:59:59-01:00", ("less_than_equal", "9999-12-31T23:59:59.999999Z", "le")),
    ],
)
def test_an_import_of_a_timestamp_no_answer_can_hold_is_422(client, field, value, error):
    error_type, bound, key = error
    response = client.post("/_double/users", json={"items": [{"id": USER_ID, field: value}]}, headers=AUTH)
    relation = "greater than or equal to" if key == "ge" else "less than or equal to"
    assert (response.status_code, response.get_json()) == (
        422,
        {
            "detail": [
                {
                    "type": error_type,
                    "loc": ["body", "items", 0, field],
                    "msg": f"Input should be {relation} {bound}",
                    "input": value,
                    "ctx": {key: bound},
                }
            ]
        },
    )


def test_an_import_may_be_larger_than_the_api_body_limit(client):
    users = [{"id": f"{USER_ID[:-6]}{number:06d}", "about": "x" * 1000} for number in range(2000)]  # 2 MB
    response = client.post("/_double/users", json={"items": users}, headers=AUTH)
    assert (response.status_code, response.get_json()) == (200, {"imported": 2000, "imported_docs": 0})


def test_an_import_over_64_mib_is_413(client):
    response = client.post("/_double/users", data=b" " * (64 * LIMIT + 1), headers=JSON)
    assert (response.status_code, response.data) == (413, b'{"detail":"Request body too large"}')


def test_an_import_of_a_user_past_the_body_limit_is_413_and_imports_nothing(client):
    users = [{"id": USER_ID, "name": "Ada"}, {"id": USER_ID[:-1] + "0", "about": "x" * (LIMIT + 1)}]
    response = client.post("/_double/users", json={"items": users}, headers=AUTH)
    assert (response.status_code, response.data) == (413, b'{"detail":"User too large"}')
    assert client.get("/_double/users", headers=AUTH).get_json() == {"items": [], "projects": [], "docs": []}


def insert_users(database, count):
    """`count` users written straight into the table, as the API stores them (and much faster)."""
    rows = (
        (DEFAULT_DEVELOPER_ID, f"00000000-0000-4000-8000-{number:012d}", f"User {number}", "x" * 200, "default",
         f'{{"n":{number},"tags":["a","b"],"team":"navy"}}', 1_767_225_600_000_000 + number, 1_767_225_600_000_000 + number)
        for number in range(count)
    )
    with sqlite3.connect(database) as db:
        db.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


@pytest.mark.live
def test_an_export_of_100000_users_imports_back_and_starts_again_as_a_seed_file(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    insert_users(app.config["DATABASE"], 100_000)
    snapshot = export(client)
    assert len(snapshot) > 48_000_000  # 490 bytes a user

    client.post("/_double/reset", headers=AUTH)
    started = time.perf_counter()
    response = client.post("/_double/users", data=snapshot, headers=JSON)
    imported_in = time.perf_counter() - started
    assert (response.status_code, response.get_json()) == (200, {"imported": 100_000, "imported_docs": 0})
    assert export(client) == snapshot
    assert imported_in < 60  # about 10 s on the two-core development machine

    seed = tmp_path / "seed.json"
    seed.write_bytes(snapshot)
    assert export(make_app(tmp_path / "seeded", SEED_FILE=str(seed)).test_client()) == snapshot


def seed_file(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"items": [{"id": USER_ID, "name": "Seeded"}]}))
    return str(seed)


def name_of_the_user(client):
    return client.get(f"/users/{USER_ID}", headers=AUTH).get_json()["name"]


def test_a_seed_file_is_imported_once_per_server_start(tmp_path):
    seed = seed_file(tmp_path)
    first_worker = make_app(tmp_path, SEED_FILE=seed, SERVER_START="start-1").test_client()
    upsert(first_worker, name="Changed")
    second_worker = make_app(tmp_path, SEED_FILE=seed, SERVER_START="start-1").test_client()  # or a replacement
    assert name_of_the_user(second_worker) == "Changed"
    restarted = make_app(tmp_path, SEED_FILE=seed, SERVER_START="start-2").test_client()
    assert name_of_the_user(restarted) == "Seeded"


def test_without_a_server_start_each_app_is_a_start_of_its_own(tmp_path):
    seed = seed_file(tmp_path)
    upsert(make_app(tmp_path, SEED_FILE=seed).test_client(), name="Changed")
    assert name_of_the_user(make_app(tmp_path, SEED_FILE=seed).test_client()) == "Seeded"


def worker_pids(master):
    """The pids of the processes whose parent is `master` (Linux: /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry))
    return pids


@pytest.mark.live
@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds the server's workers through /proc (Linux)")
def test_a_worker_that_replaces_a_crashed_one_does_not_import_the_seed_file_again(start_server, tmp_path):
    server = start_server("production", JULEP_DOUBLE_SEED_FILE=seed_file(tmp_path))
    client = Client(server)
    assert client.upsert(USER_ID, {"name": "Changed"})[0] == 201
    client.close()
    workers = worker_pids(server.process.pid)
    assert len(workers) == 2
    for worker in workers:  # both: whatever answers next is a worker that replaced one
        os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while set(worker_pids(server.process.pid)) & set(workers) or len(worker_pids(server.process.pid)) < 2:
        assert time.monotonic() < deadline, "the server did not replace its workers"
        time.sleep(0.05)
    server.wait_until_answering()
    assert server.request("GET", f"/users/{USER_ID}")[1]["name"] == "Changed"
