"""The README's recipes for using the double are the ones the test suite runs, and its test command the one CI runs."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import free_port

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parent.parent
RECIPES = ROOT.joinpath("README.md").read_text().split("## Three ways to use it")[1].split("\n## ")[0]
SETTINGS = ("AGENTS_API_KEY", "FLASK_DATABASE", "JULEP_DOUBLE_DATABASE", "JULEP_BASE_URL", "JULEP_API_KEY")


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", RECIPES, re.DOTALL)


def test_it_names_the_versions_the_tests_run_on():
    (line,) = re.findall(r"Versions tested: ([^;]+);", ROOT.joinpath("README.md").read_text().replace("\n", " "))
    (julep,) = re.findall(r"^julep==(\S+)$", ROOT.joinpath("requirements-test.txt").read_text(), re.MULTILINE)
    node_sdk = json.loads(ROOT.joinpath("tests/node/package.json").read_text())["devDependencies"]["@julep/sdk"]
    python = "Python {}.{}".format(*sys.version_info)
    assert (python in line, f"`julep` {julep}" in line, f"`@julep/sdk` {node_sdk}" in line) == (True, True, True), line


def test_ci_runs_the_test_command_the_readme_gives_a_newcomer():
    readme = ROOT.joinpath("README.md").read_text()
    (shown,) = re.findall(r"^Install and run the tests:\n\n```sh\n\$ (.+)\n```$", readme, re.MULTILINE)
    (run,) = re.findall(r"^test_command='(.+)'$", ROOT.joinpath(".ci/run").read_text(), re.MULTILINE)
    assert shown == run


def test_the_python_recipes_are_the_tested_fixtures_word_for_word():
    tested = [path.read_text() for path in ROOT.glob("tests/test_recipe_*.py")]
    assert len(blocks("python")) == 2
    for block in blocks("python"):
        assert any(block in text for text in tested), block


def test_the_guides_sdk_examples_answer_what_their_comments_say(julep_double):
    """guide/api.md's Python lines, in order, on one double: a line ending in `# 'value'` answers that value."""
    examples = re.findall(r"```python\n(.*?)```", ROOT.joinpath("guide/api.md").read_text(), re.DOTALL)
    namespace = {"client": julep_double.client}
    namespace["user"] = julep_double.client.users.create(name="Grace")
    lines = [line for example in examples for line in example.splitlines()]
    assert len(lines) == 5
    for line in lines:
        code, _, said = line.partition("   # ")
        if said:
            assert eval(code, namespace) == ast.literal_eval(said), line
        else:
            exec(code, namespace)


@pytest.mark.live
def test_the_recipe_for_any_language_starts_a_double_that_answers_and_stops_it(tmp_path):
    port = free_port()
    (recipe,) = [block for block in blocks("sh") if "trap" in block]
    script = recipe.replace("DOUBLE_PORT=5055", f"DOUBLE_PORT={port}") + (
        'curl -sf -X POST "$JULEP_BASE_URL/api/users" -H "Authorization: Bearer $JULEP_API_KEY" -H "Content-Type: application/json" -d "{}"\n'
    )
    # A user's shell: the double's command on the PATH, none of the tests' settings, a TMPDIR of its own.
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", TMPDIR=str(tmp_path))
    run_in = tmp_path / "service"
    run_in.mkdir()
    shell = subprocess.run(["bash", "-euc", script], cwd=run_in, env=env, capture_output=True, text=True, timeout=60)
    assert shell.returncode == 0, (tmp_path / "julep-double.log").read_text()
    health, user = shell.stdout.split("}", 1)
    assert health + "}" == '{"status":"ok","version":"0.1.0"}'
    assert user.endswith('"name":"","about":"","project":"default"}')
    assert os.listdir(run_in) == []  # its log went to TMPDIR, nothing into the directory it ran from
    with pytest.raises(httpx.TransportError):  # the trap stopped it
        httpx.get(f"http://127.0.0.1:{port}/_double/health", timeout=2)


@pytest.mark.live
def test_the_fault_clock_and_journal_recipes_pass_on_one_server_shared_by_two_xdist_workers(pytester):
    in_process, server = blocks("python")
    on_the_server = re.sub(r"\bjulep_double\b", "julep_double_server", in_process)
    # Two copies of each, so that both workers arm faults, freeze clocks and read journals at the same time.
    pytester.makepyfile(test_a=on_the_server, test_b=on_the_server, test_c=server, test_d=server)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "-k", "not hosted_error")
    tests = re.findall(r"^def (test_\w+)", in_process + server, re.MULTILINE)
    result.assert_outcomes(passed=2 * len([name for name in tests if "hosted_error" not in name]))


@pytest.mark.live
def test_the_guides_curl_examples_answer_what_their_comments_say(start_server):
    """guide/api.md's and guide/controls.md's shell examples, in order, on `flask run` in the checkout (which they
    address as localhost:5000): each curl answers 2xx, or the status and body its `# <status> <body>` comment gives
    (`…`: anything)."""
    server = start_server("flask")
    examples = [
        block.replace("\\\n", "").replace("localhost:5000", server.base)
        for guide in ("api.md", "controls.md")
        for block in re.findall(r"```sh\n(.*?)```", ROOT.joinpath("guide", guide).read_text(), re.DOTALL)
    ]
    script = "\n".join(examples)
    lines = script.splitlines()
    expected = []
    for number, line in enumerate(lines):
        if line.startswith("curl "):
            comment = line.partition("  # ")[2] or (lines[number + 1][2:] if lines[number + 1:] else "")
            expected.append(re.fullmatch(r"(\d{3}) (.+)", comment.strip()))
    # Each answer's body, then its status, then a record separator.
    wrapper = 'curl() { command curl -w "\\n%{http_code}\\n" "$@"; printf "\\036"; }\n'
    shell = subprocess.run(
        ["bash", "-euc", wrapper + script],
        env={**os.environ, "AGENTS_API_KEY": server.api_key},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shell.returncode == 0, shell.stderr
    answers = [record.strip("\n").rsplit("\n", 1) for record in shell.stdout.split("\x1e")[:-1]]
    assert len(answers) == len(expected) >= 6
    for (body, status), expectation in zip(answers, expected):
        if expectation is None:
            assert status.startswith("2"), (status, body)
        else:
            assert status == expectation[1] and re.fullmatch(re.escape(expectation[2]).replace("…", ".*?"), body), (status, body)
