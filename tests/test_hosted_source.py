"""tests/hosted_v1.py is the hosted service's own code: every lifted function as it is in the julep repository."""

import ast
import subprocess
from pathlib import Path

import pytest

# The bare mirror of julep-ai/julep on the development machine; elsewhere the check is skipped.
MIRROR = Path("/work/.mirror/julep-ai+julep/repo")
LIFTED = {
    "web.py": ("make_exception_handler", "_format_location", "_get_error_suggestions", "http_exception_handler"),
    "dependencies/auth.py": ("get_api_key",),
}
VENDORED = Path(__file__).with_name("hosted_v1.py")


def hosted_source(path):
    command = ["git", "-C", str(MIRROR), "show", f"dev:src/agents-api/agents_api/{path}"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def lift(source, names):
    """The named top-level functions of `source`, verbatim and in their order there, without decorators."""
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return "\n\n\n".join(ast.get_source_segment(source, node) for node in functions if node.name in names)


@pytest.mark.skipif(not MIRROR.exists(), reason="no mirror of julep-ai/julep on this machine")
@pytest.mark.parametrize("path", LIFTED)
def test_the_lifted_code_is_the_hosted_code(path):
    marker = f"# Lifted from agents_api/{path}:\n\n"
    vendored = VENDORED.read_text()
    start = vendored.index(marker) + len(marker)
    end = vendored.find("\n\n\n# Lifted from", start)
    assert vendored[start : None if end < 0 else end].rstrip("\n") == lift(hosted_source(path), LIFTED[path])
