"""The hosted service's Users routes and a user's docs routes as it builds them (FastAPI + pydantic, its own API
key check), as an oracle.

`reference_app("detail")` answers errors with FastAPI's own handlers, the published contract's shape;
`reference_app("hosted")` with the hosted service's handlers (tests/hosted_v1.py). The routes come in the hosted
order, under `/users…` and `/api/users…` as the double serves them; no user exists.
"""

import asyncio
from typing import Annotated, Any, Literal
from uuid import UUID

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from langcodes import Language
from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool

import hosted_v1
from julep_users_double.schemas import NAME_PATTERN, PROJECT_PATTERN


class CreateOrUpdateUserRequest(BaseModel):
    metadata: dict[str, Any] | None = None
    name: Annotated[str, Field(max_length=120, pattern=NAME_PATTERN)] = ""
    about: str = ""
    project: Annotated[str, Field(min_length=1, max_length=255, pattern=PROJECT_PATTERN)] | None = None


router = APIRouter()


def project_exists(data):
    """The hosted user writes' first check (queries/users/*.py): a developer with no project but `default` (citext)."""
    canonical_name = data.project or "default"
    if canonical_name.lower() != "default":
        raise HTTPException(404, f"Project '{canonical_name}' not found")


@router.post("/users/{user_id}", status_code=201)
def create_or_update_user(user_id: UUID, data: CreateOrUpdateUserRequest):
    project_exists(data)
    return {"id": str(user_id)}


@router.post("/users", status_code=201)
def create_user(data: CreateOrUpdateUserRequest):
    project_exists(data)
    return {}


@router.delete("/users/{user_id}", status_code=202)
def delete_user(user_id: UUID):
    raise HTTPException(404, "No user found during delete")


@router.get("/users/{user_id}")
def get_user_details(user_id: UUID):
    raise HTTPException(404, "User not found during get")


@router.get("/users")
def list_users(
    limit: int = 100,
    offset: int = 0,
    sort_by: Literal["created_at", "updated_at"] = "created_at",
    direction: Literal["asc", "desc"] = "desc",
):
    # The hosted query's beartype checks, rewrapped by common_db_exceptions into these 400s.
    if not 1 <= limit <= 100:
        raise HTTPException(400, "Limit must be between 1 and 100")
    if offset < 0:
        raise HTTPException(400, "Offset must be non-negative")
    return {"items": []}


# Projects: CreateProjectRequest as autogen/Projects.py defines it (docstrings left out), the routes' signatures as
# routers/projects/*.py declare them.


class CreateProjectRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    metadata: dict[str, Any] | None = None
    canonical_name: Annotated[str | None, Field(max_length=255, min_length=1, pattern=PROJECT_PATTERN)] = None
    name: Annotated[str, Field(max_length=255, min_length=1)]


@router.post("/projects", status_code=201)
def create_project(data: CreateProjectRequest):
    return {}


# A user's docs: the hosted models as autogen/Docs.py and autogen/Common.py define them (docstrings left out), and
# the routes' signatures as routers/docs/*.py declare them, with get_language (common/utils/get_doc_search.py),
# the only check of theirs that answers a 422 of its own.


class Content(RootModel[str]):
    model_config = ConfigDict(populate_by_name=True)
    root: Annotated[str, Field(max_length=30000)]


class CreateDocRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    metadata: dict[str, Any] | None = None
    title: Annotated[str, Field(max_length=800)]
    content: Content | list[Content]
    embed_instruction: str | None = None


class BulkDeleteDocsRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    metadata_filter: dict[str, Any] = {}
    delete_all: StrictBool = False


class TextOnlyDocSearchRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    limit: Annotated[int, Field(ge=1, le=50)] = 10
    metadata_filter: dict[str, Any] = {}
    include_embeddings: StrictBool = True
    text: str
    lang: str = "en-US"
    trigram_similarity_threshold: Annotated[float | None, Field(ge=0.0, le=1.0)] = None


class VectorDocSearchRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    limit: Annotated[int, Field(ge=1, le=50)] = 10
    metadata_filter: dict[str, Any] = {}
    include_embeddings: StrictBool = True
    vector: list[float]
    confidence: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.5
    mmr_strength: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.5


class HybridDocSearchRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    limit: Annotated[int, Field(ge=1, le=50)] = 10
    metadata_filter: dict[str, Any] = {}
    include_embeddings: StrictBool = True
    text: str
    lang: str = "en-US"
    trigram_similarity_threshold: Annotated[float | None, Field(ge=0.0, le=1.0)] = None
    vector: list[float]
    confidence: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.5
    mmr_strength: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.5
    alpha: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    k_multiplier: Annotated[int, Field(ge=1, le=10)] = 5


class MetadataFilter(BaseModel):
    model_config = ConfigDict(extra="allow")


def convert_value(value: str) -> Any:
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            continue
    return value


def extract_filters(
    request: Request, metadata_filter: Annotated[MetadataFilter, Query(default_factory=MetadataFilter)]
) -> MetadataFilter:
    prefix = "metadata_filter."
    return MetadataFilter(
        **{key[len(prefix) :]: convert_value(value) for key, value in request.query_params.items() if key.startswith(prefix)}
    )


def get_language(lang: str) -> str:
    error_msg = "Invalid ISO 639 language code."
    try:
        language_obj = Language.get(lang)
        if not language_obj.is_valid():
            raise HTTPException(status_code=422, detail=error_msg)
        if "-" in lang and not (language_obj.territory or language_obj.script):
            parts = lang.split("-")
            if len(parts) > 1 and any(len(part) > 3 for part in parts[1:]):
                raise HTTPException(status_code=422, detail=error_msg)
        language = language_obj.describe().get("language", "english")
        if not language:
            raise HTTPException(status_code=422, detail="Language description is empty")
        return "english_unaccent" if language.lower() == "english" else language.lower()
    except (ValueError, AttributeError, KeyError):
        raise HTTPException(status_code=422, detail=error_msg)


@router.get("/projects")
def list_projects(
    metadata_filter: Annotated[MetadataFilter, Depends(extract_filters)],
    limit: int = 100,
    offset: int = 0,
    sort_by: Literal["created_at", "updated_at"] = "created_at",
    direction: Literal["asc", "desc"] = "desc",
):
    return {"items": []}


@router.get("/docs/{doc_id}")
def get_doc(doc_id: UUID, include_embeddings: bool = True):
    raise HTTPException(404, "No doc found during get")


@router.post("/users/{user_id}/docs", status_code=201)
def create_user_doc(user_id: UUID, data: CreateDocRequest, connection_pool: Any = None):
    return {"id": str(user_id)}


@router.get("/users/{user_id}/docs")
def list_user_docs(
    user_id: UUID,
    metadata_filter: Annotated[MetadataFilter, Depends(extract_filters)],
    limit: int = 100,
    offset: int = 0,
    sort_by: Literal["created_at", "updated_at"] = "created_at",
    direction: Literal["asc", "desc"] = "desc",
    include_embeddings: bool = True,
):
    return {"items": []}


@router.delete("/users/{user_id}/docs/{doc_id}", status_code=202)
def delete_user_doc(doc_id: UUID, user_id: UUID):
    return {"id": str(doc_id)}


@router.delete("/users/{user_id}/docs", status_code=202)
def bulk_delete_user_docs(user_id: UUID, data: BulkDeleteDocsRequest):
    return {"items": []}


@router.post("/users/{user_id}/search")
def search_user_docs(
    search_params: (TextOnlyDocSearchRequest | VectorDocSearchRequest | HybridDocSearchRequest),
    user_id: UUID,
    connection_pool: Any = None,
):
    if not isinstance(search_params, VectorDocSearchRequest):
        get_language(search_params.lang)
    return {"model": type(search_params).__name__}


def reference_app(error_format):
    app = FastAPI()
    for prefix in ("", "/api"):
        app.include_router(router, prefix=prefix, dependencies=[Depends(hosted_v1.get_api_key)])
    if error_format == "hosted":
        app.add_exception_handler(RequestValidationError, hosted_v1.make_exception_handler(422))
        app.add_exception_handler(HTTPException, hosted_v1.http_exception_handler)
    return app


class ReferenceClient:
    """A client of a reference app handing it every byte as sent: Starlette's TestClient re-encodes non-ASCII
    header values as UTF-8. A server error is answered (500), not raised."""

    def __init__(self, app):
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    def request(self, method, url, **kwargs):
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def close(self):
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()
