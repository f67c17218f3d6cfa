"""Projects (routers/projects/*.py, queries/projects/*.py on the hosted `dev` branch), users held to the projects
that exist (queries/users/*.py check project_exists first), and projects through reset, export, import and seed."""

import json
import uuid

import pytest

from conftest import AUTH, USER_ID, make_app, new_project, upsert

NOW = "2026-01-01T00:00:00Z"
FIRST_ID = "019b76da-a800-7000-8000-000000000001"  # the first id made under the frozen clock
DEVELOPER_A = "0190e6a2-0000-7000-8000-00000000000a"
DEVELOPER_B = "0190e6a2-0000-7000-8000-00000000000b"
DEFAULT_METADATA = {"is_default": True, "description": "Default project containing all existing resources"}
INVALID_LIST = (400, b'{"detail":"Invalid project data provided during list"}')


@pytest.fixture
def frozen(client):
    assert client.post("/_double/clock", json={"now": NOW}, headers=AUTH).status_code == 200
    return client


def answer(response):
    return response.status_code, response.data


def listed(client, query="", headers=AUTH):
    response = client.get(f"/projects{query}", headers=headers)
    assert response.status_code == 200, response.data
    return response.get_json()["items"]


# POST /projects


def test_create_answers_201_with_the_project_in_the_hosted_key_order(frozen):
    response = frozen.post(
        "/projects", json={"name": "Analytics", "canonical_name": "analytics", "metadata": {"team": "data", "n": 1}}, headers=AUTH
    )
    assert answer(response) == (
        201,
        f'{{"id":"{FIRST_ID}","metadata":{{"n":1,"team":"data"}},"created_at":"2026-01-01T00:00:00Z",'
        '"updated_at":"2026-01-01T00:00:00Z","canonical_name":"analytics","name":"Analytics"}'.encode(),
    )


def test_create_without_a_canonical_name_makes_one_as_the_hosted_generator_does(client):
    project = client.post("/projects", json={"name": "x", "canonical_name": None, "metadata": None}, headers=AUTH).get_json()
    # unique-namer: an adjective, a name from astronomy, physics, scientists or math, three letters or digits.
    adjective, noun, suffix = project["canonical_name"].split("_")
    assert adjective.isalpha() and noun.isalpha() and len(suffix) == 3 and suffix.isalnum()
    assert project["metadata"] == {}


def test_a_canonical_name_taken_in_any_case_is_409(client):
    new_project(client, "analytics")
    for taken in ("analytics", "ANALYTICS", "Default", "default"):
        response = client.post("/projects", json={"name": "x", "canonical_name": taken}, headers=AUTH)
        assert answer(response) == (409, b'{"detail":"A project with these unique properties already exists during create"}')


def test_what_the_hosted_database_refuses_is_400(client):
    response = client.post("/projects", json={"name": "\u0000\u0000"}, headers=AUTH)
    assert answer(response) == (400, b'{"detail":"The provided project data violates one or more constraints during create"}')
    response = client.post("/projects", json={"name": "x", "metadata": {"a\u0000": 1}}, headers=AUTH)
    assert answer(response) == (400, b'{"detail":"Invalid project data provided during create"}')
    response = client.post("/projects", json={"name": "x\ud800"}, headers=AUTH)
    assert answer(response) == (400, b'{"detail":"Invalid project data provided during create"}')
    assert [project["canonical_name"] for project in listed(client)] == ["default"]


def test_nul_is_removed_from_the_name_and_metadata(client):
    project = client.post("/projects", json={"name": "a\u0000b", "metadata": {"k": "v\u0000"}}, headers=AUTH).get_json()
    assert (project["name"], project["metadata"]) == ("ab", {"k": "v"})


