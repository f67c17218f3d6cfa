"""The test-double controls under /_double (and /api/_double, the SDKs' base URL): reset, the journal, faults,
snapshots of the users, the clock."""

import json
from pathlib import Path
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, g, request

from . import __version__, auth, double_db, users_db
from .api import user_json
from .clock import now_micros
from .double_schemas import load_clock_change, load_fault, load_reset_query, load_users
from .errors import ClockNotFrozen, InvalidDeveloperId, RequestValidationError
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
    users = ",".join(user_json(row, with_developer=True) for row in users_db.all_users(scoped(None)))
    return json_response(200, f'{{"items":[{users}]}}')


@bp.post("/users")
def post_users():
    count = import_users(json_body())
    return json_response(200, encode_compact({"imported": count}))


def import_users(body):
    """Upsert an export's users, keeping their developers, ids and timestamps; their number."""
    now = now_micros()
    users = []
    for user in load_users(body):
        created_at = now if user["created_at"] is None else user["created_at"]
        updated_at = created_at if user["updated_at"] is None else user["updated_at"]
        users.append(users_db.stored_user(scoped(str(user["developer_id"])), str(user["id"]), user, updated_at, created_at))
    users_db.write_users(users)
    return len(users)


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
