"""What the router and the server refuse, answered as Starlette answers it: JSON, FastAPI's words."""

from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AUTH, USER_ID, upsert
from reference import ReferenceClient, reference_app

URL = f"/users/{USER_ID}"


@pytest.mark.parametrize("path", ["/nope", "/static/x"])  # /static: Flask's static route, which the app has not
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_route_is_json_404(client, method, path):
    response = client.open(path, method=method, headers=AUTH)
    assert (response.status_code, response.get_json()) == (404, {"detail": "Not Found"})


@pytest.mark.parametrize(
    "path, location",
    [
        (f"{URL}/", f"http://localhost{URL}"),
        ("/api/users//?limit=1", "http://localhost/api/users?limit=1"),
        ("/users/%0a/", "http://localhost/users/%0A"),
        ("/users/x%0d%0aSet-Cookie:%20a=b/", "http://localhost/users/x%0D%0ASet-Cookie:%20a=b"),
        ("/users/%C3%A9%20x/?q=%C3%A9", "http://localhost/users/%C3%A9%20x?q=%C3%A9"),
        ("/users%0a/", "http://localhost/users%0A"),  # Starlette's `$` matches before a final newline
        (f"{URL}/jobs/", None),
        ("/nope/", None),
    ],
)
def test_trailing_slash_redirects_as_starlette_does(client, path, location):
    response = client.get(path)
    if location is None:
        assert (response.status_code, response.get_json()) == (404, {"detail": "Not Found"})
    else:
        assert (response.status_code, dict(response.headers), response.data) == (
            307,
            {"Location": location, "Content-Length": "0"},
            b"",
        )


@pytest.fixture(scope="module")
def starlette():
    client = ReferenceClient(reference_app("detail"))
    yield client
    client.close()


def wire(response, body):
    """What a client sees of a router's answer: status, the headers that matter, body."""
    headers = {name: response.headers.get(name) for name in ("content-type", "content-length", "location", "allow")}
    return response.status_code, headers, body


def both_routed(client, starlette, method, target, headers=None):
    """`target` sent to Starlette and to the double, whose environ is what gunicorn makes of the request line."""
    path, _, query = target.partition("?")
    environ = {"PATH_INFO": unquote_to_bytes(path).decode("latin-1"), "QUERY_STRING": query, "HTTP_HOST": "testserver"}
    ours = client.open("/", method=method, headers=headers, environ_overrides=environ)
    theirs = starlette.request(method, f"http://testserver{target}", headers=headers)
    return wire(ours, ours.data), wire(theirs, theirs.content)


SEGMENTS = ["users", "api", "x", USER_ID, "jobs", "", "%0a", "%0d%0a", "%20", "%C3%A9", "%ff", "%2F", "Set-Cookie:%20a=b"]
targets = st.builds(
    lambda segments, slashes, query: "/" + "/".join(segments) + "/" * slashes + query,
    st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4),
    st.integers(1, 3),
    st.sampled_from(["", "?limit=1", "?a=%ff&b=%C3%A9", "?a=b%0d%0a", "?"]),
)


@pytest.mark.parametrize("headers", [None, AUTH, {"Authorization": "Bearer wrong"}])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "HEAD"])
@pytest.mark.parametrize(
    "target",
    ["/users/", "/users//", f"/users/{USER_ID}/", "/api/users/x/", "/users/%0a/", "/users/x%0d%0aSet-Cookie:%20a=b/",
     "/users%0a/", "/users%0a%0a/", "/users/%ff/?a=%ff", "//users/", "/api//users/", "/", "//", "/nope/", "/users/x/jobs/"],
)
def test_trailing_slashes_against_starlette(client, starlette, method, target, headers):
    ours, theirs = both_routed(client, starlette, method, target, headers)
    assert ours == theirs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "POST", "PUT", "HEAD"]), target=targets)
def test_random_trailing_slashes_against_starlette(client, starlette, method, target):
    ours, theirs = both_routed(client, starlette, method, target)
    assert ours == theirs


@pytest.mark.live
@pytest.mark.parametrize("kind", ["flask", "production"])
def test_redirect_locations_are_encoded_by_the_servers_too(start_server, kind):
    server = start_server(kind)
    for target, location in [
        ("/users/x%0d%0aSet-Cookie:%20a=b/", b"http://h/users/x%0D%0ASet-Cookie:%20a=b"),
        ("/users/%C3%A9%20/?q=%C3%A9", b"http://h/users/%C3%A9%20?q=%C3%A9"),
        ("/users/%0a/", b"http://h/users/%0A"),
    ]:
        head = server.send_raw(f"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n".encode()).split(b"\r\n\r\n")[0]
        headers = dict(line.split(b": ", 1) for line in head.lower().split(b"\r\n")[1:])
        assert head.startswith(b"HTTP/1.1 307 Temporary Redirect\r\n"), head
        assert (headers[b"location"], headers[b"content-length"], b"content-type" in headers) == (location.lower(), b"0", False)


# Starlette's Allow: the methods of the first route whose path matched, in the hosted order (POST first on both paths).
@pytest.mark.parametrize(
    "path, method",
    [(URL, "OPTIONS"), (URL, "TRACE"), ("/users", "PUT"), ("/users", "DELETE"), ("/api/users", "PATCH"), ("/_double/reset", "GET")],
)
def test_wrong_method_is_json_405(client, path, method):
    response = client.open(path, method=method, headers=AUTH)
    assert (response.status_code, response.headers["Allow"], response.get_json()) == (405, "POST", {"detail": "Method Not Allowed"})


@pytest.mark.parametrize("path", [URL, "/users", "/api/users"])
def test_head_is_not_answered_like_get(client, path):
    response = client.open(path, method="HEAD", headers=AUTH, buffered=True)
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")


@pytest.mark.parametrize("headers", [None, AUTH])
@pytest.mark.parametrize(
    "method, target",
    [(method, path) for path in ["/users", "/api/users"] for method in ["PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]]
    + [(method, path) for path in [URL, "/users/x", "/api/users/%0a"] for method in ["HEAD", "OPTIONS", "TRACE"]],
)
def test_wrong_methods_against_starlette(client, starlette, method, target, headers):
    ours, theirs = both_routed(client, starlette, method, target, headers)
    assert ours == theirs


def test_body_over_the_limit_is_413_without_being_read(client):
    response = client.post(URL, data=b"x" * (1024 * 1024 + 1), headers=AUTH)
    assert (response.status_code, response.get_json()) == (413, {"detail": "Request body too large"})


def test_unexpected_failure_is_json_500_with_traceback_only_in_the_log(app, client, monkeypatch, caplog):
    def explode(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr("julep_users_double.users_db.write_user", explode)
    response = upsert(client)
    assert (response.status_code, response.get_json()) == (500, {"detail": "Internal Server Error"})
    assert "RuntimeError: boom" in caplog.text
