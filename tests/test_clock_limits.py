"""The frozen clock holds only what every timestamp and UUIDv7 can hold; ids made by POST /users never repeat."""

import pytest

from conftest import AUTH, upsert

EARLIEST, LATEST = "1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"


def freeze(client, now):
    return client.post("/_double/clock", json={"now": now}, headers=AUTH)


def advance(client, seconds):
    return client.post("/_double/clock", json={"advance_seconds": seconds}, headers=AUTH)


def clock_error(type_, msg, value, ctx, loc=("body", "now")):
    return {"detail": [{"type": type_, "loc": list(loc), "msg": msg, "input": value, "ctx": ctx}]}


@pytest.mark.parametrize("now", [EARLIEST, LATEST])
def test_the_clock_freezes_at_either_end_and_answers_with_four_digit_years(client, now):
    assert (freeze(client, now).status_code, upsert(client).get_json()["created_at"]) == (200, now)
    user = client.post("/users", json={}, headers=AUTH).get_json()
    assert user["created_at"] == now


@pytest.mark.parametrize("now", ["1969-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00+00:01"])
def test_a_clock_before_1970_is_422(client, now):
    response = freeze(client, now)
    assert (response.status_code, response.get_json()) == (
        422,
        clock_error("greater_than_equal", f"Input should be greater than or equal to {EARLIEST}", now, {"ge": EARLIEST}),
    )
    assert upsert(client).status_code == 201


@pytest.mark.parametrize("now", ["9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999999-00:01"])
def test_a_clock_past_year_9999_is_422(client, now):
    response = freeze(client, now)
    assert (response.status_code, response.get_json()) == (
        422, clock_error("less_than_equal", f"Input should be less than or equal to {LATEST}", now, {"le": LATEST})
    )


def test_an_advance_past_year_9999_is_422_and_leaves_the_clock(client):
    freeze(client, "9999-12-31T23:59:59Z")
    assert advance(client, 0.999999).get_json() == {"now": LATEST}
    response = advance(client, 0.000001)
    assert (response.status_code, response.get_json()) == (
        422,
        {
            "detail": [
                {
                    "type": "value_error",
                    "loc": ["body", "advance_seconds"],
                    "msg": f"Value error, the clock would pass {LATEST}",
                    "input": 0.000001,
                    "ctx": {"error": {}},
                }
            ]
        },
    )
    assert upsert(client).get_json()["updated_at"] == LATEST


def test_advancing_by_the_most_allowed_a_thousand_times_stops_at_year_9999(client):
    freeze(client, "2026-01-01T00:00:00Z")
    statuses = {advance(client, 1_000_000_000).status_code for _ in range(300)}
    assert statuses == {200, 422}
    assert upsert(client).status_code == 201


def test_ids_made_under_a_clock_frozen_again_at_the_same_instant_do_not_repeat(client):
    freeze(client, "2026-01-01T00:00:00Z")
    first = client.post("/users", json={"name": "First"}, headers=AUTH).get_json()
    client.delete("/_double/clock", headers=AUTH)
    freeze(client, "2026-01-01T00:00:00Z")
    second = client.post("/users", json={"name": "Second"}, headers=AUTH)
    assert second.status_code == 201
    assert second.get_json()["id"] != first["id"]
    assert client.get(f"/users/{first['id']}", headers=AUTH).get_json() == first


def test_post_users_never_overwrites_a_user_an_import_gave_the_next_id(client):
    imported = {"id": "019b76da-a800-7000-8000-000000000001", "name": "Imported"}
    client.post("/_double/users", json={"items": [imported]}, headers=AUTH)
    freeze(client, "2026-01-01T00:00:00Z")  # the next id is that one
    made = client.post("/users", json={"name": "Made"}, headers=AUTH)
    assert (made.status_code, made.get_json()["id"]) == (201, "019b76da-a800-7000-8000-000000000002")
    assert client.get(f"/users/{imported['id']}", headers=AUTH).get_json()["name"] == "Imported"
