"""Routing as Starlette routes: every route also under /api, and Werkzeug's HTTP errors (its router's refusals, a body
over the limit, an unexpected failure) as Starlette answers them: the trailing-slash redirect, the 405's Allow,
`{"detail": phrase}` in either error format."""

from urllib.parse import quote

from flask import current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..errors import BodyTooLarge, HTTPError
from .handlers import error_response
from .responses import redirect

# What Starlette's RedirectResponse leaves unencoded in a location.
LOCATION_SAFE = ":/%#?=@[]!$&'()*+,;"
# Where the SDKs' default base URL points (https://api.julep.ai/api).
API_PREFIX = "/api"


class UnderApi:
    """Every route at / and under /api, as the hosted app serves them with its root_path set (AGENTS_API_PREFIX):
    Starlette's get_route_path takes the prefix off a path once. Here it moves from PATH_INFO to SCRIPT_NAME, where
    Werkzeug's router and request.path leave it out. (Werkzeug's DispatcherMiddleware would walk every slash of a
    path to find its mount.)"""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(API_PREFIX) and path[len(API_PREFIX) : len(API_PREFIX) + 1] in ("", "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + API_PREFIX
            environ["PATH_INFO"] = path[len(API_PREFIX) :]
        return self.wsgi_app(environ, start_response)


def register(app):
    app.register_error_handler(HTTPException, http_error)


def http_error(error):
    if error.code == 404 and (location := slashless_url()):
        return redirect(location)
    if error.code == 413:
        return error_response(BodyTooLarge())
    if error.code == 405:
        return error_response(HTTPError(405, {"Allow": first_route_methods()}))
    return error_response(HTTPError(error.code))


def first_route_methods():
    """A 405's Allow as Starlette's router gives it: the methods of the first route, in the order the routes were
    declared, whose path matched (a FastAPI route has one method), where Werkzeug would list every route's."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    matched = {id(adapter.match(method=method, return_rule=True)[0]) for method in adapter.allowed_methods()}
    # By identity: rules of one path compare equal whatever their methods.
    first = next(rule for rule in current_app.url_map.iter_rules() if id(rule) in matched)
    return ", ".join(sorted(first.methods - {"HEAD", "OPTIONS"}))


def slashless_url():
    """Where Starlette's redirect_slashes sends a path whose route exists without its trailing slashes, encoded as
    its RedirectResponse encodes it (a CR, LF, space or non-ASCII character of the decoded path as %XX)."""
    environ = request.environ
    # The path as the server decoded it: request.path drops the leading slashes, which Starlette keeps.
    path = environ["PATH_INFO"].encode("latin-1").decode(errors="replace")
    slashless = path.rstrip("/")
    if not slashless or slashless == path:
        return None
    # Starlette's route patterns end in `$`, which also matches before a final newline.
    if not has_route(slashless) and not (slashless.endswith("\n") and has_route(slashless[:-1])):
        return None
    # The Host header as sent (request.host drops a default port and refuses odd characters); the query's bytes
    # encoded as they are, where Starlette would fail on bytes that are not UTF-8.
    host = environ["HTTP_HOST"] if "HTTP_HOST" in environ else request.host
    location = quote(f"{environ['wsgi.url_scheme']}://{host}{environ.get('SCRIPT_NAME', '')}{slashless}", safe=LOCATION_SAFE)
    return f"{location}?{quote(request.query_string, safe=LOCATION_SAFE)}" if request.query_string else location


def has_route(path):
    """Whether a route takes `path`, whatever the method (Starlette redirects on a path match alone)."""
    if path.startswith("//"):  # Werkzeug's matcher drops leading slashes; Starlette's routes take none
        return False
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method=request.method)
    except MethodNotAllowed:
        return True
    except HTTPException:
        return False
    return True
