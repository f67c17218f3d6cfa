"""The API's own OpenAPI document and its Swagger UI."""

import re

import jsonschema
import pytest
import regex
import yaml
from openapi_schema_validator._regex import has_ecma_regex
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v31

from julep_users_double import users
from julep_users_double.app import create_app
from julep_users_double.projects import routes as projects
from conftest import make_app

CONTRACT = yaml.safe_load(open(__file__.rsplit("/", 1)[0] + "/julep-users-openapi.yaml"))
OPERATION_IDS = {
    ("post", "/users/{user_id}"): "create_or_update_user_users__user_id__post",
    ("post", "/users"): "create_user_users_post",
    ("get", "/users/{user_id}"): "get_user_details_users__user_id__get",
    ("get", "/users"): "list_users_users_get",
    ("put", "/users/{user_id}"): "update_user_users__user_id__put",
    ("patch", "/users/{user_id}"): "patch_user_users__user_id__patch",
    ("delete", "/users/{user_id}"): "delete_user_users__user_id__delete",
    ("post", "/users/{user_id}/docs"): "create_user_doc_users__user_id__docs_post",
    ("get", "/users/{user_id}/docs"): "list_user_docs_users__user_id__docs_get",
    ("delete", "/users/{user_id}/docs/{doc_id}"): "delete_user_doc_users__user_id__docs__doc_id__delete",
    ("delete", "/users/{user_id}/docs"): "bulk_delete_user_docs_users__user_id__docs_delete",
    ("post", "/users/{user_id}/search"): "search_user_docs_users__user_id__search_post",
    ("get", "/docs/{doc_id}"): "get_doc_docs__doc_id__get",
    ("post", "/projects"): "create_project_projects_post",
    ("get", "/projects"): "list_projects_projects_get",
}


@pytest.fixture
def document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_served_at_the_root_and_under_api_without_a_key(client, document):
    assert client.get("/api/openapi.json").get_json() == document
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api"}]


def test_document_is_valid_openapi_3_1(document):
    jsonschema.Draft202012Validator(schema_v31).validate(document)
    patterns = [value for key, value in walk(document) if key == "pattern"]
    assert len(patterns) >= 4
    for pattern in patterns:
        regex.compile(pattern)  # ECMA-262 style \p{...} classes, which Python's re cannot compile


def test_full_validation_finds_only_what_it_finds_in_the_published_contract(document):
    """openapi-spec-validator, with the ECMA-262 regex engine (regress) that OpenAPI patterns are
    written for, objects only to the contract's own `default: ''` for a name pattern that needs a
    character at least: once in the request schema, once in User."""
    assert has_ecma_regex()
    assert findings(document) == findings(CONTRACT) == [("pattern", ""), ("pattern", "")]


def test_the_hosted_error_format_document_is_as_valid(tmp_path):
    document = make_app(tmp_path, ERROR_FORMAT="hosted").test_client().get("/openapi.json").get_json()
    jsonschema.Draft202012Validator(schema_v31).validate(document)
    assert findings(document) == [("pattern", ""), ("pattern", "")]


def findings(document):
    return sorted((error.validator, error.instance) for error in OpenAPIV31SpecValidator(document).iter_errors())


def walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def test_schemas_are_the_contracts(document):
    ours = document["components"]["schemas"]
    for name, theirs in CONTRACT["components"]["schemas"].items():
        if "required" in theirs:
            assert sorted(ours[name].pop("required")) == sorted(theirs.pop("required")), name
        assert ours[name] == theirs, name


def test_the_contract_operation_is_described_as_published(document):
    ours = document["paths"]["/users/{user_id}"]["post"]
    theirs = CONTRACT["paths"]["/users/{user_id}"]["post"]
    assert {key: ours[key] for key in ("tags", "summary", "operationId", "parameters", "requestBody", "security")} == {
        key: theirs[key] for key in ("tags", "summary", "operationId", "parameters", "requestBody", "security")
    }
    for status, response in theirs["responses"].items():
        assert ours["responses"][status] == response


def test_not_found_is_described_in_the_hosted_words(document):
    found = {
        (method, path): operation["responses"]["404"]["description"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "404" in operation["responses"]
    }
    no_project = "Project '{canonical_name}' not found"
    assert found == {
        ("post", "/users/{user_id}"): no_project,
        ("post", "/users"): no_project,
        ("get", "/users/{user_id}"): "User not found during get",
        ("put", "/users/{user_id}"): f"No user found during update; {no_project}",
        ("patch", "/users/{user_id}"): f"No user found during patch; {no_project}",
        ("delete", "/users/{user_id}"): "No user found during delete",
        ("post", "/users/{user_id}/docs"): "Doc not found during create",
        ("delete", "/users/{user_id}/docs/{doc_id}"): "No doc found during delete",
        ("get", "/docs/{doc_id}"): "No doc found during get",
    }


def test_operation_ids_in_the_hosted_style(document):
    found = {(method, path): operation["operationId"] for path, item in document["paths"].items() for method, operation in item.items()}
    assert found == OPERATION_IDS


def test_documented_routes_are_exactly_the_served_routes(app, document):
    served = {
        (method.lower(), re.sub(r"<(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in (users.bp.name, projects.bp.name)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == set(OPERATION_IDS)


def test_security_scheme_names_the_configured_header(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "API_KEY": "k", "API_KEY_HEADER_NAME": "X-Api-Key"})
    document = app.test_client().get("/openapi.json").get_json()
    assert document["components"]["securitySchemes"] == {"APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}


def test_swagger_ui_is_served_at_swagger_with_its_assets(client):
    page = client.get("/swagger")
    assert (page.status_code, page.mimetype) == (200, "text/html")
    html = page.get_data(as_text=True)
    assert '"url": "/openapi.json"' in html
    assets = re.findall(r'(?:src|href)="(/swagger/[^"]+)"', html)
    assert len(assets) == 6
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.data) > 100


def test_docs_is_the_same_page_and_its_trailing_slash_redirects_as_starlette_does(client):
    """The hosted /docs is its API reference page (Scalar, from a CDN); the double serves Swagger UI there too."""
    page = client.get("/docs")
    assert (page.status_code, page.mimetype) == (200, "text/html")
    assert '"url": "/openapi.json"' in page.get_data(as_text=True)
    response = client.get("/docs/")
    assert (response.status_code, response.headers["Location"], response.data) == (307, "http://localhost/docs", b"")
