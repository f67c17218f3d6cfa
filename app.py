"""A test double of the Julep agents API's Users resource: the app factory."""

import os
import secrets
from pathlib import Path

from flask import Flask
from flask.sessions import NullSession, SessionInterface

from . import db
from . import users as api
from .controls import routes as double
from .docs import text_index
from .projects import routes as projects
from .web import handlers, openapi, pipeline, routing


def create_app(test_config=None, env_prefix="FLASK"):
    """Build the app. Settings: AGENTS_API_* variables, `env_prefix`_* variables, then `test_config`."""
    # No static folder: its route would answer a POST to /static/x with 405 where the hosted API has no route.
    app = DoubleFlask(__name__, instance_path=checkout_instance_path(), instance_relative_config=True, static_folder=None)
    app.config.from_mapping(settings(app.instance_path), PROVIDE_AUTOMATIC_OPTIONS=False)
    app.config.from_prefixed_env(env_prefix)
    if test_config is not None:
        app.config.update(test_config)
    if not app.config["API_KEY"]:
        app.config["API_KEY"] = secrets.token_urlsafe(24)
        app.logger.warning("AGENTS_API_KEY is not set; this run's API key is %s", app.config["API_KEY"])

    db.init_app(app)
    # Werkzeug would answer `/users//x` with an HTML redirect; Starlette has no such route: a 404.
    app.url_map.merge_slashes = False
    app.before_request(pipeline.before_request)
    app.after_request(pipeline.after_request)
    app.register_blueprint(api.bp)
    app.register_blueprint(projects.bp)
    app.register_blueprint(openapi.bp)
    openapi.register_swagger_ui(app)
    double.init_app(app)
    handlers.register(app)
    routing.register(app)
    app.wsgi_app = routing.UnderApi(app.wsgi_app)
    return app


class DoubleFlask(Flask):
    """Flask without two costs of every request that the double has no use for, each some 12k instructions of the
    1,146k an upsert through app.wsgi_app cost (callgrind)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_interface = NoSessions()
        self.sync_functions = {}

    def ensure_sync(self, func):
        """Flask's answer, asked once per view, hook and handler, where Flask asks inspect at every call (12k)."""
        sync = self.sync_functions.get(func)
        if sync is None:
            sync = super().ensure_sync(func)
            if len(self.sync_functions) < 1000:  # the app's own functions, not a closure made for each request
                self.sync_functions[func] = sync
        return sync


class NoSessions(SessionInterface):
    """No sessions: Flask's own interface looks for a secret key and makes an empty session every request (12k)."""

    null_session = NullSession()  # it refuses every write, so one serves every request

    def open_session(self, app, request):
        return self.null_session

    def save_session(self, app, session, response):
        pass


def settings(instance_path):
    """The double's own settings, from the AGENTS_API_* variables or their defaults."""
    return dict(
        DATABASE=os.path.join(instance_path, "users.sqlite3"),
        MAX_CONTENT_LENGTH=1024 * 1024,
        API_KEY=os.environ.get("AGENTS_API_KEY"),
        API_KEY_HEADER_NAME=os.environ.get("AGENTS_API_KEY_HEADER_NAME", "Authorization"),
        MULTI_TENANT_MODE=os.environ.get("AGENTS_API_MULTI_TENANT_MODE", "false").lower() == "true",
        ERROR_FORMAT=os.environ.get("AGENTS_API_ERROR_FORMAT", "detail"),
        JOURNAL_SIZE=1000,
        SEED_FILE=None,
        EMBED_NEW_CHUNKS=False,
        SERVER_START=None,  # what names this server start for all its workers (double.import_seed_file)
    )


def checkout_instance_path():
    """instance/ beside app.py in a checkout (where `flask run` keeps its database); installed, Flask's own choice.

    A checkout is the package directory itself, so Flask would otherwise pick the directory above it.
    """
    checkout = Path(__file__).parent
    return str(checkout / "instance") if (checkout / "pyproject.toml").exists() else None


def renewable_app(settings, env_prefix):
    """An app on an in-memory database (`settings` as create_app takes them), and a function that makes it as it
    was made again: its database, the seed file imported, restored, and its index of the docs dropped."""
    app = create_app({**settings, "DATABASE": ":memory:"}, env_prefix)
    fresh = db.copy_memory_database(app)

    def renew():
        db.restore_memory_database(app, fresh)
        text_index.forget(app)

    return app, renew
