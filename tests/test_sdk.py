"""The official Julep SDK, a real client, against the double served over HTTP."""

import pytest
from julep import Julep, PermissionDeniedError, UnprocessableEntityError

from conftest import API_KEY, USER_ID


@pytest.fixture
def julep(live_server):
    return Julep(api_key=API_KEY, base_url=live_server, max_retries=0)


def test_create_or_update_round_trips_every_value(julep):
    user = julep.users.create_or_update(
        USER_ID, name="Ada Lovelace", about="First programmer", project="analytical_engine", metadata={"born": 1815, "tags": ["math"]}
    )
    assert (user.id, user.name, user.about, user.project, user.metadata) == (
        USER_ID, "Ada Lovelace", "First programmer", "analytical_engine", {"born": 1815, "tags": ["math"]}
    )
    assert user.created_at == user.updated_at
    assert user.created_at.tzinfo is not None

    again = julep.users.create_or_update(USER_ID, name="Ada")
    assert again.created_at == user.created_at
    assert again.updated_at > user.updated_at
    assert (again.about, again.project, again.metadata) == ("", "default", {})


def test_invalid_input_raises_unprocessable_entity(julep):
    with pytest.raises(UnprocessableEntityError) as raised:
        julep.users.create_or_update(USER_ID, name="1 is not a letter")
    assert raised.value.status_code == 422
    assert raised.value.body["detail"][0]["type"] == "string_pattern_mismatch"


def test_wrong_key_raises_permission_denied(live_server):
    with pytest.raises(PermissionDeniedError) as raised:
        Julep(api_key="wrong", base_url=live_server, max_retries=0).users.create_or_update(USER_ID)
    assert raised.value.body == {"detail": "Could not validate API KEY"}


def test_base_url_with_the_api_prefix_works_too(live_server):
    user = Julep(api_key=API_KEY, base_url=f"{live_server}/api").users.create_or_update(USER_ID, name="Ada")
    assert user.name == "Ada"
