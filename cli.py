"""The command `julep-users-double` (also `python -m julep_users_double`): serve the double, print its document."""

import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

LISTENING = "julep-users-double listening on {url}"


@click.group()
def main():
    """A test double of the Julep agents API's Users resource."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, help="0 picks a free port.")
@click.option("--key", help="The API key clients must send.  [default: AGENTS_API_KEY, else a random key, printed]")
@click.option("--database", help="SQLite file.  [default: a fresh temporary file, removed at exit]")
@click.option("--workers", default=os.cpu_count(), show_default=True, help="Server processes.")
@click.option("--seed", type=click.Path(exists=True, dir_okay=False), help="A users export to start from.")
@click.option("--multi-tenant", is_flag=True, help="Scope users by the X-Developer-Id header.")
def serve(host, port, key, database, workers, seed, multi_tenant):
    """Serve the double until SIGTERM or SIGINT, with the production server."""
    from .server import serve as run_server

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    scratch = None
    if database is None:
        scratch = tempfile.mkdtemp(prefix="julep-users-double-")
        database = str(Path(scratch) / "users.sqlite3")
    settings = {"FLASK_DATABASE": database}
    if key:
        settings["AGENTS_API_KEY"] = key
    if seed:
        settings["FLASK_SEED_FILE"] = str(Path(seed).resolve())
    if multi_tenant:
        settings["AGENTS_API_MULTI_TENANT_MODE"] = "true"
    try:
        run_server(host, port, workers, settings, on_ready=lambda url: click.echo(LISTENING.format(url=url)))
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


@main.command()
def openapi():
    """Print the API's OpenAPI document (with the settings of the environment)."""
    from .app import create_app

    app = create_app({"DATABASE": ":memory:", "API_KEY": "unused"})
    json.dump(app.test_client().get("/openapi.json").get_json(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
