"""SQLite access for the test-double controls: request state, journal, faults, clock, reset.

All of it lives in the database, so every worker process of a server shares it.
What must change atomically is one statement, or one transaction that takes the write lock first.
"""

import functools

from ..db import get_db, write_transaction
from ..hosted.fastapi_wire import encode_compact

# The clock a developer (?1; NULL: none) sees: their own, else everyone's.
SEEN_CLOCK = "coalesce((SELECT frozen_now FROM developer_clocks WHERE developer_id = ?1), frozen_now)"
# The faults that play on a developer's (?1) requests: their own and everyone's.
PLAYS_FOR = "(developer_id IS NULL OR developer_id = ?1)"
# The faults and clocks a control acting for a developer (?1; NULL: every developer) reaches: their own.
REACHED_BY = "(?1 IS NULL OR developer_id = ?1)"

REQUEST_STATE = f"SELECT {SEEN_CLOCK}, EXISTS (SELECT 1 FROM armed_faults WHERE {PLAYS_FOR}) FROM double_state"

FIRE_FAULT = f"""
UPDATE armed_faults SET remaining = remaining - 1
WHERE id = (
    SELECT id FROM armed_faults
    WHERE {PLAYS_FOR} AND (method IS NULL OR method = ?2) AND ?3 GLOB path
    ORDER BY id LIMIT 1
)
RETURNING status, body, headers, delay_ms
"""

FAULT_COLUMNS = "id, method, path, status, body, headers, delay_ms, times, remaining, developer_id"

ADVANCE_DEVELOPER_CLOCK = f"""
INSERT INTO developer_clocks (developer_id, frozen_now)
SELECT ?1, seen + ?2 FROM (SELECT {SEEN_CLOCK} AS seen FROM double_state) WHERE seen + ?2 <= ?3
ON CONFLICT (developer_id) DO UPDATE SET frozen_now = excluded.frozen_now
RETURNING frozen_now
"""

JOURNAL_PRUNE_BATCH = 100
# Free pages up to this many (1 MiB) are kept for the next rows, which a pruned journal soon needs again.
FREE_PAGES_KEPT = 256

HIGHEST_JOURNAL_ID = "max(coalesce((SELECT max(id) FROM journal_entries), 0), (SELECT highest FROM journal_ids))"

# An entry's columns, as recorder.record gives them.
JOURNAL_COLUMNS = (
    "method", "path", "api_path", "query", "headers", "body", "body_size", "status", "response", "response_size",
    "started_at", "duration_us", "developer_id",
)


def journal_filters(prefix):
    """The entries a journal read's filters let through (method, a GLOB over api_path, developer_id; each None for
    any), their values named `prefix` + "method" …: a statement's parameters (":") or a row's columns."""
    method, path, developer_id = f"{prefix}method", f"{prefix}path", f"{prefix}developer_id"
    return (
        f"({method} IS NULL OR method = {method}) AND ({path} IS NULL OR api_path GLOB {path})"
        f" AND ({developer_id} IS NULL OR developer_id = {developer_id})"
    )


# The entries a journal read may see: past the cursor, within the last journal_size, and through its filters.
JOURNAL_MATCHES = f"""
id > max(:cursor, coalesce((SELECT max(id) FROM journal_entries), 0) - (SELECT journal_size FROM double_state))
AND {journal_filters(":")}
"""
# The new entries (past :seen, up to :highest) through each of several reads' filters (the JSON array :filters of
# [method, path, developer_id]), by the filters' index: the filters are read from the JSON once, not once an entry.
NEW_JOURNAL_MATCHES = f"""
WITH waiting AS MATERIALIZED (
    SELECT key AS filters, json_extract(value, '$[0]') AS read_method, json_extract(value, '$[1]') AS read_path,
        json_extract(value, '$[2]') AS read_developer_id
    FROM json_each(:filters)
)
SELECT filters, id FROM waiting, journal_entries
WHERE id > :seen AND id <= :highest AND {journal_filters("read_")}
"""


def request_state(developer_id):
    """(the frozen clock or None, whether any fault is armed) for a request naming `developer_id` (None: none):
    the one look an API request takes."""
    (row,) = get_db().execute(REQUEST_STATE, (developer_id,)).fetchall()
    return tuple(row)


def seed_imported(server_start):
    """Whether the seed file (SEED_FILE) was imported at this server start (by another of its workers)."""
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


