"""SQLite access for the test-double controls: request state, journal, faults, clock, reset.

All of it lives in the database, so every worker process of a server shares it.
What must change atomically is one statement, or one transaction that takes the write lock first.
"""

from .db import get_db, write_transaction

REQUEST_STATE = "SELECT frozen_now, EXISTS (SELECT 1 FROM faults) FROM double_state"

FIRE_FAULT = """
UPDATE faults SET remaining = remaining - 1
WHERE id = (
    SELECT id FROM faults
    WHERE (method IS NULL OR method = ?) AND ? GLOB path
    ORDER BY id LIMIT 1
)
RETURNING status, body, headers, delay_ms
"""

FAULT_COLUMNS = "id, method, path, status, body, headers, delay_ms, times, remaining"

JOURNAL_PRUNE_BATCH = 100
# Free pages up to this many (1 MiB) are kept for the next rows, which a pruned journal soon needs again.
FREE_PAGES_KEPT = 256

HIGHEST_JOURNAL_ID = "max(coalesce((SELECT max(id) FROM journal_entries), 0), (SELECT highest FROM journal_ids))"

ADD_JOURNAL_ENTRY = f"""
INSERT INTO journal_entries (id, method, path, api_path, query, headers, body, body_size, status, response,
    response_size, started_at, duration_us, developer_id)
VALUES ({HIGHEST_JOURNAL_ID} + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

# The entries a journal read may see: past the cursor, within the last journal_size, and matching the filters
# (method, a GLOB over api_path, developer_id; each None for any).
JOURNAL_MATCHES = """
id > max(:cursor, coalesce((SELECT max(id) FROM journal_entries), 0) - (SELECT journal_size FROM double_state))
AND (:method IS NULL OR method = :method) AND (:path IS NULL OR api_path GLOB :path)
AND (:developer_id IS NULL OR developer_id = :developer_id)
"""


def request_state():
    """(the frozen clock or None, whether any fault is armed): the one look an API request takes."""
    (row,) = get_db().execute(REQUEST_STATE).fetchall()
    return tuple(row)


def seed_imported(server_start):
    """Whether FLASK_SEED_FILE was imported at this server start (by another of its workers)."""
    return get_db().execute("SELECT 1 FROM seed_import WHERE server_start = ?", (server_start,)).fetchone() is not None


def claim_seed_import(server_start):
    """Note, in the caller's write transaction, that this server start imports its seed file: False if it did."""
    return bool(
        get_db().execute(
            "INSERT INTO seed_import (id, server_start) VALUES (1, ?) ON CONFLICT (id) DO UPDATE"
            " SET server_start = excluded.server_start WHERE server_start != excluded.server_start",
            (server_start,),
        ).rowcount
    )


def probe_write():
    """A write of the health probe's row, 64 KiB: it fails as a write of a user and its journal entry would (the
    disk full, the database locked). A small one would fit where a failed write had left its pages unused."""
    get_db().execute("UPDATE health_probe SET writes = writes + 1, room = zeroblob(65536)")


def frozen_now():
    (row,) = get_db().execute("SELECT frozen_now FROM double_state").fetchall()
    return row[0]


def set_journal_size(size):
    get_db().execute("UPDATE double_state SET journal_size = ?", (size,))


def fire_fault(method, api_path):
    """Spend one use of the oldest armed fault matching the request: its status, body, headers, delay_ms; or None.

    One UPDATE, so two workers never spend the same use.
    """
    rows = get_db().execute(FIRE_FAULT, (method, api_path)).fetchall()
    return rows[0] if rows else None


def add_fault(method, path, status, body, headers, delay_ms, times):
    (row,) = get_db().execute(
        "INSERT INTO faults (method, path, status, body, headers, delay_ms, times, remaining)"
        f" VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {FAULT_COLUMNS}",
        (method, path, status, body, headers, delay_ms, times, times),
    ).fetchall()
    return row


def armed_faults():
    return get_db().execute(f"SELECT {FAULT_COLUMNS} FROM faults ORDER BY id").fetchall()


def clear_faults():
    get_db().execute("DELETE FROM faults")


