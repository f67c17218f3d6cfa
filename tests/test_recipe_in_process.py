"""README recipe: the double inside the test process, the SDK talking to it with no socket.

The first block below is the README's, verbatim (test_readme.py checks it).
"""

import httpx
import pytest
from julep import Julep

from julep_users_double.app import create_app


@pytest.fixture
def julep():
    """The SDK talking to a fresh in-memory double inside this process: no server, no socket."""
    app = create_app({"DATABASE": ":memory:", "API_KEY": "test-key"})
    http_client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://double.test")
    return Julep(api_key="test-key", base_url="http://double.test", http_client=http_client, max_retries=2)


# The tests of the recipe.

from julep import NotFoundError  # noqa: E402


def test_the_sdk_drives_the_in_process_double(julep):
    user = julep.users.create(name="Ada", metadata={"born": 1815})
    assert julep.users.get(user.id).metadata == {"born": 1815}
    assert [found.id for found in julep.users.list()] == [user.id]
    julep.users.delete(user.id)
    with pytest.raises(NotFoundError):
        julep.users.get(user.id)


def test_each_fixture_has_a_database_of_its_own(julep):
    assert list(julep.users.list()) == []


def test_the_controls_work_in_process_too(julep):
    julep.post("/_double/clock", body={"now": "2026-01-01T00:00:00Z"}, cast_to=httpx.Response)
    user = julep.users.create_or_update("0190e6a2-7b6f-7b5e-9c1a-1234567890ab", name="Ada")
    assert user.created_at.isoformat() == "2026-01-01T00:00:00+00:00"
    entries = julep.get("/_double/requests", cast_to=httpx.Response).json()["items"]
    assert [(entry["method"], entry["status"]) for entry in entries] == [("POST", 201)]
