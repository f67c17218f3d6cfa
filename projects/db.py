"""The projects table: every statement that reads or writes a developer's projects, and the project-exists check the
user writes make first.

Rows come back named (sqlite3.Row) by PROJECT_FIELDS, the API's own names for a project's fields.
"""

import hashlib
import uuid

import namer

from ..db import get_db
from ..errors import InvalidData, ProjectConstraintViolated, ProjectExists, ProjectNotFound
from ..hosted import jsonb
from ..users_db import all_of, of_developer_matching

# A project as the API answers it, in its key order; `id` is stored as project_id.
PROJECT_FIELDS = ("id", "metadata", "created_at", "updated_at", "canonical_name", "name")
PROJECT_SELECTED = ", ".join("project_id AS id" if field == "id" else field for field in PROJECT_FIELDS)
INSERT_PROJECT = """
INSERT INTO projects (developer_id, canonical_name, project_id, name, metadata, created_at, updated_at)
VALUES (:developer_id, :canonical_name, :id, :name, :metadata, :created_at, :updated_at)
"""
# Every hosted developer has this project from the start (mig:000039's trigger create_default_project).
DEFAULT_PROJECT = {
    "canonical_name": "default",
    "name": "Default Project",
    "metadata": {"is_default": True, "description": "Default project containing all existing resources"},
}


def project_canonical_name(developer_id, name):
    """The developer's project `name` as stored (citext finds it in any case), as the hosted user writes look it up
    first: ProjectNotFound if there is none. Every developer has `default`, stored or not yet: no look needed."""
    if name.lower() == DEFAULT_PROJECT["canonical_name"]:
        return DEFAULT_PROJECT["canonical_name"]
    row = get_db().execute(
        "SELECT canonical_name FROM projects WHERE developer_id = ? AND canonical_name = ?", (developer_id, name)
    ).fetchone()
    if row is None:
        raise ProjectNotFound(name)
    return row[0]


def stored_project(operation, developer_id, project_id, project, created_at, updated_at):
    """A project's statement parameters, stored as the hosted projects table stores them: NUL removed from its
    strings (sanitize_string), metadata as jsonb gives it back, a canonical name made by the hosted generator
    (unique-namer's, as queries/utils.py generate_canonical_name calls it) when none is given."""
    try:
        name = jsonb.sanitize_string(project["name"])
        metadata = jsonb.stored_text(project["metadata"] or {})
    except jsonb.NotStorable:
        raise InvalidData("project", operation) from None
    if not name:
        raise ProjectConstraintViolated(operation)
    canonical_name = project["canonical_name"] or namer.generate(
        separator="_", suffix_length=3, category=["astronomy", "physics", "scientists", "math"]
    )
    return {
        "developer_id": developer_id,
        "canonical_name": canonical_name,
        "id": project_id,
        "name": name,
        "metadata": metadata,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def add_default_project(db, developer_id, now):
    """Store the developer's `default` project, unless it is stored: made at `now`, its id the same at every reset."""
    default_id = uuid.UUID(bytes=hashlib.md5(f"default project of {developer_id}".encode()).digest(), version=4)
    db.execute(
        INSERT_PROJECT + "ON CONFLICT DO NOTHING",
        stored_project("create", developer_id, str(default_id), DEFAULT_PROJECT, now, now),
    )


def create_project(developer_id, project_id, project, now):
    """Store a new project of the developer's (its `default` first, a microsecond older); the row as stored, or
    ProjectExists if the developer has one of its canonical name."""
    db = get_db()
    stored = stored_project("create", developer_id, project_id, project, now, now)
    add_default_project(db, developer_id, now - 1)
    if not db.execute(INSERT_PROJECT + "ON CONFLICT DO NOTHING", stored).rowcount:
        raise ProjectExists()
    return stored


def list_projects(developer_id, limit, offset, sort_by, direction, metadata_filter, now):
    """One page of a developer's projects, `default` among them; ties on the sort key broken by id."""
    db = get_db()
    add_default_project(db, developer_id, now)
    conditions, parameters = of_developer_matching(developer_id, metadata_filter)
    # sort_by and direction were validated against fixed choices, so they are safe to place in the SQL.
    return db.execute(
        f"SELECT {PROJECT_SELECTED} FROM projects WHERE {all_of(conditions)} "
        f"ORDER BY {sort_by} {direction}, project_id {direction} LIMIT ? OFFSET ?",
        (*parameters, limit, offset),
    ).fetchall()


def all_projects(developer_id=None):
    """Every developer's projects, or one developer's: developer_id and PROJECT_FIELDS, by developer then age."""
    return get_db().execute(
        f"SELECT developer_id, {PROJECT_SELECTED} FROM projects"
        " WHERE ?1 IS NULL OR developer_id = ?1 ORDER BY developer_id, created_at, project_id",
        (developer_id,),
    ).fetchall()


def upsert_projects(projects):
    """Store many stored_project() parameter sets over the developers' projects of their canonical names, in the
    caller's transaction."""
    get_db().executemany(
        INSERT_PROJECT + """ON CONFLICT (developer_id, canonical_name) DO UPDATE SET project_id = excluded.project_id,
        name = excluded.name, metadata = excluded.metadata, created_at = excluded.created_at,
        updated_at = excluded.updated_at""",
        projects,
    )
