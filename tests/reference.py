"""The hosted service's validation, built the way it is built (FastAPI + pydantic), as an oracle."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from langcodes import Language
from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool

from julep_users_double.schemas import NAME_PATTERN, PROJECT_PATTERN


class CreateOrUpdateUserRequest(BaseModel):
    metadata: dict[str, Any] | None = None
    name: Annotated[str, Field(max_length=120, pattern=NAME_PATTERN)] = ""
    about: str = ""
    project: Annotated[str, Field(min_length=1, max_length=255, pattern=PROJECT_PATTERN)] | None = None


reference_app = FastAPI()


@reference_app.post("/users/{user_id}", status_code=201)
def create_or_update_user(user_id: UUID, data: CreateOrUpdateUserRequest):
    return {"id": str(user_id)}


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


@reference_app.post("/users/{user_id}/docs", status_code=201)
def create_user_doc(user_id: UUID, data: CreateDocRequest, connection_pool: Any = None):
    return {"id": str(user_id)}


@reference_app.get("/users/{user_id}/docs")
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


@reference_app.delete("/users/{user_id}/docs/{doc_id}", status_code=202)
def delete_user_doc(doc_id: UUID, user_id: UUID):
    return {"id": str(doc_id)}


@reference_app.delete("/users/{user_id}/docs", status_code=202)
def bulk_delete_user_docs(user_id: UUID, data: BulkDeleteDocsRequest):
    return {"items": []}


@reference_app.post("/users/{user_id}/search")
def search_user_docs(
    search_params: (TextOnlyDocSearchRequest | VectorDocSearchRequest | HybridDocSearchRequest),
    user_id: UUID,
    connection_pool: Any = None,
):
    if not isinstance(search_params, VectorDocSearchRequest):
        get_language(search_params.lang)
    return {"model": type(search_params).__name__}
