"""The Users API blueprint: authentication, tenancy and the routes."""

import functools
import hmac
import http
import json
import time
import uuid

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    MethodNotAllowed,
    RequestEntityTooLarge,
)

from . import db, openapi
from .clock import new_uuid7, now_micros
from .schemas import HYPHENATED_UUID, LIST_USERS_QUERY, USER_PATH, RequestValidationError, body_value, load_body

DEFAULT_DEVELOPER_ID = "00000000-0000-0000-0000-000000000000"

bp = Blueprint("api", __name__)

encode_string = json.JSONEncoder(ensure_ascii=False).encode
encode_compact = db.encode_compact


class ApiError(Exception):
    """An error answered as `{"detail": message}` with `status`."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


# Uvicorn's reason phrases ("201 Created"), where Werkzeug would send "201 CREATED".
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in http.HTTPStatus}


def json_response(status, text, headers=None):
    """A JSON answer; text holding a lone surrogate cannot be sent, so it becomes a 400."""
    try:
        data = text.encode()
    except UnicodeEncodeError:
        status, data = 400, b'{"detail":"There was an error parsing the body"}'
    return Response(data, STATUS_LINES.get(status, status), headers, content_type="application/json")


def detail_response(status, detail, headers=None):
    return json_response(status, encode_compact({"detail": detail}), headers)


@bp.before_request
def authenticate():
    """Refuse HEAD, check the API key, then the developer: all before anything about the request."""
    # Werkzeug answers HEAD wherever GET is routed; FastAPI's API routes do not.
    if request.method == "HEAD":
        raise MethodNotAllowed(sorted(request.url_rule.methods - {"HEAD", "OPTIONS"}))
    check_api_key()
    g.developer_id = calling_developer() if current_app.config["MULTI_TENANT_MODE"] else DEFAULT_DEVELOPER_ID


def calling_developer():
    """The developer the X-Developer-Id header names; a 400 unless it is a UUID."""
    try:
        return str(uuid.UUID(request.headers["X-Developer-Id"]))
    except (KeyError, ValueError):
        raise ApiError(400, "Invalid developer ID") from None


def check_api_key():
    """403 unless the request carries the API key, as `Bearer <key>` or bare."""
    config = current_app.config
    sent = request.headers.get(config["API_KEY_HEADER_NAME"], "")
    if sent[:7].lower() == "bearer ":
        sent = sent[7:]
    if not hmac.compare_digest(sent.encode(), config["API_KEY"].encode()):
        raise ApiError(403, "Could not validate API KEY")


def format_timestamp(micros):
    """UTC, as pydantic writes a datetime: microseconds only when there are any."""
    seconds, fraction = divmod(micros, 1_000_000)
    text = format_second(seconds)
    return f"{text}.{fraction:06d}Z" if fraction else f"{text}Z"


@functools.lru_cache(maxsize=64)
def format_second(seconds):
    # Every answer formats two timestamps, nearly always of the current second.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def user_json(row):
    """A stored row (db.USER_COLUMNS order) as the API's User, keys in the hosted order."""
    user_id, metadata, created_at, updated_at, name, about, project = row
    return (
        f'{{"id":"{user_id}","metadata":{metadata},'
        f'"created_at":"{format_timestamp(created_at)}","updated_at":"{format_timestamp(updated_at)}",'
        f'"name":{encode_string(name)},"about":{encode_string(about)},"project":{encode_string(project)}}}'
    )


def request_body():
    """The body's bytes; one that breaks off is a 400 and one over the limit a 413, never a write.

    Werkzeug's own server checks this itself. Under gunicorn, Werkzeug hands on a
    body cut short of its Content-Length, cuts a chunked body at the limit without
    a word, and lets gunicorn's error for a malformed chunk through as a 500.
    """
    length = request.content_length
    limit = request.max_content_length
    try:
        if length is not None and (limit is None or length <= limit):
            # Straight from the server's stream, which ends at Content-Length: Werkzeug's wrappers cost 20 µs.
            data = g.request_body = request.environ["wsgi.input"].read(length)
        else:
            data = g.request_body = request.get_data()
            # A chunked body is cut at the limit: a byte more behind it means it was too large.
            if length is None and len(data) == limit and request.environ["wsgi.input"].read(1):
                raise RequestEntityTooLarge()
    except HTTPException:
        raise
    except Exception as error:  # the server could not read the body: gunicorn's errors have no common base
        raise BadRequest() from error
    if length is not None and len(data) < length:
        raise ClientDisconnected()
    return data


