"""The same upsert built the FastAPI way: pydantic models, sqlite3, one INSERT … ON CONFLICT.

Served the fastest way the hosted service's stack allows: uvicorn with uvloop and httptools, two
workers (see run.py); an `async` route, so each worker runs it on its event loop's one thread.
The request model is the tests' reference (the hosted service's); the schema, statement and
pragmas are the double's own, with RETURNING: its one thread per
process has nobody to wait for between the statement's steps. The database file is BENCH_DATABASE.
"""

import json
import os
import sqlite3
import time
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel

from julep_users_double.db import SCHEMA
from julep_users_double.users_db import SELECTED, UPSERT_USER
from reference import CreateOrUpdateUserRequest

API_KEY = os.environ["AGENTS_API_KEY"]
UPSERT_USER_RETURNING = f"{UPSERT_USER} RETURNING {SELECTED}"
DEVELOPER_ID = "00000000-0000-0000-0000-000000000000"


class User(BaseModel):
    id: UUID
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    name: str
    about: str
    project: str


def connect():
    connection = sqlite3.connect(os.environ["BENCH_DATABASE"], isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 10000")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.executescript(SCHEMA)
    return connection


@asynccontextmanager
async def lifespan(app):
    """One connection per worker process, opened in it: `async def` routes all run on its event loop's thread."""
    global connection
    connection = connect()
    yield
    connection.close()


app = FastAPI(lifespan=lifespan)


def timestamp(micros):
    return datetime.fromtimestamp(micros / 1_000_000, timezone.utc)


@app.post("/users/{user_id}", status_code=201, response_model=User)
async def create_or_update_user(
    user_id: UUID, user: CreateOrUpdateUserRequest, authorization: Annotated[str, Header()] = ""
):
    if authorization.removeprefix("Bearer ") != API_KEY:
        raise HTTPException(403, "Could not validate API KEY")
    now = time.time_ns() // 1000
    metadata = json.dumps(user.metadata or {}, ensure_ascii=False, separators=(",", ":"))
    parameters = {
        "developer_id": DEVELOPER_ID, "id": str(user_id), "name": user.name, "about": user.about,
        "project": user.project or "default", "metadata": metadata, "created_at": None, "updated_at": now,
    }
    (row,) = connection.execute(UPSERT_USER_RETURNING, parameters).fetchall()
    user_id, metadata, created_at, updated_at, name, about, project = row
    return User(
        id=user_id,
        metadata=json.loads(metadata),
        created_at=timestamp(created_at),
        updated_at=timestamp(updated_at),
        name=name,
        about=about,
        project=project,
    )
