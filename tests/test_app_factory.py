"""create_app: its settings, and the database file it keeps the users in."""

import sqlite3

import werkzeug.routing
from flask import url_for

from julep_users_double.app import create_app
from julep_users_double.db import get_db
from conftest import created, make_app, upsert


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTS_API_KEY", "from-env")
    monkeypatch.setenv("AGENTS_API_KEY_HEADER_NAME", "X-Key")
    monkeypatch.setenv("AGENTS_API_MULTI_TENANT_MODE", "TRUE")
    monkeypatch.setenv("FLASK_DATABASE", str(tmp_path / "env.sqlite3"))
    app = create_app()
    assert (app.config["API_KEY"], app.config["API_KEY_HEADER_NAME"], app.config["MULTI_TENANT_MODE"]) == ("from-env", "X-Key", True)
    assert app.config["DATABASE"] == str(tmp_path / "env.sqlite3")


def test_without_a_configured_key_one_is_generated_and_logged(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("AGENTS_API_KEY", raising=False)
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3")})
    key = app.config["API_KEY"]
    assert len(key) >= 32
    assert key in caplog.text
    assert upsert(app.test_client(), headers={"Authorization": f"Bearer {key}"}).status_code == 201


def test_data_survives_a_restart_on_the_same_file(tmp_path):
    first = created(make_app(tmp_path).test_client(), name="Ada")
    second = created(make_app(tmp_path).test_client(), name="Ada")
    assert second["created_at"] == first["created_at"]


def test_init_db_empties_the_database(app, client):
    first = created(client)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert "Initialized the database." in result.output
    again = created(client)
    assert again["created_at"] != first["created_at"]


def test_a_running_double_answers_its_own_writes_after_init_db_from_elsewhere(tmp_path):
    # The row an upsert answers with comes from a TEMP trigger of the writing connection (schema.sql),
    # which must outlive the users table being dropped and made again by another connection.
    running = make_app(tmp_path).test_client()
    first = created(running, name="Ada")
    make_app(tmp_path).test_cli_runner().invoke(args=["init-db"])
    again = created(running, name="Grace")
    assert again["name"] == "Grace"
    assert again["created_at"] != first["created_at"]


def test_database_is_in_wal_mode(app):
    assert sqlite3.connect(app.config["DATABASE"]).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_write_whose_row_was_not_copied_fails_loudly(app, client, caplog):
    created(client, name="Ada")
    with app.app_context():
        get_db().execute("DROP TRIGGER temp.user_updated")  # the connection the next request takes
    response = upsert(client, name="Grace")
    assert (response.status_code, response.get_json()) == (500, {"detail": "Internal Server Error"})
    assert "the written_user trigger did not fire" in caplog.text


def test_the_rules_are_werkzeugs_own_and_build_urls_for_every_prefix(app):
    # A subclass overriding Werkzeug's private Rule._compile_builder made apps cheaper: the fixture reuses one now.
    assert {type(rule) for rule in app.url_map.iter_rules()} == {werkzeug.routing.Rule}
    with app.test_request_context():
        assert url_for("api.list_users") == "/users"
    with app.test_request_context("/users", base_url="http://localhost/api"):  # SCRIPT_NAME as routing.UnderApi sets it
        assert url_for("api.get_user_details", user_id="a b", q=1) == "/api/users/a%20b?q=1"
