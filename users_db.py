"""The users table: every statement that reads or writes a stored user.

Rows come back named (sqlite3.Row) by USER_FIELDS, the API's own names for a user's fields.
"""

import json

from flask import current_app

from .db import get_db, write_transaction
from .docs import db as docs_db
from .errors import InvalidData, UserTooLarge
from .hosted import INT64_MAX, jsonb

# A user as the API answers it, in its key order; `id` is stored as user_id.
USER_FIELDS = ("id", "metadata", "created_at", "updated_at", "name", "about", "project")
# What a request body sets.
WRITABLE_FIELDS = ("metadata", "name", "about", "project")
SELECTED = ", ".join("user_id AS id" if field == "id" else field for field in USER_FIELDS)

# A write is one statement, run in one step: SQLite holds the write lock only inside that step, while Python
# goes on in other threads. A RETURNING clause would hold it until its rows are read, which waits for the GIL:
# under load the lock was then held ten times as long, and the other writers slept in SQLite's busy wait. So
# the row as written is read after the commit from written_user, where a TEMP trigger (schema.sql) copies it.
# Without a created_at (the API's writes), an existing user keeps theirs; an import gives its own.
INSERT_VALUES = """
INSERT INTO users (developer_id, user_id, name, about, project, metadata, created_at, updated_at)
VALUES (:developer_id, :id, :name, :about, :project, :metadata, coalesce(:created_at, :updated_at), :updated_at)
"""
UPSERT_USER = INSERT_VALUES + """ON CONFLICT (developer_id, user_id) DO UPDATE SET
    name = excluded.name, about = excluded.about, project = excluded.project, metadata = excluded.metadata,
    created_at = coalesce(:created_at, users.created_at), updated_at = excluded.updated_at
"""
# POST /users makes a new user: never one over a user that has the id already (an import may have given it).
INSERT_USER = INSERT_VALUES + "ON CONFLICT (developer_id, user_id) DO NOTHING"

UPDATE_USER = """
UPDATE users SET name = :name, about = :about, project = :project, metadata = :metadata, updated_at = :updated_at
WHERE developer_id = :developer_id AND user_id = :id
"""
# A patch writes only over the row it merged with: one changed since is merged again (patch_user).
PATCH_USER = UPDATE_USER + """AND name = :read_name AND about = :read_about AND project = :read_project
AND metadata = :read_metadata AND updated_at = :read_updated_at
"""

WRITTEN_USER = f"SELECT seq, developer_id, {SELECTED} FROM written_user"
SELECT_USER = f"SELECT {SELECTED} FROM users WHERE developer_id = ? AND user_id = ?"

# A metadata_filter value matches a JSON number by value (1 equals 1.0) and a string by text, never across: the
# hosted `metadata @> filter` of users and of projects alike.
METADATA_MATCHES = {
    "number": "EXISTS (SELECT 1 FROM json_each(metadata) WHERE key = ? AND type IN ('integer', 'real') AND value = ?)",
    "text": "EXISTS (SELECT 1 FROM json_each(metadata) WHERE key = ? AND type = 'text' AND value = ?)",
}

