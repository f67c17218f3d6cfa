"""The README's recipes for using the double in tests are the ones the test suite runs."""

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import free_port

ROOT = Path(__file__).parent.parent
RECIPES = ROOT.joinpath("README.md").read_text().split("## Using the double in your tests")[1].split("\n## ")[0]


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", RECIPES, re.DOTALL)


def test_the_python_recipes_are_the_tested_fixtures_word_for_word():
    tested = [path.read_text() for path in ROOT.glob("tests/test_recipe_*.py")]
    assert len(blocks("python")) == 2
    for block in blocks("python"):
        assert any(block in text for text in tested), block


@pytest.mark.live
def test_the_recipe_for_any_language_starts_a_double_that_answers(tmp_path):
    port = free_port()
    (recipe,) = blocks("sh")
    script = recipe.replace("DOUBLE_PORT=5055", f"DOUBLE_PORT={port}") + (
        'curl -sf -X POST "$JULEP_API_URL/users" -H "Authorization: Bearer $AGENTS_API_KEY" -H "Content-Type: application/json" -d "{}"\n'
    )
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "FLASK_APP": str(ROOT / "app.py"),  # the recipe runs in the double's checkout; this test, in a scratch one
    }
    shell = subprocess.Popen(
        ["bash", "-euc", script], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        output, _ = shell.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGTERM)  # the server the recipe left running in the background
    assert shell.returncode == 0, (tmp_path / "double.log").read_text()
    health, user = output.split("}", 1)
    assert health + "}" == '{"status":"ok","version":"0.1.0"}'
    assert user.endswith('"name":"","about":"","project":"default"}')
