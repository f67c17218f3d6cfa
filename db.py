"""SQLite access: one pool of open connections per app, handed out by get_db()."""

import json
import queue
import sqlite3
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import with_appcontext

SCHEMA = (Path(__file__).parent / "schema.sql").read_text()

UPSERT_USER = """
INSERT INTO users (developer_id, user_id, name, about, project, metadata, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (developer_id, user_id) DO UPDATE SET
    name = excluded.name, about = excluded.about, project = excluded.project,
    metadata = excluded.metadata, updated_at = excluded.updated_at
RETURNING user_id, metadata, created_at, updated_at, name, about, project
"""


class ConnectionPool:
    """Open connections kept for reuse, so a request does not pay for connecting.

    A file database gets as many connections as there are concurrent requests.
    An in-memory database lives in exactly one connection, which requests
    then take in turn.
    """

    def __init__(self, path):
        self.path = path
        self.idle = queue.LifoQueue()
        if path == ":memory:":
            self.idle.put(self.connect())
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    def connect(self):
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    def take(self):
        if self.path == ":memory:":
            return self.idle.get()
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            return self.connect()

    def give(self, db):
        if db.in_transaction:
            db.rollback()
        self.idle.put(db)


def get_db():
    """The connection of the current app context (the only way to the database)."""
    if "db" not in g:
        g.db = current_app.extensions["db_pool"].take()
    return g.db


def return_db(exception=None):
    db = g.pop("db", None)
    if db is not None:
        current_app.extensions["db_pool"].give(db)


def apply_schema(db):
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(SCHEMA)


def upsert_user(developer_id, user_id, name, about, project, metadata, now):
    """Create or fully overwrite a user; return the stored row (USER_COLUMNS).

    Like the hosted service's Postgres, the store cannot hold NUL characters:
    they are removed from `about` and from metadata keys and values.
    """
    metadata_json = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    if "\\u0000" in metadata_json:
        metadata = without_nul(metadata)
        metadata_json = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    about = about.replace("\x00", "")
    # fetchall() steps the statement to its end, so the write lock is released now.
    (row,) = get_db().execute(
        UPSERT_USER, (developer_id, user_id, name, about, project, metadata_json, now, now)
    ).fetchall()
    return row


def without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key.replace("\x00", ""): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Empty the database: drop every table and apply schema.sql again."""
    db = get_db()
    db.execute("DROP TABLE IF EXISTS users")
    apply_schema(db)
    click.echo("Initialized the database.")


def init_app(app):
    pool = ConnectionPool(app.config["DATABASE"])
    app.extensions["db_pool"] = pool
    db = pool.take()
    try:
        apply_schema(db)
    finally:
        pool.give(db)
    app.teardown_appcontext(return_db)
    app.cli.add_command(init_db_command)
