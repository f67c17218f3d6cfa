"""The pytest plugin (entry point pytest11): the double as fixtures, active once the package is installed.

- `julep_double`: in-process, no socket: a fresh in-memory double per test and the SDK on httpx.WSGITransport.
  `@pytest.mark.julep_double(SETTING=value)` passes app settings (e.g. ERROR_FORMAT="hosted").
- `julep_double_server`: one real server for the test session (`julep-users-double serve`), reset before each
  test; under pytest-xdist every worker acts as a developer of its own on one shared multi-tenant server.
  `--julep-double-url` (ini: julep_double_url) points it at a double already running instead.

Nothing heavier than pytest is imported until a fixture is used: the plugin loads in every test session.
"""

import pytest

API_KEY = "julep-double-key"
IN_PROCESS_URL = "http://julep-double.test"


def pytest_addoption(parser):
    parser.addoption("--julep-double-url", help="julep_double_server uses the double at this URL instead of starting one")
    parser.addini("julep_double_url", "julep_double_server uses the double at this URL instead of starting one")
    parser.addini("julep_double_api_key", "the API key of the double at julep_double_url", default=API_KEY)


def pytest_configure(config):
    config.addinivalue_line("markers", "julep_double(**settings): app settings for the julep_double fixture")


@pytest.fixture
def julep_double(request):
    """A fresh double inside this process for one test: `.client` is the SDK, the controls are methods."""
    import httpx

    from . import PACKAGE_PREFIX
    from .app import create_app
    from .testing import JulepDouble

    marker = request.node.get_closest_marker("julep_double")
    settings = marker.kwargs if marker else {}
    app = create_app({"DATABASE": ":memory:", "API_KEY": API_KEY, **settings}, env_prefix=PACKAGE_PREFIX)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=IN_PROCESS_URL) as http:
        yield JulepDouble(http, API_KEY)


@pytest.fixture(scope="session")
def julep_double_session(request):
    """Where the session's double runs (started here, shared between xdist workers, or given): (url, api_key, developer)."""
    from . import shared_server

    config = request.config
    url = config.getoption("--julep-double-url") or config.getini("julep_double_url")
    if url:
        yield url.rstrip("/"), config.getini("julep_double_api_key"), shared_server.worker_developer()
        return
    with shared_server.session_server() as (url, api_key, developer):
        yield url, api_key, developer


@pytest.fixture
def julep_double_server(julep_double_session):
    """The session's real server, reset before this test: `.url`, `.api_key`, `.env`, `.client` and the controls."""
    import httpx

    from .testing import JulepDouble

    url, api_key, developer = julep_double_session
    with httpx.Client(base_url=url, timeout=30) as http:
        double = JulepDouble(http, api_key, developer)
        double.reset()
        yield double


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist's controller: note the run's id, to stop the server its workers share when the session ends."""
    node.config.julep_double_run = node.workerinput["testrunuid"]


def pytest_sessionfinish(session):
    run = getattr(session.config, "julep_double_run", None)
    if run is not None:
        from . import shared_server

        shared_server.stop_shared(run)
