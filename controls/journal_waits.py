"""Journal reads that wait (GET /_double/requests?wait_ms=N&min_count=K), woken once their entries may be there:
a read costs nothing while nothing is written.

While any read waits in a process, one watcher thread looks for new journal entries for all of them: at once when
the process journals one (recorder.record calls Watcher.written), and every WATCH_SECONDS for what other processes
journal (the production server's other workers), unless the database is in memory, one process's. A look that
finds new entries runs them through the waiting reads' filters in one statement, and wakes only the reads that may
now have their `min_count`: each counts its entries itself then, and answers or waits on.
"""

import sqlite3
import threading
import time

from flask import current_app

from .. import db
from ..errors import ApiError, TooManyWaiting
from ..web.pause import pause
from . import db as double_db

# How often the watcher looks for entries other processes journaled, while a read waits: such an entry wakes a
# read about this late. A look that finds none is one small query; the two workers' watchers took 0.03-0.035 CPU
# seconds a second at 20 ms, 0.06-0.075 at 10 ms (bench/longpoll.py, single runs on a shared 2-core machine).
WATCH_SECONDS = 0.02
# After a look that counted new entries the watcher rests this many times the CPU time it took: however fast
# entries are written, it takes at most a tenth of a core.
REST_PER_LOOK = 9
# Reads waiting at once in a process; one more is refused (TooManyWaiting). Each holds one of a production
# worker's 256 threads (server.THREADS) while it waits: half of them are left to other requests.
MAX_WAITING = 128


def wait_for_entries(query):
    """Return once `query["min_count"]` entries match `query` (double_db.JOURNAL_MATCHES), or once `query["wait_ms"]`
    has passed."""
    deadline = time.monotonic() + query["wait_ms"] / 1000
    count, seen = double_db.journal_count(query, query["min_count"])
    if count >= query["min_count"] or not query["wait_ms"]:
        return
    watcher = current_app.extensions["journal_watcher"]
    read = WaitingRead(query, seen, count)
    watcher.add(read)
    try:
        while (left := deadline - time.monotonic()) > 0:
            pause(left, read.woken)
            if read.woken.is_set():
                read.woken.clear()
                count, seen = double_db.journal_count(query, query["min_count"])
                if count >= query["min_count"]:
                    return
                watcher.recounted(read, count, seen)
    finally:
        watcher.remove(read)


class WaitingRead:
    """A read that waits: it knows of the entries up to `seen`, and at most `counted` of them match it."""

    __slots__ = ("query", "filters", "seen", "counted", "woken")

    def __init__(self, query, seen, counted):
        self.query = query
        self.filters = (query["method"], query["path"], query["developer_id"])
        self.seen = max(seen, query["cursor"])  # no entry up to the cursor is the read's
        self.counted = counted
        self.woken = threading.Event()


class Watcher:
    """The reads waiting in a process, and the thread that looks for their entries while any waits."""

    def __init__(self, app):
        self.app = app
        self.others_journal = app.config["DATABASE"] != ":memory:"
        self.lock = threading.Lock()  # over `waiting`, each read's `seen` and `counted`, and `thread`
        self.waiting = set()
        self.thread = None
        self.look_now = threading.Event()

    def written(self):
        """This process journaled an entry (committed): look at once, if a read waits."""
        if self.waiting:
            self.look_now.set()

    def add(self, read):
        with self.lock:
            if len(self.waiting) >= MAX_WAITING:
                raise TooManyWaiting(MAX_WAITING)
            self.waiting.add(read)
            if self.thread is None:
                self.thread = threading.Thread(target=self.watch, name="journal-watcher", daemon=True)
                self.thread.start()
        self.look_now.set()  # for an entry written after the read counted, and announced before it was added

    def recounted(self, read, count, seen):
        with self.lock:
            read.counted, read.seen = count, max(seen, read.query["cursor"])
        self.look_now.set()  # for the entries a look counted past `seen` before the count

    def remove(self, read):
        with self.lock:
            self.waiting.discard(read)
        self.look_now.set()  # the watcher stops once no read waits

    def watch(self):
        try:
            with self.app.app_context():
                while True:
                    self.look_now.wait(WATCH_SECONDS if self.others_journal else None)
                    self.look_now.clear()
                    with self.lock:
                        if not self.waiting:
                            self.thread = None
                            return
                        reads = [(read, read.seen) for read in self.waiting]
                    started = time.thread_time()
                    try:
                        counted = self.look(reads)
                    except (sqlite3.Error, ApiError):
                        counted = False
                        for read, _ in reads:  # each counts for itself, and answers the error (busy, gone) if it is one
                            read.woken.set()
                    finally:
                        db.return_db()
                    if counted:
                        time.sleep(REST_PER_LOOK * (time.thread_time() - started))
        finally:  # after a bug, the next read that waits starts a watcher again
            with self.lock:
                if self.thread is threading.current_thread():
                    self.thread = None

    def look(self, reads):
        """Count the entries journaled since each read's `seen` that its filters let through; wake the reads that may
        have their `min_count` now. Whether there were new entries to count."""
        newest = double_db.newest_journal_entry()
        behind = [(read, seen) for read, seen in reads if seen < newest]
        if not behind:
            return False
        filters = {}  # each read's filters, by their index in the statement
        for read, _ in behind:
            filters.setdefault(read.filters, len(filters))
        found = double_db.new_journal_matches(list(filters), min(seen for _, seen in behind), newest)
        with self.lock:
            for read, seen in behind:
                if read.seen != seen:  # it counted again meanwhile
                    continue
                read.counted += sum(entry_id > seen for entry_id in found.get(filters[read.filters], ()))
                read.seen = newest
                if read.counted >= read.query["min_count"]:
                    read.woken.set()
        return True
