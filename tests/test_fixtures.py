"""The fixtures' clients: julep_double's apps renewed for each test, the async SDK client, timeouts and retries."""

import asyncio
import time

import julep
import pytest

pytest_plugins = ["pytester"]

# A suite whose tests leave behind all they can, and check that the next test's double is a new one.
ISOLATION = '''
import httpx
import pytest

import julep_users_double.app

MADE = []
make_app = julep_users_double.app.create_app
julep_users_double.app.create_app = lambda settings, env_prefix: MADE.append(settings) or make_app(settings, env_prefix)
USER_ID = "0190e6a2-7b6f-7b5e-9c1a-1234567890ab"


def leave_everything_behind(double):
    assert double.freeze_clock("2030-01-01T00:00:00Z") == "2030-01-01T00:00:00Z"
    user = double.client.users.create(name="Ada")
    double.client.users.docs.create(user.id, title="Fox", content=["The quick brown fox"])
    assert len(double.client.users.docs.search(user.id, text="fox").docs) == 1
    double.seed([{"id": USER_ID, "name": "Grace"}])
    double.add_fault(method="GET", path="/nowhere", status=503, times=5)


def see_none_of_it(double):
    assert (double.users(), double.faults(), double.requests()) == ([], [], [])
    assert double.http.get("/_double/requests", headers=double.headers).json() == {"items": [], "next_cursor": 0}
    assert double.client.users.create(name="Real time").created_at.year != 2030
    double.freeze_clock("2030-01-01T00:00:00Z")
    user = double.client.users.create(name="Ada")
    assert user.id == "01b8dac5-b400-7000-8000-000000000001"
    double.client.users.docs.create(user.id, title="Dog", content=["The lazy dog"])
    assert double.client.users.docs.search(user.id, text="fox").docs == []
    assert len(double.client.users.docs.search(user.id, text="dog").docs) == 1
    assert double.add_fault(method="GET", path="/nowhere", status=503)["id"] == 1


def test_one_leaves_everything_behind(julep_double):
    leave_everything_behind(julep_double)


def test_two_sees_none_of_it(julep_double):
    see_none_of_it(julep_double)
    leave_everything_behind(julep_double)


@pytest.mark.julep_double(MULTI_TENANT_MODE=True)
def test_a_marker_has_an_app_of_its_own(julep_double):
    response = julep_double.http.get("/users", headers=julep_double.headers)
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid developer ID"})
    developer = {"X-Developer-Id": "00000000-0000-4000-8000-000000000001", **julep_double.headers}
    julep_double.http.post("/users", json={"name": "Tenant"}, headers=developer).raise_for_status()


@pytest.mark.julep_double(MULTI_TENANT_MODE=True)
def test_and_it_is_renewed_too(julep_double):
    assert julep_double.users() == []


def test_three_sees_none_of_it_either(julep_double):
    see_none_of_it(julep_double)


def test_the_session_made_one_app_per_settings():
    assert MADE == [
        {"API_KEY": "julep-double-key", "DATABASE": ":memory:"},
        {"API_KEY": "julep-double-key", "MULTI_TENANT_MODE": True, "DATABASE": ":memory:"},
    ]
'''


def test_each_test_gets_a_double_as_fresh_as_a_new_one_from_one_app_per_settings(pytester):
    pytester.makepyfile(ISOLATION)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=6)


# What a test leaves running, a request waiting out its delay or a client, must not reach the next test's double.
STILL_RUNNING = '''
import asyncio
import time

import julep
import pytest


def test_a_create_that_outlasts_its_client(julep_double):
    julep_double.add_fault(method="POST", path="/users", delay_ms=500)
    with pytest.raises(julep.APITimeoutError):
        julep_double.client.with_options(timeout=0.1, max_retries=0).users.create(name="Late")


def test_the_next_double_never_sees_it(julep_double):
    time.sleep(1)
    assert julep_double.users() == []


KEPT = []


def test_a_client_kept_past_its_test(julep_double):
    KEPT.append(julep_double.async_client.with_options(max_retries=0))


def test_reaches_no_other_double(julep_double):
    async def create():
        await KEPT[0].users.create(name="Stray")

    with pytest.raises(julep.APIConnectionError) as refused:
        asyncio.run(create())
    assert str(refused.value.__cause__) == "this in-process double's test is over"
    assert julep_double.users() == []
'''


