"""README recipe: the julep_double fixture, a double inside the test process. The code below is the README's,
word for word (test_readme.py checks it)."""

import asyncio

import pytest
from julep import NotFoundError


def test_a_user_comes_and_goes(julep_double):
    client = julep_double.client
    user = client.users.create(name="Ada", metadata={"born": 1815})
    assert client.users.get(user.id).metadata == {"born": 1815}
    client.users.delete(user.id)
    with pytest.raises(NotFoundError):
        client.users.get(user.id)


def test_two_503s_are_retried(julep_double):
    julep_double.add_fault(method="GET", path="/users", status=503, times=2)
    assert julep_double.client.users.list().items == []
    assert [entry["status"] for entry in julep_double.requests(path="/users")] == [503, 503, 200]


def test_a_frozen_clock_gives_the_same_answers_every_run(julep_double):
    julep_double.freeze_clock("2030-01-01T00:00:00Z")
    user = julep_double.client.users.create(name="Grace")
    assert (user.id, user.created_at.isoformat()) == ("01b8dac5-b400-7000-8000-000000000001", "2030-01-01T00:00:00+00:00")


@pytest.mark.julep_double(ERROR_FORMAT="hosted")
def test_the_hosted_error_bodies(julep_double):
    response = julep_double.http.get("/users/not-a-uuid", headers=julep_double.headers)
    assert response.json()["error"]["details"][0]["loc"] == "path.user_id"


def test_an_async_service(julep_double):
    async def service():
        return await julep_double.async_client.users.create(name="Ada")

    assert asyncio.run(service()).name == "Ada"


# More of the same fixture.


def test_each_test_has_a_double_of_its_own(julep_double):
    assert julep_double.client.users.list().items == []
    assert julep_double.users() == []