def add_journal_entry(*entry):
    """Append one entry (ADD_JOURNAL_ENTRY's columns).

    The entries that fall out of the last journal_size are deleted in batches:
    deleting one per insert would double the insert's cost.
    """
    db = get_db()
    entry_id = db.execute(ADD_JOURNAL_ENTRY, entry).lastrowid
    if entry_id % JOURNAL_PRUNE_BATCH == 0:
        db.execute("DELETE FROM journal_entries WHERE id <= ? - (SELECT journal_size FROM double_state)", (entry_id,))
        give_space_back(db)


def journal_page(query):
    """The entries JOURNAL_MATCHES `query` (its filters and cursor), oldest first, at most query["limit"] of them."""
    return get_db().execute(
        "SELECT id, method, path, query, headers, body, body_size, status, response, response_size, started_at,"
        f" duration_us, developer_id FROM journal_entries WHERE {JOURNAL_MATCHES} ORDER BY id LIMIT :limit",
        query,
    ).fetchall()


def journal_count(query, at_most):
    """How many entries JOURNAL_MATCHES `query`, counted up to `at_most`."""
    (row,) = get_db().execute(
        f"SELECT count(*) FROM (SELECT 1 FROM journal_entries WHERE {JOURNAL_MATCHES} LIMIT :at_most)",
        {**query, "at_most": at_most},
    ).fetchall()
    return row[0]


def clear_journal(developer_id=None):
    """Empty the journal, or take out one developer's entries."""
    with write_transaction() as db:
        delete_journal_entries(db, developer_id)
    give_space_back(db)


def delete_journal_entries(db, developer_id):
    """In the caller's write transaction: one developer's entries gone (None: all), their ids never given again."""
    db.execute(f"UPDATE journal_ids SET highest = {HIGHEST_JOURNAL_ID}")
    if developer_id is None:
        # DELETE without WHERE empties a table at once, however large (SQLite's truncate optimisation).
        db.execute("DELETE FROM journal_entries")
    else:
        db.execute("DELETE FROM journal_entries WHERE developer_id = ?", (developer_id,))


def give_space_back(db):
    """Return the pages deleted rows freed to the file system, unless there are only a few (db.apply_schema)."""
    (free_pages,) = db.execute("PRAGMA freelist_count").fetchone()
    if free_pages > FREE_PAGES_KEPT:
        # Stepped to its end only by executescript: execute would free a single page.
        db.executescript("PRAGMA incremental_vacuum")


def freeze_clock(now):
    # The count of frozen ids goes on: frozen again at the same instant, POST /users makes no id twice.
    get_db().execute("UPDATE double_state SET frozen_now = ?", (now,))


def advance_clock(micros, latest):
    """Move the frozen clock, unless that takes it past `latest`; the new time, or None when it is not frozen or
    would pass `latest`."""
    rows = get_db().execute(
        "UPDATE double_state SET frozen_now = frozen_now + ?1 WHERE frozen_now + ?1 <= ?2 RETURNING frozen_now",
        (micros, latest),
    ).fetchall()
    return rows[0][0] if rows else None


def count_frozen_id():
    """Count one more id made under the frozen clock: the count, or None when the clock is not frozen."""
    rows = get_db().execute(
        "UPDATE double_state SET frozen_ids = frozen_ids + 1 WHERE frozen_now IS NOT NULL RETURNING frozen_ids"
    ).fetchall()
    return rows[0][0] if rows else None


def unfreeze_clock():
    get_db().execute("UPDATE double_state SET frozen_now = NULL")


def reset(developer_id=None):
    """Everything gone; or, for one developer, their users, projects, docs and journal entries."""
    with write_transaction() as db:
        if developer_id is None:
            # DELETE without WHERE empties a table at once, however large (SQLite's truncate optimisation).
            db.execute("DELETE FROM users")
            db.execute("DELETE FROM projects")
            db.execute("DELETE FROM docs")
            db.execute("DELETE FROM faults")
            # No user is left whose id a count from 0 could make again: a snapshot test gets the same ids.
            db.execute("UPDATE double_state SET frozen_now = NULL, frozen_ids = 0")
        else:
            db.execute("DELETE FROM users WHERE developer_id = ?", (developer_id,))
            db.execute("DELETE FROM projects WHERE developer_id = ?", (developer_id,))
            db.execute("DELETE FROM docs WHERE developer_id = ?", (developer_id,))
        delete_journal_entries(db, developer_id)
    give_space_back(db)
