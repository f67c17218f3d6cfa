"""SQLite access: one pool of open connections per app, handed out by get_db()."""

import json
import sqlite3
import threading
import time
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import with_appcontext

SCHEMA = (Path(__file__).parent / "schema.sql").read_text()

# Metadata as stored, and the answers' JSON (api.py).
encode_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

USER_COLUMNS = "user_id, metadata, created_at, updated_at, name, about, project"

# A write is one statement, run in one step: SQLite holds the write lock only inside that step, while Python
# goes on in other threads. A RETURNING clause would hold it until its rows are read, which waits for the GIL:
# under load the lock was then held ten times as long, and the other writers slept in SQLite's busy wait. So
# the row as written is read after the commit from written_user, where a TEMP trigger (schema.sql) copies it.
UPSERT_USER = """
INSERT INTO users (developer_id, user_id, name, about, project, metadata, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (developer_id, user_id) DO UPDATE SET
    name = excluded.name, about = excluded.about, project = excluded.project,
    metadata = excluded.metadata, updated_at = excluded.updated_at
"""

UPDATE_USER = """
UPDATE users SET name = ?, about = ?, project = ?, metadata = ?, updated_at = ?
WHERE developer_id = ? AND user_id = ?
"""

WRITTEN_USER = f"SELECT {USER_COLUMNS} FROM written_user"

SELECT_USER = f"SELECT {USER_COLUMNS} FROM users WHERE developer_id = ? AND user_id = ?"

# A metadata_filter value matches a JSON number by value (1 equals 1.0) and a string by text, never across.
METADATA_MATCHES = {
    "number": "EXISTS (SELECT 1 FROM json_each(users.metadata) WHERE key = ? AND type IN ('integer', 'real') AND value = ?)",
    "text": "EXISTS (SELECT 1 FROM json_each(users.metadata) WHERE key = ? AND type = 'text' AND value = ?)",
}


class Connection(sqlite3.Connection):
    """A connection that waits out a locked database in short naps.

    SQLite's own busy handler (busy_timeout) sleeps 1, 2, 5, 10 ms … between tries, where a write holds
    the lock for some 20 µs: two writes that met cost the second a whole millisecond. A statement that
    finds the database locked has done nothing, so it is simply tried again.
    """

    def execute(self, *args):
        return while_busy(super().execute, *args)

    def executemany(self, *args):
        return while_busy(super().executemany, *args)

    def executescript(self, *args):
        return while_busy(super().executescript, *args)


def while_busy(statement, *args, timeout=10):
    """Run `statement`, trying again after 50 µs, then twice as long each time up to 2 ms, for `timeout` seconds."""
    nap = 0.00005
    deadline = None
    while True:
        try:
            return statement(*args)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
            deadline = deadline or time.monotonic() + timeout
            if time.monotonic() > deadline:
                raise
            time.sleep(nap)
            nap = min(nap * 2, 0.002)


class ConnectionPool:
    """Open connections kept for reuse, so a request does not pay for connecting.

    A file database gets as many connections as there are concurrent requests.
    """

    def __init__(self, path):
        self.path = path
        self.idle = []  # list.append and list.pop are atomic: no lock needed between threads
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    def take(self):
        try:
            return self.idle.pop()
        except IndexError:
            return open_db(self.path)

    def give(self, db):
        if db.in_transaction:
            db.rollback()
        self.idle.append(db)


class SharedConnection:
    """An in-memory database, which lives in exactly one connection.

    Threads take it in turn; a thread that holds it already (an app context
    opened inside another) gets it again instead of waiting for itself.
    """

    def __init__(self):
        self.db = open_db(":memory:")
        self.lock = threading.RLock()
        self.holds = 0

    def take(self):
        self.lock.acquire()
        self.holds += 1
        return self.db

    def give(self, db):
        self.holds -= 1
        if self.holds == 0 and db.in_transaction:
            db.rollback()
        self.lock.release()


def connect(path):
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=Connection)
    # A test double must survive its own crash, which WAL mode gives at any setting, not a power cut of its
    # machine; NORMAL would fsync at every checkpoint, stalling a request for milliseconds.
    db.execute("PRAGMA synchronous = OFF")
    # Some builds (Debian's) zero every freed page: a reset would write the whole database once more.
    db.execute("PRAGMA secure_delete = OFF")
    db.execute("PRAGMA temp_store = MEMORY")
    return db


def open_db(path):
    """A new connection, with the schema and the connection's own TEMP objects in place."""
    db = connect(path)
    apply_schema(db)
    return db


