"""The test-double controls under /_double, and the hooks that journal and fault the API's requests."""

import json
import time
from pathlib import Path
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, g, request
from werkzeug.exceptions import HTTPException

from . import __version__, api, db, double_db
from .api import encode_compact, format_timestamp, json_response
from .clock import now_micros
from .double_schemas import load_clock_change, load_fault, load_reset_query, load_users
from .schemas import STRICT_JSON, RequestValidationError, body_value

API_BLUEPRINTS = ("api", "api_under_api")
REDACTED = "[REDACTED]"

bp = Blueprint("double", __name__, url_prefix="/_double")


def init_app(app):
    """Register the controls and the hooks; import FLASK_SEED_FILE, if any."""
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
    app.before_request(start_api_request)
    app.after_request(journal_api_request)
    app.register_blueprint(bp)


def is_api_request(req):
    """The Julep API's routes, and unknown paths outside /_double (a client's typo is worth journaling)."""
    if req.blueprint is not None:
        return req.blueprint in API_BLUEPRINTS
    return req.url_rule is None and not req.path.startswith("/_double")


def api_path(path):
    return path[4:] if path.startswith("/api/") else path


# The two hooks below run on every API request: they look the request and g up once, not per use.


def start_api_request():
    """Note the time, read the clock, and play the first matching armed fault, if any."""
    req = request._get_current_object()
    context = g._get_current_object()
    if not is_api_request(req):
        # An app context can outlive a request (a test's `with app.app_context()`): the clock read for one must not
        # serve the next. API requests read it afresh below.
        context.pop("frozen_now", None)
        return None
    context.started = time.perf_counter_ns()
    context.started_at = time.time_ns() // 1000
    context.frozen_now, faults_armed = double_db.request_state()
    if not faults_armed:
        return None
    fault = double_db.fire_fault(req.method, api_path(req.path))
    if fault is None:
        return None
    status, body, headers, delay_ms = fault
    if delay_ms:
        db.return_db()  # an in-memory database has one connection: let other threads use it meanwhile
        time.sleep(delay_ms / 1000)
    if status is None:
        return None
    return json_response(status, body, json.loads(headers))


def journal_api_request(response):
    context = g._get_current_object()
    started = context.pop("started", None)
    config = current_app.config
    if started is None or not config["JOURNAL_SIZE"]:
        return response
    req = request._get_current_object()
    body = context.get("request_body")  # api.request_body() has read the stream
    if body is None:
        try:
            body = req.get_data()
        except HTTPException:  # a body too large to read
            body = b""
    double_db.add_journal_entry(
        req.method,
        req.path,
        api_path(req.path),
        req.query_string,
        redacted_headers(req.environ, config),
        body,
        response.status_code,
        response.get_data(),
        context.started_at,
        (time.perf_counter_ns() - started) // 1000,
        context.get("developer_id"),
    )
    return response


def redacted_headers(environ, config):
    """The request's headers as JSON, WSGI-named, with the API key header and any header carrying the key redacted.

    Read straight from the environ: twice as fast as through request.headers.
    """
    key_header = "HTTP_" + config["API_KEY_HEADER_NAME"].upper().replace("-", "_")
    key = config["API_KEY"]
    return encode_compact(
        {
            name: REDACTED if name == key_header or key in value else value
            for name, value in environ.items()
            if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")
        }
    )


def header_name(environ_name):
    """`HTTP_X_DEVELOPER_ID` as `X-Developer-Id`, the way werkzeug names headers."""
    return environ_name.removeprefix("HTTP_").replace("_", "-").title()


@bp.before_request
def require_api_key():
    if request.endpoint != "double.health":
        api.check_api_key()
        g.acting_developer = acting_developer()


def acting_developer():
    """In multi-tenant mode, the developer an X-Developer-Id names: the controls then reach only that developer's
    users and journal entries. Without the header (a test harness) or in single-tenant mode, None: everyone's."""
    if current_app.config["MULTI_TENANT_MODE"] and "X-Developer-Id" in request.headers:
        return api.calling_developer()
    return None


def scoped(developer_id):
    """The developer a control may reach when asked for `developer_id` (None: every developer)."""
    acting = g.get("acting_developer")  # none at start-up, when FLASK_SEED_FILE is imported
    if acting is None:
        return developer_id
    if developer_id not in (None, acting):
        raise api.ApiError(400, "Invalid developer ID")
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
    return items_response([journal_entry(*entry) for entry in entries])


@bp.delete("/requests")
def clear_requests():
    double_db.clear_journal(scoped(None))
    return no_content()


def journal_entry(method, path, query, headers, body, status, response, started_at, duration_us, developer_id):
    return {
        "method": method,
        "path": path,
        "query": query_object(query),
        "headers": {header_name(name): value for name, value in json.loads(headers).items()},
        "body": parsed(body),
        "status": status,
        "response": parsed(response),
        "started_at": format_timestamp(started_at),
        "duration_ms": duration_us / 1000,
        "developer_id": developer_id,
    }


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
    return json_response(201, encode_compact(fault_object(*row)))


@bp.get("/faults")
def list_faults():
    return items_response([fault_object(*row) for row in double_db.armed_faults()])


@bp.delete("/faults")
def clear_faults():
    double_db.clear_faults()
    return no_content()


def fault_object(fault_id, method, path, status, body, headers, delay_ms, times, remaining):
    return {
        "id": fault_id,
        "method": method,
        "path": path,
        "status": status,
        "body": json.loads(body),
        "headers": json.loads(headers),
        "delay_ms": delay_ms,
        "times": times,
        "remaining": remaining,
    }


@bp.get("/users")
def export_users():
    users = [
        f'{{"developer_id":"{developer_id}",{api.user_json(user)[1:]}'
        for developer_id, *user in double_db.all_users(scoped(None))
    ]
    return json_response(200, f'{{"items":[{",".join(users)}]}}')


@bp.post("/users")
def post_users():
    count = import_users(json_body())
    return json_response(200, encode_compact({"imported": count}))


def import_users(body):
    """Upsert an export's users, keeping their developers, ids and timestamps; their number."""
    now = now_micros()
    rows = []
    for user in load_users(body):
        created_at = now if user["created_at"] is None else user["created_at"]
        rows.append(
            (
                scoped(str(user["developer_id"])),
                str(user["id"]),
                user["name"],
                user["about"].replace("\x00", ""),
                user["project"] or "default",
                db.stored_metadata(user["metadata"] or {}),
                created_at,
                created_at if user["updated_at"] is None else user["updated_at"],
            )
        )
    double_db.import_users(rows)
    return len(rows)


@bp.post("/clock")
def set_clock():
    change = load_clock_change(json_body())
    if change["now"] is not None:
        now = change["now"]
        double_db.freeze_clock(now)
    else:
        now = double_db.advance_clock(round(change["advance_seconds"] * 1_000_000))
        if now is None:
            raise api.ApiError(409, "The clock is not frozen")
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


def no_content():
    return current_app.response_class(status=api.STATUS_LINES[204])
