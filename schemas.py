"""Marshmallow schemas of the Users API (pydantic's field kit: hosted/pydantic.py), and of its answers."""

from marshmallow import ValidationError, fields, post_load

from .hosted.pydantic import (
    JSONObject,
    PydanticInt,
    PydanticLiteral,
    PydanticSchema,
    PydanticUUID,
    StrictString,
)

NAME_PATTERN = (
    r"^[\p{L}\p{Nl}\p{Pattern_Syntax}\p{Pattern_White_Space}]+"
    r"[\p{ID_Start}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\p{Pattern_Syntax}\p{Pattern_White_Space}]*$"
)
# A project's canonical name, wherever one is given: a user's project, a new project (projects/), an import's.
PROJECT_PATTERN = r"^[a-zA-Z][a-zA-Z0-9_]*$"


class PathIds(PydanticSchema):
    """The ids a path names; pipeline.validate reads a route's one by one, in its handler's order."""

    user_id = PydanticUUID()
    doc_id = PydanticUUID()


class UserBody(PydanticSchema):
    """CreateOrUpdateUserRequest, with the hosted service's defaults for what is omitted or null."""

    metadata = JSONObject(allow_none=True, load_default=None)
    name = StrictString(max_length=120, pattern=NAME_PATTERN, load_default="")
    about = StrictString(load_default="")
    project = StrictString(
        min_length=1, max_length=255, pattern=PROJECT_PATTERN, allow_none=True, load_default=None
    )

    @post_load
    def with_hosted_defaults(self, user, **kwargs):
        return {**user, "metadata": user["metadata"] or {}, "project": user["project"] or "default"}

    def load_model(self, value, errors):
        # A body every field takes (nearly every one) is loaded by the fields alone, at half the cost of
        # marshmallow's schema machinery; one that a field refuses is loaded again by the schema, for its errors.
        if type(value) is dict:
            try:
                return self.with_hosted_defaults(self.load_by_fields(value))
            except ValidationError:
                pass
        return super().load_model(value, errors)


class ListUsersQuery(PydanticSchema):
    limit = PydanticInt(load_default=100)
    offset = PydanticInt(load_default=0)
    sort_by = PydanticLiteral(("created_at", "updated_at"), load_default="created_at")
    direction = PydanticLiteral(("asc", "desc"), load_default="desc")


PATH_IDS = PathIds()
USER_BODY = UserBody()
LIST_USERS_QUERY = ListUsersQuery()


# Responses, rendered by hand for speed (users.user_json); these schemas describe them in /openapi.json.


class User(UserBody):
    id = fields.UUID(dump_only=True, required=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class ListResponse_User_(PydanticSchema):  # noqa: N801 - FastAPI's name for ListResponse[User]
    items = fields.List(fields.Nested(User), required=True)


class ResourceDeletedResponse(PydanticSchema):
    id = fields.UUID(required=True)
    deleted_at = fields.DateTime(required=True)
    jobs = fields.List(fields.UUID())


class ValidationError_(PydanticSchema):  # noqa: N801 - "ValidationError" in the document
    loc = fields.List(
        fields.Raw(metadata={"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        required=True,
        metadata={"title": "Location"},
    )
    msg = fields.String(required=True, metadata={"title": "Message"})
    type = fields.String(required=True, metadata={"title": "Error Type"})


class HTTPValidationError(PydanticSchema):
    detail = fields.List(fields.Nested(ValidationError_))


class HTTPError(PydanticSchema):
    detail = fields.String(required=True)


# The hosted format's bodies (AGENTS_API_ERROR_FORMAT=hosted), as envelope.py writes them.


class HostedErrorDetail(PydanticSchema):
    type = fields.String(required=True)
    msg = fields.String(required=True)
    loc = fields.String(required=True, metadata={"description": "e.g. path.user_id, name, items[0].name"})
    fix = fields.String()
    example = fields.String()
    received = fields.String(required=True, metadata={"description": "Python's str() of the input"})


class HostedValidationErrorBody(PydanticSchema):
    message = PydanticLiteral(("Validation error",), required=True)
    details = fields.List(fields.Nested(HostedErrorDetail), required=True)
    code = PydanticLiteral(("validation_error",), required=True)


class HostedValidationError(PydanticSchema):
    error = fields.Nested(HostedValidationErrorBody, required=True)


class HostedHTTPErrorBody(PydanticSchema):
    message = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "http_<status>"})
    type = PydanticLiteral(("http_error",), required=True)


class HostedHTTPError(PydanticSchema):
    error = fields.Nested(HostedHTTPErrorBody, required=True)


class HostedMiddlewareErrorBody(PydanticSchema):
    message = fields.String(required=True)
    code = fields.String(required=True)


class HostedMiddlewareError(PydanticSchema):
    error = fields.Nested(HostedMiddlewareErrorBody, required=True)
