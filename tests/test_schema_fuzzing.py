"""Schemathesis against the document the production server serves: every operation, EXAMPLES generated
requests each (plus schemathesis's own coverage cases), and not one server error, response outside
the document's schemas, or status code the document does not list.
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

CONFIG = SchemathesisConfig.from_dict(
    {
        # Like FastAPI, the API ignores query parameters it does not know: sending some is no negative case.
        "generation": {"allow-extra-parameters": False},
        "checks": {
            # Schemathesis wants a 401 for a missing Authorization header; the hosted service answers 403.
            "missing_required_header": {"enabled": False},
            # The hosted service answers 400 for limit/offset out of range, bounds its document does not state.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "403", "404"]},
            # A request line or headers over the server's limits are refused before the app sees them.
            "negative_data_rejection": {"expected-statuses": ["400", "403", "404", "405", "413", "414", "415", "422", "431"]},
        }
    }
)


def fuzzing_document(served):
    """The served document, given to schemathesis with two additions and nothing taken away.

    - The request's `name` also names the format drawn by NAMES; its pattern stays and still decides.
    - A User's `name` may also be "": the contract's own default for an omitted name, which its own
      pattern refuses. The hosted service answers it too, so the served document keeps the contract.
    """
    document = copy.deepcopy(served)
    schemas = document["components"]["schemas"]
    schemas["CreateOrUpdateUserRequest"]["properties"]["name"]["format"] = "julep-user-name"
    user_name = schemas["User"]["properties"]["name"]
    schemas["User"]["properties"]["name"] = {"anyOf": [user_name, {"const": ""}], "title": user_name["title"]}
    return document


# The document is read from the app at collection time (schemathesis's lazy fixture loader does not
# run on pytest 9); the server fixture checks that the production server serves the very same document.
DOCUMENT = create_app({"DATABASE": ":memory:", "API_KEY": API_KEY}).test_client().get("/openapi.json").get_json()
schema = schemathesis.openapi.from_dict(fuzzing_document(DOCUMENT), config=CONFIG)


@pytest.fixture(scope="module")
def api_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzzing")
    server = Server("production", folder / "users.sqlite3", folder / "server.log", API_KEY).start()
    with urllib.request.urlopen(f"{server.base}/openapi.json") as response:
        assert json.load(response) == DOCUMENT
    yield f"{server.base}/api"
    server.stop()
    assert "Traceback" not in server.log()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented(case, api_url):
    case.call_and_validate(base_url=api_url, headers=AUTH)
