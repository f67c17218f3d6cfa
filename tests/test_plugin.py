"""The pytest plugin, as a user's test suite meets it (pytester runs each suite in a pytest of its own)."""

import sqlite3
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

IN_PROCESS = '''
import pytest
from julep import NotFoundError

def test_the_sdk_and_the_controls(julep_double):
    user = julep_double.client.users.create(name="Ada")
    assert julep_double.client.users.get(user.id).name == "Ada"
    assert [entry["status"] for entry in julep_double.requests(method="POST", path="/users")] == [201]

def test_each_test_has_a_fresh_double(julep_double):
    assert julep_double.client.users.list().items == []

def test_faults_are_retried_without_sleeping(julep_double):
    import time
    julep_double.add_fault(method="GET", path="/users", status=503, times=2)
    started = time.perf_counter()
    assert julep_double.client.users.list().items == []
    assert time.perf_counter() - started < 0.5
    assert [entry["status"] for entry in julep_double.requests()] == [503, 503, 200]

def test_a_frozen_clock_and_seeded_users(julep_double):
    assert julep_double.freeze_clock("2030-01-01T00:00:00Z") == "2030-01-01T00:00:00Z"
    assert julep_double.client.users.create(name="Ada").created_at.year == 2030
    assert julep_double.advance_clock(1.5) == "2030-01-01T00:00:01.500000Z"
    assert julep_double.seed([{"id": "0190e6a2-7b6f-7b5e-9c1a-1234567890ab", "name": "Grace"}]) == 1
    assert sorted(user["name"] for user in julep_double.users()) == ["Ada", "Grace"]
    julep_double.reset()
    assert julep_double.users() == []
    with pytest.raises(NotFoundError):
        julep_double.client.users.get("0190e6a2-7b6f-7b5e-9c1a-1234567890ab")

@pytest.mark.julep_double(MULTI_TENANT_MODE=True)
def test_settings_by_marker(julep_double):
    response = julep_double.http.get("/users", headers={"Authorization": f"Bearer {julep_double.api_key}"})
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid developer ID"})
'''


def test_the_in_process_fixture(pytester):
    pytester.makepyfile(IN_PROCESS)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=5)


def test_a_marker_key_that_is_no_setting_is_an_error_naming_the_settings(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.julep_double(ERROR_FORMATS="hosted")
        def test_a_typo(julep_double):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.julep_double: no setting ERROR_FORMATS; the settings are DATABASE, MAX_CONTENT_LENGTH, API_KEY, "
            "API_KEY_HEADER_NAME, MULTI_TENANT_MODE, ERROR_FORMAT, JOURNAL_SIZE, SEED_FILE, EMBED_NEW_CHUNKS, SERVER_START"
        ]
    )


UNPLAYED = """
def test_a_fault_that_never_plays(julep_double):
    julep_double.add_fault(method="POST", path="/users/*", status=503, times=2)
    julep_double.add_fault(delay_ms=10)
    julep_double.client.users.list()

def test_faults_that_played(julep_double):
    julep_double.add_fault(method="GET", path="/users", status=503, times=2)
    assert julep_double.client.users.list().items == []
"""


def test_faults_a_test_armed_that_never_played_are_a_warning_at_its_end(pytester):
    pytester.makepyfile(UNPLAYED)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "test_faults_a_test_armed_that_never_played_are_a_warning_at_its_end.py::test_a_fault_that_never_plays",
            "  *test_faults_a_test_armed_that_never_played_are_a_warning_at_its_end.py:1: UnplayedFaults: julep_double: "
            "faults armed by this test never played: POST /users/* (status 503, 2 of 2 left)",
        ]
    )
    result.stdout.no_fnmatch_line("*::test_faults_that_played")


