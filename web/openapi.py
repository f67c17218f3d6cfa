"""The API's own OpenAPI 3.1 document, generated from the routes and marshmallow schemas, and its Swagger UI."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify
from flask_swagger_ui import get_swaggerui_blueprint
from marshmallow import Schema

from .. import schemas, users
from ..docs import routes as docs_routes
from ..docs import schemas as docs_schemas
from ..errors import (
    BodyTooLarge,
    HTTPError,
    InvalidApiKey,
    InvalidDeveloperId,
    RequestValidationError,
    UnreadableBody,
)
from ..hosted import pydantic
from ..projects import schemas as projects_schemas
from .routing import API_PREFIX

# The components besides the routes' responses (each route's Operation.response, by its class name): the bodies, by
# FastAPI's names for them, and the parts a response nests, registered first so that the response refers to them.
COMPONENTS = {
    "CreateOrUpdateUserRequest": schemas.UserBody,
    "CreateProjectRequest": projects_schemas.CreateProjectRequest,
    "CreateDocRequest": docs_schemas.CreateDocRequest,
    "BulkDeleteDocsRequest": docs_schemas.BulkDeleteDocsRequest,
    "TextOnlyDocSearchRequest": docs_schemas.TextOnlyDocSearchRequest,
    "VectorDocSearchRequest": docs_schemas.VectorDocSearchRequest,
    "HybridDocSearchRequest": docs_schemas.HybridDocSearchRequest,
    "DocOwner": docs_schemas.DocOwner,
    "Snippet": docs_schemas.Snippet,
    "DocReference": docs_schemas.DocReference,
}
QUERY_DESCRIPTIONS = {
    "list_users": (
        "Filter by metadata with `metadata_filter.<key>=<value>` query parameters: the value is read as an "
        "integer, else a float, else a string, and matches a user whose metadata has that key with an equal value."
    ),
    "list_projects": (
        "Filter by metadata with `metadata_filter.<key>=<value>` query parameters, read as for `GET /users`. "
        "Every developer has the project `default`."
    ),
    "list_user_docs": (
        "Filter by metadata with `metadata_filter.<key>=<value>` query parameters, compared as text with the "
        "metadata's value (`metadata->>key`); a value that reads as a number is a 400, as on the hosted service."
    ),
}
# The error bodies of each format (AGENTS_API_ERROR_FORMAT), by the names ApiError.detail_schema and hosted_schema give.
ERROR_COMPONENTS = {
    "detail": {
        "ValidationError": schemas.ValidationError_,
        "HTTPValidationError": schemas.HTTPValidationError,
        "HTTPError": schemas.HTTPError,
    },
    "hosted": {
        "HostedValidationError": schemas.HostedValidationError,
        "HostedHTTPError": schemas.HostedHTTPError,
        "HostedMiddlewareError": schemas.HostedMiddlewareError,
        "HTTPError": schemas.HTTPError,
    },
}
FORMAT_DESCRIPTIONS = {
    "detail": "Errors are FastAPI's `{\"detail\": …}`.",
    "hosted": "Errors are the hosted service's `{\"error\": {…}}`; its router's, body parser's and servers' stay `{\"detail\": …}`.",
}
ERROR_DESCRIPTIONS = {
    400: "Invalid developer ID, unreadable body, or a value the hosted service refuses (limit/offset out of range, …)",
    403: "Missing or wrong API key",
    413: "Request body too large",
    414: "Request target too long for the server (the production server: 65,534 bytes)",
    431: "Request headers too large for the server (the production server: 100 headers, 408 KiB)",
}

bp = Blueprint("openapi", __name__)


def register_swagger_ui(app):
    """Swagger UI for /openapi.json at /swagger, as the hosted app's docs_url, and at /docs, where the hosted app has
    its API reference page; its assets served from the flask-swagger-ui wheel (no CDN)."""
    blueprint = get_swaggerui_blueprint("/swagger", "/openapi.json", {"persistAuthorization": True})
    blueprint.add_url_rule("", endpoint="show")
    app.register_blueprint(blueprint)
    app.add_url_rule("/docs", endpoint="swagger_ui.show")


@bp.get("/openapi.json")
def openapi_json():
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_document(current_app)
    return jsonify(current_app.extensions["openapi"])


def build_document(app):
    error_format = app.config["ERROR_FORMAT"]
    spec = APISpec(
        title="Julep Agents API",
        version="0.4.0",
        openapi_version="3.1.0",
        info={
            "description": "API for Julep Agents (the Users resource, served by julep-users-double). "
            + FORMAT_DESCRIPTIONS[error_format]
        },
        servers=[{"url": API_PREFIX}],
        security=[],
        plugins=[PydanticPlugin(schema_name_resolver=lambda schema: None)],
    )
    # The API's routes: each declared by pipeline.operation.
    routes = [
        (rule, view) for rule in app.url_map.iter_rules() if hasattr(view := app.view_functions[rule.endpoint], "operation")
    ]
    # In the routes' order, in which a list's item comes before the list (User before ListResponse_User_).
    responses = {view.operation.response.__name__: view.operation.response for _, view in routes}
    for name, schema in {**COMPONENTS, **responses, **ERROR_COMPONENTS[error_format]}.items():
        spec.components.schema(name, {"title": name}, schema=schema)
    spec.components.security_scheme(
        "APIKeyHeader", {"type": "apiKey", "in": "header", "name": app.config["API_KEY_HEADER_NAME"]}
    )
    paths = {}
    for rule, view in routes:
        path = re.sub(r"<(\w+)>", r"{\1}", rule.rule)
        tag = "docs" if rule.endpoint.startswith(f"{users.bp.name}.{docs_routes.bp.name}.") else path.split("/")[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            paths.setdefault(path, {})[method.lower()] = operation_object(view, path, method.lower(), tag, error_format)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()

def operation_object(view, path, method, tag, error_format):
    """An operation as FastAPI writes it: summary and operationId from the function name."""
    described = view.operation
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid", "title": name.replace("_", " ").title()}}
        for name in described.path
    ]
    if described.query is not None:
        parameters.append({"in": "query", "schema": described.query})
    responses = {
        str(described.status): {
            "description": "Successful Response",
            "content": {"application/json": {"schema": described.response}},
        }
    }
    for status, errors in operation_errors(described, parameters).items():
        names = list(dict.fromkeys(getattr(error, f"{error_format}_schema") for error in errors))
        refs = [{"$ref": f"#/components/schemas/{name}"} for name in names]
        responses[str(status)] = {
            "description": error_description(status, described),
            "content": {"application/json": {"schema": refs[0] if len(refs) == 1 else {"anyOf": refs}}},
        }
    result = {
        "tags": [tag],
        "summary": view.__name__.replace("_", " ").title(),
        "operationId": re.sub(r"\W", "_", view.__name__ + path) + "_" + method,
        "parameters": parameters,
        "responses": dict(sorted(responses.items())),
        "security": [{"APIKeyHeader": []}],
    }
    if view.__name__ in QUERY_DESCRIPTIONS:
        result["description"] = QUERY_DESCRIPTIONS[view.__name__]
    if described.body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema(described.body)}}}
    return result


def body_schema(body):
    """A body schema's component, or a union's members as FastAPI writes `A | B | C`."""
    if isinstance(body, pydantic.SmartUnion):
        return {"anyOf": [{"$ref": f"#/components/schemas/{name}"} for name, _ in body.members], "title": "Search Params"}
    return type(body)


def operation_errors(described, parameters):
    """The errors an operation may answer, by status: those of every route, its own not_found and refusals."""
    has_body = described.body is not None
    errors = {
        400: [InvalidDeveloperId] + [UnreadableBody] * has_body,
        403: [InvalidApiKey],
        413: [BodyTooLarge] * has_body,
        414: [HTTPError],  # refused by the server itself, worded as HTTPError
        422: [RequestValidationError] * bool(parameters or has_body),
        431: [HTTPError],
    }
    for error in (described.not_found, *described.refusals):
        if error is not None:
            errors.setdefault(error.status, []).append(error)
    return {status: found for status, found in sorted(errors.items()) if found}


def error_description(status, described):
    """The status's common meaning and the hosted words of the route's own errors of that status."""
    own = [error.detail for error in (described.not_found, *described.refusals) if error is not None and error.status == status]
    common = "Validation Error" if status == 422 else ERROR_DESCRIPTIONS.get(status)
    return "; ".join(filter(None, [common, *own]))


class PydanticPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, taught our fields."""

    def init_spec(self, spec):
        super().init_spec(spec)
        self.map_to_openapi_type(pydantic.StrictString, "string", None)
        self.map_to_openapi_type(pydantic.JSONObject, "object", None)
        self.map_to_openapi_type(pydantic.PydanticUUID, "string", "uuid")
        self.map_to_openapi_type(pydantic.PydanticInt, "integer", None)
        self.map_to_openapi_type(pydantic.PydanticLiteral, "string", None)
        self.map_to_openapi_type(pydantic.LaxInt, "integer", None)
        self.map_to_openapi_type(pydantic.LaxFloat, "number", None)
        self.map_to_openapi_type(pydantic.StrictBoolean, "boolean", None)
        self.map_to_openapi_type(pydantic.QueryBoolean, "boolean", None)
        self.map_to_openapi_type(pydantic.FloatList, "array", None)
        self.converter.add_attribute_function(pydantic_property)


