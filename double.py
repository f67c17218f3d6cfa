"""The test-double controls under /_double (and /api/_double, the SDKs' base URL): reset, the journal, faults,
snapshots of users and docs, embeddings, the clock."""

import json
from pathlib import Path
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, g, request

from . import __version__, auth, docs, docs_db, double_db, jsonb, users_db, vectors
from .api import user_json
from .clock import now_micros
from .db import get_db
from .double_schemas import load_clock_change, load_embeddings, load_fault, load_reset_query, load_users, value_error
from .errors import ClockNotFrozen, InvalidDeveloperId, NoSuchDoc, RequestValidationError
from .responses import encode_compact, format_timestamp, json_response, no_content
from .schemas import STRICT_JSON, body_value

bp = Blueprint("double", __name__, url_prefix="/_double")


def init_app(app):
    """Register the controls; import FLASK_SEED_FILE, if any."""
    size = app.config["JOURNAL_SIZE"]
    if type(size) is not int or size < 0:
        raise ValueError(f"JOURNAL_SIZE must be a count of entries, not {size!r}")
    with app.app_context():
        double_db.set_journal_size(size)
        if app.config["SEED_FILE"]:
            seed = Path(app.config["SEED_FILE"])
            try:
                import_users(json.loads(seed.read_bytes()))
            except RequestValidationError as error:
                raise ValueError(f"{seed} is not a users export: {encode_compact(error.detail)}") from None
    app.register_blueprint(bp)
    app.register_blueprint(bp, url_prefix="/api/_double", name="double_under_api")


@bp.before_request
def require_api_key():
    if current_app.view_functions[request.endpoint] is not health:
        auth.check_api_key()
        g.acting_developer = acting_developer()


def acting_developer():
    """In multi-tenant mode, the developer an X-Developer-Id names: the controls then reach only that developer's
    users and journal entries. Without the header (a test harness) or in single-tenant mode, None: everyone's."""
    if current_app.config["MULTI_TENANT_MODE"] and "X-Developer-Id" in request.headers:
        return auth.calling_developer()
    return None


def scoped(developer_id):
    """The developer a control may reach when asked for `developer_id` (None: every developer)."""
    acting = g.get("acting_developer")  # none at start-up, when FLASK_SEED_FILE is imported
    if acting is None:
        return developer_id
    if developer_id not in (None, acting):
        raise InvalidDeveloperId()
    return acting


@bp.get("/health")
def health():
    double_db.frozen_now()  # answers only from a database that is there
    return json_response(200, encode_compact({"status": "ok", "version": __version__}))


@bp.post("/reset")
def reset():
    developer_id = load_reset_query(request.args)["developer_id"]
    double_db.reset(scoped(None if developer_id is None else str(developer_id)))
    return no_content()


@bp.get("/requests")
def list_requests():
    entries = double_db.journal_entries(
        request.args.get("method"), request.args.get("path"), scoped(request.args.get("developer_id"))
    )
    return items_response([journal_entry(entry) for entry in entries])


@bp.delete("/requests")
def clear_requests():
    double_db.clear_journal(scoped(None))
    return no_content()


def journal_entry(entry):
    return {
        "method": entry["method"],
        "path": entry["path"],
        "query": query_object(entry["query"]),
        "headers": {header_name(name): value for name, value in json.loads(entry["headers"]).items()},
        "body": parsed(entry["body"]),
        "status": entry["status"],
        "response": parsed(entry["response"]),
        "started_at": format_timestamp(entry["started_at"]),
        "duration_ms": entry["duration_us"] / 1000,
        "developer_id": entry["developer_id"],
    }


def header_name(environ_name):
    """`HTTP_X_DEVELOPER_ID` as `X-Developer-Id`, the way werkzeug names headers."""
    return environ_name.removeprefix("HTTP_").replace("_", "-").title()


def query_object(query_string):
    """Each query key with its value, or its list of values when it was given more than once."""
    values = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        values.setdefault(key, []).append(value)
    return {key: found[0] if len(found) == 1 else found for key, found in values.items()}


def parsed(data):
    """A body as JSON, else as text; None when empty."""
    if not data:
        return None
    text = data.decode(errors="replace")
    try:
        return STRICT_JSON.decode(text)
    except ValueError:
        return text


@bp.post("/faults")
def add_fault():
    fault = load_fault(json_body())
    row = double_db.add_fault(
        fault["method"],
        fault["path"],
        fault["status"],
        encode_compact(fault["body"]),
        encode_compact(fault["headers"]),
        fault["delay_ms"],
        fault["times"],
    )
    return json_response(201, encode_compact(fault_object(row)))


@bp.get("/faults")
def list_faults():
    return items_response([fault_object(row) for row in double_db.armed_faults()])


@bp.delete("/faults")
def clear_faults():
    double_db.clear_faults()
    return no_content()


def fault_object(row):
    return {**dict(row), "body": json.loads(row["body"]), "headers": json.loads(row["headers"])}


