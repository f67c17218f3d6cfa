"""The dashboard at /_double/ in a real browser: Debian's headless Chromium, driven by Playwright, against the
production server. Each test opens a tab of its own (sessionStorage, where the page keeps the key, is the tab's)."""

import json
import shutil
import tempfile
import uuid

import httpx
import pytest
from playwright.sync_api import sync_playwright

from conftest import API_KEY, AUTH, USER_ID
from servers import Server

pytestmark = pytest.mark.live

CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEVELOPER_A = "aaaaaaaa-0000-4000-8000-000000000001"
DEVELOPER_B = "bbbbbbbb-0000-4000-8000-000000000002"
OTHER_ID = "0190e6a2-7b6f-7b5e-9c1a-0000000000ff"
WAIT_MS = 10_000  # what the page may take to show a change: its live loop waits 2 s a round


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000}
        )
        context.set_default_timeout(WAIT_MS)
        yield context
        context.close()


def start(tmp_path_factory, **settings):
    folder = tmp_path_factory.mktemp("dashboard")
    return Server("production", folder / "users.sqlite3", folder / "server.log", API_KEY, **settings).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = start(tmp_path_factory)
    yield started
    started.stop()
    assert "Traceback" not in started.log()


@pytest.fixture
def double(server):
    """An httpx client of the server, reset before the test."""
    with httpx.Client(base_url=server.base, headers=AUTH, timeout=30) as client:
        assert client.post("/_double/reset").status_code == 204
        yield client