def get_db():
    """The connection of the current app context (the only way to the database)."""
    context = g._get_current_object()  # one proxy lookup: this runs several times a request
    db = context.get("db")
    if db is None:
        db = context.db = current_app.extensions["db_pool"].take()
    return db


def return_db(exception=None):
    db = g.pop("db", None)
    if db is not None:
        current_app.extensions["db_pool"].give(db)


def apply_schema(db):
    """schema.sql, which every new connection applies: it holds the connection's own TEMP objects too."""
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(SCHEMA)


def stored_metadata(metadata):
    """Metadata as stored: compact JSON text.

    Like the hosted service's Postgres, the store cannot hold NUL characters:
    they are removed from metadata keys and values (and from `about`).
    """
    text = encode_compact(metadata)
    if "\\u0000" in text:
        text = encode_compact(without_nul(metadata))
    return text


def without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key.replace("\x00", ""): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


def upsert_user(developer_id, user_id, user, now):
    """Create the user or overwrite all of its fields; return the stored row (USER_COLUMNS)."""
    db = get_db()
    db.execute(
        UPSERT_USER,
        (
            developer_id, user_id, user["name"], user["about"].replace("\x00", ""), user["project"],
            stored_metadata(user["metadata"]), now, now,
        ),
    )
    return written_user(db)


def update_user(developer_id, user_id, user, now):
    """Overwrite all fields of an existing user; the stored row, or None if there is no such user."""
    db = get_db()
    cursor = db.execute(
        UPDATE_USER,
        (
            user["name"], user["about"].replace("\x00", ""), user["project"], stored_metadata(user["metadata"]),
            now, developer_id, user_id,
        ),
    )
    return written_user(db) if cursor.rowcount else None


def written_user(db):
    """The users row this connection wrote last (USER_COLUMNS)."""
    (row,) = db.execute(WRITTEN_USER).fetchall()
    return row


def patch_user(developer_id, user_id, changes, now):
    """Change only the fields in `changes`, merging `metadata` key by key; the row, or None if no such user."""
    db = get_db()
    # IMMEDIATE takes the write lock before the read, so a concurrent patch cannot be lost.
    db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute(SELECT_USER, (developer_id, user_id)).fetchone()
        if row is None:
            return None
        user = dict(zip(("metadata", "name", "about", "project"), (json.loads(row[1]), *row[4:])))
        if "metadata" in changes:
            user["metadata"].update(changes.pop("metadata"))
        user.update(changes)
        return update_user(developer_id, user_id, user, now)
    finally:
        db.execute("COMMIT")


def get_user(developer_id, user_id):
    return get_db().execute(SELECT_USER, (developer_id, user_id)).fetchone()


def delete_user(developer_id, user_id):
    """Delete a user; False if there was none."""
    cursor = get_db().execute("DELETE FROM users WHERE developer_id = ? AND user_id = ?", (developer_id, user_id))
    return cursor.rowcount == 1


def list_users(developer_id, limit, offset, sort_by, direction, metadata_filter):
    """One page of a developer's users; `metadata_filter` pairs each key with an int, float or str.

    Ties on the sort key are broken by id, so pages never overlap or skip.
    """
    conditions = ["developer_id = ?"]
    parameters = [developer_id]
    for key, value in metadata_filter.items():
        conditions.append(METADATA_MATCHES["text" if isinstance(value, str) else "number"])
        parameters += [key, value]
    # sort_by and direction were validated against fixed choices, so they are safe to place in the SQL.
    query = (
        f"SELECT {USER_COLUMNS} FROM users WHERE {all_of(conditions)} "
        f"ORDER BY {sort_by} {direction}, user_id {direction} LIMIT ? OFFSET ?"
    )
    # An offset past SQLite's 64-bit integers is past the end all the same.
    return get_db().execute(query, (*parameters, limit, min(offset, 2**63 - 1))).fetchall()


def all_of(conditions):
    """The conditions joined by AND as a balanced tree: SQLite refuses expressions over 1000 deep."""
    if len(conditions) == 1:
        return conditions[0]
    middle = len(conditions) // 2
    return f"({all_of(conditions[:middle])}) AND ({all_of(conditions[middle:])})"


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Empty the database: drop every table and apply schema.sql again."""
    db = get_db()
    for table in ("users", "double_state", "journal", "faults"):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    apply_schema(db)
    click.echo("Initialized the database.")


def init_app(app):
    path = app.config["DATABASE"]
    pool = SharedConnection() if path == ":memory:" else ConnectionPool(path)
    app.extensions["db_pool"] = pool
    pool.give(pool.take())  # the first connection puts the schema in place now, not in the first request
    app.teardown_appcontext(return_db)
    app.cli.add_command(init_db_command)
