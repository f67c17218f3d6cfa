"""A test double of the Julep agents API's Users resource: the app factory."""

import os
import secrets
from pathlib import Path

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from . import api, db, double, openapi
from .schemas import BodyParseError, RequestValidationError


def create_app(test_config=None):
    """Build the app. Settings: AGENTS_API_* variables, FLASK_* variables, then `test_config`."""
    app = Flask(__name__, instance_path=checkout_instance_path(), instance_relative_config=True)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "users.sqlite3"),
        MAX_CONTENT_LENGTH=1024 * 1024,
        PROVIDE_AUTOMATIC_OPTIONS=False,
        API_KEY=os.environ.get("AGENTS_API_KEY"),
        API_KEY_HEADER_NAME=os.environ.get("AGENTS_API_KEY_HEADER_NAME", "Authorization"),
        MULTI_TENANT_MODE=os.environ.get("AGENTS_API_MULTI_TENANT_MODE", "false").lower() == "true",
        JOURNAL_SIZE=1000,
        SEED_FILE=None,
    )
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.update(test_config)
    if not app.config["API_KEY"]:
        app.config["API_KEY"] = secrets.token_urlsafe(24)
        app.logger.warning("AGENTS_API_KEY is not set; this run's API key is %s", app.config["API_KEY"])

    db.init_app(app)
    # Werkzeug would answer `/users//x` with an HTML redirect; Starlette has no such route: a 404.
    app.url_map.merge_slashes = False
    app.register_blueprint(api.bp)
    app.register_blueprint(api.bp, url_prefix="/api", name="api_under_api")
    app.register_blueprint(openapi.bp)
    app.register_blueprint(openapi.docs_blueprint())
    double.init_app(app)
    register_error_handlers(app)
    return app


def checkout_instance_path():
    """instance/ beside app.py in a checkout (where `flask run` keeps its database); installed, Flask's own choice.

    A checkout is the package directory itself, so Flask would otherwise pick the directory above it.
    """
    checkout = Path(__file__).parent
    return str(checkout / "instance") if (checkout / "pyproject.toml").exists() else None


def register_error_handlers(app):
    """Every answer is JSON, worded as FastAPI words it."""

    @app.errorhandler(api.ApiError)
    def api_error(error):
        return api.detail_response(error.status, error.message)

    @app.errorhandler(RequestValidationError)
    def validation_error(error):
        return api.detail_response(422, error.detail)

    @app.errorhandler(BodyParseError)
    @app.errorhandler(UnicodeEncodeError)
    def unreadable_body(error):
        return api.detail_response(400, "There was an error parsing the body")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code == 404 and (location := slashless_url()):
            return app.response_class(status=api.STATUS_LINES[307], headers={"Location": location})
        if error.code == 413:
            return api.detail_response(413, "Request body too large")
        headers = [(name, value) for name, value in error.get_headers() if name == "Allow"]
        return api.detail_response(error.code, HTTP_STATUS_CODES[error.code], headers)


def slashless_url():
    """Where Starlette's redirect_slashes sends a path whose route exists without its trailing slashes."""
    path = request.path.rstrip("/")
    if not path or path == request.path:
        return None
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method=request.method)
    except MethodNotAllowed:
        pass  # Starlette redirects on a path match whatever the method
    except HTTPException:
        return None
    query = request.query_string.decode("latin-1")
    return request.host_url + path[1:] + (f"?{query}" if query else "")
