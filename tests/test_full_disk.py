"""A real full disk: a 2 MB tmpfs under the database. Every answer tells the truth, and it recovers by itself."""

import json
import subprocess
import uuid

import pytest

from conftest import stored_users

pytestmark = pytest.mark.live


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB file system of its own (tmpfs): mounting it takes root on Linux, elsewhere the test is skipped."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a 2 MB tmpfs (needs root on Linux): {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "--lazy", str(disk)], check=True)


def fill(disk):
    """Take every free byte of the disk with a file of its own; the file."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            return filler


@pytest.mark.parametrize("kind", ["flask", "production"])
def test_a_full_disk_is_507_for_what_is_not_stored_201_for_what_is_and_health_503_until_space_is_back(
    start_server, small_disk, kind
):
    database = small_disk / "users.sqlite3"
    server = start_server(kind, database)
    body = json.dumps({"about": "x" * 20_000})
    answers = {}
    filler = fill(small_disk)
    for _ in range(100):
        user_id = str(uuid.uuid4())
        answers[user_id] = server.request("POST", f"/users/{user_id}", body)
        if answers[user_id][0] != 201:
            break
    assert answers[user_id] == (507, {"detail": "Insufficient Storage"})
    assert server.request("GET", "/_double/health") == (503, {"detail": "Insufficient Storage"})
    assert server.request("GET", f"/users/{user_id}") == (404, {"detail": "User not found during get"})
    assert server.request("GET", "/users?limit=1")[0] == 200
    assert server.request("POST", "/users", body) == (507, {"detail": "Insufficient Storage"})

    filler.unlink()
    assert server.request("GET", "/_double/health") == (200, {"status": "ok", "version": "0.1.0"})
    assert server.request("POST", f"/users/{user_id}", body)[0] == 201
    stored = {user: text for (_, user), text in stored_users(database).items()}
    assert {user: user in stored for user in answers} == {user: status == 201 for user, (status, _) in answers.items()} | {
        user_id: True
    }
    assert "Traceback" not in server.log_path.read_text()


def test_a_disk_the_double_fills_itself_is_507_and_health_503_until_the_disk_grows(start_server, small_disk):
    database = small_disk / "users.sqlite3"
    server = start_server("production", database)
    body = json.dumps({"about": "x" * 20_000})
    answers = {}
    while not answers or list(answers.values())[-1] == 201:
        user_id = str(uuid.uuid4())
        answers[user_id] = server.request("POST", f"/users/{user_id}", body)[0]
        assert len(answers) < 200
    assert server.request("GET", "/_double/health") == (503, {"detail": "Insufficient Storage"})
    assert server.request("POST", "/_double/reset") == (507, {"detail": "Insufficient Storage"})

    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    assert server.request("GET", "/_double/health") == (200, {"status": "ok", "version": "0.1.0"})
    assert server.request("POST", f"/users/{user_id}", body)[0] == 201  # the one answered 507, sent again
    assert {user for (_, user) in stored_users(database)} == set(answers)
    assert sum(status == 201 for status in answers.values()) == len(answers) - 1 > 10
