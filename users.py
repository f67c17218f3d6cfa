"""The Users API: its routes, each declared once (pipeline.operation), and a user as it goes on the wire."""

from flask import Blueprint, request

from . import users_db
from .docs import text_index
from .docs.routes import bp as docs_bp
from .errors import (
    LimitOutOfRange,
    NegativeOffset,
    NoUserFoundDuringDelete,
    NoUserFoundDuringPatch,
    NoUserFoundDuringUpdate,
    ProjectNotFound,
    UserNotFoundDuringGet,
)
from .hosted import INT64_MAX, query_filter
from .hosted.fastapi_wire import encode_compact
from .projects import db as projects_db
from .schemas import LIST_USERS_QUERY, USER_BODY, ListResponse_User_, ResourceDeletedResponse, User
from .web.clock import new_uuid7, now_micros
from .web.pipeline import operation
from .web.responses import deleted_json, format_timestamp

bp = Blueprint("api", __name__)
bp.register_blueprint(docs_bp)


def user_json(row, with_developer=False):
    """A stored row (users_db.USER_FIELDS) as the API's User, keys in the hosted order; the export adds the developer."""
    head = f'{{"developer_id":"{row["developer_id"]}",' if with_developer else "{"
    return (
        f'{head}"id":"{row["id"]}","metadata":{row["metadata"]},'
        f'"created_at":"{format_timestamp(row["created_at"])}","updated_at":"{format_timestamp(row["updated_at"])}",'
        f'"name":{encode_compact(row["name"])},"about":{encode_compact(row["about"])},'
        f'"project":{encode_compact(row["project"])}}}'
    )


def in_project(call):
    """The body with its project as the developer's project of that name is stored; ProjectNotFound before anything
    else, as the hosted user writes check project_exists first."""
    return {**call.body, "project": projects_db.project_canonical_name(call.developer_id, call.body["project"])}


@operation(bp.post, "/users/<user_id>", 201, User, body=USER_BODY, refusals=(ProjectNotFound,))
def create_or_update_user(call):
    return user_json(users_db.write_user(call.developer_id, call.user_id, in_project(call), now_micros()))


@operation(bp.post, "/users", 201, User, body=USER_BODY, path=(), refusals=(ProjectNotFound,))
def create_user(call):
    return user_json(users_db.create_user(call.developer_id, new_uuid7, in_project(call), now_micros()))


@operation(bp.get, "/users/<user_id>", 200, User, not_found=UserNotFoundDuringGet)
def get_user_details(call):
    row = users_db.get_user(call.developer_id, call.user_id)
    return None if row is None else user_json(row)


@operation(
    bp.put, "/users/<user_id>", 200, User, body=USER_BODY, not_found=NoUserFoundDuringUpdate, refusals=(ProjectNotFound,)
)
def update_user(call):
    row = users_db.update_user(call.developer_id, call.user_id, in_project(call), now_micros())
    return None if row is None else user_json(row)


@operation(
    bp.patch, "/users/<user_id>", 200, User, body=USER_BODY, not_found=NoUserFoundDuringPatch, refusals=(ProjectNotFound,)
)
def patch_user(call):
    # Only what the body holds changes; a null metadata or project keeps the stored one.
    body = in_project(call) if call.raw.get("project") is not None else call.body
    changes = {name: body[name] for name in users_db.WRITABLE_FIELDS if call.raw.get(name) is not None}
    row = users_db.patch_user(call.developer_id, call.user_id, changes, now_micros())
    return None if row is None else user_json(row)


@operation(bp.delete, "/users/<user_id>", 202, ResourceDeletedResponse, not_found=NoUserFoundDuringDelete)
def delete_user(call):
    if not users_db.delete_user(call.developer_id, call.user_id):
        return None
    text_index.let_go()
    return deleted_json(call.user_id, now_micros())


@operation(
    bp.get, "/users", 200, ListResponse_User_, query=LIST_USERS_QUERY, path=(), refusals=(LimitOutOfRange, NegativeOffset)
)
def list_users(call):
    query = call.query
    LimitOutOfRange.check(query["limit"])
    if query["offset"] < 0:
        raise NegativeOffset()
    rows = users_db.list_users(
        call.developer_id, query["limit"], query["offset"], query["sort_by"], query["direction"], metadata_filter()
    )
    return f'{{"items":[{",".join(map(user_json, rows))}]}}'


def metadata_filter():
    """The `metadata_filter.<key>=<value>` parameters, each value read by filter_value."""
    return query_filter.extract_filters(request.args, filter_value)


def filter_value(text):
    """convert_value, but an int past SQLite's 64-bit integers is read as a float: JSON numbers past that are stored
    as reals anyway, infinite past a double."""
    value = query_filter.convert_value(text)
    return float(text) if type(value) is int and not -INT64_MAX - 1 <= value <= INT64_MAX else value
