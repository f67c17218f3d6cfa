"""Text search over a user's chunks: the one seam between the docs and textsearch.py (PostgreSQL's full-text search).

Each chunk's tsvector is computed once, at create, and stored (docs.search_tsv). A search must not read and
match ten thousand of them, so each process keeps, per user, an inverted index of them: lexeme → chunk →
positions. Chunks never change and chunk_ids are never reused, so the index is current exactly when the user's
chunk count equals the index's own plus the chunks newer than its newest; a search adds those, or, when some
chunk went away, builds the index anew. Every worker process of a server thus sees every other's writes.
"""

import heapq
import json
import threading

from flask import current_app

from . import docs_db, jsonb, textsearch
from .db import get_db
from .errors import NoTextSearchConfig, UnsearchableText

DOCS_CONFIG = textsearch.DOCS_CONFIG


def chunk_vector(title, content):
    """A chunk's search_tsv as mig:000030's trigger computes it (weights A for the title, B for the content)."""
    return textsearch.doc_vector(title, content).dumps()


def parse_query(config, text):
    """websearch_to_tsquery(config, text); a 4xx where PostgreSQL would raise (the hosted service answers 500)."""
    try:
        return textsearch.websearch_to_tsquery(config, text)
    except textsearch.UnknownConfig:
        raise NoTextSearchConfig(config) from None
    except textsearch.QueryError as error:
        raise UnsearchableText(str(error)) from None


class UserIndex:
    """The inverted index of one user's chunks, as of `count` chunks up to chunk_id `newest` (schema_version)."""

    def __init__(self, schema_version):
        self.schema_version = schema_version
        self.count = 0
        self.newest = 0
        self.postings = {}  # lexeme → {chunk_id: packed positions}
        self.metadata = {}  # chunk_id → its doc's metadata as stored (JSON text)

    def add(self, rows):
        for chunk_id, metadata, search_tsv in rows:
            self.metadata[chunk_id] = metadata
            for lexeme, positions in json.loads(search_tsv).items():
                self.postings.setdefault(lexeme, {})[chunk_id] = positions
            self.newest = max(self.newest, chunk_id)
        self.count += len(rows)


def current_index(developer_id, user_id):
    """The user's index, brought up to date within one read of the database; the caller holds index_lock()."""
    indexes = current_app.extensions.setdefault("text_indexes", {})
    db = get_db()
    db.execute("BEGIN")
    try:
        (schema_version,) = db.execute("PRAGMA schema_version").fetchone()
        count, newest = docs_db.owner_state(db, developer_id, user_id)
        index = indexes.get((developer_id, user_id))
        if index is not None and (index.schema_version != schema_version or newest < index.newest):
            index = None
        if index is not None and count != index.count:
            added = docs_db.owner_chunks_after(db, developer_id, user_id, index.newest)
            if count == index.count + len(added):
                index.add(added)
            else:
                index = None
        if index is None:
            index = indexes[(developer_id, user_id)] = UserIndex(schema_version)
            index.add(docs_db.owner_chunks_after(db, developer_id, user_id, 0))
        return index
    finally:
        db.execute("COMMIT")


def index_lock():
    # The threads of a worker share its indexes: one of them brings an index up to date or reads it at a time.
    return current_app.extensions.setdefault("text_index_lock", threading.Lock())


def search(developer_id, user_id, query, limit, metadata_filter):
    """search_by_text: the `limit` best (score, chunk_id) of the user's chunks that match the query and contain the
    filter, best first (equal scores oldest first); score is ts_rank_cd(search_tsv, query, 32)."""
    with index_lock():
        index = current_index(developer_id, user_id)
        lexemes = [(lexeme, index.postings.get(lexeme, {})) for lexeme in query.lexemes]
        # A query such as `-fox` also matches chunks holding none of its words.
        candidates = index.metadata.keys() if query.matches({}) else set().union(*(found for _, found in lexemes))
        contains_filter = {}
        scored = []
        for chunk_id in candidates:
            words = {lexeme: found[chunk_id] for lexeme, found in lexemes if chunk_id in found}
            if not query.matches(words):
                continue
            if metadata_filter:
                text = index.metadata[chunk_id]
                if text not in contains_filter:
                    contains_filter[text] = jsonb.contains(json.loads(text), metadata_filter)
                if not contains_filter[text]:
                    continue
            scored.append((query.rank_cd(words), -chunk_id))
    return [(score, -negated) for score, negated in heapq.nlargest(limit, scored)]
