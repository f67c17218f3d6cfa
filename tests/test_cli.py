"""The command `julep-users-double`, as a user starts it: from any directory, with its options."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

import julep_users_double
from conftest import USER_ID

COMMAND = [sys.executable, "-m", "julep_users_double"]
LISTENING = re.compile(r"julep-users-double listening on (http://127\.0\.0\.1:\d+)\n")
# Nothing of the checkout's or the tests' own environment: a user's shell.
SETTINGS = ("AGENTS_API_KEY", "JULEP_DOUBLE_DATABASE", "JULEP_DOUBLE_SEED_FILE", "AGENTS_API_MULTI_TENANT_MODE", "AGENTS_API_ERROR_FORMAT")
ENV = {name: value for name, value in os.environ.items() if name not in SETTINGS}


class Serving:
    """`julep-users-double serve …` in `cwd`, until stop(); its output, and the URL of its one line."""

    def __init__(self, cwd, *options, workers=1):
        self.process = subprocess.Popen(
            [*COMMAND, "serve", "--port", "0", "--workers", str(workers), *options],
            cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        line = self.process.stdout.readline()
        found = LISTENING.fullmatch(line)
        assert found, (line, self.process.stderr.read() if self.process.poll() is not None else "")
        self.url = found[1]

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        out, err = self.process.communicate(timeout=10)
        return self.process.returncode, out, err


pytestmark = pytest.mark.live


def scratch_databases():
    return set(Path(tempfile.gettempdir()).glob("julep-users-double-*"))


def test_it_serves_from_any_directory_on_a_temporary_database_it_removes(tmp_path):
    before = scratch_databases()
    serving = Serving(tmp_path, "--key", "k")
    auth = {"Authorization": "Bearer k"}
    assert httpx.post(f"{serving.url}/users/{USER_ID}", json={"name": "Ada"}, headers=auth).status_code == 201
    assert len(scratch_databases() - before) == 1
    started = time.monotonic()
    code, out, err = serving.stop()
    assert time.monotonic() - started < 2
    assert (code, out) == (0, "")
    assert scratch_databases() == before
    assert os.listdir(tmp_path) == []  # nothing left in the directory it ran from
    assert "Traceback" not in err
    # granian's own line names the port the system chose for --port 0, as ours does.
    assert re.findall(r"Listening at: (\S+)", err) == [serving.url]


def test_without_a_key_it_makes_one_and_says_it_once(tmp_path):
    serving = Serving(tmp_path)
    _, _, err = serving.stop()
    (key,) = re.findall(r"this run's API key is (\S+)", err)
    assert len(key) >= 32


def test_a_seed_a_database_file_and_multi_tenant_mode(tmp_path):
    developer = "aaaaaaaa-0000-4000-8000-000000000001"
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"items": [{"developer_id": developer, "id": USER_ID, "name": "Seeded"}]}))
    database = tmp_path / "users.sqlite3"
    serving = Serving(tmp_path, "--key", "k", "--seed", "seed.json", "--database", str(database), "--multi-tenant")
    response = httpx.get(f"{serving.url}/users/{USER_ID}", headers={"Authorization": "Bearer k", "X-Developer-Id": developer})
    assert response.json()["name"] == "Seeded"
    assert httpx.get(f"{serving.url}/users", headers={"Authorization": "Bearer k"}).json() == {"detail": "Invalid developer ID"}
    serving.stop()
    assert database.exists()


def test_the_error_format(tmp_path):
    serving = Serving(tmp_path, "--key", "k", "--error-format", "hosted")
    response = httpx.get(f"{serving.url}/users/{USER_ID}", headers={"Authorization": "Bearer k"})
    serving.stop()
    assert response.json() == {"error": {"message": "User not found during get", "code": "http_404", "type": "http_error"}}


def test_an_in_memory_database_for_several_workers_is_refused_with_the_reason(tmp_path):
    result = subprocess.run(
        [*COMMAND, "serve", "--port", "0", "--workers", "2", "--database", ":memory:"],
        cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the database :memory: lives in one process")


def test_openapi_prints_the_document():
    detail = json.loads(subprocess.run([*COMMAND, "openapi"], env=ENV, capture_output=True, check=True).stdout)
    hosted = json.loads(subprocess.run([*COMMAND, "openapi", "--error-format", "hosted"], env=ENV, capture_output=True, check=True).stdout)
    assert detail["info"]["title"] == hosted["info"]["title"] == "Julep Agents API"
    assert "HTTPValidationError" in detail["components"]["schemas"]
    assert "HostedValidationError" in hosted["components"]["schemas"]


def refused(tmp_path, *options):
    """`serve …` that must not start: (exit status, stderr)."""
    result = subprocess.run([*COMMAND, "serve", "--key", "k", *options], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=60)
    assert result.stdout == ""
    return result.returncode, result.stderr


def listener(reuse_port):
    """A socket listening on a free port of 127.0.0.1: with SO_REUSEPORT as granian's workers (another double's)
    bind theirs, or without, as most servers do."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, int(reuse_port))
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


