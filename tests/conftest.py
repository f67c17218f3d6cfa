import threading

import pytest
from werkzeug.serving import make_server

from julep_users_double.app import create_app
from servers import Server

API_KEY = "test-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
USER_ID = "0190e6a2-7b6f-7b5e-9c1a-1234567890ab"


@pytest.fixture
def app(tmp_path):
    return create_app({"DATABASE": str(tmp_path / "users.sqlite3"), "API_KEY": API_KEY})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free port in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
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
