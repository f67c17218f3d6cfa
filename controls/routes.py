"""The test-double controls under /_double (and /api/_double, the SDKs' base URL): reset, the journal, faults,
snapshots of users and docs, embeddings, the clock; and the dashboard, a page that shows them."""

import json
import sqlite3
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, g, render_template, request, send_from_directory

from .. import __version__, users_db
from ..db import read_transaction, write_transaction
from ..docs import db as docs_db
from ..docs import routes as docs
from ..docs import text_index
from ..errors import (
    ApiError,
    ClockNotFrozen,
    InvalidDeveloperId,
    NoSuchDoc,
    ProjectNotFound,
    RequestValidationError,
    Unhealthy,
    database_error,
)
from ..hosted import jsonb
from ..hosted import pgvector as vectors
from ..hosted.fastapi_wire import LIST_JSON_DEPTH, MAX_JSON_DEPTH, encode_compact, json_value
from ..projects import db as projects_db
from ..projects.routes import project_json
from ..users import user_json
from ..web import auth
from ..web.clock import now_micros
from ..web.reading import parsed_body
from ..web.responses import LATEST, format_timestamp, json_response, no_content
from . import db as double_db
from . import journal_batches, journal_waits
from .schemas import (
    clock_past_the_end,
    load_clock_change,
    load_embeddings,
    load_fault,
    load_journal_query,
    load_reset_query,
    load_users,
    value_error,
)

DASHBOARD = Path(__file__).with_name("dashboard")
bp = Blueprint("double", __name__, url_prefix="/_double", template_folder=DASHBOARD)
# What a browser needs no key for: the health check and the dashboard's page and files (its data needs the key).
KEYLESS_VIEWS = ("health", "dashboard", "dashboard_file")
# The dashboard runs only its own script and style, reaches only this server, and is framed by no other page.
DASHBOARD_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# POST /_double/users takes an export of 100,000 users (49 MB at 490 bytes a user) and more: a limit of its own,
# past the API's body limit. Parsed whole, 49 MB take some 450 MB of memory.
IMPORT_MAX_CONTENT_LENGTH = 64 * 1024 * 1024


def init_app(app):
    """Register the controls; import the SEED_FILE setting, if any."""
    size = app.config["JOURNAL_SIZE"]
    if type(size) is not int or size < 0:
        raise ValueError(f"JOURNAL_SIZE must be a count of entries, not {size!r}")
    app.extensions["journal_watcher"] = journal_waits.Watcher(app)
    with app.app_context():
        double_db.set_journal_size(size)
        if app.config["SEED_FILE"]:
            import_seed_file(Path(app.config["SEED_FILE"]), str(app.config["SERVER_START"] or uuid.uuid4()))
    app.register_blueprint(bp)


def import_seed_file(seed, server_start):
    """Import the seed file once per server start: not again in its other workers, nor in one that replaces
    a worker that crashed (which would bring back what was deleted since). A server that starts several
    workers names its start in SERVER_START before it does (server.serve); without it a process
    is a start of its own."""
    if double_db.seed_imported(server_start):
        return
    try:
        users, projects, docs_chunks = imported(parsed_body(seed.read_bytes(), "application/json", LIST_JSON_DEPTH))
        with write_transaction() as db:
            if double_db.claim_seed_import(server_start):
                store_import(db, users, projects, docs_chunks)
    except ApiError as error:
        raise ValueError(f"{seed} is not a users export: {encode_compact(error.detail)}") from None


@bp.before_request
def require_api_key():
    if request.endpoint.rpartition(".")[2] not in KEYLESS_VIEWS:
        g.acting_developer = acting_developer(auth.check_api_key(request, current_app.config))


def acting_developer(key_developer):
    """In multi-tenant mode, the developer the key or an X-Developer-Id names: the controls then reach only that
    developer's users, docs, journal entries, faults and clock. Naming none (a test harness), or in single-tenant
    mode: None, everyone's."""
    if current_app.config["MULTI_TENANT_MODE"] and (key_developer is not None or "X-Developer-Id" in request.headers):
        return auth.developer_id(key_developer, request, current_app.config)
    return None


def scoped(developer_id):
    """The developer a control may reach when asked for `developer_id` (None: every developer)."""
    acting = g.get("acting_developer")  # none at start-up, when the seed file (SEED_FILE) is imported
    if acting is None:
        return developer_id
    if developer_id not in (None, acting):
        raise InvalidDeveloperId()
    return acting


@bp.get("/health")
def health():
    """200 while a write can be stored, which it tries; else 503 with the reason (full, busy, the file gone)."""
    try:
        double_db.probe_write()
    except (ApiError, sqlite3.OperationalError) as error:
        refusal = error if isinstance(error, ApiError) else database_error(error)
        if refusal is None:
            raise
        raise Unhealthy(refusal.detail) from None
    return json_response(200, encode_compact({"status": "ok", "version": __version__}))


