"""The production server's journal, written in batches: each worker hands its requests' entries to one thread of its
own, which waits BATCH_SECONDS after the first and writes all that arrived meanwhile in one statement, in place of a
second write transaction in every request beside its user's (the figures are in guide/performance.md).

A request is answered before its entry is written, so a read of the journal, its cursor, a clear or a reset, in any
worker, first waits for the entries of the requests answered before it (wait_for_answered), its turn given up. Each
batching process counts the entries it was handed and those it wrote in a slot of a small file beside the database
(`<database>-pending-entries`), which every process on that database maps.
"""

import contextlib
import fcntl
import logging
import mmap
import os
import queue
import struct
import threading
import time

from flask import current_app

from ..db import BUSY_TIMEOUT
from ..errors import DatabaseBusy
from ..web.pause import pause
from . import recorder

log = logging.getLogger(__name__)

# How long the writer gathers entries after the first of a batch. Under the benchmark's load (one side-by-side run
# of three rounds, an early build): 4,364 req/s at 2 ms, 4,000 at 1 ms, 3,711 at 5 ms.
BATCH_SECONDS = 0.002
# How soon the writer of a process that stops sees it.
STOP_SECONDS = 0.1
# Entries in one statement. Each count of entries is a statement of its own, which every connection of the pool
# keeps prepared: at 500 the server's RSS grew 8.1% from 15,000 to 106,000 upserts, at 16 1.9% (bench/run.py's
# memory section, one run each).
MOST_IN_A_BATCH = 16
# How often a read that waits for another process's entries looks at its counts.
POLL_SECONDS = 0.0005
# A batching process's slot: its pid (0: a free slot), the entries it was handed, and those it wrote.
SLOT = struct.Struct("=qqq")
# Processes batching on one database at once: a server's workers, and the workers that replace crashed ones in
# the slots of the dead. A process that finds no free slot writes each entry at once.
SLOTS = 64
PENDING_SUFFIX = "-pending-entries"


class PendingCounts:
    """The slots of the processes that batch journal entries on one database file, mapped in memory."""

    def __init__(self, fd):
        self.fd = fd
        self.map = mmap.mmap(fd, SLOTS * SLOT.size)

    @classmethod
    def open(cls, database, create=False):
        """The database's counts; None when no process batches on it (there is no such file yet), unless `create`.

        A new file is written whole, zeros (free slots), before it is mapped: a write to the map then needs no
        new block of the disk, which on a full disk would kill the process (SIGBUS), not fail.
        """
        try:
            fd = os.open(database + PENDING_SUFFIX, os.O_RDWR | (os.O_CREAT if create else 0), 0o644)
        except FileNotFoundError:
            return None
        try:
            with locked(fd):
                whole = os.fstat(fd).st_size >= SLOTS * SLOT.size
                if not whole and create:
                    os.pwrite(fd, bytes(SLOTS * SLOT.size), 0)
        except OSError:
            os.close(fd)
            raise
        if not whole and not create:  # being made
            os.close(fd)
            return None
        return cls(fd)

    def slot(self, index):
        """(pid, handed, written) of one slot."""
        return SLOT.unpack_from(self.map, index * SLOT.size)

    def set_slot(self, index, pid, handed, written):
        SLOT.pack_into(self.map, index * SLOT.size, pid, handed, written)

    def claim_slot(self):
        """The index of a slot now this process's; None when every slot is a live process's. The slots of dead
        processes are freed first: a new process with a dead one's pid would otherwise own its counts."""
        with locked(self.fd):  # one process claims at a time
            for index in range(SLOTS):
                pid = self.slot(index)[0]
                if pid != 0 and not alive(pid):
                    self.set_slot(index, 0, 0, 0)
            for index in range(SLOTS):
                if self.slot(index)[0] == 0:
                    self.set_slot(index, os.getpid(), 0, 0)
                    return index
            return None

    def unwritten(self):
        """{slot index: (pid, entries handed)} of the live processes that have not written every entry handed to them."""
        waiting = {}
        for index in range(SLOTS):
            pid, handed, written = self.slot(index)
            if pid and written < handed and alive(pid):
                waiting[index] = (pid, handed)
        return waiting

    def unwritten_by(self, index, pid, handed):
        """Whether the process `pid`, alive and in slot `index` still, has yet to write `handed` entries."""
        now_pid, _, written = self.slot(index)
        return now_pid == pid and written < handed and alive(pid)


