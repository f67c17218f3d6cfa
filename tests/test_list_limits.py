"""GET /users at the limits of int(), SQLite integers and SQLite expressions: an answer, never a 500.

The longest of these queries are longer than the production server's request target (65,534 bytes), so the
hostile corpus cannot send them; `flask run` and in-process clients can.
"""

import pytest
from pydantic import TypeAdapter, ValidationError

from conftest import AUTH, USER_ID


def pydantic_int_error(text):
    with pytest.raises(ValidationError) as raised:
        TypeAdapter(int).validate_python(text)
    (error,) = raised.value.errors(include_url=False)
    return error["type"], error["msg"]


def test_a_limit_of_10000_digits_is_pydantics_422(client):
    text = "1" * 10_000
    response = client.get(f"/users?limit={text}", headers=AUTH)
    assert response.status_code == 422
    [error] = response.get_json()["detail"]
    assert (error["type"], error["msg"]) == pydantic_int_error(text)
    assert (error["loc"], error["input"]) == (["query", "limit"], text)


@pytest.mark.parametrize("offset", [2**63, 10**40, int("9" * 4300)], ids=["2**63", "10**40", "4300 nines"])
def test_an_offset_past_sqlite_integers_is_past_the_end(client, offset):
    assert client.post(f"/users/{USER_ID}", json={}, headers=AUTH).status_code == 201
    response = client.get(f"/users?offset={offset}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (200, {"items": []})


def test_thousands_of_metadata_filters_are_answered(client):
    metadata = {f"k{number}": number for number in range(3000)}
    assert client.post(f"/users/{USER_ID}", json={"metadata": metadata}, headers=AUTH).status_code == 201
    query = "&".join(f"metadata_filter.k{number}={number}" for number in range(3000))
    response = client.get(f"/users?{query}", headers=AUTH)
    assert response.status_code == 200
    assert [user["id"] for user in response.get_json()["items"]] == [USER_ID]
    response = client.get(f"/users?{query}&metadata_filter.k0=x", headers=AUTH)
    assert (response.status_code, response.get_json()) == (200, {"items": []})


def test_a_metadata_filter_past_a_double_matches_what_sqlite_stores(client):
    huge = "9" * 3000
    body = f'{{"metadata": {{"huge": {huge}}}}}'
    assert client.post(f"/users/{USER_ID}", data=body, content_type="application/json", headers=AUTH).status_code == 201
    response = client.get(f"/users?metadata_filter.huge={huge}", headers=AUTH)
    assert [user["id"] for user in response.get_json()["items"]] == [USER_ID]
    response = client.get(f"/users?metadata_filter.huge=-{huge}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (200, {"items": []})
