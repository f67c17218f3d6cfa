"""README recipe: the julep_double_server fixture, one real server for the session. The code below is the
README's, word for word (test_readme.py checks it)."""

import threading

import pytest
from julep import Julep


@pytest.fixture
def service(julep_double_server, monkeypatch):
    """The code under test, which finds Julep through the environment."""
    for name, value in julep_double_server.env.items():
        monkeypatch.setenv(name, value)
    return Julep()


def test_the_service_retries_what_julep_refuses(julep_double_server, service):
    julep_double_server.add_fault(method="POST", path="/users", status=503, headers={"retry-after-ms": "1"}, times=2)
    assert service.users.create(name="Grace").name == "Grace"
    assert [entry["status"] for entry in julep_double_server.requests(method="POST")] == [503, 503, 201]


def test_a_call_made_in_the_background(julep_double_server, service):
    threading.Timer(0.2, service.users.create, kwargs={"name": "Later"}).start()
    (entry,) = julep_double_server.wait_for_request(method="POST", path="/users", timeout=5)
    assert entry["status"] == 201


# More of the same fixture; every test here starts a server.

from julep import APITimeoutError  # noqa: E402

pytestmark = pytest.mark.live


@pytest.mark.parametrize("name", ["Ada", "Grace"])
def test_each_test_starts_from_an_empty_double(julep_double_server, service, name):
    service.users.create(name=name)
    assert [user.name for user in service.users.list()] == [name]


def test_a_delay_fault_meets_the_sdks_timeout(julep_double_server):
    julep_double_server.add_fault(delay_ms=300)
    impatient = Julep(api_key=julep_double_server.api_key, base_url=julep_double_server.url, max_retries=0, timeout=0.1)
    with pytest.raises(APITimeoutError):
        impatient.users.list()
    assert julep_double_server.client.users.list().items == []