def pydantic_property(self, field, ret):
    """Constraints, title and nullability as pydantic writes them (nullable as `anyOf [..., null]`)."""
    own = {}
    if isinstance(field.parent, Schema):  # a property, not the items of a list
        own["title"] = field.metadata.get("title") or field.name.replace("_", " ").title()
    if isinstance(field, pydantic.StrictString):
        for key, value in (("maxLength", field.max_length), ("minLength", field.min_length), ("pattern", field.pattern)):
            if value is not None:
                ret[key] = value
    if isinstance(field, pydantic.PydanticLiteral):
        ret["enum"] = list(field.choices)
    if isinstance(field, (pydantic.LaxInt, pydantic.LaxFloat)):
        for key, bound in (("minimum", "ge"), ("maximum", "le"), ("exclusiveMaximum", "lt")):
            if field.bounds.get(bound) is not None:
                ret[key] = field.bounds[bound]
    if isinstance(field, pydantic.FloatList):
        ret["items"] = {"type": "number"}
    if isinstance(field, docs_schemas.Content):
        content = {"type": "string", "maxLength": docs_schemas.CONTENT_LENGTH}
        ret["anyOf"] = [content, {"type": "array", "items": content}]
    if field.allow_none:
        outer = {key: ret.pop(key) for key in ("default", "readOnly") if key in ret and ret[key] is not None}
        ret.pop("default", None)
        types = [kind for kind in ret.pop("type") if kind != "null"]
        own["anyOf"] = [{"type": types[0], **ret}, {"type": "null"}]
        ret.clear()
        own.update(outer)
    return own
