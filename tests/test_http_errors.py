"""What the router and the server refuse, answered as Starlette answers it: JSON, FastAPI's words."""

import pytest

from conftest import AUTH, USER_ID, upsert

URL = f"/users/{USER_ID}"


def test_unknown_route_is_json_404(client):
    response = client.get("/nope", headers=AUTH)
    assert (response.status_code, response.get_json()) == (404, {"detail": "Not Found"})


@pytest.mark.parametrize(
    "path, location",
    [
        (f"{URL}/", f"http://localhost{URL}"),
        ("/api/users//?limit=1", "http://localhost/api/users?limit=1"),
        (f"{URL}/jobs/", None),
        ("/nope/", None),
    ],
)
def test_trailing_slash_redirects_as_starlette_does(client, path, location):
    response = client.get(path)
    if location is None:
        assert (response.status_code, response.get_json()) == (404, {"detail": "Not Found"})
    else:
        assert (response.status_code, response.headers["Location"], response.data) == (307, location, b"")


@pytest.mark.parametrize(
    "path, method", [(URL, "OPTIONS"), (URL, "TRACE"), ("/users", "PUT"), ("/users", "DELETE"), ("/api/users", "PATCH")]
)
def test_wrong_method_is_json_405(client, path, method):
    response = client.open(path, method=method, headers=AUTH)
    assert (response.status_code, response.get_json()) == (405, {"detail": "Method Not Allowed"})
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("path", [URL, "/users", "/api/users"])
def test_head_is_not_answered_like_get(client, path):
    response = client.open(path, method="HEAD", headers=AUTH, buffered=True)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "HEAD" not in response.headers["Allow"]


def test_body_over_the_limit_is_413_without_being_read(client):
    response = client.post(URL, data=b"x" * (1024 * 1024 + 1), headers=AUTH)
    assert (response.status_code, response.get_json()) == (413, {"detail": "Request body too large"})


def test_unexpected_failure_is_json_500_with_traceback_only_in_the_log(app, client, monkeypatch, caplog):
    def explode(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr("julep_users_double.users_db.write_user", explode)
    response = upsert(client)
    assert (response.status_code, response.get_json()) == (500, {"detail": "Internal Server Error"})
    assert "RuntimeError: boom" in caplog.text
