"""README recipe: one live double for the session on a free port, emptied before each test.

The first block below is the README's, verbatim (test_readme.py checks it).
"""

import threading

import httpx
import pytest
from werkzeug.serving import make_server

from julep_users_double.app import create_app


@pytest.fixture(scope="session")
def double_server():
    """One double for the whole test session, served on a free port by a background thread."""
    app = create_app({"DATABASE": ":memory:", "API_KEY": "test-key"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def double_url(double_server):
    """The double's base URL, emptied before each test."""
    httpx.post(f"{double_server}/_double/reset", headers={"Authorization": "Bearer test-key"}).raise_for_status()
    return double_server


# The tests of the recipe.

from julep import APITimeoutError, InternalServerError, Julep  # noqa: E402

AUTH = {"Authorization": "Bearer test-key"}


@pytest.mark.parametrize("name", ["Ada", "Grace"])
def test_each_test_starts_from_an_empty_double(double_url, name):
    julep = Julep(api_key="test-key", base_url=double_url, max_retries=0)
    julep.users.create(name=name)
    assert [user.name for user in julep.users.list()] == [name]


def test_the_sdk_retries_two_503s_then_succeeds(double_url):
    fault = {"method": "POST", "path": "/users/*", "status": 503, "headers": {"retry-after": "0.01"}, "times": 2}
    assert httpx.post(f"{double_url}/_double/faults", json=fault, headers=AUTH).status_code == 201
    julep = Julep(api_key="test-key", base_url=double_url, max_retries=2)

    user = julep.users.create_or_update("0190e6a2-7b6f-7b5e-9c1a-1234567890ab", name="Ada")

    assert user.name == "Ada"
    entries = httpx.get(f"{double_url}/_double/requests?method=POST", headers=AUTH).json()["items"]
    assert [(entry["status"], entry["headers"]["X-Stainless-Retry-Count"]) for entry in entries] == [
        (503, "0"), (503, "1"), (201, "2")
    ]
    assert entries[0]["response"] == {"detail": "Service Unavailable"}


def test_the_sdk_gives_up_when_the_fault_outlasts_its_retries(double_url):
    fault = {"status": 500, "headers": {"retry-after": "0.01"}, "times": 3}
    httpx.post(f"{double_url}/_double/faults", json=fault, headers=AUTH).raise_for_status()
    julep = Julep(api_key="test-key", base_url=double_url, max_retries=2)
    with pytest.raises(InternalServerError):
        julep.users.list()
    assert [entry["status"] for entry in httpx.get(f"{double_url}/_double/requests", headers=AUTH).json()["items"]] == [500] * 3


def test_a_delay_fault_meets_the_sdk_timeout(double_url):
    httpx.post(f"{double_url}/_double/faults", json={"delay_ms": 300}, headers=AUTH).raise_for_status()
    julep = Julep(api_key="test-key", base_url=double_url, max_retries=0, timeout=0.1)
    with pytest.raises(APITimeoutError):
        julep.users.list()
    assert julep.with_options(timeout=5).users.list().items == []