@bp.get("/")
def dashboard():
    """The dashboard: a page that reads the controls with the key it is given (#key=… or asked for)."""
    page = render_template("dashboard.html", key_header=current_app.config["API_KEY_HEADER_NAME"])
    return page, DASHBOARD_HEADERS


@bp.get("/<any('dashboard.js', 'dashboard.css'):name>")
def dashboard_file(name):
    response = send_from_directory(DASHBOARD, name)
    response.headers.update(DASHBOARD_HEADERS)
    return response


@bp.post("/reset")
def reset():
    developer_id = load_reset_query(request.args)["developer_id"]
    journal_batches.wait_for_answered()
    double_db.reset(scoped(None if developer_id is None else str(developer_id)))
    text_index.let_go()
    return no_content()


@bp.get("/requests")
def list_requests():
    query = load_journal_query(request.args)
    query["developer_id"] = scoped(query["developer_id"])
    journal_batches.wait_for_answered()
    journal_waits.wait_for_entries(query)
    entries = double_db.journal_page(query)
    next_cursor = entries[-1]["id"] if entries else query["cursor"]
    return json_response(200, f'{{"items":[{",".join(map(journal_entry, entries))}],"next_cursor":{next_cursor}}}')


@bp.get("/requests/cursor")
def journal_end():
    """The cursor of the journal's end: read with ?cursor= it, the journal gives only the requests journaled after."""
    journal_batches.wait_for_answered()
    return json_response(200, encode_compact({"cursor": double_db.journal_end()}))


@bp.delete("/requests")
def clear_requests():
    journal_batches.wait_for_answered()
    double_db.clear_journal(scoped(None))
    return no_content()


def journal_entry(entry):
    """An entry as JSON text; its body and response are encoded each on its own: their nesting adds to no other."""
    fields = {
        "method": encode_compact(entry["method"]),
        "path": encode_compact(entry["path"]),
        "query": encode_compact(query_object(entry["query"])),
        "headers": encode_compact({header_name(name): value for name, value in json.loads(entry["headers"]).items()}),
        "body": kept_json(entry["body"], entry["body_size"]),
        "body_size": str(entry["body_size"]),
        "body_truncated": encode_compact(len(entry["body"]) < entry["body_size"]),
        "status": str(entry["status"]),
        "response": kept_json(entry["response"], entry["response_size"]),
        "response_size": str(entry["response_size"]),
        "response_truncated": encode_compact(len(entry["response"]) < entry["response_size"]),
        "started_at": encode_compact(format_timestamp(entry["started_at"])),
        "duration_ms": encode_compact(entry["duration_us"] / 1000),
        "developer_id": encode_compact(entry["developer_id"]),
    }
    return "{" + ",".join(f'"{name}":{text}' for name, text in fields.items()) + "}"


def header_name(environ_name):
    """`HTTP_X_DEVELOPER_ID` as `X-Developer-Id`, the way werkzeug names headers."""
    return environ_name.removeprefix("HTTP_").replace("_", "-").title()


def query_object(query_string):
    """Each query key with its value, or its list of values when it was given more than once."""
    values = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        values.setdefault(key, []).append(value)
    return {key: found[0] if len(found) == 1 else found for key, found in values.items()}


def kept_json(data, size):
    """A kept body as JSON text: the JSON it holds, if it was kept whole and is JSON any client can read back
    (UTF-8, -16 or -32 as the API reads it, no lone surrogate, nested no deeper than the double answers);
    else its text, what is not in its encoding replaced by U+FFFD; null when empty."""
    if not size:
        return "null"
    encoding = json.detect_encoding(data)
    if len(data) == size:
        try:
            encoded = encode_compact(json_value(data.decode(encoding), LIST_JSON_DEPTH))
            encoded.encode()  # a lone surrogate survives decoding and encoding, and fails only here (a ValueError)
            return encoded
        except (ValueError, RecursionError):
            pass
    return encode_compact(data.decode(encoding, errors="replace"))