@bp.get("/users")
def export_users():
    developer_id = scoped(None)
    users = ",".join(user_json(row, with_developer=True) for row in users_db.all_users(developer_id))
    return json_response(200, f'{{"items":[{users}],"docs":[{",".join(exported_docs(developer_id))}]}}')


def exported_docs(developer_id):
    """Each doc as the export writes it: its developer and user, the Doc's fields, one embedding (or null) a chunk."""
    chunks = {}
    for row in docs_db.all_docs(developer_id):
        chunks.setdefault((row["developer_id"], row["doc_id"]), []).append(row)
    for (doc_developer, _), rows in chunks.items():
        embeddings = ",".join(row["embedding_json"] or "null" for row in rows)
        yield (
            f'{{"developer_id":"{doc_developer}","user_id":"{rows[0]["user_id"]}",{docs.doc_fields(rows)},'
            f'"embeddings":[{embeddings}]}}'
        )


@bp.post("/users")
def post_users():
    users, imported_docs = import_users(json_body())
    return json_response(200, encode_compact({"imported": users, "imported_docs": imported_docs}))


def import_users(body):
    """Upsert an export's users and replace its docs, keeping developers, ids, timestamps and embeddings, all in one
    transaction; how many users and docs. A doc's user must be in the import or in the database."""
    now = now_micros()
    loaded_users, loaded_docs = load_users(body)
    users = []
    for user in loaded_users:
        created_at = now if user["created_at"] is None else user["created_at"]
        updated_at = created_at if user["updated_at"] is None else user["updated_at"]
        users.append(users_db.stored_user(scoped(str(user["developer_id"])), str(user["id"]), user, updated_at, created_at))
    chunks = [chunk for doc in loaded_docs for chunk in imported_chunks(doc, now)]
    db = get_db()
    db.execute("BEGIN IMMEDIATE")
    with db:
        users_db.write_users(db, users)
        for index, doc in enumerate(loaded_docs):
            if not users_db.user_exists(db, scoped(str(doc["developer_id"])), str(doc["user_id"])):
                raise RequestValidationError(
                    [value_error("no such user, in the import or the database", str(doc["user_id"]), ["body", "docs", index, "user_id"])]
                )
        docs_db.write_docs(db, chunks)
    return len(users), len(loaded_docs)


def imported_chunks(doc, now):
    """The chunks of an imported doc, stored as the API's create stores them."""
    try:
        fields = docs.stored_fields(doc["title"], doc["content"], doc["metadata"])
    except jsonb.NotStorable as error:
        raise RequestValidationError([value_error(str(error), doc["title"], ["body", "docs"])]) from None
    created_at = now if doc["created_at"] is None else doc["created_at"]
    embeddings = doc["embeddings"] or [None] * len(doc["content"])
    return docs.chunk_rows(scoped(str(doc["developer_id"])), str(doc["user_id"]), str(doc["id"]), fields, created_at, embeddings)


@bp.put("/docs/<doc_id>/embeddings")
def set_doc_embeddings(doc_id):
    """Give a doc's chunks their embeddings (null: not embedded), as the hosted vectorizer would, some time after
    create: the doc of this id of every developer the control may reach (?developer_id= names one)."""
    body = json_body()
    embeddings = load_embeddings(body)
    found = docs_db.doc_chunk_ids(scoped(request.args.get("developer_id")), doc_id.lower())
    if not found:
        raise NoSuchDoc()
    changes = []
    for chunk_ids in found.values():
        if len(chunk_ids) != len(embeddings):
            message = f"the doc has {len(chunk_ids)} chunks: give one embedding (or null) each"
            raise RequestValidationError([value_error(message, body["embeddings"], ["body", "embeddings"])])
        for chunk_id, embedding in zip(chunk_ids, embeddings):
            stored = None if embedding is None else (embedding.tobytes(), vectors.vector_json(embedding))
            changes.append((*(stored or (None, None)), chunk_id))
    docs_db.set_embeddings(changes)
    written = ",".join("null" if embedding is None else vectors.vector_json(embedding) for embedding in embeddings)
    return json_response(200, f'{{"id":"{doc_id.lower()}","embeddings":[{written}]}}')


@bp.post("/clock")
def set_clock():
    change = load_clock_change(json_body())
    if change["now"] is not None:
        now = change["now"]
        double_db.freeze_clock(now)
    else:
        now = double_db.advance_clock(round(change["advance_seconds"] * 1_000_000))
        if now is None:
            raise ClockNotFrozen()
    return json_response(200, encode_compact({"now": format_timestamp(now)}))


@bp.delete("/clock")
def unfreeze_clock():
    double_db.unfreeze_clock()
    return no_content()


def json_body():
    """The request body as the API reads it: parsed JSON, text, or None."""
    return body_value(request.get_data(), request.headers.get("Content-Type"))


def items_response(items):
    return json_response(200, encode_compact({"items": items}))