def test_a_request_still_running_or_a_client_kept_at_the_end_of_a_test_stays_out_of_the_next(pytester):
    pytester.makepyfile(STILL_RUNNING)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_a_delay_past_the_timeout_is_the_sdks_timeout_error_and_the_request_runs_on(julep_double):
    julep_double.add_fault(method="POST", path="/users", delay_ms=1000)
    started = time.perf_counter()
    with pytest.raises(julep.APITimeoutError):
        julep_double.client.with_options(timeout=0.2, max_retries=0).users.create(name="Late")
    assert time.perf_counter() - started < 0.9
    # As behind a socket, the server finishes what it started.
    (entry,) = julep_double.wait_for_request(method="POST", path="/users")
    assert (entry["status"], [user["name"] for user in julep_double.users()]) == (201, ["Late"])


def test_the_async_client_times_out_the_same(julep_double):
    julep_double.add_fault(method="GET", path="/users", delay_ms=1000)

    async def scenario():
        with pytest.raises(julep.APITimeoutError):
            await julep_double.async_client.with_options(timeout=0.2, max_retries=0).users.list()

    started = time.perf_counter()
    asyncio.run(scenario())
    assert time.perf_counter() - started < 0.9
    assert [entry["status"] for entry in julep_double.wait_for_request(method="GET", path="/users")] == [200]


def test_the_async_client_in_process(julep_double):
    async def scenario():
        client = julep_double.async_client
        user = await client.users.create(name="Ada", metadata={"born": 1815})
        assert (await client.users.get(user.id)).metadata == {"born": 1815}
        await client.users.delete(user.id)
        with pytest.raises(julep.NotFoundError):
            await client.users.get(user.id)
        return user.id

    user_id = asyncio.run(scenario())
    assert asyncio.run(listed(julep_double.async_client)).items == []  # a second event loop
    assert [entry["status"] for entry in julep_double.requests(path=f"/users/{user_id}")] == [200, 202, 404]


def test_a_delayed_request_holds_up_no_other(julep_double):
    julep_double.add_fault(method="GET", path="/users", delay_ms=500)
    client = julep_double.async_client

    async def scenario():
        delayed = asyncio.create_task(listed(client))
        await asyncio.sleep(0.1)
        await client.users.create(name="Ada")
        assert not delayed.done()
        return await delayed

    assert [user.name for user in asyncio.run(scenario()).items] == ["Ada"]


@pytest.mark.parametrize("sdk", ["client", "async_client"])
def test_the_sdk_clients_retry_at_once(julep_double, sdk):
    # The SDK backs off 0.75-1 s before its first retry: only our _calculate_retry_timeout makes it 0.
    julep_double.add_fault(method="GET", path="/users", status=503)
    started = time.perf_counter()
    client = getattr(julep_double, sdk)
    answer = asyncio.run(listed(client)) if sdk == "async_client" else client.users.list()
    assert (answer.items, time.perf_counter() - started < 0.5) == ([], True)
    assert [entry["status"] for entry in julep_double.requests()] == [503, 200]


async def listed(async_client):
    return await async_client.users.list()


@pytest.mark.live
def test_the_servers_async_client_in_any_event_loop_and_its_timeout(julep_double_server):
    async def create():
        return await julep_double_server.async_client.users.create(name="Ada")

    user = asyncio.run(create())
    assert asyncio.run(julep_double_server.async_client.users.get(user.id)).name == "Ada"  # another event loop
    julep_double_server.add_fault(method="GET", path="/users", delay_ms=1000, times=2)
    with pytest.raises(julep.APITimeoutError):
        asyncio.run(listed(julep_double_server.async_client.with_options(timeout=0.2, max_retries=0)))
    with pytest.raises(julep.APITimeoutError):
        julep_double_server.client.with_options(timeout=0.2, max_retries=0).users.list()
    julep_double_server.add_fault(method="GET", path="/users", status=503)
    started = time.perf_counter()
    assert [found.id for found in asyncio.run(listed(julep_double_server.async_client)).items] == [user.id]
    assert time.perf_counter() - started < 0.5
