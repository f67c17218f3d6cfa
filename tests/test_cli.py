"""The command `julep-users-double`, as a user starts it: from any directory, with its options."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from conftest import USER_ID

COMMAND = [sys.executable, "-m", "julep_users_double"]
LISTENING = re.compile(r"julep-users-double listening on (http://127\.0\.0\.1:\d+)\n")
# Nothing of the checkout's or the tests' own environment: a user's shell.
SETTINGS = ("AGENTS_API_KEY", "FLASK_DATABASE", "FLASK_SEED_FILE", "AGENTS_API_MULTI_TENANT_MODE", "AGENTS_API_ERROR_FORMAT")
ENV = {name: value for name, value in os.environ.items() if name not in SETTINGS}


class Serving:
    """`julep-users-double serve …` in `cwd`, until stop(); its output, and the URL of its one line."""

    def __init__(self, cwd, *options):
        self.process = subprocess.Popen(
            [*COMMAND, "serve", "--port", "0", "--workers", "1", *options],
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
    assert result.stderr.startswith("Error: FLASK_DATABASE=:memory: lives in one process")


def test_openapi_prints_the_document():
    detail = json.loads(subprocess.run([*COMMAND, "openapi"], env=ENV, capture_output=True, check=True).stdout)
    hosted = json.loads(subprocess.run([*COMMAND, "openapi", "--error-format", "hosted"], env=ENV, capture_output=True, check=True).stdout)
    assert detail["info"]["title"] == hosted["info"]["title"] == "Julep Agents API"
    assert "HTTPValidationError" in detail["components"]["schemas"]
    assert "HostedValidationError" in hosted["components"]["schemas"]
