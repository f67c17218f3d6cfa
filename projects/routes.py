"""A developer's projects: their routes, each declared once (pipeline.operation), and a project as it goes on the
wire."""

from flask import Blueprint

from ..errors import InvalidData, ProjectConstraintViolated, ProjectExists
from ..hosted import INT64_MAX
from ..hosted.fastapi_wire import encode_compact
from ..users import metadata_filter
from ..web.clock import new_uuid7, now_micros
from ..web.pipeline import operation
from ..web.responses import format_timestamp
from . import db as projects_db
from .schemas import LIST_PROJECTS_QUERY, PROJECT_BODY, ListResponse_Project_, Project

bp = Blueprint("projects", __name__)


def project_json(row, with_developer=False):
    """A stored project (projects_db.PROJECT_FIELDS) as the API's Project, keys in the hosted order; the export adds
    the developer."""
    head = f'{{"developer_id":"{row["developer_id"]}",' if with_developer else "{"
    return (
        f'{head}"id":"{row["id"]}","metadata":{row["metadata"]},'
        f'"created_at":"{format_timestamp(row["created_at"])}","updated_at":"{format_timestamp(row["updated_at"])}",'
        f'"canonical_name":{encode_compact(row["canonical_name"])},"name":{encode_compact(row["name"])}}}'
    )


@operation(
    bp.post, "/projects", 201, Project, body=PROJECT_BODY, path=(), refusals=(ProjectExists, ProjectConstraintViolated)
)
def create_project(call):
    return project_json(projects_db.create_project(call.developer_id, str(new_uuid7()), call.body, now_micros()))


@operation(bp.get, "/projects", 200, ListResponse_Project_, query=LIST_PROJECTS_QUERY, path=())
def list_projects(call):
    query = call.query
    # Unbounded by the hosted query: PostgreSQL refuses a negative LIMIT or OFFSET, asyncpg one past int8 (DataError).
    if not (0 <= query["limit"] <= INT64_MAX and 0 <= query["offset"] <= INT64_MAX):
        raise InvalidData("project", "list")
    rows = projects_db.list_projects(
        call.developer_id, query["limit"], query["offset"], query["sort_by"], query["direction"], metadata_filter(), now_micros()
    )
    return f'{{"items":[{",".join(map(project_json, rows))}]}}'