@bp.post("/faults")
def add_fault():
    fault = load_fault(json_body())
    row = double_db.add_fault(
        scoped(None),
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
    return items_response([fault_object(row) for row in double_db.armed_faults(scoped(None))])


@bp.delete("/faults")
def clear_faults():
    double_db.clear_faults(scoped(None))
    return no_content()


def fault_object(row):
    return {**dict(row), "body": json.loads(row["body"]), "headers": json.loads(row["headers"])}


@bp.get("/users")
def export_users():
    developer_id = scoped(None)
    with read_transaction():  # one snapshot: a doc exported with its user, however others write meanwhile
        users = ",".join(user_json(row, with_developer=True) for row in users_db.all_users(developer_id))
        projects = ",".join(project_json(row, with_developer=True) for row in projects_db.all_projects(developer_id))
        docs_json = ",".join(exported_docs(developer_id))
    return json_response(200, f'{{"items":[{users}],"projects":[{projects}],"docs":[{docs_json}]}}')


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
    request.max_content_length = IMPORT_MAX_CONTENT_LENGTH
    users, projects, docs_chunks = imported(json_body(LIST_JSON_DEPTH))
    with write_transaction() as db:
        store_import(db, users, projects, docs_chunks)
    return json_response(200, encode_compact({"imported": len(users), "imported_docs": len(docs_chunks)}))


def imported(body):
    """An export's users, projects and the chunks of each of its docs, validated, as users_db, projects_db and docs_db
    store them: omitted timestamps filled in; developers, ids, timestamps and embeddings kept."""
    now = now_micros()
    loaded_users, loaded_projects, loaded_docs = load_users(body)
    users = []
    for user in loaded_users:
        created_at = now if user["created_at"] is None else user["created_at"]
        updated_at = created_at if user["updated_at"] is None else user["updated_at"]
        users.append(users_db.stored_user("import", scoped(str(user["developer_id"])), str(user["id"]), user, updated_at, created_at))
    projects = []
    for project in loaded_projects:
        created_at = now if project["created_at"] is None else project["created_at"]
        updated_at = created_at if project["updated_at"] is None else project["updated_at"]
        developer_id = scoped(str(project["developer_id"]))
        projects.append(projects_db.stored_project("import", developer_id, str(project["id"]), project, created_at, updated_at))
    return users, projects, [imported_chunks(doc, now) for doc in loaded_docs]


def store_import(db, users, projects, docs_chunks):
    """Upsert the projects and users and replace the docs in the caller's transaction: all or nothing. A user's
    project and a doc's user must be in the import or in the database."""
    projects_db.upsert_projects(projects)
    canonical_names = {}
    for index, user in enumerate(users):
        named = (user["developer_id"], user["project"])
        try:
            if named not in canonical_names:
                canonical_names[named] = projects_db.project_canonical_name(*named)
        except ProjectNotFound:
            message = "no such project, in the import or the database"
            raise RequestValidationError([value_error(message, user["project"], ["body", "items", index, "project"])]) from None
        user["project"] = canonical_names[named]
    users_db.upsert_users(users)
    for index, (chunk, *_) in enumerate(docs_chunks):
        if not users_db.user_exists(db, chunk["developer_id"], chunk["user_id"]):
            message = "no such user, in the import or the database"
            raise RequestValidationError([value_error(message, chunk["user_id"], ["body", "docs", index, "user_id"])])
    docs_db.write_docs(db, [chunk for chunks in docs_chunks for chunk in chunks])


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
    found = docs_db.doc_chunks(scoped(request.args.get("developer_id")), doc_id.lower())
    if not found:
        raise NoSuchDoc()
    written = [(None, None) if vector is None else (vector.tobytes(), vectors.vector_json(vector)) for vector in embeddings]
    changes = []
    for chunks in found.values():
        if len(chunks) != len(embeddings):
            message = f"the doc has {len(chunks)} chunks: give one embedding (or null) each"
            raise RequestValidationError([value_error(message, body["embeddings"], ["body", "embeddings"])])
        docs.within_bounds({**chunk, "embedding": blob, "embedding_json": text} for chunk, (blob, text) in zip(chunks, written))
        changes += [(blob, text, chunk["chunk_id"]) for chunk, (blob, text) in zip(chunks, written)]
    docs_db.set_embeddings(changes)
    texts = ",".join(text or "null" for _, text in written)
    return json_response(200, f'{{"id":"{doc_id.lower()}","embeddings":[{texts}]}}')


@bp.get("/clock")
def read_clock():
    """The clock the API reads now, for the developer the control acts for (a harness: everyone's): frozen (at `now`)
    or real; read once, so the two always agree."""
    frozen = double_db.frozen_now(scoped(None))
    now = time.time_ns() // 1000 if frozen is None else frozen
    return json_response(200, encode_compact({"now": format_timestamp(now), "frozen": frozen is not None}))


@bp.post("/clock")
def set_clock():
    change = load_clock_change(json_body())
    developer_id = scoped(None)
    if change["now"] is not None:
        now = change["now"]
        double_db.freeze_clock(now, developer_id)
    else:
        now = double_db.advance_clock(round(change["advance_seconds"] * 1_000_000), LATEST, developer_id)
        if now is None:
            frozen = double_db.frozen_now(developer_id)
            raise ClockNotFrozen() if frozen is None else clock_past_the_end(change["advance_seconds"])
    return json_response(200, encode_compact({"now": format_timestamp(now)}))


@bp.delete("/clock")
def unfreeze_clock():
    double_db.unfreeze_clock(scoped(None))
    return no_content()


def json_body(max_depth=MAX_JSON_DEPTH):
    """The request body as the API reads it: parsed JSON, text, or None."""
    return parsed_body(request.get_data(), request.headers.get("Content-Type"), max_depth)


def items_response(items):
    return json_response(200, encode_compact({"items": items}))
