"""SIGKILL under write load, restart on the same file: every answered write is there, and the file is sound."""

import http.client
import json
import threading
import time
import uuid

import pytest

from conftest import stored_users
from servers import Client

pytestmark = pytest.mark.live

CRASHES = 5
WRITERS = 8
WRITES_BEFORE_KILL = 300


def write_until_killed(server, sent, answered, failures):
    """WRITERS threads upserting fresh users until the server dies; the caller kills it mid-stream."""

    def writer(number):
        client = Client(server)
        try:
            while True:
                user_id = str(uuid.uuid4())
                body = {"name": f"Writer{number}", "about": user_id, "metadata": {"writer": number, "at": time.time()}}
                sent[user_id] = body
                status, text = client.upsert(user_id, body)
                if status == 201:
                    answered[user_id] = text
                else:
                    failures.append((status, text))
        except (OSError, http.client.HTTPException):
            return  # the server was killed
        finally:
            client.close()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    return threads


@pytest.mark.parametrize("kind", ["flask", "production"])
def test_every_answered_write_survives_sigkill(start_server, tmp_path, kind):
    database = tmp_path / "users.sqlite3"
    sent, answered, failures = {}, {}, []
    server = start_server(kind, database)
    for _ in range(CRASHES):
        target = len(answered) + WRITES_BEFORE_KILL
        writers = write_until_killed(server, sent, answered, failures)
        deadline = time.monotonic() + 30
        while len(answered) < target and time.monotonic() < deadline:
            time.sleep(0.005)
        server.kill()
        for thread in writers:
            thread.join()

        server = start_server(kind, database)
        stored = {user_id: text for (_, user_id), text in stored_users(database).items()}
        assert failures == []
        assert len(answered) >= target
        assert {user_id: stored.get(user_id) for user_id in answered} == answered
        # Writes cut off by the kill may be there or not, but never half-written.
        for user_id, text in stored.items():
            user = json.loads(text)
            assert {key: user[key] for key in sent[user_id]} == sent[user_id]
    assert server.request("POST", f"/users/{uuid.uuid4()}", "{}")[0] == 201
