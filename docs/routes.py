"""A user's docs: the five routes under /users/{user_id}/, each declared once (pipeline.operation), and a doc on the
wire. The docs blueprint lives within the API's (users.py), so /api/users/… serves them too."""

import hashlib
import itertools
import json
import math
import time

from flask import Blueprint, current_app, request

from ..db import read_transaction
from ..errors import (
    DocNotFound,
    DocOffsetNegative,
    DocOwnerNotFound,
    DocsUnsortable,
    DocTooLarge,
    DuplicateDoc,
    InvalidData,
    InvalidLanguageCode,
    LimitOutOfRange,
    NoDocCreated,
    NoDocFoundDuringGet,
    PartlyEmbeddedDoc,
)
from ..hosted import INT64_MAX, jsonb, query_filter
from ..hosted import pgvector as vectors
from ..hosted.fastapi_wire import encode_compact
from ..schemas import ResourceDeletedResponse
from ..web.clock import moments, new_uuid7, now_micros
from ..web.pipeline import operation
from ..web.responses import deleted_json, format_timestamp
from . import db as docs_db
from . import search as doc_search
from . import text_index
from .schemas import (
    BULK_DELETE_BODY,
    CREATE_DOC_BODY,
    GET_DOC_QUERY,
    LIST_DOCS_QUERY,
    SEARCH_BODY,
    Doc,
    DocSearchResponse,
    ListResponse_Doc_,
    ListResponse_ResourceDeletedResponse_,
)

bp = Blueprint("docs", __name__)

# Filled in by the hosted create_doc's defaults, never by a client.
DOC_TAIL = '"modality":"text","language":"english","embedding_model":"text-embedding-3-large","embedding_dimensions":1024}'


def doc_json(chunks, with_embeddings, operation):
    """A doc from its chunks (docs_db.CHUNK_FIELDS, index order) as the API's Doc, read during `operation`: `content`
    is always a list."""
    embeddings = "null"
    if with_embeddings:
        stored = [chunk["embedding_json"] for chunk in chunks]
        if all(stored):
            embeddings = f"[{','.join(stored)}]"
        elif any(stored):
            raise PartlyEmbeddedDoc(operation)
    return f'{{{doc_fields(chunks)},"embeddings":{embeddings},{DOC_TAIL}'


def doc_fields(chunks):
    """A doc's own fields, from id to content, as the Doc writes them (the export writes them too)."""
    head = chunks[0]
    content = ",".join(encode_compact(chunk["content"]) for chunk in chunks)
    return (
        f'"id":"{head["doc_id"]}","metadata":{head["metadata"]},"created_at":"{format_timestamp(head["created_at"])}",'
        f'"title":{encode_compact(head["title"])},"content":[{content}]'
    )


def stored_fields(title, contents, metadata):
    """(title, contents, metadata text) as the hosted docs table stores them: NUL removed from every string but the
    metadata's keys (sanitize_string), metadata as jsonb gives it back; jsonb.NotStorable where PostgreSQL refuses."""
    return (
        jsonb.sanitize_string(title),
        [jsonb.sanitize_string(content) for content in contents],
        jsonb.stored_text(metadata or {}),
    )


def chunk_rows(developer_id, user_id, doc_id, fields, created_at, embeddings):
    """docs_db.INSERT_CHUNK's parameters for each chunk of a doc: stored_fields(), one embedding (or None) a chunk.

    DocTooLarge past its bounds, found as soon as they are passed: `embeddings` may be a generator, computed only
    for the chunks a doc within them has.
    """
    title, contents, metadata = fields
    if len(contents) > DocTooLarge.MAX_CHUNKS:
        raise DocTooLarge()
    return within_bounds(
        {
            "developer_id": developer_id,
            "user_id": user_id,
            "doc_id": doc_id,
            "idx": index,
            "title": title,
            "content": content,
            "metadata": metadata,
            "created_at": created_at,
            # md5(title || '|' || content), as mig:000029's trigger writes it for the duplicate rule.
            "content_hash": hashlib.md5(f"{title}|{content}".encode()).hexdigest(),
            "search_tsv": text_index.chunk_vector(title, content),
            "embedding": None if embedding is None else embedding.tobytes(),
            "embedding_json": None if embedding is None else vectors.vector_json(embedding),
        }
        for index, (content, embedding) in enumerate(zip(contents, embeddings))
    )


