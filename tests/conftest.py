"""What the tests share: the app over a temporary database, one helper per job, and live servers."""

import datetime
import json
import socket
import sqlite3
import threading

# pytester's in-process runs (test_plugin.py, test_fixtures.py) drop the modules first imported during them, as the
# fixtures' module and the SDK are, lazily: imported here first, the SDK's classes stay the same for the tests after.
import julep  # noqa: F401
import pytest
from werkzeug.serving import make_server

import julep_users_double.testing.julep_double  # noqa: F401
from julep_users_double.app import create_app
from servers import Server

API_KEY = "test-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
USER_ID = "0190e6a2-7b6f-7b5e-9c1a-1234567890ab"
# The hosted service's developer in single-tenant mode.
DEFAULT_DEVELOPER_ID = "00000000-0000-0000-0000-000000000000"
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def make_app(tmp_path, **config):
    """The app on a fresh database file in `tmp_path`, with the tests' key and any other settings."""
    return create_app({"DATABASE": str(tmp_path / "users.sqlite3"), "API_KEY": API_KEY, **config})


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def multi_tenant_client(tmp_path):
    return make_app(tmp_path, MULTI_TENANT_MODE=True).test_client()


def upsert(client, user_id=USER_ID, headers=AUTH, **body):
    """POST /users/{user_id} with `body` as JSON: the response."""
    return client.post(f"/users/{user_id}", json=body, headers=headers)


def created(client, user_id=USER_ID, **body):
    """A user written with POST /users/{user_id}, which must answer 201: the user."""
    response = upsert(client, user_id, **body)
    assert response.status_code == 201, response.data
    return response.get_json()


def new_project(client, canonical_name, headers=AUTH):
    """The developer's project `canonical_name`, made with POST /projects, which must answer 201: as the hosted
    service, the double takes a user only into a project that exists."""
    response = client.post("/projects", json={"name": canonical_name, "canonical_name": canonical_name}, headers=headers)
    assert response.status_code == 201, response.data
    return response.get_json()


def stored_users(database):
    """Every user in a database file, as the API answers it (compact JSON text), by (developer, id).

    Built from the table with the json module, not with the app's own renderer, so that it can tell the two apart.
    """
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = db.execute("SELECT developer_id, user_id, metadata, created_at, updated_at, name, about, project FROM users")
        return {(row[0], row[1]): user_text(*row[1:]) for row in rows}


def user_text(user_id, metadata, created_at, updated_at, name, about, project):
    user = {
        "id": user_id,
        "metadata": json.loads(metadata),
        "created_at": timestamp(created_at),
        "updated_at": timestamp(updated_at),
        "name": name,
        "about": about,
        "project": project,
    }
    return json.dumps(user, ensure_ascii=False, separators=(",", ":"))


def timestamp(micros):
    """A time as pydantic writes it: ISO 8601 in UTC with a Z, microseconds only when there are any."""
    return (EPOCH + datetime.timedelta(microseconds=micros)).isoformat().replace("+00:00", "Z")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free port in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # serve_forever polls for shutdown every 0.5 s by default: every test would wait that long at its end.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def start_server(tmp_path):
    """Start live servers as subprocesses (`start("flask" | "production", database=…, api_key=…, **env)`); all stop at the end."""
    started = []

    def start(kind, database=None, api_key=API_KEY, **settings):
        database = database or tmp_path / "users.sqlite3"
        server = Server(kind, database, tmp_path / f"{kind}-{len(started)}.log", api_key, **settings)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
    assert [server.log_path.name for server in started if "Traceback" in server.log()] == []


def pytest_ignore_collect(collection_path, config):
    # Schemathesis builds every case of the fuzzing module while collecting it (half the fast run's collection
    # time), and all its tests are live: with `-m "not live"` it is not collected at all.
    if collection_path.name == "test_schema_fuzzing.py" and config.getoption("markexpr") == "not live":
        return True
    return None