def stored_user(operation, developer_id, user_id, user, updated_at, created_at=None):
    """A user's statement parameters, stored as the hosted service's Postgres stores them: `user` holds
    WRITABLE_FIELDS with the hosted defaults applied.

    Every string loses its NUL characters (the hosted sanitize_string) and the metadata is kept as jsonb gives it
    back (jsonb.stored: its key order, its numbers). What Postgres refuses, a lone surrogate or a NUL in a metadata
    key, is the hosted 400 during `operation`. A user may hold no more than a request body (MAX_CONTENT_LENGTH):
    a patch could grow it without end.
    """
    try:
        texts = {field: jsonb.sanitize_string(user[field]) for field in ("name", "about", "project")}
        metadata = jsonb.stored_text(user["metadata"])
    except jsonb.NotStorable:
        raise InvalidData("user", operation) from None
    limit = current_app._get_current_object().config["MAX_CONTENT_LENGTH"]
    if limit is not None and len(metadata.encode()) + sum(len(text.encode()) for text in texts.values()) > limit:
        raise UserTooLarge()
    return {
        "developer_id": developer_id,
        "id": user_id,
        **texts,
        "metadata": metadata,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def write_user(developer_id, user_id, user, now):
    """Create the user or overwrite all of its fields, keeping created_at; the row as stored."""
    db = get_db()
    db.execute(UPSERT_USER, stored_user("create_or_update", developer_id, user_id, user, now))
    return written_user(db, developer_id, user_id)


def create_user(developer_id, new_id, user, now):
    """Create a user under the first id from new_id() that the developer has no user with; the row as stored."""
    db = get_db()
    stored = stored_user("create", developer_id, None, user, now)
    while True:
        stored["id"] = str(new_id())
        if db.execute(INSERT_USER, stored).rowcount:
            return written_user(db, developer_id, stored["id"])


def upsert_users(users):
    """Upsert many stored_user() parameter sets, in the caller's transaction."""
    get_db().executemany(UPSERT_USER, users)


def user_exists(db, developer_id, user_id):
    return bool(db.execute("SELECT 1 FROM users WHERE developer_id = ? AND user_id = ?", (developer_id, user_id)).fetchall())


def update_user(developer_id, user_id, user, now):
    """Overwrite all fields of an existing user; the row as stored, or None if there is no such user."""
    db = get_db()
    if not db.execute(UPDATE_USER, stored_user("update", developer_id, user_id, user, now)).rowcount:
        return None
    return written_user(db, developer_id, user_id)


def written_user(db, developer_id, user_id):
    """The users row this connection has just written, as schema.sql's TEMP trigger copied it."""
    (row,) = db.execute(WRITTEN_USER).fetchall()
    if row["seq"] == getattr(db, "written_seq", None) or (row["developer_id"], row["id"]) != (developer_id, user_id):
        raise RuntimeError("the written_user trigger did not fire: its TEMP objects from schema.sql are missing")
    db.written_seq = row["seq"]
    return row


def patch_user(developer_id, user_id, changes, now):
    """Change only the fields in `changes`, merging `metadata` key by key; the row, or None if no such user.

    Optimistic: the user is read and merged holding no lock, and written only if it is still as read;
    else it is merged again with what another write left. A merge of a large user then delays no one.
    """
    db = get_db()
    while True:
        row = db.execute(SELECT_USER, (developer_id, user_id)).fetchone()
        if row is None:
            return None
        user = {field: row[field] for field in WRITABLE_FIELDS}
        user["metadata"] = {**json.loads(row["metadata"]), **changes.get("metadata", {})}
        stored = stored_user("patch", developer_id, user_id, {**user, **changes, "metadata": user["metadata"]}, now)
        read = {f"read_{field}": row[field] for field in (*WRITABLE_FIELDS, "updated_at")}
        if db.execute(PATCH_USER, {**stored, **read}).rowcount:
            return written_user(db, developer_id, user_id)


def get_user(developer_id, user_id):
    return get_db().execute(SELECT_USER, (developer_id, user_id)).fetchone()


def delete_user(developer_id, user_id):
    """Delete a user and their docs, as the hosted delete_user query does in one statement (its deleted_doc_owners and
    deleted_docs CTEs: the hosted schema has no foreign key from a doc's owner to users); False if there was no such
    user.

    Not a trigger or a foreign key in schema.sql: either costs every deleted users row some 4 µs and the reset its
    truncate optimisation, so that resetting 10,000 users takes some 45 ms, not 2 (tests/test_double.py bounds it)."""
    with write_transaction() as db:
        cursor = db.execute("DELETE FROM users WHERE developer_id = ? AND user_id = ?", (developer_id, user_id))
        docs_db.delete_user_docs(db, developer_id, user_id)
    return cursor.rowcount == 1


def list_users(developer_id, limit, offset, sort_by, direction, metadata_filter):
    """One page of a developer's users; `metadata_filter` pairs each key with an int, float or str.

    Ties on the sort key are broken by id, so pages never overlap or skip.
    """
    conditions, parameters = of_developer_matching(developer_id, metadata_filter)
    # sort_by and direction were validated against fixed choices, so they are safe to place in the SQL.
    query = (
        f"SELECT {SELECTED} FROM users WHERE {all_of(conditions)} "
        f"ORDER BY {sort_by} {direction}, user_id {direction} LIMIT ? OFFSET ?"
    )
    # An offset past SQLite's 64-bit integers is past the end all the same.
    return get_db().execute(query, (*parameters, limit, min(offset, INT64_MAX))).fetchall()


def of_developer_matching(developer_id, metadata_filter):
    """The conditions (METADATA_MATCHES) and their parameters of a developer's rows whose metadata matches
    `metadata_filter`, each key paired with an int, float or str."""
    conditions = ["developer_id = ?"]
    parameters = [developer_id]
    for key, value in metadata_filter.items():
        conditions.append(METADATA_MATCHES["text" if isinstance(value, str) else "number"])
        parameters += [key, value]
    return conditions, parameters


def all_of(conditions):
    """The conditions joined by AND as a balanced tree: SQLite refuses expressions over 1000 deep."""
    if len(conditions) == 1:
        return conditions[0]
    middle = len(conditions) // 2
    return f"({all_of(conditions[:middle])}) AND ({all_of(conditions[middle:])})"


def all_users(developer_id=None):
    """Every developer's users, or one developer's: developer_id and USER_FIELDS, by developer then age."""
    return get_db().execute(
        f"SELECT developer_id, {SELECTED} FROM users"
        " WHERE ?1 IS NULL OR developer_id = ?1 ORDER BY developer_id, created_at, user_id",
        (developer_id,),
    ).fetchall()
