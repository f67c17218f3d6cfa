"""The Users API blueprint: authentication, tenancy and the routes."""

import hmac
import json
import time
import uuid

from flask import Blueprint, Response, current_app, g, request

import db
from schemas import USER_PATH, RequestValidationError, body_value, load_body

DEFAULT_DEVELOPER_ID = "00000000-0000-0000-0000-000000000000"

bp = Blueprint("api", __name__)

encode_string = json.JSONEncoder(ensure_ascii=False).encode
encode_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class ApiError(Exception):
    """An error answered as `{"detail": message}` with `status`."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def json_response(status, text, headers=None):
    """A JSON answer; text holding a lone surrogate cannot be sent, so it becomes a 400."""
    try:
        data = text.encode()
    except UnicodeEncodeError:
        status, data = 400, b'{"detail":"There was an error parsing the body"}'
    return Response(data, status, headers, mimetype="application/json")


def detail_response(status, detail, headers=None):
    return json_response(status, encode_compact({"detail": detail}), headers)


@bp.before_request
def authenticate():
    """Check the API key, then the developer; both come before anything about the request."""
    config = current_app.config
    sent = request.headers.get(config["API_KEY_HEADER_NAME"], "")
    if sent[:7].lower() == "bearer ":
        sent = sent[7:]
    if not hmac.compare_digest(sent.encode(), config["API_KEY"].encode()):
        raise ApiError(403, "Could not validate API KEY")
    if config["MULTI_TENANT_MODE"]:
        try:
            g.developer_id = str(uuid.UUID(request.headers["X-Developer-Id"]))
        except (KeyError, ValueError):
            raise ApiError(400, "Invalid developer ID") from None
    else:
        g.developer_id = DEFAULT_DEVELOPER_ID


def now_micros():
    return time.time_ns() // 1000


def format_timestamp(micros):
    """UTC, as pydantic writes a datetime: microseconds only when there are any."""
    seconds, fraction = divmod(micros, 1_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{text}.{fraction:06d}Z" if fraction else f"{text}Z"


def user_json(row):
    """A stored row (db.USER_COLUMNS order) as the API's User, keys in the hosted order."""
    user_id, metadata, created_at, updated_at, name, about, project = row
    return (
        f'{{"id":"{user_id}","metadata":{metadata},'
        f'"created_at":"{format_timestamp(created_at)}","updated_at":"{format_timestamp(updated_at)}",'
        f'"name":{encode_string(name)},"about":{encode_string(about)},"project":{encode_string(project)}}}'
    )


@bp.post("/users/<user_id>")
def create_or_update_user(user_id):
    body = body_value(request.get_data(), request.headers.get("Content-Type"))
    errors = []
    path = USER_PATH.load_or_collect({"user_id": user_id}, "path", errors)
    user = load_body(body, errors)
    if errors:
        raise RequestValidationError(errors)
    row = db.upsert_user(
        g.developer_id,
        str(path["user_id"]),
        user["name"],
        user["about"],
        user["project"] or "default",
        user["metadata"] or {},
        now_micros(),
    )
    return json_response(201, user_json(row))