def test_validation_is_pydantics(client):
    response = client.post("/projects", json={"canonical_name": "1a", "metadata": 5}, headers=AUTH)
    assert response.status_code == 422
    assert response.get_json() == {
        "detail": [
            {"type": "dict_type", "loc": ["body", "metadata"], "msg": "Input should be a valid dictionary", "input": 5},
            {
                "type": "string_pattern_mismatch",
                "loc": ["body", "canonical_name"],
                "msg": "String should match pattern '^[a-zA-Z][a-zA-Z0-9_]*$'",
                "input": "1a",
                "ctx": {"pattern": "^[a-zA-Z][a-zA-Z0-9_]*$"},
            },
            {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": {"canonical_name": "1a", "metadata": 5}},
        ]
    }


# GET /projects


def test_every_developer_has_the_default_project(frozen):
    (default,) = listed(frozen)
    assert default == {
        "id": default["id"],
        "metadata": DEFAULT_METADATA,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "canonical_name": "default",
        "name": "Default Project",
    }
    assert uuid.UUID(default["id"]).version == 4  # gen_random_uuid(), as the hosted trigger makes it
    frozen.post("/_double/reset", headers=AUTH)
    assert listed(frozen)[0]["id"] == default["id"]  # the same after a reset: snapshot tests stay the same


def test_list_pages_sorts_and_filters(frozen):
    new_project(frozen, "first")
    frozen.post("/_double/clock", json={"advance_seconds": 1}, headers=AUTH)
    frozen.post("/projects", json={"name": "Second", "canonical_name": "second", "metadata": {"team": "data", "n": 1}}, headers=AUTH)
    assert [project["canonical_name"] for project in listed(frozen)] == ["second", "first", "default"]
    assert [project["canonical_name"] for project in listed(frozen, "?direction=asc&limit=2")] == ["default", "first"]
    assert [project["canonical_name"] for project in listed(frozen, "?offset=2")] == ["default"]
    assert [project["canonical_name"] for project in listed(frozen, "?metadata_filter.team=data&metadata_filter.n=1.0")] == ["second"]
    assert listed(frozen, "?metadata_filter.n=x") == []
    assert listed(frozen, "?limit=0") == []
    assert len(listed(frozen, "?limit=1000")) == 3


@pytest.mark.parametrize("query", ["limit=-1", "offset=-1", f"limit={2**63}", f"offset={2**63}"])
def test_limits_postgresql_refuses_are_400(client, query):
    # The hosted list_projects bounds neither (unlike list_users): PostgreSQL refuses them, a DataError.
    assert answer(client.get(f"/projects?{query}", headers=AUTH)) == INVALID_LIST


def test_a_developer_sees_only_their_own_projects(tmp_path):
    client = make_app(tmp_path, MULTI_TENANT_MODE=True).test_client()
    new_project(client, "analytics", headers={**AUTH, "X-Developer-Id": DEVELOPER_A})
    assert [p["canonical_name"] for p in listed(client, headers={**AUTH, "X-Developer-Id": DEVELOPER_B})] == ["default"]
    response = upsert(client, headers={**AUTH, "X-Developer-Id": DEVELOPER_B}, project="analytics")
    assert answer(response) == (404, b'{"detail":"Project \'analytics\' not found"}')
    assert upsert(client, headers={**AUTH, "X-Developer-Id": DEVELOPER_A}, project="analytics").status_code == 201


def test_projects_answer_under_api_too(client):
    assert client.post("/api/projects", json={"name": "x", "canonical_name": "x"}, headers=AUTH).status_code == 201
    assert [project["canonical_name"] for project in listed(client, headers=AUTH)] == ["x", "default"]
    assert client.get("/api/projects", headers=AUTH).get_json() == client.get("/projects", headers=AUTH).get_json()


# Users in projects


NOT_FOUND = (404, b'{"detail":"Project \'analytics\' not found"}')


def test_every_user_write_refuses_a_project_that_does_not_exist(client):
    assert answer(upsert(client, project="analytics")) == NOT_FOUND
    assert answer(client.post("/users", json={"project": "analytics"}, headers=AUTH)) == NOT_FOUND
    assert client.get("/users", headers=AUTH).get_json() == {"items": []}
    upsert(client, name="Ada")
    assert answer(client.put(f"/users/{USER_ID}", json={"project": "analytics"}, headers=AUTH)) == NOT_FOUND
    assert answer(client.patch(f"/users/{USER_ID}", json={"project": "analytics"}, headers=AUTH)) == NOT_FOUND
    assert client.get(f"/users/{USER_ID}", headers=AUTH).get_json()["project"] == "default"


def test_the_project_is_checked_before_the_user(client):
    other = "0190e6a2-7b6f-7b5e-9c1a-000000000000"
    assert answer(client.put(f"/users/{other}", json={"project": "analytics"}, headers=AUTH)) == NOT_FOUND
    assert answer(client.patch(f"/users/{other}", json={"project": "analytics"}, headers=AUTH)) == NOT_FOUND


def test_the_hosted_error_format_words_it_as_an_http_error(tmp_path):
    client = make_app(tmp_path, ERROR_FORMAT="hosted").test_client()
    assert answer(upsert(client, project="analytics")) == (
        404, b'{"error":{"message":"Project \'analytics\' not found","code":"http_404","type":"http_error"}}'
    )


def test_a_user_takes_the_project_as_stored_whatever_the_case_sent(client):
    new_project(client, "analytics")
    assert upsert(client, project="ANALYTICS").get_json()["project"] == "analytics"
    assert upsert(client, project="DEFAULT").get_json()["project"] == "default"


def test_users_move_between_projects(client):
    new_project(client, "analytics")
    new_project(client, "sales")
    upsert(client, project="analytics")
    assert client.patch(f"/users/{USER_ID}", json={"name": "Ada"}, headers=AUTH).get_json()["project"] == "analytics"
    assert client.patch(f"/users/{USER_ID}", json={"project": "sales"}, headers=AUTH).get_json()["project"] == "sales"
    assert client.put(f"/users/{USER_ID}", json={}, headers=AUTH).get_json()["project"] == "default"
    assert upsert(client, project="analytics").get_json()["project"] == "analytics"
    assert client.get(f"/users/{USER_ID}", headers=AUTH).get_json()["project"] == "analytics"


# Reset, export, import, seed


def test_reset_takes_the_projects_too(tmp_path):
    client = make_app(tmp_path, MULTI_TENANT_MODE=True).test_client()
    for developer in (DEVELOPER_A, DEVELOPER_B):
        new_project(client, "analytics", headers={**AUTH, "X-Developer-Id": developer})
    client.post(f"/_double/reset?developer_id={DEVELOPER_A}", headers=AUTH)
    assert [p["canonical_name"] for p in listed(client, headers={**AUTH, "X-Developer-Id": DEVELOPER_A})] == ["default"]
    assert len(listed(client, headers={**AUTH, "X-Developer-Id": DEVELOPER_B})) == 2
    client.post("/_double/reset", headers=AUTH)
    assert answer(upsert(client, headers={**AUTH, "X-Developer-Id": DEVELOPER_B}, project="analytics")) == NOT_FOUND


def test_an_export_carries_the_projects_and_imports_back(frozen):
    project = frozen.post("/projects", json={"name": "Analytics", "canonical_name": "analytics"}, headers=AUTH).get_json()
    upsert(frozen, project="analytics")
    snapshot = frozen.get("/_double/users", headers=AUTH).get_json()
    default = {"developer_id": "00000000-0000-0000-0000-000000000000", **listed(frozen)[1]}
    assert snapshot["projects"] == [default, {"developer_id": "00000000-0000-0000-0000-000000000000", **project}]
    frozen.post("/_double/reset", headers=AUTH)
    response = frozen.post("/_double/users", json=snapshot, headers=AUTH)
    assert answer(response) == (200, b'{"imported":1,"imported_docs":0}')
    assert frozen.get("/_double/users", headers=AUTH).get_json() == snapshot


def test_an_import_refuses_a_user_in_a_project_it_does_not_bring(client):
    users = [{"id": USER_ID, "project": "default"}, {"id": USER_ID[:-1] + "0", "project": "analytics"}]
    response = client.post("/_double/users", json={"items": users}, headers=AUTH)
    assert response.status_code == 422
    assert response.get_json()["detail"][0]["loc"] == ["body", "items", 1, "project"]
    assert client.get("/_double/users", headers=AUTH).get_json() == {"items": [], "projects": [], "docs": []}
    projects = [{"id": FIRST_ID, "canonical_name": "Analytics", "name": "A"}]
    response = client.post("/_double/users", json={"items": users, "projects": projects}, headers=AUTH)
    assert response.status_code == 200
    assert client.get(f"/users/{USER_ID[:-1]}0", headers=AUTH).get_json()["project"] == "Analytics"


def test_an_import_refuses_what_the_api_would_not_store(client):
    projects = [{"id": FIRST_ID, "canonical_name": "a", "name": "\u0000"}]
    response = client.post("/_double/users", json={"items": [], "projects": projects}, headers=AUTH)
    assert answer(response) == (400, b'{"detail":"The provided project data violates one or more constraints during import"}')
    response = client.post("/_double/users", json={"items": [], "projects": [{**projects[0], "name": "x\ud800"}]}, headers=AUTH)
    assert answer(response) == (400, b'{"detail":"Invalid project data provided during import"}')


def test_a_seed_file_brings_its_projects(tmp_path):
    seed = tmp_path / "seed.json"
    projects = [{"id": FIRST_ID, "canonical_name": "analytics", "name": "A", "created_at": "2020-01-01T00:00:00Z"}]
    seed.write_text(json.dumps({"items": [{"id": USER_ID, "project": "analytics"}], "projects": projects}))
    client = make_app(tmp_path, SEED_FILE=str(seed)).test_client()
    # The default project is stored when first listed, after the seed's.
    assert [p["canonical_name"] for p in listed(client)] == ["default", "analytics"]
    assert client.get(f"/users/{USER_ID}", headers=AUTH).get_json()["project"] == "analytics"
