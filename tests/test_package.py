"""The double as a team installs it: the distribution, in a virtualenv of its own, beside the team's own modules.

The virtualenv gets the lowest version of every runtime dependency the project declares, so the ranges in
pyproject.toml are the ones these tests (and the suite's core, run there too) prove.
"""

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from julep_users_double import __version__

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# The team's own pin, older than what the double's checkout runs on: installing the double must keep it.
USERS_MARSHMALLOW = "marshmallow==3.26.1"
# The suite's core, which needs nothing but pytest and the SDK: run against the lowest versions too.
CORE_TESTS = [
    "test_upsert.py", "test_users_resource.py", "test_double.py", "test_auth.py",
    "test_app_factory.py", "test_isolation.py", "test_in_memory.py", "test_sdk.py", "test_plugin.py",
    "test_fixtures.py",
]

pytestmark = pytest.mark.live

# The team's own modules, named as the double's are: the double must not see them, nor they the double.
OWN_MODULES = {
    "db.py": 'def get_db():\n    return "the team\'s db"\n',
    "clock.py": 'def now():\n    return "the team\'s clock"\n',
    "api/__init__.py": 'def call():\n    return "the team\'s api"\n',
    # marshmallow keeps every schema class in one registry by name: two named User must not trouble the double.
    "schemas/__init__.py": (
        "from marshmallow import Schema, fields\n\n\n"
        "class User(Schema):\n    name = fields.String()\n\n\n"
        "class ListUsersQuery(Schema):\n    team = fields.String()\n"
    ),
    # The code under test: it finds Julep through the environment, as both SDKs do.
    "service.py": "from julep import Julep\n\n\ndef register(name):\n    return Julep().users.create(name=name).id\n",
    "tests/test_team.py": '''
import api
import clock
import db
import schemas
import service
from app import create_app


def own_modules_answer():
    assert create_app().test_client().get("/").data == b"the team's app"
    assert (db.get_db(), clock.now(), api.call()) == ("the team's db", "the team's clock", "the team's api")
    assert schemas.User().load({"name": "x"}) == {"name": "x"}


def test_in_process(julep_double):
    own_modules_answer()
    user = julep_double.client.users.create(name="Ada")
    assert julep_double.client.users.get(user.id).name == "Ada"
    assert julep_double.http.get("/openapi.json").status_code == 200
    own_modules_answer()


def test_a_server_for_the_code_under_test(julep_double_server, monkeypatch):
    for name, value in julep_double_server.env.items():
        monkeypatch.setenv(name, value)
    own_modules_answer()
    user_id = service.register("Grace")
    assert [user["id"] for user in julep_double_server.users()] == [user_id]
    assert julep_double_server.client.users.get(user_id).name == "Grace"
    own_modules_answer()
''',
}
APP_MODULE = (
    "from flask import Flask\n\n\n"
    "def create_app():\n    app = Flask(__name__)\n    app.get('/')(lambda: \"the team's app\")\n    return app\n"
)


def run(*command, cwd=None, timeout=300):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, command))}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def lowest_versions():
    """Each runtime dependency at the lowest version its range allows (the team's marshmallow aside)."""
    pins = []
    for text in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["pytest"]:
        requirement = Requirement(text)
        (lowest,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if requirement.name != "marshmallow":
            pins.append(f"{requirement.name}=={lowest}")
    return pins


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and the wheel `python -m build` makes (the wheel built from the sdist)."""
    folder = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", folder, ROOT)
    return folder


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory):
    """A team's virtualenv: their marshmallow, then the double's wheel with its pytest extra and its lowest versions."""
    folder = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", folder)
    python = folder / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", USERS_MARSHMALLOW)
    (wheel,) = dist.glob("*.whl")
    constraints = folder / "lowest.txt"
    constraints.write_text("\n".join(lowest_versions()) + "\n")
    run(python, "-m", "pip", "install", "-q", f"{wheel}[pytest]", "pytest-xdist", "-c", constraints)
    return python


def test_the_wheel_holds_one_package_and_nothing_else(dist):
    (wheel,) = dist.glob("*.whl")
    files = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in files} == {"julep_users_double", f"julep_users_double-{__version__}.dist-info"}
    assert {"julep_users_double/schema.sql", "julep_users_double/hosted/tsearch/data/english.stop"} <= set(files)
    dashboard = {f"julep_users_double/controls/dashboard/dashboard.{kind}" for kind in ("html", "js", "css")}
    assert dashboard <= set(files)


def test_what_a_team_checks_before_adopting_it(dist):
    """The license pyproject.toml names, its text in the wheel; a changelog of this version."""
    assert PROJECT["license"] == "Apache-2.0"
    (wheel,) = dist.glob("*.whl")
    license_text = zipfile.ZipFile(wheel).read(f"julep_users_double-{__version__}.dist-info/licenses/LICENSE").decode()
    assert license_text == (ROOT / "LICENSE").read_text()
    assert license_text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in license_text
    assert f"\n## {__version__} " in (ROOT / "CHANGELOG.md").read_text()


def test_installing_keeps_the_teams_own_versions(venv):
    assert run(venv, "-c", "import marshmallow; print(marshmallow.__version__)").strip() == "3.26.1"


@pytest.mark.parametrize("layout", ["app.py", "app/__init__.py"])
def test_a_teams_own_modules_and_the_double_side_by_side(venv, tmp_path, layout):
    for name, text in {**OWN_MODULES, layout: APP_MODULE}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    env_python = str(venv)
    output = run(env_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=tmp_path)
    assert "2 passed" in output
    output = run(env_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "tests", cwd=tmp_path)
    assert "2 passed" in output


def test_the_suites_core_passes_on_the_lowest_versions(venv, tmp_path):
    # From elsewhere than the checkout, whose own julep_users_double.egg-info would stand for the installed one.
    run(venv, "-m", "pytest", "-p", "no:cacheprovider", "-m", "not live", *[ROOT / "tests" / name for name in CORE_TESTS], cwd=tmp_path)


def test_the_command_runs_from_any_directory(venv, tmp_path):
    document = run(venv.parent / "julep-users-double", "openapi", cwd=tmp_path)
    assert '"title": "Julep Agents API"' in document
    assert os.listdir(tmp_path) == []
