"""The Users API: its routes, each declared once (pipeline.operation), and a user as it goes on the wire."""

from flask import Blueprint, request

from . import users_db
from .docs import text_index
from .docs.routes import bp as docs_bp
from .errors import (
    InvalidData,
    LimitOutOfRange,
    NegativeOffset,
    NoUserFoundDuringDelete,
    NoUserFoundDuringPatch,
    NoUserFoundDuringUpdate,
    ProjectConstraintViolated,
    ProjectExists,
    ProjectNotFound,
    UserNotFoundDuringGet,
)
from .hosted import INT64_MAX
from .hosted.fastapi_wire import encode_compact
from .schemas import LIST_PROJECTS_QUERY, LIST_USERS_QUERY, PROJECT_BODY, USER_BODY
from .web.clock import new_uuid7, now_micros
from .web.pipeline import operation
from .web.responses import format_timestamp

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
    return {**call.body, "project": users_db.project_canonical_name(call.developer_id, call.body["project"])}


@operation(bp.post, "/users/<user_id>", 201, "User", body=USER_BODY, refusals=(ProjectNotFound,))
def create_or_update_user(call):
    return user_json(users_db.write_user(call.developer_id, call.user_id, in_project(call), now_micros()))


@operation(bp.post, "/users", 201, "User", body=USER_BODY, path=(), refusals=(ProjectNotFound,))
def create_user(call):
    return user_json(users_db.create_user(call.developer_id, new_uuid7, in_project(call), now_micros()))


@operation(bp.get, "/users/<user_id>", 200, "User", not_found=UserNotFoundDuringGet)
def get_user_details(call):
    row = users_db.get_user(call.developer_id, call.user_id)
    return None if row is None else user_json(row)


@operation(
    bp.put, "/users/<user_id>", 200, "User", body=USER_BODY, not_found=NoUserFoundDuringUpdate, refusals=(ProjectNotFound,)
)
def update_user(call):
    row = users_db.update_user(call.developer_id, call.user_id, in_project(call), now_micros())
    return None if row is None else user_json(row)


@operation(
    bp.patch, "/users/<user_id>", 200, "User", body=USER_BODY, not_found=NoUserFoundDuringPatch, refusals=(ProjectNotFound,)
)
def patch_user(call):
    # Only what the body holds changes; a null metadata or project keeps the stored one.
    body = in_project(call) if call.raw.get("project") is not None else call.body
    changes = {name: body[name] for name in users_db.WRITABLE_FIELDS if call.raw.get(name) is not None}
    row = users_db.patch_user(call.developer_id, call.user_id, changes, now_micros())
    return None if row is None else user_json(row)


@operation(bp.delete, "/users/<user_id>", 202, "ResourceDeletedResponse", not_found=NoUserFoundDuringDelete)
def delete_user(call):
    if not users_db.delete_user(call.developer_id, call.user_id):
        return None
    text_index.let_go()
    return f'{{"id":"{call.user_id}","deleted_at":"{format_timestamp(now_micros())}","jobs":[]}}'


@operation(
    bp.get, "/users", 200, "ListResponse_User_", query=LIST_USERS_QUERY, path=(), refusals=(LimitOutOfRange, NegativeOffset)
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


def project_json(row, with_developer=False):
    """A stored project (users_db.PROJECT_FIELDS) as the API's Project, keys in the hosted order; the export adds the
    developer."""
    head = f'{{"developer_id":"{row["developer_id"]}",' if with_developer else "{"
    return (
        f'{head}"id":"{row["id"]}","metadata":{row["metadata"]},'
        f'"created_at":"{format_timestamp(row["created_at"])}","updated_at":"{format_timestamp(row["updated_at"])}",'
        f'"canonical_name":{encode_compact(row["canonical_name"])},"name":{encode_compact(row["name"])}}}'
    )


@operation(
    bp.post, "/projects", 201, "Project", body=PROJECT_BODY, path=(), refusals=(ProjectExists, ProjectConstraintViolated)
)
def create_project(call):
    return project_json(users_db.create_project(call.developer_id, str(new_uuid7()), call.body, now_micros()))


@operation(bp.get, "/projects", 200, "ListResponse_Project_", query=LIST_PROJECTS_QUERY, path=())
def list_projects(call):
    query = call.query
    # Unbounded by the hosted query: PostgreSQL refuses a negative LIMIT or OFFSET, asyncpg one past int8 (DataError).
    if not (0 <= query["limit"] <= INT64_MAX and 0 <= query["offset"] <= INT64_MAX):
        raise InvalidData("project", "list")
    rows = users_db.list_projects(
        call.developer_id, query["limit"], query["offset"], query["sort_by"], query["direction"], metadata_filter(), now_micros()
    )
    return f'{{"items":[{",".join(map(project_json, rows))}]}}'


def metadata_filter():
    """The `metadata_filter.<key>=<value>` parameters, each value read by filter_value (the last of a repeated key)."""
    return {
        name.removeprefix("metadata_filter."): filter_value(values[-1])
        for name, values in request.args.lists()
        if name.startswith("metadata_filter.")
    }


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
    return number if -INT64_MAX - 1 <= number <= INT64_MAX else float(text)