@contextlib.contextmanager
def locked(fd):
    """The file held by this process alone (a POSIX lock of the whole file)."""
    fcntl.lockf(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.lockf(fd, fcntl.LOCK_UN)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


class JournalBatches:
    """A worker's entries, written by one thread in batches; handed in order and counted in the process's slot."""

    def __init__(self, app, counts, slot):
        self.app = app
        self.counts = counts
        self.slot = slot
        self.pid = os.getpid()
        self.entries = queue.SimpleQueue()
        self.lock = threading.Lock()  # over the counts and the order of `entries`
        self.handed = 0
        self.written = 0
        threading.Thread(target=self.write_batches, name="journal-batches").start()

    def add(self, entry):
        with self.lock:
            self.handed += 1
            self.entries.put(entry)
            self.counts.set_slot(self.slot, self.pid, self.handed, self.written)

    def write_batches(self):
        """Write what was handed, in batches, until the process ends: it waits for this thread (not a daemon) once
        its main thread is done, and this thread writes what is left and ends."""
        while True:
            try:
                batch = [self.entries.get(timeout=STOP_SECONDS)]
            except queue.Empty:
                if threading.main_thread().is_alive():
                    continue
                return
            time.sleep(BATCH_SECONDS)
            while len(batch) < MOST_IN_A_BATCH and not self.entries.empty():
                batch.append(self.entries.get())
            try:
                with self.app.app_context():
                    recorder.write_entries(self.app, batch)
            except Exception:  # a thread that died would hold every journal read up until BUSY_TIMEOUT
                log.exception("Journal entries not stored")
            with self.lock:
                self.written += len(batch)
                self.counts.set_slot(self.slot, self.pid, self.handed, self.written)


def start(app):
    """Write the app's journal in batches, if its database is a file and a slot is free."""
    database = app.config["DATABASE"]
    if database == ":memory:" or not app.config["JOURNAL_SIZE"]:
        return
    try:
        counts = app.extensions["pending_counts"] = PendingCounts.open(database, create=True)
    except OSError as error:
        log.warning("Journal entries written one by one, %s%s not made: %s", database, PENDING_SUFFIX, error)
        return
    slot = counts.claim_slot()
    if slot is None:
        log.warning("%s processes batch journal entries on %s already: this one writes each entry at once", SLOTS, database)
        return
    app.extensions["journal_batches"] = JournalBatches(app, counts, slot)


def wait_for_answered():
    """Wait until every process that batches entries on the app's database has written those it was handed so far:
    the entries of every request answered before. DatabaseBusy after BUSY_TIMEOUT."""
    app = current_app._get_current_object()
    counts = pending_counts(app)
    if counts is None:
        return
    waiting = counts.unwritten()
    deadline = time.monotonic() + BUSY_TIMEOUT
    while waiting:
        if time.monotonic() > deadline:
            raise DatabaseBusy()
        pause(POLL_SECONDS)
        waiting = {index: (pid, handed) for index, (pid, handed) in waiting.items() if counts.unwritten_by(index, pid, handed)}


def pending_counts(app):
    """The PendingCounts of the app's database file, once any process batches on it (mapped once an app)."""
    counts = app.extensions.get("pending_counts")
    database = app.config["DATABASE"]
    if counts is None and database != ":memory:":
        counts = PendingCounts.open(database)
        if counts is not None:
            counts = app.extensions.setdefault("pending_counts", counts)
    return counts
