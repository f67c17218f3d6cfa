"""Marshmallow schemas of a developer's projects (autogen/Projects.py), with pydantic v2's error items, and their
responses."""

from marshmallow import fields

from ..schemas import PROJECT_PATTERN, JSONObject, ListUsersQuery, PydanticSchema, StrictString


class ListProjectsQuery(ListUsersQuery):
    """The same parameters; the hosted list_projects query bounds no limit or offset, PostgreSQL does (routes.py)."""


class CreateProjectRequest(PydanticSchema):
    """CreateProjectRequest (autogen/Projects.py), in its field order; a null metadata or canonical name is omitted."""

    metadata = JSONObject(allow_none=True, load_default=None)
    canonical_name = StrictString(
        min_length=1, max_length=255, pattern=PROJECT_PATTERN, allow_none=True, load_default=None
    )
    name = StrictString(min_length=1, max_length=255, required=True)


PROJECT_BODY = CreateProjectRequest()
LIST_PROJECTS_QUERY = ListProjectsQuery()


# Responses, rendered by hand for speed (routes.project_json); these schemas describe them in /openapi.json.


class Project(PydanticSchema):
    id = fields.UUID(dump_only=True, required=True)
    metadata = JSONObject(allow_none=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)
    canonical_name = StrictString(min_length=1, max_length=255, pattern=PROJECT_PATTERN, allow_none=True)
    name = StrictString(min_length=1, max_length=255, required=True)


class ListResponse_Project_(PydanticSchema):  # noqa: N801 - FastAPI's name for ListResponse[Project]
    items = fields.List(fields.Nested(Project), required=True)