def frozen_now(developer_id=None):
    """The frozen clock `developer_id` sees (None: everyone's), or None."""
    (row,) = get_db().execute(f"SELECT {SEEN_CLOCK} FROM double_state", (developer_id,)).fetchall()
    return row[0]


def set_journal_size(size):
    get_db().execute("UPDATE double_state SET journal_size = ?", (size,))


def fire_fault(developer_id, method, api_path):
    """Spend one use of the oldest fault armed for the request's developer or everyone that matches it: its status,
    body, headers, delay_ms; or None.

    One UPDATE, so two workers never spend the same use.
    """
    rows = get_db().execute(FIRE_FAULT, (developer_id, method, api_path)).fetchall()
    return rows[0] if rows else None


def add_fault(developer_id, method, path, status, body, headers, delay_ms, times):
    """Arm a fault for one developer's requests (None: everyone's)."""
    (row,) = get_db().execute(
        "INSERT INTO armed_faults (developer_id, method, path, status, body, headers, delay_ms, times, remaining)"
        f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {FAULT_COLUMNS}",
        (developer_id, method, path, status, body, headers, delay_ms, times, times),
    ).fetchall()
    return row


def armed_faults(developer_id=None):
    """The faults a developer armed (None: every fault), oldest first."""
    return get_db().execute(f"SELECT {FAULT_COLUMNS} FROM armed_faults WHERE {REACHED_BY} ORDER BY id", (developer_id,)).fetchall()


def clear_faults(developer_id=None):
    """Disarm the faults a developer armed (None: every fault)."""
    get_db().execute(f"DELETE FROM armed_faults WHERE {REACHED_BY}", (developer_id,))


def add_journal_entries(entries):
    """Append entries (JOURNAL_COLUMNS), the next ids in their order, in one statement.

    The entries that fall out of the last journal_size are deleted in batches:
    deleting one per insert would double the insert's cost.
    """
    db = get_db()
    last_id = db.execute(
        adding_journal_entries(len(entries)), [value for number, entry in enumerate(entries, 1) for value in (number, *entry)]
    ).lastrowid
    if last_id // JOURNAL_PRUNE_BATCH != (last_id - len(entries)) // JOURNAL_PRUNE_BATCH:
        db.execute("DELETE FROM journal_entries WHERE id <= ? - (SELECT journal_size FROM double_state)", (last_id,))
        give_space_back(db)


@functools.cache
def adding_journal_entries(count):
    """The INSERT of `count` entries, each given as its number (1…) and then its JOURNAL_COLUMNS: numbered rows of a
    VALUES list, which SQLite reads whole before it inserts any (the statement reads the table it writes), so that
    their ids follow on from the same highest one."""
    row = f"({', '.join('?' * (1 + len(JOURNAL_COLUMNS)))})"
    numbered = ", ".join(f"column{index}" for index in range(2, len(JOURNAL_COLUMNS) + 2))
    return (
        f"INSERT INTO journal_entries (id, {', '.join(JOURNAL_COLUMNS)})"
        f" SELECT ({HIGHEST_JOURNAL_ID}) + column1, {numbered} FROM (VALUES {', '.join([row] * count)})"
    )


def journal_page(query):
    """The entries JOURNAL_MATCHES `query` (its filters and cursor), oldest first, at most query["limit"] of them."""
    return get_db().execute(
        "SELECT id, method, path, query, headers, body, body_size, status, response, response_size, started_at,"
        f" duration_us, developer_id FROM journal_entries WHERE {JOURNAL_MATCHES} ORDER BY id LIMIT :limit",
        query,
    ).fetchall()


def journal_count(query, at_most):
    """(how many entries JOURNAL_MATCHES `query`, counted up to `at_most`; the newest entry's id as they were counted)."""
    (row,) = get_db().execute(
        "SELECT count(*), (SELECT coalesce(max(id), 0) FROM journal_entries)"
        f" FROM (SELECT 1 FROM journal_entries WHERE {JOURNAL_MATCHES} LIMIT :at_most)",
        {**query, "at_most": at_most},
    ).fetchall()
    return tuple(row)


def newest_journal_entry():
    """The newest entry's id (0 for none): an entry written later has a higher one."""
    return get_db().execute("SELECT coalesce(max(id), 0) FROM journal_entries").fetchone()[0]


