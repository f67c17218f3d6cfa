"""The official Node SDK (@julep/sdk, pinned in tests/node/package-lock.json) against `flask run`: tests/node/*.test.mjs."""

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
NODE, NPM = shutil.which("node"), shutil.which("npm")
NPM_CI_TIMEOUT = 300
NODE_TEST_TIMEOUT = 120

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not (NODE and NPM), reason="node and npm are needed to drive the Node SDK (tests/node)"),
]


def installed_packages_match_the_lock_file():
    """npm ci leaves node_modules/.package-lock.json: the lock file's packages, less the root, as installed."""
    try:
        installed = json.loads((NODE_DIR / "node_modules" / ".package-lock.json").read_text())
    except FileNotFoundError:
        return False
    locked = json.loads((NODE_DIR / "package-lock.json").read_text())
    return installed["packages"] == {path: package for path, package in locked["packages"].items() if path}


def run(command, timeout, env=None):
    """(exit code, stdout and stderr); the whole process group is killed at the timeout."""
    process = subprocess.Popen(
        command, cwd=NODE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"{' '.join(command)} ran over {timeout}s:\n{output}")
    return process.returncode, output


def test_the_node_sdk_drives_the_double(start_server):
    if not installed_packages_match_the_lock_file():
        code, output = run([NPM, "ci", "--no-audit", "--no-fund"], NPM_CI_TIMEOUT)
        assert code == 0, f"npm ci failed:\n{output}"
    server = start_server("flask")
    env = {**os.environ, "JULEP_BASE_URL": f"{server.base}/api", "JULEP_API_KEY": server.api_key}
    # One file at a time: each test resets the one double they share.
    command = [NODE, "--test", "--test-concurrency=1", "--test-reporter=spec", *map(str, sorted(NODE_DIR.glob("*.test.mjs")))]
    code, output = run(command, NODE_TEST_TIMEOUT, env)
    assert code == 0, f"node --test failed:\n{output}"
