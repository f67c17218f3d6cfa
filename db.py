"""SQLite access: one pool of open connections per app, handed out by get_db()."""

import contextlib
import os
import queue
import sqlite3
import threading
import time
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import with_appcontext

from .errors import DatabaseBusy, DatabaseGone

SCHEMA = (Path(__file__).parent / "schema.sql").read_text()
TABLES = (
    "users", "projects", "docs", "double_state", "journal_entries", "journal_ids", "seed_import", "health_probe", "armed_faults",
    "developer_clocks",
)
# How long a statement waits out a database locked by other writers before the request is a 503.
BUSY_TIMEOUT = 10
# Connections to a file a process has in use at once, and keeps open idle. Only a request being answered
# holds one (not one whose body is still on its way, nor one waiting out a delay fault), and SQLite runs one
# write at a time anyway.
MAX_CONNECTIONS = 16
IDLE_CONNECTIONS = 8


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


def while_busy(statement, *args):
    """Run `statement`, trying again after 50 µs, then twice as long each time up to 2 ms, for BUSY_TIMEOUT seconds."""
    nap = 0.00005
    deadline = None
    while True:
        try:
            return statement(*args)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            deadline = deadline or time.monotonic() + BUSY_TIMEOUT
            if time.monotonic() > deadline:
                raise DatabaseBusy() from error
            time.sleep(nap)
            nap = min(nap * 2, 0.002)


class ConnectionPool:
    """Open connections of a database file kept for reuse, so a request does not pay for connecting.

    At most MAX_CONNECTIONS are in use at once (one more waits for one, then is DatabaseBusy), and at most
    IDLE_CONNECTIONS wait idle: more are closed. One is handed out only while the file at the path is the one
    the pool opened: deleted or replaced, the writes would be lost or split between two files (DatabaseGone).
    """

    def __init__(self, path):
        self.path = path
        # A free slot is a token in the queue: its get and put are C, a BoundedSemaphore is Python over a Condition (7k
        # instructions an upsert).
        self.slots = queue.SimpleQueue()
        for _ in range(MAX_CONNECTIONS):
            self.slots.put(None)
        self.lock = threading.Lock()  # over `idle`: 300 threads giving back at once kept 24 idle without it
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.idle = [open_db(path)]
        self.file = file_identity(path)

    def take(self):
        if file_identity(self.path) != self.file:
            raise DatabaseGone()
        try:
            self.slots.get(timeout=BUSY_TIMEOUT)
        except queue.Empty:
            raise DatabaseBusy() from None
        with self.lock:
            if self.idle:
                return self.idle.pop()
        try:
            return open_db(self.path)
        except BaseException:
            self.slots.put(None)
            raise

    def give(self, db):
        if db.in_transaction:
            db.rollback()
        with self.lock:
            keep = len(self.idle) < IDLE_CONNECTIONS
            if keep:
                self.idle.append(db)
        if not keep:
            db.close()
        self.slots.put(None)


def file_identity(path):
    """(device, inode) of the file at `path`; None when there is none."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


class SharedConnection:
    """An in-memory database, which lives in exactly one connection.

    Threads take it in turn; a thread that holds it already (an app context
    opened inside another) gets it again instead of waiting for itself. A copy of it
    can be taken and brought back (the in-process fixture's double, fresh for each test).
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

    def copy(self):
        """A copy of the database as it is now, for restore()."""
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        with self.lock:
            self.db.backup(copy)
        return copy

    def restore(self, copy):
        """The database as `copy` holds it, once no request is using it (SQLite's backup: some 25 µs for a fresh
        one, where a new connection and its schema take 2 ms)."""
        with self.lock:
            copy.backup(self.db)


def open_db(path):
    """A new connection, with the schema and the connection's own TEMP objects in place."""
    db = connect(path)
    apply_schema(db)
    return db


def connect(path):
    # timeout=0: no busy handler of SQLite's own (Python's default is 5 s of it), while_busy waits instead.
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=Connection, timeout=0)
    db.row_factory = sqlite3.Row
    # A test double must survive its own crash, which WAL mode gives at any setting, not a power cut of its
    # machine; NORMAL would fsync at every checkpoint, stalling a request for milliseconds.
    db.execute("PRAGMA synchronous = OFF")
    # Some builds (Debian's) zero every freed page: a reset would write the whole database once more.
    db.execute("PRAGMA secure_delete = OFF")
    db.execute("PRAGMA temp_store = MEMORY")
    # The WAL file is cut back to this size after a checkpoint: a large write leaves no large file behind.
    db.execute(f"PRAGMA journal_size_limit = {4 * 1024 * 1024}")
    return db


def apply_schema(db):
    """schema.sql, which every new connection applies: it holds the connection's own TEMP objects too."""
    # Only a database without tables takes it (init-db converts an older file): the pages that deleted rows
    # free can then be given back to the file system (double_db.give_space_back).
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(SCHEMA)


@contextlib.contextmanager
def write_transaction():
    """A transaction of the app context's connection that takes the write lock first (BEGIN IMMEDIATE), so that
    what it reads no other write changes before it commits; rolled back on an error."""
    db = get_db()
    db.execute("BEGIN IMMEDIATE")
    with db:
        yield db


@contextlib.contextmanager
def read_transaction():
    """A transaction of the app context's connection that only reads: each of its statements sees the database as
    its first one did (one WAL snapshot), whatever other connections commit meanwhile; it takes no lock."""
    db = get_db()
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.execute("COMMIT")


def get_db():
    """The connection of the current app context (the only way to the database)."""
    context = g._get_current_object()  # one lookup through the proxy, not four
    db = context.get("db")
    if db is None:
        db = context.db = current_app._get_current_object().extensions["db_pool"].take()
    return db


def return_db(exception=None):
    """Give the app context's connection back to the pool (at its end, or while a request waits)."""
    db = g._get_current_object().pop("db", None)
    if db is not None:
        current_app._get_current_object().extensions["db_pool"].give(db)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Empty the database: drop every table and apply schema.sql again."""
    db = get_db()
    for table in TABLES:
        db.execute(f"DROP TABLE IF EXISTS {table}")
    # A file made before auto_vacuum was set takes it now that it has no tables, through a VACUUM.
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.execute("VACUUM")
    apply_schema(db)
    click.echo("Initialized the database.")


def refuse_memory_for_workers(database, workers):
    """`:memory:` is one process's database. A server of several worker processes would give each a database of
    its own: a user created through one would be 404 through the next. Its start refuses that (server.serve)."""
    if database == ":memory:" and workers > 1:
        raise ValueError(
            f"the database :memory: lives in one process, and this server starts {workers} worker processes, each "
            "of which would have a database of its own: use a database file, or a single worker"
        )


def copy_memory_database(app):
    """A copy of an app's in-memory database as it is now."""
    return app.extensions["db_pool"].copy()


def restore_memory_database(app, copy):
    """An app's in-memory database back as `copy` holds it."""
    app.extensions["db_pool"].restore(copy)


def init_app(app):
    path = app.config["DATABASE"]
    # Either opens its first connection now, which puts the schema in place before the first request.
    app.extensions["db_pool"] = SharedConnection() if path == ":memory:" else ConnectionPool(path)
    app.teardown_appcontext(return_db)
    app.cli.add_command(init_db_command)