def new_journal_matches(filters, seen, highest):
    """The ids of the entries past `seen`, up to `highest`, that each of `filters` ([(method, path, developer_id), …])
    lets through: {the filters' index: [id, …]}."""
    found = {}
    rows = get_db().execute(
        NEW_JOURNAL_MATCHES, {"filters": encode_compact(filters), "seen": seen, "highest": highest}
    ).fetchall()
    for index, entry_id in rows:
        found.setdefault(index, []).append(entry_id)
    return found


def journal_end():
    """The highest journal id given so far (0: none)."""
    (row,) = get_db().execute(f"SELECT {HIGHEST_JOURNAL_ID}").fetchall()
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


def freeze_clock(now, developer_id=None):
    """Freeze a developer's own clock (None: everyone's) at `now`."""
    # The count of frozen ids goes on: frozen again at the same instant, POST /users makes no id twice.
    if developer_id is None:
        get_db().execute("UPDATE double_state SET frozen_now = ?", (now,))
    else:
        get_db().execute(
            "INSERT INTO developer_clocks (developer_id, frozen_now) VALUES (?1, ?2)"
            " ON CONFLICT (developer_id) DO UPDATE SET frozen_now = excluded.frozen_now",
            (developer_id, now),
        )


def advance_clock(micros, latest, developer_id=None):
    """Move the frozen clock, unless that takes it past `latest`; the new time, or None when it is not frozen or
    would pass `latest`. A developer's advance moves the clock they see, which is then their own."""
    if developer_id is None:
        statement = "UPDATE double_state SET frozen_now = frozen_now + ?2 WHERE frozen_now + ?2 <= ?3 RETURNING frozen_now"
    else:
        statement = ADVANCE_DEVELOPER_CLOCK
    rows = get_db().execute(statement, (developer_id, micros, latest)).fetchall()
    return rows[0][0] if rows else None


def count_frozen_id(developer_id=None):
    """Count one more id made under a frozen clock by a developer (None: by anyone else): the count, or None when
    everyone's clock is not frozen. A developer's count goes on under any frozen clock until their reset."""
    if developer_id is None:
        rows = get_db().execute(
            "UPDATE double_state SET frozen_ids = frozen_ids + 1 WHERE frozen_now IS NOT NULL RETURNING frozen_ids"
        ).fetchall()
    else:
        rows = get_db().execute(
            "INSERT INTO developer_clocks (developer_id, frozen_ids) VALUES (?, 1)"
            " ON CONFLICT (developer_id) DO UPDATE SET frozen_ids = frozen_ids + 1 RETURNING frozen_ids",
            (developer_id,),
        ).fetchall()
    return rows[0][0] if rows else None


def unfreeze_clock(developer_id=None):
    """Let a developer's own clock run (None: every clock)."""
    db = get_db()
    if developer_id is None:
        db.execute("UPDATE double_state SET frozen_now = NULL")
    db.execute(f"UPDATE developer_clocks SET frozen_now = NULL WHERE {REACHED_BY}", (developer_id,))


def reset(developer_id=None):
    """Everything gone; or, for one developer, their users, projects, docs, journal entries, faults and clock."""
    with write_transaction() as db:
        if developer_id is None:
            # DELETE without WHERE empties a table at once, however large (SQLite's truncate optimisation).
            db.execute("DELETE FROM users")
            db.execute("DELETE FROM projects")
            db.execute("DELETE FROM docs")
            db.execute("DELETE FROM armed_faults")
            db.execute("DELETE FROM developer_clocks")
            # No user is left whose id a count from 0 could make again: a snapshot test gets the same ids.
            db.execute("UPDATE double_state SET frozen_now = NULL, frozen_ids = 0")
        else:
            db.execute("DELETE FROM users WHERE developer_id = ?", (developer_id,))
            db.execute("DELETE FROM projects WHERE developer_id = ?", (developer_id,))
            db.execute("DELETE FROM docs WHERE developer_id = ?", (developer_id,))
            db.execute("DELETE FROM armed_faults WHERE developer_id = ?", (developer_id,))
            # Their count of frozen ids starts again: none of their users is left whose id it could make again.
            db.execute("DELETE FROM developer_clocks WHERE developer_id = ?", (developer_id,))
        delete_journal_entries(db, developer_id)
    give_space_back(db)