@pytest.mark.parametrize("reuse_port", [True, False])
def test_a_port_in_use_is_refused_at_once_in_one_line(tmp_path, reuse_port):
    with listener(reuse_port) as taken:
        port = taken.getsockname()[1]
        assert refused(tmp_path, "--port", str(port)) == (1, f"Error: cannot listen on 127.0.0.1:{port}: in use\n")


def test_a_second_double_on_the_port_of_a_running_one_is_refused(tmp_path):
    serving = Serving(tmp_path, "--key", "k")
    port = serving.url.rsplit(":", 1)[1]
    assert refused(tmp_path, "--port", port, "--key", "other") == (1, f"Error: cannot listen on 127.0.0.1:{port}: in use\n")
    assert {httpx.get(f"{serving.url}/users", headers={"Authorization": "Bearer k"}).status_code for _ in range(10)} == {200}
    serving.stop()


def descendants(pid):
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children] + [grandchild for child in children for grandchild in descendants(int(child))]


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_its_workers_die_with_it_even_by_sigkill(tmp_path):
    serving = Serving(tmp_path, "--key", "k", workers=2)
    deadline = time.monotonic() + 10
    while len(processes := descendants(serving.process.pid)) < 4:  # two workers, each a granian server of one worker process
        if time.monotonic() > deadline:
            serving.stop()
            raise AssertionError(processes)
        time.sleep(0.05)
    serving.process.kill()
    serving.process.wait()
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in processes):
        assert time.monotonic() < deadline, [pid for pid in processes if alive(pid)]
        time.sleep(0.05)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{serving.url}/_double/health")


@pytest.mark.parametrize(("options", "status", "error"), [
    (["--port", "70000"], 2, "Error: Invalid value for '--port': 70000 is not in the range 0<=x<=65535."),
    (["--workers", "0"], 2, "Error: Invalid value for '--workers': 0 is not in the range x>=1."),
    (["--seed", "missing.json"], 2, "Error: Invalid value for '--seed': File 'missing.json' does not exist."),
    (["--seed", "."], 2, "Error: Invalid value for '--seed': File '.' is a directory."),
    (["--seed", "seed.json"], 1, "Error: {tmp_path}/seed.json is not a users export: [{{\"type\":\"json_invalid\",\"loc\":[\"body\",0],\"msg\":\"JSON decode error\",\"input\":{{}},\"ctx\":{{\"error\":\"Expecting value\"}}}}]"),
    (["--database", "."], 1, "Error: the database .: unable to open database file"),
    (["--database", "seed.json/users.sqlite3"], 1, "Error: the database seed.json/users.sqlite3: [Errno 17] File exists: 'seed.json'"),
    (["--host", "192.0.2.1"], 1, "Error: cannot listen on 192.0.2.1:0: Cannot assign requested address"),
])
def test_an_option_it_cannot_use_is_one_line(tmp_path, options, status, error):
    (tmp_path / "seed.json").write_text("not JSON")
    assert refused(tmp_path, "--port", "0", *options) == (status, error.format(tmp_path=tmp_path) + "\n")


def test_its_version():
    result = subprocess.run([*COMMAND, "--version"], env=ENV, capture_output=True, text=True, check=True)
    assert result.stdout == f"julep-users-double, version {julep_users_double.__version__}\n"
