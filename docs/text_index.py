"""Text search over a user's chunks: the one seam between the docs and hosted/tsearch (PostgreSQL's full-text search).

Each chunk's tsvector is computed once, at create, and stored (docs.search_tsv). A search must not read and
match ten thousand of them, so each process keeps, per user, an inverted index of them: lexeme → chunk →
positions. Chunks never change and chunk_ids are never reused, so a search brings the index up to date from two
facts: the chunks newer than its newest are new, and if the user then has fewer chunks than the index holds,
some went away: the index learns which chunk_ids are left and ignores the others until they outnumber them.
Every worker process of a server thus sees every other's writes. The indexes of users whose chunks went away go
too (Indexes), and one user's search never waits for another's (each index has its own lock).
"""

import json
import threading

from flask import current_app

from ..db import get_db
from ..errors import NoTextSearchConfig, SearchTooCostly, UnsearchableText
from ..hosted import jsonb, tsearch
from . import db as docs_db


def chunk_vector(title, content):
    """A chunk's search_tsv as mig:000030's trigger computes it (weights A for the title, B for the content)."""
    return tsearch.doc_vector(title, content).dumps()


def parse_query(config, text):
    """websearch_to_tsquery(config, text); a 4xx where PostgreSQL would raise (the hosted service answers 500)."""
    try:
        return tsearch.websearch_to_tsquery(config, text)
    except tsearch.UnknownConfig:
        raise NoTextSearchConfig(config) from None
    except tsearch.QueryError as error:
        raise UnsearchableText(str(error)) from None


class UserIndex:
    """The inverted index of one user's chunks: `live` are those still there (the postings may hold others), `newest`
    the newest chunk_id of anyone's it has looked at. Its lock is held while it is brought up to date and read."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        self.newest = 0
        self.live = set()
        self.postings = {}  # lexeme → {chunk_id: its positions, tsearch.pack()ed}
        self.metadata = {}  # chunk_id → its doc's metadata as stored (JSON text)

    def add(self, rows):
        for chunk_id, metadata, search_tsv in rows:
            self.metadata[chunk_id] = metadata
            for lexeme, positions in json.loads(search_tsv).items():
                found = self.postings.get(lexeme)
                if found is None:
                    self.postings[lexeme] = {chunk_id: tsearch.pack(positions)}
                else:
                    found[chunk_id] = tsearch.pack(positions)
            self.live.add(chunk_id)

    def stale(self, chunks):
        """Whether it holds more gone chunks than the user's `chunks` (and is better built anew)."""
        return len(self.metadata) > 2 * chunks + 100


class Indexes:
    """A worker's indexes by (developer_id, user_id), and what of the database it last saw: the schema, how many
    chunks and the newest. Each search (and let_go()) looks whether chunks went away since; if some did, it drops the
    indexes whose users have none left or stale() ones (built anew when next searched): memory follows what is
    stored. The lock is held only for that and to find or add an index, never while one is searched."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_owner = {}
        self.schema_version = self.chunks = self.newest = 0

    def of(self, developer_id, user_id):
        """The user's index (a new one, empty, if it has none), after dropping those that are no longer worth it."""
        with self.lock:
            self._follow()
            index = self.by_owner.get((developer_id, user_id))
            if index is None:
                index = self.by_owner[(developer_id, user_id)] = UserIndex()
            return index

    def let_go(self):
        """Drop the indexes that are no longer worth it, as a search would."""
        with self.lock:
            self._follow()

    def _follow(self):
        db = get_db()
        db.execute("BEGIN")
        try:
            (schema_version,) = db.execute("PRAGMA schema_version").fetchone()
            added = docs_db.chunk_count(db, self.newest)
            chunks, newest = docs_db.chunk_count(db), docs_db.newest_chunk_id(db)
            if schema_version != self.schema_version:
                self.by_owner.clear()
            elif chunks < self.chunks + added:
                for owner, index in list(self.by_owner.items()):
                    left = docs_db.owner_chunk_count(db, *owner)
                    if not left or index.stale(left):
                        del self.by_owner[owner]
        finally:
            db.execute("COMMIT")
        self.schema_version, self.chunks, self.newest = schema_version, chunks, newest

    def forget(self, developer_id, user_id, index):
        """Drop the user's index if it is this one (a user without chunks keeps none)."""
        with self.lock:
            if self.by_owner.get((developer_id, user_id)) is index:
                del self.by_owner[(developer_id, user_id)]


def indexes():
    found = current_app.extensions.get("text_indexes")
    return found if found is not None else current_app.extensions.setdefault("text_indexes", Indexes())


def let_go():
    """After chunks went away (a user deleted, a reset): this worker drops the indexes no longer worth keeping now,
    not at its next search."""
    found = current_app.extensions.get("text_indexes")
    if found is not None:
        found.let_go()


def bring_up_to_date(index, developer_id, user_id):
    """Bring the user's index up to date within one read of the database (the caller holds its lock)."""
    db = get_db()
    db.execute("BEGIN")
    try:
        newest = docs_db.newest_chunk_id(db)
        if newest > index.newest:
            index.add(docs_db.owner_chunks_after(db, developer_id, user_id, index.newest))
            index.newest = newest
        chunks = docs_db.owner_chunk_count(db, developer_id, user_id)
        if chunks != len(index.live):
            index.live = set(docs_db.owner_chunk_ids(db, developer_id, user_id))
            if index.stale(chunks):
                index.clear()
                index.add(docs_db.owner_chunks_after(db, developer_id, user_id, 0))
                index.newest = newest
    finally:
        db.execute("COMMIT")


def forget(app):
    """Drop the app's indexes: its database was replaced (db.restore_memory_database), and chunk_ids given again."""
    app.extensions.pop("text_indexes", None)


def search(developer_id, user_id, query, limit, metadata_filter):
    """search_by_text: the `limit` best (score, chunk_id) of the user's chunks that match the query and contain the
    filter, best first; score is ts_rank_cd(search_tsv, query, 32). Equal scores come oldest first, and the oldest
    of them make the limit (PostgreSQL's order of ties is arbitrary)."""
    registry = indexes()
    index = registry.of(developer_id, user_id)
    with index.lock:
        bring_up_to_date(index, developer_id, user_id)
        if not index.live:
            registry.forget(developer_id, user_id, index)
            return []
        contains = {}

        def in_scope(chunk_id):
            if chunk_id not in index.live:
                return False
            if not metadata_filter:
                return True
            text = index.metadata[chunk_id]
            if text not in contains:
                contains[text] = jsonb.contains(json.loads(text), metadata_filter)
            return contains[text]

        if metadata_filter or len(index.metadata) != len(index.live):
            postings = {
                lexeme: {chunk_id: positions for chunk_id, positions in index.postings.get(lexeme, {}).items() if in_scope(chunk_id)}
                for lexeme in query.lexemes
            }
        else:
            postings = index.postings

        def rest():
            """The chunks in scope holding none of the query's words, oldest first (a query like `-fox` matches them)."""
            for chunk_id in sorted(index.live):
                if in_scope(chunk_id) and not any(chunk_id in postings.get(lexeme, ()) for lexeme in query.lexemes):
                    yield chunk_id

        try:
            return tsearch.search(query, postings, limit, rest())
        except tsearch.TooCostly as error:
            raise SearchTooCostly(*error.args) from None
