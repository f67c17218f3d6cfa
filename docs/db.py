"""The docs table: every statement that reads or writes a user's docs, one row per chunk (schema.sql)."""

from ..db import get_db
from ..errors import DocOwnerNotFound, DuplicateDoc
from ..hosted.fastapi_wire import encode_compact

CHUNK_FIELDS = (
    "chunk_id, developer_id, user_id, doc_id, idx, title, content, metadata, created_at, embedding, embedding_json"
)

# What a chunk's row stores that DocTooLarge counts: its copy of the title and metadata too.
SIZED_COLUMNS = ("title", "content", "metadata", "search_tsv", "embedding", "embedding_json")

INSERT_CHUNK = """
INSERT INTO docs (developer_id, user_id, doc_id, idx, title, content, metadata, created_at, content_hash, search_tsv,
                  embedding, embedding_json)
VALUES (:developer_id, :user_id, :doc_id, :idx, :title, :content, :metadata, :created_at, :content_hash, :search_tsv,
        :embedding, :embedding_json)
"""


def create_doc(chunks):
    """Insert a new doc's chunks (INSERT_CHUNK's parameters, its first chunk first) as the hosted triggers allow.

    check_duplicate_doc_owner runs before validate_doc_owner (triggers run in name order): a duplicate is
    DuplicateDoc even before the user is looked for, an unknown user DocOwnerNotFound.
    """
    first = chunks[0]
    db = get_db()
    db.execute("BEGIN IMMEDIATE")
    with db:
        if db.execute(
            "SELECT 1 FROM docs WHERE developer_id = ? AND user_id = ? AND content_hash = ? LIMIT 1",
            (first["developer_id"], first["user_id"], first["content_hash"]),
        ).fetchall():
            raise DuplicateDoc()
        if not db.execute(
            "SELECT 1 FROM users WHERE developer_id = ? AND user_id = ?", (first["developer_id"], first["user_id"])
        ).fetchall():
            raise DocOwnerNotFound()
        db.executemany(INSERT_CHUNK, chunks)


def write_docs(db, chunks):
    """Replace whole docs with these chunks (an import): the caller holds the transaction."""
    db.executemany(
        "DELETE FROM docs WHERE developer_id = ? AND doc_id = ?",
        sorted({(chunk["developer_id"], chunk["doc_id"]) for chunk in chunks}),
    )
    db.executemany(INSERT_CHUNK, chunks)


def doc_heads(developer_id, user_id, direction):
    """(doc_id, metadata) of each of the user's docs, ordered by created_at in `direction`, ties by doc_id."""
    # direction was validated against fixed choices, so it is safe to place in the SQL.
    return get_db().execute(
        "SELECT doc_id, metadata FROM docs WHERE developer_id = ? AND user_id = ? AND idx = 0"
        f" ORDER BY created_at {direction}, doc_id {direction}",
        (developer_id, user_id),
    ).fetchall()


def page_of_docs(developer_id, user_id, direction, limit, offset):
    """The doc_ids of one page of the user's docs, as doc_heads() orders them."""
    return [
        row[0]
        for row in get_db().execute(
            "SELECT doc_id FROM docs WHERE developer_id = ? AND user_id = ? AND idx = 0"
            f" ORDER BY created_at {direction}, doc_id {direction} LIMIT ? OFFSET ?",
            (developer_id, user_id, limit, offset),
        )
    ]


def chunks_of_docs(developer_id, doc_ids):
    """CHUNK_FIELDS of these docs' chunks, in index order, grouped by doc as listed."""
    db = get_db()
    rows = []
    for doc_id in doc_ids:
        rows += db.execute(
            f"SELECT {CHUNK_FIELDS} FROM docs WHERE developer_id = ? AND doc_id = ? ORDER BY idx", (developer_id, doc_id)
        ).fetchall()
    return rows


def chunks_by_id(chunk_ids):
    """CHUNK_FIELDS of these chunks, by chunk_id."""
    rows = get_db().execute(
        f"SELECT {CHUNK_FIELDS} FROM docs WHERE chunk_id IN ({','.join('?' * len(chunk_ids))})", list(chunk_ids)
    ).fetchall()
    return {row["chunk_id"]: row for row in rows}


def delete_doc(developer_id, user_id, doc_id):
    """Delete one doc of the user; False if the user has no such doc."""
    # `+user_id`: by the doc's own index, not through every chunk of its user's.
    cursor = get_db().execute(
        "DELETE FROM docs WHERE developer_id = ? AND doc_id = ? AND +user_id = ?", (developer_id, doc_id, user_id)
    )
    return cursor.rowcount > 0


