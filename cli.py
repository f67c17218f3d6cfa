"""The command `julep-users-double` (also `python -m julep_users_double`): serve the double, print its document.

Each option of `serve` falls back on the setting of the same meaning in the environment (README, Settings):
the package's own JULEP_DOUBLE_* and the hosted service's AGENTS_API_*, never the FLASK_* of a team's own app.
"""

import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from . import PACKAGE_PREFIX, __version__
from .errors import ERROR_FORMATS

LISTENING = "julep-users-double listening on {url}"


class Command(click.Command):
    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            error.ctx = None  # one line, `Error: …`, without click's usage lines above it
            raise


@click.group()
@click.version_option(__version__, prog_name="julep-users-double")
def main():
    """A test double of the Julep agents API's Users resource."""


@main.command(cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--key", envvar="AGENTS_API_KEY", help="The API key clients must send.  [default: a random key, printed]")
@click.option("--database", envvar=f"{PACKAGE_PREFIX}_DATABASE", help="SQLite file.  [default: a fresh temporary file, removed at exit]")
@click.option("--workers", envvar=f"{PACKAGE_PREFIX}_WORKERS", default=os.cpu_count(), show_default=True, type=click.IntRange(min=1), help="Server processes.")
@click.option("--seed", envvar=f"{PACKAGE_PREFIX}_SEED_FILE", type=click.Path(exists=True, dir_okay=False), help="A users export to start from.")
@click.option("--multi-tenant", envvar="AGENTS_API_MULTI_TENANT_MODE", is_flag=True, help="Scope users by developer.")
@click.option("--error-format", envvar="AGENTS_API_ERROR_FORMAT", type=click.Choice(ERROR_FORMATS), default="detail", show_default=True)
def serve(host, port, key, database, workers, seed, multi_tenant, error_format):
    """Serve the double with the production server until SIGTERM or SIGINT."""
    from .server import CannotStart
    from .server import serve as run_server

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    scratch = None
    if database is None:
        scratch = tempfile.mkdtemp(prefix="julep-users-double-")
        database = str(Path(scratch) / "users.sqlite3")
    settings = {
        f"{PACKAGE_PREFIX}_DATABASE": database,
        "AGENTS_API_MULTI_TENANT_MODE": str(multi_tenant).lower(),
        "AGENTS_API_ERROR_FORMAT": error_format,
    }
    if key:
        settings["AGENTS_API_KEY"] = key
    if seed:
        settings[f"{PACKAGE_PREFIX}_SEED_FILE"] = str(Path(seed).resolve())
    try:
        run_server(host, port, workers, settings, on_ready=lambda url: click.echo(LISTENING.format(url=url)))
    except CannotStart as error:
        raise click.ClickException(str(error)) from None
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


@main.command(cls=Command)
@click.option("--error-format", envvar="AGENTS_API_ERROR_FORMAT", type=click.Choice(ERROR_FORMATS), default="detail", show_default=True)
def openapi(error_format):
    """Print the API's OpenAPI document."""
    from .app import create_app

    app = create_app({"DATABASE": ":memory:", "API_KEY": "unused", "ERROR_FORMAT": error_format}, env_prefix=PACKAGE_PREFIX)
    json.dump(app.test_client().get("/openapi.json").get_json(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
