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
    """A file of src/agents-api/agents_api/, or of src/ itself when `path` starts there, on the `dev` branch."""
    full_path = path if path.startswith("src/") else f"src/agents-api/agents_api/{path}"
    command = ["git", "-C", str(MIRROR), "show", f"dev:{full_path}"]
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


# The hosted words and values the double copies for projects, docs.get and the documentation paths, each where it is.
QUOTED = {
    "queries/users/create_user.py": ["status_code=404, detail=f\"Project '{project_canonical_name}' not found\""],
    "queries/users/update_user.py": ['project_canonical_name = data.project or "default"'],
    "queries/utils.py": [
        'categories: list[str] = ["astronomy", "physics", "scientists", "math"]',
        'namer.generate(separator="_", suffix_length=3, category=categories)',
    ],
    "queries/projects/project_exists.py": ["WHERE developer_id = $1 AND canonical_name = $2"],
    "routers/docs/get_doc.py": ['@router.get("/docs/{doc_id}", tags=["docs"])', "include_embeddings: bool = True"],
    "app.py": ['docs_url="/swagger"', '@scalar_router.get("/docs", include_in_schema=False)'],
    "src/memory-store/migrations/000039_projects.up.sql": [
        "canonical_name CITEXT NOT NULL",
        "CONSTRAINT uq_projects_developer_canonical_name UNIQUE (developer_id, canonical_name)",
        "'Default Project',\n        jsonb_build_object(\n            'is_default', true,\n"
        "            'description', 'Default project containing all existing resources'\n        )",
    ],
}


@pytest.mark.skipif(not MIRROR.exists(), reason="no mirror of julep-ai/julep on this machine")
@pytest.mark.parametrize("path", QUOTED)
def test_the_copied_words_are_in_the_hosted_source(path):
    source = hosted_source(path)
    for quoted in QUOTED[path]:
        assert quoted in source, quoted