def read_user_id(user_id, errors):
    # The path schema takes a canonical UUID as it is and gives it back lowercased: no need to run it then.
    if HYPHENATED_UUID.fullmatch(user_id):
        return user_id.lower()
    path = USER_PATH.load_or_collect({"user_id": user_id}, "path", errors)
    return path and str(path["user_id"])


def validated(user_id=None, body=False):
    """The path's user id and the body (validated, and as sent), all errors in one 422, the path's first."""
    errors = []
    if user_id is not None:
        user_id = read_user_id(user_id, errors)
    user = raw = None
    if body:
        raw = body_value(request_body(), request.headers.get("Content-Type"))
        user = load_body(raw, errors)
    if errors:
        raise RequestValidationError(errors)
    return user_id, user, raw


def found_user(row, not_found):
    """`200` with the user of a stored row; a `404` with the hosted service's words when there is none."""
    if row is None:
        raise ApiError(404, not_found)
    return json_response(200, user_json(row))


def with_defaults(user):
    """The hosted service's full-overwrite defaults for null fields."""
    return {**user, "project": user["project"] or "default", "metadata": user["metadata"] or {}}


@bp.post("/users/<user_id>")
@openapi.operation(201, "User", body=True)
def create_or_update_user(user_id):
    user_id, user, _ = validated(user_id, body=True)
    row = db.upsert_user(g.developer_id, user_id, with_defaults(user), now_micros())
    return json_response(201, user_json(row))


@bp.post("/users")
@openapi.operation(201, "User", body=True)
def create_user():
    _, user, _ = validated(body=True)
    row = db.upsert_user(g.developer_id, str(new_uuid7()), with_defaults(user), now_micros())
    return json_response(201, user_json(row))


@bp.get("/users/<user_id>")
@openapi.operation(200, "User", not_found=True)
def get_user_details(user_id):
    user_id, _, _ = validated(user_id)
    return found_user(db.get_user(g.developer_id, user_id), "User not found during get")


@bp.put("/users/<user_id>")
@openapi.operation(200, "User", body=True, not_found=True)
def update_user(user_id):
    user_id, user, _ = validated(user_id, body=True)
    row = db.update_user(g.developer_id, user_id, with_defaults(user), now_micros())
    return found_user(row, "The specified user or its dependencies do not exist during update")


@bp.patch("/users/<user_id>")
@openapi.operation(200, "User", body=True, not_found=True)
def patch_user(user_id):
    user_id, user, raw = validated(user_id, body=True)
    # Only what the body holds changes; a null metadata or project keeps the stored one.
    changes = {name: value for name, value in user.items() if name in raw and value is not None}
    row = db.patch_user(g.developer_id, user_id, changes, now_micros())
    return found_user(row, "The specified user or its dependencies do not exist during patch")


@bp.delete("/users/<user_id>")
@openapi.operation(202, "ResourceDeletedResponse", not_found=True)
def delete_user(user_id):
    user_id, _, _ = validated(user_id)
    if not db.delete_user(g.developer_id, user_id):
        raise ApiError(404, "No user found during delete")
    deleted_at = format_timestamp(now_micros())
    return json_response(202, f'{{"id":"{user_id}","deleted_at":"{deleted_at}","jobs":[]}}')


@bp.get("/users")
@openapi.operation(200, "ListResponse_User_", query="ListUsersQuery")
def list_users():
    errors = []
    # Starlette keeps the last of repeated query parameters.
    given = {name: request.args.getlist(name)[-1] for name in LIST_USERS_QUERY.fields if name in request.args}
    query = LIST_USERS_QUERY.load_or_collect(given, "query", errors)
    if errors:
        raise RequestValidationError(errors)
    if not 1 <= query["limit"] <= 100:
        raise ApiError(400, "Limit must be between 1 and 100")
    if query["offset"] < 0:
        raise ApiError(400, "Offset must be non-negative")
    metadata_filter = {
        name.removeprefix("metadata_filter."): filter_value(values[-1])
        for name, values in request.args.lists()
        if name.startswith("metadata_filter.")
    }
    rows = db.list_users(
        g.developer_id, query["limit"], query["offset"], query["sort_by"], query["direction"], metadata_filter
    )
    return json_response(200, f'{{"items":[{",".join(map(user_json, rows))}]}}')


def filter_value(text):
    """A metadata_filter value: an int, else a float, else the text itself."""
    try:
        number = int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text
    # SQLite integers are 64-bit; JSON numbers past that are stored as reals anyway, infinite past a double.
    return number if -(2**63) <= number < 2**63 else float(text)
