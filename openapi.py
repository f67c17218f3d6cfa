"""The API's own OpenAPI 3.1 document, generated from the routes and marshmallow schemas, and its Swagger UI."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify
from marshmallow import Schema
from flask_swagger_ui import get_swaggerui_blueprint

from . import schemas

COMPONENTS = {
    "CreateOrUpdateUserRequest": schemas.UserBody,
    "User": schemas.User,
    "ListResponse_User_": schemas.ListResponse_User_,
    "ResourceDeletedResponse": schemas.ResourceDeletedResponse,
    "ValidationError": schemas.ValidationError_,
    "HTTPValidationError": schemas.HTTPValidationError,
    "HTTPError": schemas.HTTPError,
}
ERROR_DESCRIPTIONS = {
    400: "Invalid developer ID, unreadable body, or limit/offset out of range",
    403: "Missing or wrong API key",
    404: "No such user",
    413: "Request body too large",
    414: "Request line too long for the server (gunicorn: 8190 bytes)",
    431: "Request headers too large for the server (gunicorn: 8190 bytes a header, 100 headers)",
}

bp = Blueprint("openapi", __name__)


def docs_blueprint():
    """Swagger UI for /openapi.json at /docs, its assets served from the flask-swagger-ui wheel (no CDN)."""
    return get_swaggerui_blueprint("/docs", "/openapi.json", {"persistAuthorization": True})


@bp.get("/openapi.json")
@bp.get("/api/openapi.json")
def openapi_json():
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_document(current_app)
    return jsonify(current_app.extensions["openapi"])


def build_document(app):
    spec = APISpec(
        title="Julep Agents API",
        version="0.4.0",
        openapi_version="3.1.0",
        info={"description": "API for Julep Agents (the Users resource, served by julep-users-double)"},
        servers=[{"url": "/api"}],
        security=[],
        plugins=[PydanticPlugin(schema_name_resolver=lambda schema: None)],
    )
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, {"title": name}, schema=schema)
    spec.components.security_scheme(
        "APIKeyHeader", {"type": "apiKey", "in": "header", "name": app.config["API_KEY_HEADER_NAME"]}
    )
    paths = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "api":
            continue
        path = re.sub(r"<(\w+)>", r"{\1}", rule.rule)
        view = app.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            paths.setdefault(path, {})[method.lower()] = operation_object(view, path, method.lower())
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def operation_object(view, path, method):
    """An operation as FastAPI writes it: summary and operationId from the function name."""
    described = view.operation
    parameters = []
    if "{user_id}" in path:
        parameters.append(
            {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid", "title": "User Id"}}
        )
    if described.query is not None:
        parameters.append({"in": "query", "schema": described.query})
    responses = {
        str(described.status): {
            "description": "Successful Response",
            "content": {"application/json": {"schema": COMPONENTS[described.response]}},
        }
    }
    has_body = described.body is not None
    errors = [400, 403] + [404] * bool(described.not_found) + [413] * has_body + [414, 431]
    for status in errors:
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": schemas.HTTPError}},
        }
    if parameters or has_body:
        responses["422"] = {
            "description": "Validation Error",
            "content": {"application/json": {"schema": schemas.HTTPValidationError}},
        }
    result = {
        "tags": ["users"],
        "summary": view.__name__.replace("_", " ").title(),
        "operationId": re.sub(r"\W", "_", view.__name__ + path) + "_" + method,
        "parameters": parameters,
        "responses": dict(sorted(responses.items())),
        "security": [{"APIKeyHeader": []}],
    }
    if described.query is not None:
        result["description"] = (
            "Filter by metadata with `metadata_filter.<key>=<value>` query parameters: the value is read as an "
            "integer, else a float, else a string, and matches a user whose metadata has that key with an equal value."
        )
    if has_body:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": type(described.body)}},
        }
    return result


class PydanticPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, taught our fields."""

    def init_spec(self, spec):
        super().init_spec(spec)
        self.map_to_openapi_type(schemas.StrictString, "string", None)
        self.map_to_openapi_type(schemas.JSONObject, "object", None)
        self.map_to_openapi_type(schemas.PydanticUUID, "string", "uuid")
        self.map_to_openapi_type(schemas.PydanticInt, "integer", None)
        self.map_to_openapi_type(schemas.PydanticLiteral, "string", None)
        self.converter.add_attribute_function(pydantic_property)


def pydantic_property(self, field, ret):
    """Constraints, title and nullability as pydantic writes them (nullable as `anyOf [..., null]`)."""
    own = {}
    if isinstance(field.parent, Schema):  # a property, not the items of a list
        own["title"] = field.metadata.get("title") or field.name.replace("_", " ").title()
    if isinstance(field, schemas.StrictString):
        for key, value in (("maxLength", field.max_length), ("minLength", field.min_length), ("pattern", field.pattern)):
            if value is not None:
                ret[key] = value
    if isinstance(field, schemas.PydanticLiteral):
        ret["enum"] = list(field.choices)
    if field.allow_none:
        outer = {key: ret.pop(key) for key in ("default", "readOnly") if key in ret and ret[key] is not None}
        ret.pop("default", None)
        types = [kind for kind in ret.pop("type") if kind != "null"]
        own["anyOf"] = [{"type": types[0], **ret}, {"type": "null"}]
        ret.clear()
        own.update(outer)
    return own
