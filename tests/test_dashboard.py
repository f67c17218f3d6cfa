"""The dashboard's page and files at /_double/: served without the key, from the package, never journaled.
What the page does in a browser: tests/test_dashboard_live.py."""

from pathlib import Path

import pytest

from conftest import AUTH, make_app

DASHBOARD = Path(__file__).parent.parent / "controls" / "dashboard"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_the_page_needs_no_key_and_loads_only_its_own_files(client, prefix):
    response = client.get(f"{prefix}/_double/")
    assert (response.status_code, response.content_type) == (200, "text/html; charset=utf-8")
    assert {name: response.headers[name] for name in HEADERS} == HEADERS
    page = response.get_data(as_text=True)
    assert '<meta name="julep-double-key-header" content="Authorization">' in page
    assert '<link rel="stylesheet" href="dashboard.css">' in page
    assert '<script src="dashboard.js" defer></script>' in page
    assert "http" not in page.replace('<html lang="en">', "")  # no address of anything elsewhere


@pytest.mark.parametrize(("name", "content_type"), [("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")])
@pytest.mark.parametrize("prefix", ["", "/api"])
def test_its_script_and_style_need_no_key(client, prefix, name, content_type):
    response = client.get(f"{prefix}/_double/{name}")
    assert (response.status_code, response.content_type) == (200, f"{content_type}; charset=utf-8")
    assert response.data == (DASHBOARD / name).read_bytes()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_tells_the_script_which_header_carries_the_key(tmp_path):
    client = make_app(tmp_path, API_KEY_HEADER_NAME="X-Api-Key").test_client()
    assert '<meta name="julep-double-key-header" content="X-Api-Key">' in client.get("/_double/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/_double", "/api/_double"])
def test_the_controls_root_without_its_slash_leads_to_the_page(client, path):
    response = client.get(path)
    assert (response.status_code, response.headers["Location"]) == (308, f"http://localhost{path}/")


@pytest.mark.parametrize("path", ["/_double/dashboard.html", "/_double/dashboard.py", "/_double/dashboard.js/x"])
def test_nothing_else_of_the_folder_is_served(client, path):
    assert (client.get(path).status_code, client.get(path).get_json()) == (404, {"detail": "Not Found"})


def test_the_page_and_its_files_are_not_journaled(client):
    for path in ["/_double/", "/_double/dashboard.js", "/_double/dashboard.css", "/api/_double/"]:
        assert client.get(path).status_code == 200
    assert client.get("/_double/requests", headers=AUTH).get_json() == {"items": [], "next_cursor": 0}
