"""The pytest plugin, as a user's test suite meets it (pytester runs each suite in a pytest of its own)."""

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
