"""Schemathesis against the document the production server serves: every operation, EXAMPLES generated
requests each (plus schemathesis's own coverage cases), and not one server error, response outside
the document's schemas, or status code the document does not list; in the hosted error format too.
"""

import copy
import json
import operator
import urllib.request

import pytest
import regex
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from julep_users_double.app import create_app
from julep_users_double.errors import ERROR_FORMATS
from conftest import API_KEY, AUTH
from julep_users_double.schemas import NAME_PATTERN
from servers import Server

pytestmark = pytest.mark.live

EXAMPLES = 100

# Python's `re`, and so Hypothesis, cannot read `\p{...}`: names are drawn with the `regex` module,
# character by character from the pattern's two classes, and kept only if the whole pattern matches.
FIRST, REST = regex.fullmatch(r"\^(\[[^]]+\])\+(\[[^]]+\])\*\$", NAME_PATTERN).groups()
NAME = regex.compile(NAME_PATTERN)


def characters(character_class):
    return st.characters(codec="utf-8").filter(regex.compile(character_class).fullmatch)


NAMES = st.builds(
    operator.add, st.text(characters(FIRST), min_size=1, max_size=20), st.text(characters(REST), max_size=100)
).filter(NAME.fullmatch)
schemathesis.openapi.format("julep-user-name", NAMES)
# A search's `lang` is any string to the document and an ISO 639 tag to get_language (else a 422).
schemathesis.openapi.format("julep-lang", st.sampled_from(["en", "en-US", "EN", "en-GB", "und", "fr", "de", "es", "ru"]))

CONFIG = SchemathesisConfig.from_dict(
    {
        # Like FastAPI, the API ignores query parameters it does not know: sending some is no negative case.
        "generation": {"allow-extra-parameters": False},
        "checks": {
            # Schemathesis wants a 401 for a missing Authorization header; the hosted service answers 403.
            "missing_required_header": {"enabled": False},
            # Schemathesis wants a 405 to allow every method of the path; Starlette allows the first route's (POST).
            "allow_header_conformance": {"enabled": False},
            # The hosted service answers 400 for limit/offset out of range, bounds its document does not state,
            # and 409 for a doc its user already has, or of a user that is not there.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "403", "404", "409"]},
            # A request line or headers over the server's limits are refused before the app sees them.
            "negative_data_rejection": {"expected-statuses": ["400", "403", "404", "405", "413", "414", "415", "422", "431"]},
        },
        "operations": [
            # A search body's numbers are pydantic's lax ones, as the hosted service has them: "5" and true are numbers
            # too. tests/test_docs_against_pydantic.py holds that body to pydantic's own answers instead.
            {
                "include-operation-id": "search_user_docs_users__user_id__search_post",
                "checks": {"negative_data_rejection": {"enabled": False}},
            }
        ],
    }
)


def fuzzing_document(served):
    """The served document, given to schemathesis with two additions and nothing taken away.

    - The request's `name` also names the format drawn by NAMES; its pattern stays and still decides.
    - A search's `lang` names the format of a few tags get_language takes.
    - A User's `name` may also be "": the contract's own default for an omitted name, which its own
      pattern refuses. The hosted service answers it too, so the served document keeps the contract.
    """
    document = copy.deepcopy(served)
    schemas = document["components"]["schemas"]
    schemas["CreateOrUpdateUserRequest"]["properties"]["name"]["format"] = "julep-user-name"
    for request in ("TextOnlyDocSearchRequest", "HybridDocSearchRequest"):
        schemas[request]["properties"]["lang"]["format"] = "julep-lang"
    user_name = schemas["User"]["properties"]["name"]
    schemas["User"]["properties"]["name"] = {"anyOf": [user_name, {"const": ""}], "title": user_name["title"]}
    return document


# The documents are read from the app at collection time (schemathesis's lazy fixture loader does not
# run on pytest 9); the server fixtures check that the production server serves the very same documents.
DOCUMENTS = {
    error_format: create_app({"DATABASE": ":memory:", "API_KEY": API_KEY, "ERROR_FORMAT": error_format})
    .test_client()
    .get("/openapi.json")
    .get_json()
    for error_format in ERROR_FORMATS
}
schema = schemathesis.openapi.from_dict(fuzzing_document(DOCUMENTS["detail"]), config=CONFIG)
hosted_schema = schemathesis.openapi.from_dict(fuzzing_document(DOCUMENTS["hosted"]), config=CONFIG)


def serve(tmp_path_factory, error_format):
    folder = tmp_path_factory.mktemp(f"fuzzing-{error_format}")
    server = Server("production", folder / "users.sqlite3", folder / "server.log", API_KEY, AGENTS_API_ERROR_FORMAT=error_format)
    server.start()
    with urllib.request.urlopen(f"{server.base}/openapi.json") as response:
        assert json.load(response) == DOCUMENTS[error_format]
    yield f"{server.base}/api"
    server.stop()
    assert "Traceback" not in server.log()


@pytest.fixture(scope="module")
def api_url(tmp_path_factory):
    yield from serve(tmp_path_factory, "detail")


@pytest.fixture(scope="module")
def hosted_api_url(tmp_path_factory):
    yield from serve(tmp_path_factory, "hosted")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented(case, api_url):
    case.call_and_validate(base_url=api_url, headers=AUTH)


@hosted_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented_in_the_hosted_format(case, hosted_api_url):
    case.call_and_validate(base_url=hosted_api_url, headers=AUTH)