def test_the_ini_option_makes_unplayed_faults_a_failure(pytester):
    pytester.makepyfile(UNPLAYED)
    pytester.makeini("[pytest]\njulep_double_unplayed_faults = fail\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["julep_double: faults armed by this test never played: POST /users/* (status 503, 2 of 2 left)"])

SERVER = '''
import httpx
from julep import Julep

def test_a_real_server_for_code_that_builds_its_own_client(julep_double_server, monkeypatch):
    for name, value in julep_double_server.env.items():
        monkeypatch.setenv(name, value)
    user = Julep().users.create(name="Ada")
    assert [found["id"] for found in julep_double_server.users()] == [user.id]
    assert julep_double_server.wait_for_request(method="POST", path="/users", since=0)[0]["status"] == 201

def test_the_server_is_reset_before_each_test(julep_double_server):
    assert julep_double_server.users() == []
    assert httpx.get(f"{julep_double_server.url}/_double/health").json()["status"] == "ok"
'''

PARALLEL = '''
import pytest

@pytest.mark.parametrize("number", range(8))
def test_workers_never_meet(julep_double_server, number):
    julep_double_server.client.users.create_or_update(f"00000000-0000-4000-8000-{number:012d}", name=f"user {number}")
    assert [user["name"] for user in julep_double_server.users()] == [f"user {number}"]
    assert [entry["status"] for entry in julep_double_server.requests()] == [201]
    julep_double_server.reset()
'''

@pytest.mark.live
def test_the_session_server(pytester):
    pytester.makepyfile(SERVER)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


@pytest.mark.live
def test_xdist_workers_share_one_server_as_developers_of_their_own(pytester):
    pytester.makepyfile(PARALLEL)
    before = set(Path(tempfile.gettempdir()).glob("julep-users-double-*"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=8)
    assert set(Path(tempfile.gettempdir()).glob("julep-users-double-*")) == before  # the shared server is gone


@pytest.mark.live
def test_a_double_already_running(pytester, start_server, monkeypatch):
    server = start_server("production")
    # As a pytest started by a test of an xdist worker inherits them: it is no worker all the same.
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "0123456789abcdef")
    pytester.makepyfile(SERVER)
    pytester.makeini(f"[pytest]\njulep_double_url = {server.base}\njulep_double_api_key = {server.api_key}\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert server.request("GET", "/_double/users")[1] == {"items": [], "projects": [], "docs": []}
    pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--julep-double-url={server.base}").assert_outcomes(passed=2)


TEAMS_OWN_SETTINGS = '''
def test_in_process(julep_double):
    julep_double.client.users.create(name="Ada")
    assert len(julep_double.requests()) == 1
    julep_double.reset()

def test_the_session_server(julep_double_server):
    julep_double_server.client.users.create(name="Grace")
    assert len(julep_double_server.requests()) == 1
    julep_double_server.reset()
'''


@pytest.mark.live
def test_the_teams_own_flask_settings_do_not_reach_the_double(pytester, monkeypatch):
    """FLASK_* are the settings of the team's own Flask app: its database, with a users table of its own."""
    service = pytester.path / "service.sqlite3"
    with sqlite3.connect(service) as db:
        db.execute("CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO users VALUES ('1', 'the team''s own user')")
    db.close()
    before = service.read_bytes()
    monkeypatch.setenv("FLASK_DATABASE", str(service))
    monkeypatch.setenv("FLASK_JOURNAL_SIZE", "0")
    pytester.makepyfile(TEAMS_OWN_SETTINGS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert service.read_bytes() == before


@pytest.mark.live
def test_the_session_servers_one_worker(tmp_path, monkeypatch):
    """Each worker holds about 40 MB: the fixture's server has one unless JULEP_DOUBLE_WORKERS asks for more."""
    from julep_users_double.testing.session_server import ServeProcess, stop

    def workers(server):
        pid = server.process.pid
        return len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())

    monkeypatch.delenv("JULEP_DOUBLE_WORKERS", raising=False)
    server = ServeProcess(tmp_path, multi_tenant=False)
    assert workers(server) == 1
    stop(server.process.pid)
    monkeypatch.setenv("JULEP_DOUBLE_WORKERS", "2")
    server = ServeProcess(tmp_path, multi_tenant=False)
    assert workers(server) == 2
    stop(server.process.pid)
