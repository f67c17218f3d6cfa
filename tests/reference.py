"""The hosted service's validation, built the way it is built (FastAPI + pydantic), as an oracle."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import BaseModel, Field

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
