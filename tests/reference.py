"""The hosted service's Users routes as it builds them (FastAPI + pydantic, its own API key check), as an oracle.

`reference_app("detail")` answers errors with FastAPI's own handlers, the published contract's shape;
`reference_app("hosted")` with the hosted service's handlers (tests/hosted_v1.py). The routes come in the hosted
order, under `/users…` and `/api/users…` as the double serves them; no user exists.
"""

import asyncio
from typing import Annotated, Any, Literal
from uuid import UUID

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

import hosted_v1
from julep_users_double.schemas import NAME_PATTERN, PROJECT_PATTERN


class CreateOrUpdateUserRequest(BaseModel):
    metadata: dict[str, Any] | None = None
    name: Annotated[str, Field(max_length=120, pattern=NAME_PATTERN)] = ""
    about: str = ""
    project: Annotated[str, Field(min_length=1, max_length=255, pattern=PROJECT_PATTERN)] | None = None


router = APIRouter()


@router.post("/users/{user_id}", status_code=201)
def create_or_update_user(user_id: UUID, data: CreateOrUpdateUserRequest):
    return {"id": str(user_id)}


@router.post("/users", status_code=201)
def create_user(data: CreateOrUpdateUserRequest):
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