def within_bounds(rows):
    """A doc's rows (each with docs_db.SIZED_COLUMNS), as a list, read only until they store more than DocTooLarge's
    bytes (its count of chunks is checked before)."""
    kept, stored = [], 0
    for row in rows:
        stored += sum(map(stored_bytes, (row[column] for column in docs_db.SIZED_COLUMNS)))
        if stored > DocTooLarge.MAX_BYTES:
            raise DocTooLarge()
        kept.append(row)
    return kept


def stored_bytes(value):
    """A column's bytes: text as UTF-8, a blob as it is, NULL none."""
    if value is None:
        return 0
    return len(value) if type(value) is bytes else len(value.encode())


@operation(
    bp.post,
    "/users/<user_id>/docs",
    201,
    Doc,
    body=CREATE_DOC_BODY,
    refusals=(NoDocCreated, DocOwnerNotFound, DuplicateDoc, DocTooLarge),
)
def create_user_doc(call):
    body = call.body
    if not body["content"]:
        raise NoDocCreated()
    try:
        fields = title, contents, _ = stored_fields(body["title"], body["content"], body["metadata"])
    except jsonb.NotStorable:
        raise InvalidData("doc", "create") from None
    if current_app.config["EMBED_NEW_CHUNKS"]:
        embeddings = (vectors.local_embedding(title, content) for content in contents)
    else:
        embeddings = itertools.repeat(None)
    chunks = chunk_rows(call.developer_id, call.user_id, str(new_uuid7()), fields, now_micros(), embeddings)
    docs_db.create_doc(chunks)
    # As the hosted create reads the doc back without its embeddings.
    return doc_json(chunks, with_embeddings=False, operation="create")


@operation(
    bp.get, "/users/<user_id>/docs", 200, ListResponse_Doc_, query=LIST_DOCS_QUERY,
    refusals=(LimitOutOfRange, DocOffsetNegative, DocsUnsortable),
)
def list_user_docs(call):
    query = call.query
    LimitOutOfRange.check(query["limit"])
    if query["offset"] < 0:
        raise DocOffsetNegative()
    if query["sort_by"] == "updated_at":
        raise DocsUnsortable()
    metadata_filter = list_filter()
    if query["offset"] > INT64_MAX:  # past asyncpg's int8: a DataError
        raise InvalidData("doc", "list")
    developer_id, direction = call.developer_id, query["direction"]
    with read_transaction():  # the page's chunks as its ids were read, a doc deleted meanwhile too
        if metadata_filter:
            heads = docs_db.doc_heads(developer_id, call.user_id, direction)
            matching = [doc_id for doc_id, metadata in heads if text_filter_matches(json.loads(metadata), metadata_filter)]
            doc_ids = matching[query["offset"] : query["offset"] + query["limit"]]
        else:
            doc_ids = docs_db.page_of_docs(developer_id, call.user_id, direction, query["limit"], query["offset"])
        chunks = docs_db.chunks_of_docs(developer_id, doc_ids)
    docs = [doc_json([chunk for chunk in chunks if chunk["doc_id"] == doc_id], query["include_embeddings"], "list") for doc_id in doc_ids]
    return f'{{"items":[{",".join(docs)}]}}'


def list_filter():
    """The `metadata_filter.<key>=<value>` parameters (query_filter) as the hosted list compares them:
    `metadata->>key = value`, a (key, text) pair each, NUL removed from both (sanitize_string).

    A number meets a text parameter, which asyncpg refuses (DataError). NaN and infinities turn into JSON null
    first (model_dump(mode="json")): they match nothing. No lone surrogate reaches sanitize_string here: Werkzeug
    leaves the bytes of a query that are no UTF-8 percent-encoded.
    """
    pairs = []
    for key, value in query_filter.extract_filters(request.args).items():
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        elif not isinstance(value, str):
            raise InvalidData("doc", "list")
        pairs.append((jsonb.sanitize_string(key), value and jsonb.sanitize_string(value)))
    return pairs