@pytest.fixture
def tab(browser, server):
    """A new tab, and every URL it asked for (to prove the page reaches nothing but the double)."""
    page = browser.new_page()
    page.requested, page.errors = [], []
    page.on("request", lambda request: page.requested.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.close()
    assert page.errors == []


def open_dashboard(tab, server, key=API_KEY, prefix=""):
    tab.goto(f"{server.base}{prefix}/_double/#key={key}")
    tab.wait_for_selector("#main:not([hidden])")


def wait_for_journal(tab, count):
    """Until the page holds `count` journal entries."""
    said = f"{count} {'entry' if count == 1 else 'entries'},"
    tab.wait_for_function("said => document.getElementById('journal-state').textContent.startsWith(said)", arg=said)


def cell_texts(tab, selector):
    return [[cell.inner_text() for cell in row.query_selector_all("td")] for row in tab.query_selector_all(selector)]


def test_the_key_comes_from_the_fragment_and_stays_in_the_tab(tab, server, double):
    open_dashboard(tab, server)
    assert tab.evaluate("[location.hash, sessionStorage.getItem('julep-double-key')]") == ["", API_KEY]
    assert all(server.base in url and API_KEY not in url for url in tab.requested)
    tab.reload()  # the tab keeps it
    tab.wait_for_selector("#main:not([hidden])")


def test_without_a_key_the_page_asks_for_one_and_says_when_it_is_refused(tab, server, double):
    tab.goto(f"{server.base}/_double/")
    tab.fill("#key-input", "wrong")
    tab.click("#key-form button")
    tab.wait_for_selector("#key-form:not([hidden])")
    assert tab.inner_text("#key-reason") == 'The double refused the key: {"detail":"Could not validate API KEY"}'
    tab.fill("#key-input", API_KEY)
    tab.click("#key-form button")
    tab.wait_for_selector("#main:not([hidden])")
    assert tab.is_hidden("#key-form")


def test_a_key_no_header_can_carry_is_asked_for_again(tab, server, double):
    tab.goto(f"{server.base}/_double/#key=%E2%82%AC")
    tab.wait_for_selector("#key-form:not([hidden])")
    assert tab.inner_text("#key-reason") == "That key cannot be sent in an HTTP header."


def test_users_by_developer_with_their_docs_paged_and_a_doc_shown_whole(tab, server, double):
    for index in range(25):
        assert double.post(f"/users/{uuid.UUID(int=index + 1)}", json={"name": f"U{index}"}).status_code == 201
    owner = str(uuid.UUID(int=1))
    for index in range(12):
        assert double.post(f"/users/{owner}/docs", json={"title": f"Doc {index}", "content": [f"chunk {index}", "more"]}).status_code == 201
    export = double.get("/_double/users").json()
    open_dashboard(tab, server)
    tab.wait_for_selector("tr.user")
    assert tab.inner_text("#developers h3") == "developer 00000000-0000-0000-0000-000000000000"
    assert tab.inner_text(".developer > .pager") == "‹ 1–20 of 25 ›"
    first = export["items"][0]
    assert cell_texts(tab, "tr.user")[0] == [
        first["id"], "U0", "", "default", "{}", first["created_at"], first["updated_at"], "12"
    ]
    tab.click(".developer > .pager button:last-child")
    assert len(cell_texts(tab, "tr.user")) == 5
    tab.click(".developer > .pager button:first-child")
    tab.click("tr.user")
    assert json.loads(tab.inner_text("pre.user-json")) == first
    assert tab.inner_text("table.docs + .pager") == "‹ 1–10 of 12 ›"
    doc = export["docs"][0]
    assert cell_texts(tab, "tr.doc")[0] == [doc["id"], "Doc 0", "2", "0 of 2", doc["created_at"]]
    tab.click("tr.doc")
    assert json.loads(tab.inner_text("pre.doc-json")) == doc


def test_user_data_is_shown_as_text_never_run(tab, server, double):
    attack = "<img src=x onerror=\"window.ran=1\">"
    assert double.post(f"/users/{USER_ID}", json={"name": "Mallory", "about": attack, "metadata": {attack: attack}}).status_code == 201
    double.get(f"/users/{attack}")  # into the journal too
    open_dashboard(tab, server)
    tab.wait_for_selector("tr.user")
    assert cell_texts(tab, "tr.user")[0][2] == attack
    tab.wait_for_selector("tr.entry")
    assert tab.evaluate("window.ran") is None


def test_the_journal_is_live_newest_first_filtered_and_each_entry_expands(tab, server, double):
    open_dashboard(tab, server)
    wait_for_journal(tab, 0)
    assert double.post(f"/users/{USER_ID}", json={"name": "Ada"}).status_code == 201
    assert double.get(f"/users/{OTHER_ID}").status_code == 404
    assert double.get("/users", params={"limit": 0}).status_code == 400
    wait_for_journal(tab, 3)
    rows = cell_texts(tab, "tr.entry")
    assert [row[1:4] for row in rows] == [
        ["GET", "/users", "400"], ["GET", f"/users/{OTHER_ID}", "404"], ["POST", f"/users/{USER_ID}", "201"]
    ]
    entries = double.get("/_double/requests").json()["items"]
    assert [row[0] for row in rows] == [entry["started_at"] for entry in reversed(entries)]
    assert [row[4] for row in rows] == [str(entry["duration_ms"]) for entry in reversed(entries)]

    tab.fill("#filter-status", "4xx")
    assert [row[3] for row in cell_texts(tab, "tr.entry")] == ["400", "404"]
    tab.fill("#filter-status", "")
    tab.select_option("#filter-method", "POST")
    wait_for_journal(tab, 1)
    tab.select_option("#filter-method", "")
    tab.fill("#filter-path", "/users/*")
    tab.press("#filter-path", "Tab")
    wait_for_journal(tab, 2)

    tab.click("tr.entry:has-text('POST')")
    detail = tab.inner_text("tr.detail:not([hidden])")
    post = entries[0]
    assert f"body ({post['body_size']} bytes)" in detail
    assert json.dumps(post["headers"], indent=2) in detail
    assert json.dumps(post["response"], indent=2) in detail
    assert '"Authorization": "[REDACTED]"' in detail


def test_the_journal_shows_a_clear_made_elsewhere(tab, server, double):
    double.get("/users")
    open_dashboard(tab, server)
    wait_for_journal(tab, 1)
    assert double.delete("/_double/requests").status_code == 204
    wait_for_journal(tab, 0)


def test_faults_armed_spent_and_cleared(tab, server, double):
    open_dashboard(tab, server)
    tab.select_option("#fault-method", "GET")
    tab.fill("#fault-path", "/users")
    tab.fill("#fault-status", "503")
    tab.fill("#fault-times", "2")
    tab.fill("#fault-headers", '{"retry-after-ms": "1"}')
    tab.click("#fault-form button")
    tab.wait_for_selector("#fault-rows tr")
    fault = double.get("/_double/faults").json()["items"][0]
    assert cell_texts(tab, "#fault-rows tr") == [
        [str(fault["id"]), "GET", "/users", "503", "0", "2 of 2", '{"detail":"Service Unavailable"}', '{"retry-after-ms":"1"}']
    ]
    assert double.get("/users").status_code == 503
    tab.wait_for_selector("#fault-rows td:has-text('1 of 2')")
    tab.click("#clear-faults")
    tab.wait_for_selector("#fault-rows:empty", state="attached")
    assert double.get("/_double/faults").json() == {"items": []}

    tab.fill("#fault-status", "700")
    tab.click("#fault-form button")
    tab.wait_for_selector("#message:not([hidden])")
    assert tab.inner_text("#message").startswith('POST faults: 422 {"detail":[{"type":"less_than_equal","loc":["body","status"]')


def test_the_clock_frozen_advanced_and_real_again(tab, server, double):
    open_dashboard(tab, server)
    tab.wait_for_selector("#clock-state:has-text('real:')")
    tab.fill("#freeze-now", "2030-01-01T00:00:00Z")
    tab.click("#freeze-form button")
    tab.wait_for_selector("#clock-state:has-text('frozen at')")
    assert tab.inner_text("#clock-now") == "2030-01-01T00:00:00Z"
    tab.fill("#advance-seconds", "1.5")
    tab.click("#advance-form button")
    tab.wait_for_selector("#clock-now:has-text('2030-01-01T00:00:01.500000Z')")
    assert double.get("/_double/clock").json() == {"now": "2030-01-01T00:00:01.500000Z", "frozen": True}
    tab.click("#unfreeze")
    tab.wait_for_selector("#clock-state:has-text('real:')")
    assert double.get("/_double/clock").json()["frozen"] is False


def test_reset_empties_what_the_page_shows(tab, server, double):
    assert double.post(f"/users/{USER_ID}", json={"name": "Ada"}).status_code == 201
    open_dashboard(tab, server, prefix="/api")
    tab.wait_for_selector("tr.user")
    tab.click("#reset")
    tab.wait_for_selector("#developers p:has-text('No users.')")
    wait_for_journal(tab, 0)
    assert double.get("/_double/users").json() == {"items": [], "projects": [], "docs": []}
    assert all(url.startswith(f"{server.base}/api/_double/") for url in tab.requested)


@pytest.fixture(scope="module")
def multi_tenant_server(tmp_path_factory):
    started = start(tmp_path_factory, AGENTS_API_MULTI_TENANT_MODE="true")
    yield started
    started.stop()


def test_a_developers_key_shows_only_that_developers_users_and_requests(tab, multi_tenant_server):
    with httpx.Client(base_url=multi_tenant_server.base, headers=AUTH, timeout=30) as double:
        for developer, name in ((DEVELOPER_A, "Ada"), (DEVELOPER_B, "Bob")):
            response = double.post(f"/users/{USER_ID}", json={"name": name}, headers={"X-Developer-Id": developer})
            assert response.status_code == 201
    open_dashboard(tab, multi_tenant_server, key=f"{API_KEY}:{DEVELOPER_A}")
    tab.wait_for_selector("tr.user")
    wait_for_journal(tab, 1)
    assert tab.inner_text("#developers h3") == f"developer {DEVELOPER_A}"
    assert [row[1] for row in cell_texts(tab, "tr.user")] == ["Ada"]
    open_dashboard(tab, multi_tenant_server)  # the harness's key: every developer's, and the server's start-up probe
    wait_for_journal(tab, 3)
    assert [heading.inner_text() for heading in tab.query_selector_all("#developers h3")] == [
        f"developer {DEVELOPER_A}", f"developer {DEVELOPER_B}"
    ]
