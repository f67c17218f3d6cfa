"""A stored user is no larger than a request body, and a patch holds no lock while it merges."""

import json
import sqlite3
import types

import pytest

from julep_users_double import users_db
from conftest import AUTH, USER_ID, created

LIMIT = 1024 * 1024  # FLASK_MAX_CONTENT_LENGTH's default


def patch(client, **body):
    return client.patch(f"/users/{USER_ID}", json=body, headers=AUTH)


def stored_size(user):
    return len(json.dumps(user["metadata"], separators=(",", ":"), ensure_ascii=False).encode()) + sum(
        len(user[field].encode()) for field in ("name", "about", "project")
    )


def test_a_patch_that_would_grow_a_user_past_the_body_limit_is_413_and_changes_nothing(client):
    before = created(client, name="Ada", metadata={"a": "x" * 600_000})
    response = patch(client, metadata={"b": "y" * 600_000})
    assert (response.status_code, response.data) == (413, b'{"detail":"User too large"}')
    assert client.get(f"/users/{USER_ID}", headers=AUTH).get_json() == before


def test_patches_grow_a_user_up_to_the_body_limit_exactly(client):
    created(client, name="Ada")  # project "default"
    # {"a":"…","b":"…"} beside "Ada" and "default": 15 + 3 + 7 bytes of the limit are taken.
    half = (LIMIT - 25) // 2
    assert patch(client, metadata={"a": "x" * half}).status_code == 200
    response = patch(client, metadata={"b": "y" * (LIMIT - 25 - half)})
    assert response.status_code == 200
    assert stored_size(response.get_json()) == LIMIT
    assert (patch(client, about="!").status_code, patch(client, metadata={}).status_code) == (413, 200)


def test_a_body_within_the_limit_that_would_be_stored_larger_is_413(client):
    # 1E5 is stored as 100000.0: 200,000 of them are 800 KB sent and 1.8 MB stored.
    body = b'{"metadata": {"n": [' + b",".join([b"1E5"] * 200_000) + b"]}}"
    response = client.post(f"/users/{USER_ID}", data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert (response.status_code, response.data) == (413, b'{"detail":"User too large"}')
    assert client.get(f"/users/{USER_ID}", headers=AUTH).status_code == 404


@pytest.fixture
def during_the_merge(monkeypatch):
    """Run a function (once) while a PATCH merges: when it decodes the stored metadata."""

    def run(action):
        pending = [action]

        def loads(text):
            while pending:
                pending.pop()()
            return json.loads(text)

        monkeypatch.setattr(users_db, "json", types.SimpleNamespace(loads=loads))

    return run


def test_a_patch_holds_no_write_lock_while_it_merges(app, client, during_the_merge):
    created(client, metadata={"a": 1})

    def write_elsewhere():
        # timeout=0: a write lock held by the patch would fail this at once with "database is locked".
        with sqlite3.connect(app.config["DATABASE"], timeout=0) as other:
            other.execute("UPDATE users SET about = 'written meanwhile'")

    during_the_merge(write_elsewhere)
    response = patch(client, metadata={"b": 2})
    assert response.status_code == 200
    assert (response.get_json()["about"], response.get_json()["metadata"]) == ("written meanwhile", {"a": 1, "b": 2})


def test_a_patch_merges_again_with_a_change_made_while_it_merged(app, client, during_the_merge):
    created(client, metadata={"a": 1})
    other = app.test_client()
    during_the_merge(lambda: assert_status(other.patch(f"/users/{USER_ID}", json={"metadata": {"c": 3}}, headers=AUTH), 200))
    response = patch(client, metadata={"b": 2})
    assert response.get_json()["metadata"] == {"a": 1, "c": 3, "b": 2}
    assert client.get(f"/users/{USER_ID}", headers=AUTH).get_json()["metadata"] == {"a": 1, "c": 3, "b": 2}


def test_a_patch_of_a_user_deleted_while_it_merged_is_404(app, client, during_the_merge):
    created(client)
    other = app.test_client()
    during_the_merge(lambda: assert_status(other.delete(f"/users/{USER_ID}", headers=AUTH), 202))
    response = patch(client, metadata={"b": 2})
    assert (response.status_code, response.get_json()) == (404, {"detail": "No user found during patch"})


def assert_status(response, status):
    assert response.status_code == status, response.data