def text_filter_matches(metadata, pairs):
    """Every (key, text) pair holds: `metadata->>key = text`, never true for a null."""
    return all(value is not None and jsonb.field_text(metadata, key) == value for key, value in pairs)


@operation(
    bp.get, "/docs/<doc_id>", 200, Doc, query=GET_DOC_QUERY, not_found=NoDocFoundDuringGet, path=("doc_id",),
    refusals=(PartlyEmbeddedDoc,),
)
def get_doc(call):
    """Any doc of the developer's, whoever owns it (the hosted query checks no owner); embeddings by default."""
    chunks = docs_db.chunks_of_docs(call.developer_id, [call.doc_id])
    return doc_json(chunks, call.query["include_embeddings"], "get") if chunks else None


@operation(
    bp.delete, "/users/<user_id>/docs/<doc_id>", 202, ResourceDeletedResponse, not_found=DocNotFound, path=("doc_id", "user_id")
)
def delete_user_doc(call):
    if not docs_db.delete_doc(call.developer_id, call.user_id, call.doc_id):
        return None
    return deleted_json(call.doc_id, now_micros())


@operation(bp.delete, "/users/<user_id>/docs", 202, ListResponse_ResourceDeletedResponse_, body=BULK_DELETE_BODY)
def bulk_delete_user_docs(call):
    """One item per deleted chunk, as the hosted DELETE … RETURNING gives them."""
    body = call.body
    if body["delete_all"]:
        doc_ids = docs_db.delete_docs(call.developer_id, call.user_id)
    elif body["metadata_filter"]:
        pairs = delete_filter(body["metadata_filter"])
        matches = {}

        def chosen(metadata):
            if metadata not in matches:
                matches[metadata] = text_filter_matches(json.loads(metadata), pairs)
            return matches[metadata]

        doc_ids = docs_db.delete_docs(call.developer_id, call.user_id, chosen)
    else:
        doc_ids = []
    # Each item's deleted_at is a utcnow() of its own, as the hosted transform reads it item by item.
    return f'{{"items":[{",".join(map(deleted_json, doc_ids, moments()))}]}}'


def delete_filter(metadata_filter):
    """Each key and value a text parameter of `metadata->>key = value`; anything but a string or null is a DataError."""
    if any(value is not None and type(value) is not str for value in metadata_filter.values()):
        raise InvalidData("doc", "delete")
    try:
        return [
            (jsonb.sanitize_string(key), value and jsonb.sanitize_string(value))
            for key, value in metadata_filter.items()
        ]
    except jsonb.NotStorable:
        raise InvalidData("doc", "delete") from None


@operation(
    bp.post, "/users/<user_id>/search", 200, DocSearchResponse, body=SEARCH_BODY, refusals=(InvalidLanguageCode,)
)
def search_user_docs(call):
    started = time.perf_counter()
    found, with_embeddings = doc_search.search(call.developer_id, call.user_id, call.body)
    elapsed = max(time.perf_counter() - started, 0.01)
    references = ",".join(reference_json(item, call.user_id, with_embeddings) for item in found)
    return f'{{"docs":[{references}],"time":{elapsed!r}}}'


def reference_json(found, user_id, with_embeddings):
    row = found.row
    embedding = row["embedding_json"] if with_embeddings and row["embedding_json"] else "null"
    return (
        f'{{"metadata":{row["metadata"]},"owner":{{"id":"{user_id}","role":"user"}},"id":"{row["doc_id"]}",'
        f'"title":{encode_compact(row["title"])},"snippet":{{"index":{row["idx"]},"content":{encode_compact(row["content"])},'
        f'"embedding":{embedding}}},"distance":{found.distance!r}}}'
    )
