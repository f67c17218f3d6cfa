"""The official Julep SDK, a real client, against the double served over HTTP."""

import httpx
import pytest
from julep import ConflictError, Julep, NotFoundError, PermissionDeniedError, UnprocessableEntityError

from conftest import API_KEY, USER_ID


@pytest.fixture
def julep(live_server):
    return Julep(api_key=API_KEY, base_url=live_server, max_retries=0)


def test_create_or_update_round_trips_every_value(julep):
    julep.projects.create(name="Analytical Engine", canonical_name="analytical_engine")
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


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_the_controls_are_reached_through_the_sdk_whatever_its_base_url(live_server, prefix):
    julep = Julep(api_key=API_KEY, base_url=live_server + prefix, max_retries=0)
    julep.users.create_or_update(USER_ID, name="Ada")
    reset = julep.post("/_double/reset", cast_to=httpx.Response)
    assert (reset.status_code, reset.content) == (204, b"")
    with pytest.raises(NotFoundError):
        julep.users.get(USER_ID)


def test_the_whole_lifecycle(julep):
    created = julep.users.create(name="Grace", about="Admiral", metadata={"rank": "rear admiral"})
    assert julep.users.get(created.id) == created

    patched = julep.users.update(created.id, metadata={"navy": True})
    assert (patched.name, patched.about, patched.metadata) == ("Grace", "Admiral", {"rank": "rear admiral", "navy": True})
    assert patched.updated_at > created.updated_at

    reset = julep.users.reset(created.id, name="Grace Hopper")
    assert (reset.name, reset.about, reset.metadata, reset.project) == ("Grace Hopper", "", {}, "default")
    assert reset.created_at == created.created_at

    deleted = julep.users.delete(created.id)
    assert deleted.id == created.id
    assert deleted.jobs == []
    with pytest.raises(NotFoundError):
        julep.users.get(created.id)
    with pytest.raises(NotFoundError):
        julep.users.delete(created.id)


def test_list_auto_paginates_over_every_user_exactly_once(julep):
    ids = {julep.users.create(name=f"U{number}", metadata={"batch": 7}).id for number in range(130)}
    julep.users.create(name="Other", metadata={"batch": 8})
    listed = [user.id for user in julep.users.list(limit=50, metadata_filter={"batch": 7})]
    assert len(listed) == 130
    assert set(listed) == ids
    assert len(list(julep.users.list())) == 131


def test_status_lines_carry_uvicorns_reason_phrases(live_server):
    import http.client
    from urllib.parse import urlsplit

    connection = http.client.HTTPConnection(urlsplit(live_server).netloc)
    for method, path, body, status_line in [
        ("POST", f"/users/{USER_ID}", b"{}", (201, "Created")),
        ("POST", f"/users/{USER_ID}", b"[]", (422, "Unprocessable Entity")),
        ("GET", "/nope", None, (404, "Not Found")),
    ]:
        connection.request(method, path, body, {"Authorization": API_KEY, "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert (response.status, response.reason) == status_line


def test_a_user_in_a_project_that_does_not_exist_raises_not_found(julep):
    with pytest.raises(NotFoundError) as raised:
        julep.users.create(name="Ada", project="analytics")
    assert (raised.value.status_code, raised.value.body) == (404, {"detail": "Project 'analytics' not found"})
    with pytest.raises(NotFoundError):
        julep.users.create_or_update(USER_ID, project="analytics")


def test_projects_create_and_list(julep):
    project = julep.projects.create(name="Analytics", canonical_name="analytics", metadata={"team": "data"})
    assert (project.name, project.canonical_name, project.metadata) == ("Analytics", "analytics", {"team": "data"})
    assert project.created_at == project.updated_at
    named = julep.projects.create(name="Generated")
    assert named.canonical_name.count("_") == 2
    listed = list(julep.projects.list(limit=2))
    assert [item.canonical_name for item in listed] == [named.canonical_name, "analytics", "default"]
    assert listed[2].metadata == {"is_default": True, "description": "Default project containing all existing resources"}
    assert [item.id for item in julep.projects.list(metadata_filter={"team": "data"})] == [project.id]
    user = julep.users.create(name="Ada", project="Analytics")
    assert user.project == "analytics"
    with pytest.raises(ConflictError) as raised:
        julep.projects.create(name="Again", canonical_name="ANALYTICS")
    assert raised.value.body == {"detail": "A project with these unique properties already exists during create"}
