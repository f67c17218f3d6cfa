"""FLASK_DATABASE=:memory:: one database in memory, shared by every thread of the process."""

import threading
import time

from julep_users_double.app import create_app
from conftest import API_KEY, AUTH
from julep_users_double.db import get_db


def test_threads_share_the_in_memory_database():
    app = create_app({"DATABASE": ":memory:", "API_KEY": API_KEY})

    def create_users():
        client = app.test_client()
        for _ in range(25):
            assert client.post("/users", json={}, headers=AUTH).status_code == 201

    threads = [threading.Thread(target=create_users) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(app.test_client().get("/users?limit=100", headers=AUTH).get_json()["items"]) == 100


def test_a_request_inside_an_app_context_that_holds_the_in_memory_database_does_not_wait_for_itself():
    app = create_app({"DATABASE": ":memory:", "API_KEY": API_KEY})
    with app.app_context():
        get_db().execute("SELECT 1")
        response = app.test_client().post("/users", json={}, headers=AUTH)
    assert response.status_code == 201


def test_other_requests_are_served_while_a_delay_fault_holds_one():
    app = create_app({"DATABASE": ":memory:", "API_KEY": API_KEY})
    client = app.test_client()
    client.post("/_double/faults", json={"path": "/users", "method": "GET", "delay_ms": 1000}, headers=AUTH)
    delayed = threading.Thread(target=lambda: client.get("/users", headers=AUTH))
    delayed.start()
    while client.get("/_double/faults", headers=AUTH).get_json()["items"]:
        time.sleep(0.001)  # until the delayed request has taken the fault
    assert client.post("/users", json={}, headers=AUTH).status_code == 201
    assert delayed.is_alive()  # the write was answered during the delay, not after it
    delayed.join()
