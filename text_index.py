"""Text search over a user's chunks: the one seam between the docs and textsearch.py (PostgreSQL's full-text search).

Each chunk's tsvector is computed once, at create, and stored (docs.search_tsv). A search must not read and
match ten thousand of them, so each process keeps, per user, an inverted index of them: lexeme → chunk →
positions. Chunks never change and chunk_ids are never reused, so a search brings the index up to date from two
facts: the chunks newer than its newest are new, and if the user then has fewer chunks than the index holds,
some went away: the index learns which chunk_ids are left and ignores the others until they outnumber them.
Every worker process of a server thus sees every other's writes.
"""

import json
import threading

from flask import current_app

from . import docs_db, jsonb
from .db import get_db
from .errors import NoTextSearchConfig, UnsearchableText

DOCS_CONFIG = "english_unaccent"  # textsearch.DOCS_CONFIG, which tests/test_docs.py checks


def textsearch():
    """textsearch.py, imported at first use: reading its tables costs 40 ms that start-up need not spend."""
    from . import textsearch

    return textsearch


def chunk_vector(title, content):
    """A chunk's search_tsv as mig:000030's trigger computes it (weights A for the title, B for the content)."""
    return textsearch().doc_vector(title, content).dumps()


def parse_query(config, text):
    """websearch_to_tsquery(config, text); a 4xx where PostgreSQL would raise (the hosted service answers 500)."""
    module = textsearch()
    try:
        return module.websearch_to_tsquery(config, text)
    except module.UnknownConfig:
        raise NoTextSearchConfig(config) from None
    except module.QueryError as error:
        raise UnsearchableText(str(error)) from None


class UserIndex:
    """The inverted index of one user's chunks: `live` are those still there (the postings may hold others), `newest`
    the newest chunk_id of anyone's it has looked at."""

    def __init__(self, schema_version):
        self.schema_version = schema_version
        self.newest = 0
        self.live = set()
        self.postings = {}  # lexeme → {chunk_id: its positions, textsearch.pack()ed}
        self.metadata = {}  # chunk_id → its doc's metadata as stored (JSON text)

    def add(self, rows):
        pack = textsearch().pack
        for chunk_id, metadata, search_tsv in rows:
            self.metadata[chunk_id] = metadata
            for lexeme, positions in json.loads(search_tsv).items():
                found = self.postings.get(lexeme)
                if found is None:
                    self.postings[lexeme] = {chunk_id: pack(positions)}
                else:
                    found[chunk_id] = pack(positions)
            self.live.add(chunk_id)

    def stale(self):
        """Whether it holds more gone chunks than live ones (and is better built anew)."""
        return len(self.metadata) > 2 * len(self.live) + 100


def current_index(developer_id, user_id):
    """The user's index, brought up to date within one read of the database; the caller holds index_lock()."""
    indexes = current_app.extensions.setdefault("text_indexes", {})
    db = get_db()
    db.execute("BEGIN")
    try:
        (schema_version,) = db.execute("PRAGMA schema_version").fetchone()
        index = indexes.get((developer_id, user_id))
        if index is None or index.schema_version != schema_version:
            index = indexes[(developer_id, user_id)] = UserIndex(schema_version)
        newest = docs_db.newest_chunk_id(db)
        if newest > index.newest:
            index.add(docs_db.owner_chunks_after(db, developer_id, user_id, index.newest))
            index.newest = newest
        if docs_db.owner_chunk_count(db, developer_id, user_id) != len(index.live):
            index.live = set(docs_db.owner_chunk_ids(db, developer_id, user_id))
            if index.stale():
                index = indexes[(developer_id, user_id)] = UserIndex(schema_version)
                index.add(docs_db.owner_chunks_after(db, developer_id, user_id, 0))
                index.newest = newest
        return index
    finally:
        db.execute("COMMIT")


def forget(app):
    """Drop the app's indexes: its database was replaced (db.restore_memory_database), and chunk_ids given again."""
    app.extensions.pop("text_indexes", None)


def index_lock():
    # The threads of a worker share its indexes: one of them brings an index up to date or reads it at a time.
    return current_app.extensions.setdefault("text_index_lock", threading.Lock())


def search(developer_id, user_id, query, limit, metadata_filter):
    """search_by_text: the `limit` best (score, chunk_id) of the user's chunks that match the query and contain the
    filter, best first; score is ts_rank_cd(search_tsv, query, 32). Equal scores come oldest first; which of them
    make the limit is textsearch.search's choice (PostgreSQL's is arbitrary too)."""
    with index_lock():
        index = current_index(developer_id, user_id)
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

        found = textsearch().search(query, postings, limit, rest())
    return sorted(found, key=lambda item: (-item[0], item[1]))