def delete_docs(developer_id, user_id, keep_chunk=None):
    """Delete the user's docs whose chunks `keep_chunk(metadata)` selects (all, without it): one doc_id a chunk,
    in the order they were written."""
    db = get_db()
    db.execute("BEGIN IMMEDIATE")
    with db:
        rows = db.execute(
            f"SELECT chunk_id, doc_id{'' if keep_chunk is None else ', metadata'} FROM docs"
            " WHERE developer_id = ? AND user_id = ? ORDER BY chunk_id",
            (developer_id, user_id),
        ).fetchall()
        chosen = rows if keep_chunk is None else [row for row in rows if keep_chunk(row["metadata"])]
        # By chunk_id, in its order: deleting through the owner index would visit the rows in hash order, which
        # for ten thousand chunks takes three times as long.
        db.execute(
            "DELETE FROM docs WHERE chunk_id IN (SELECT value FROM json_each(?))",
            (encode_compact([row["chunk_id"] for row in chosen]),),
        )
        return [row["doc_id"] for row in chosen]


def delete_user_docs(db, developer_id, user_id):
    """A deleted user's docs go with them (users_db.delete_user); the caller holds the transaction."""
    db.execute("DELETE FROM docs WHERE developer_id = ? AND user_id = ?", (developer_id, user_id))


def newest_chunk_id(db):
    (row,) = db.execute("SELECT max(chunk_id) FROM docs").fetchall()
    return row[0] or 0


def chunk_count(db, after=0):
    """How many chunks there are (newer than chunk_id `after`)."""
    (row,) = db.execute("SELECT count(*) FROM docs" + (" WHERE chunk_id > ?" if after else ""), (after,) if after else ()).fetchall()
    return row[0]


def owner_chunk_count(db, developer_id, user_id):
    (row,) = db.execute("SELECT count(*) FROM docs WHERE developer_id = ? AND user_id = ?", (developer_id, user_id)).fetchall()
    return row[0]


def owner_chunk_ids(db, developer_id, user_id):
    return [row[0] for row in db.execute("SELECT chunk_id FROM docs WHERE developer_id = ? AND user_id = ?", (developer_id, user_id))]


def owner_chunks_after(db, developer_id, user_id, chunk_id):
    """(chunk_id, metadata, search_tsv) of the user's chunks newer than chunk_id, oldest first."""
    # NOT INDEXED: by the chunk_id range, not by scanning the owner index through every chunk of the user.
    return db.execute(
        "SELECT chunk_id, metadata, search_tsv FROM docs NOT INDEXED"
        " WHERE chunk_id > ? AND developer_id = ? AND user_id = ? ORDER BY chunk_id",
        (chunk_id, developer_id, user_id),
    ).fetchall()


def owner_embedded_chunks(developer_id, user_id):
    """CHUNK_FIELDS of the user's embedded chunks."""
    return get_db().execute(
        f"SELECT {CHUNK_FIELDS} FROM docs WHERE developer_id = ? AND user_id = ? AND embedding IS NOT NULL",
        (developer_id, user_id),
    ).fetchall()


def embedded_count(developer_id):
    """How many of the developer's chunks are embedded."""
    (row,) = get_db().execute(
        "SELECT count(*) FROM docs WHERE developer_id = ? AND embedding IS NOT NULL", (developer_id,)
    ).fetchall()
    return row[0]


def others_embeddings(developer_id, user_id):
    """(doc_id, idx, embedding) of the embedded chunks of the developer's other users, read as they are iterated."""
    return get_db().execute(
        "SELECT doc_id, idx, embedding FROM docs WHERE developer_id = ? AND user_id != ? AND embedding IS NOT NULL",
        (developer_id, user_id),
    )


def doc_chunks(developer_id, doc_id):
    """{developer_id: [chunk_id and SIZED_COLUMNS of each chunk, in index order]} of the docs with this id: one
    developer's, or everyone's."""
    found = {}
    for row in get_db().execute(
        f"SELECT developer_id, chunk_id, {', '.join(SIZED_COLUMNS)} FROM docs"
        " WHERE (?1 IS NULL OR developer_id = ?1) AND doc_id = ?2 ORDER BY idx",
        (developer_id, doc_id),
    ):
        found.setdefault(row["developer_id"], []).append(row)
    return found


def set_embeddings(embeddings):
    """(embedding, embedding_json, chunk_id) for each chunk to change, in one transaction."""
    db = get_db()
    db.execute("BEGIN IMMEDIATE")
    with db:
        db.executemany("UPDATE docs SET embedding = ?, embedding_json = ? WHERE chunk_id = ?", embeddings)


def all_docs(developer_id=None):
    """Every developer's docs, or one developer's: their chunks by developer, user, age, doc and index."""
    return get_db().execute(
        f"SELECT {CHUNK_FIELDS} FROM docs WHERE ?1 IS NULL OR developer_id = ?1"
        " ORDER BY developer_id, user_id, created_at, doc_id, idx",
        (developer_id,),
    ).fetchall()
