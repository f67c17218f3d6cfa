"""The pytest plugin (entry point pytest11): the double as fixtures, active once the package is installed.

- `julep_double`: in-process, no socket: a double per test as fresh as a new one, on an in-memory database (one
  app per settings for the session, renewed for each test: testing.InProcessDoubles), and the SDK on it, sync and
  async. `@pytest.mark.julep_double(SETTING=value)` passes app settings (e.g. ERROR_FORMAT="hosted"); another key
  is an error naming the settings.
- `julep_double_server`: one real server for the test session (`julep-users-double serve`), reset before each
  test; under pytest-xdist every worker acts as a developer of its own on one shared multi-tenant server.
  `--julep-double-url` (ini: julep_double_url) points it at a double already running instead.
- A fault a test armed with `add_fault` and that never played is reported at the end of the test: an
  UnplayedFaults warning, or with the ini option `julep_double_unplayed_faults = fail` a failure.

Nothing heavier than pytest is imported until a fixture is used: the plugin loads in every test session.
"""

import warnings

import pytest

API_KEY = "julep-double-key"
FIXTURES = ("julep_double", "julep_double_server")
UNPLAYED_FAULTS = ("warn", "fail")


class UnplayedFaults(UserWarning):
    """Faults a test armed that never played: the requests the test meant to fail were not made."""


def pytest_addoption(parser):
    parser.addoption("--julep-double-url", help="julep_double_server uses the double at this URL instead of starting one")
    parser.addini("julep_double_url", "julep_double_server uses the double at this URL instead of starting one")
    parser.addini("julep_double_api_key", "the API key of the double at julep_double_url", default=API_KEY)
    parser.addini(
        "julep_double_unplayed_faults",
        "a fault a test armed and that never played, at the end of the test: warn or fail",
        default=UNPLAYED_FAULTS[0],
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "julep_double(**settings): app settings for the julep_double fixture")
    unplayed = config.getini("julep_double_unplayed_faults")
    if unplayed not in UNPLAYED_FAULTS:
        raise pytest.UsageError(f"julep_double_unplayed_faults = {unplayed}: give {' or '.join(UNPLAYED_FAULTS)}")


@pytest.fixture(scope="session")
def julep_double_apps():
    """The session's in-process apps, one per settings."""
    from .julep_double import InProcessDoubles

    return InProcessDoubles(API_KEY)


@pytest.fixture
def julep_double(request, julep_double_apps):
    """A fresh double inside this process for one test: `.client` and `.async_client` are the SDK, the controls are
    methods."""
    with julep_double_apps.double(marker_settings(request.node)) as double:
        yield double


def marker_settings(node):
    """The app settings a julep_double marker gives; an error naming the settings for a key that is none."""
    from ..app import settings

    marker = node.get_closest_marker("julep_double")
    given = marker.kwargs if marker else {}
    known = settings("")
    unknown = [key for key in given if key not in known]
    if unknown:
        pytest.fail(f"@pytest.mark.julep_double: no setting {', '.join(unknown)}; the settings are {', '.join(known)}", pytrace=False)
    return given


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test that passed, report the faults it armed through a double's add_fault that never played."""
    result = yield
    for name in FIXTURES:
        double = getattr(item, "funcargs", {}).get(name)
        unplayed = double.faults() if double is not None and double.armed else []
        if unplayed:
            report_unplayed(item, name, unplayed)
    return result


def report_unplayed(item, fixture, faults):
    """A failure (ini: julep_double_unplayed_faults = fail), else a warning at the test's line."""
    message = f"{fixture}: faults armed by this test never played: {'; '.join(map(fault_summary, faults))}"
    if item.config.getini("julep_double_unplayed_faults") == "fail":
        pytest.fail(message, pytrace=False)
    path, line, _ = item.reportinfo()
    warnings.warn_explicit(UnplayedFaults(message), UnplayedFaults, str(path), (line or 0) + 1)


def fault_summary(fault):
    """`POST /users/* (status 503, 2 of 2 left)`."""
    effects = [f"{name} {fault[name]}" for name in ("status", "delay_ms") if fault[name]]
    return f"{fault['method'] or '*'} {fault['path']} ({', '.join(effects)}, {fault['remaining']} of {fault['times']} left)"


@pytest.fixture(scope="session")
def julep_double_session(request):
    """Where the session's double runs (started here, shared between xdist workers, or given): (url, api_key, developer)."""
    from . import session_server

    config = request.config
    url = config.getoption("--julep-double-url") or config.getini("julep_double_url")
    if url:
        yield url.rstrip("/"), config.getini("julep_double_api_key"), session_server.worker_developer(config)
        return
    with session_server.session_server(config) as (url, api_key, developer):
        yield url, api_key, developer


@pytest.fixture
def julep_double_server(julep_double_session):
    """The session's real server, reset before this test: `.url`, `.api_key`, `.env`, `.client`, `.async_client` and
    the controls."""
    import httpx

    from .julep_double import TIMEOUT, JulepDouble

    url, api_key, developer = julep_double_session
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
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
        from . import session_server

        session_server.stop_shared(run)
