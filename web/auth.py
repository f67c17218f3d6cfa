"""Who is calling: the API key, and in multi-tenant mode the developer the key or the X-Developer-Id header names."""

import hmac
import uuid

from ..errors import InvalidApiKey, InvalidDeveloperId

# Every user belongs to this developer in single-tenant mode, as on the hosted service.
DEFAULT_DEVELOPER_ID = "00000000-0000-0000-0000-000000000000"


def check_api_key(request, config):
    """403 unless the key header, read as the hosted get_api_key reads it, is the API key; the developer the key
    names, or None.

    Hosted: `str(value).replace("Bearer ", "").strip() == api_key`, where a missing or empty header is None
    (FastAPI's APIKeyHeader), the string "None". The value is first stripped of spaces and tabs at its ends, as
    uvicorn's h11 delivers it; gunicorn does so too, Werkzeug's server keeps the trailing ones.

    In multi-tenant mode the key may also be `<api key>:<developer uuid>`: a key of that developer's own, as the
    hosted gateway's token is, for a client that cannot send X-Developer-Id (code under test that reads only
    JULEP_API_KEY; the pytest fixtures under xdist).
    """
    sent = sent_key(request, config)
    if same_key(sent, config["API_KEY"]):
        return None
    key, _, named = sent.rpartition(":")
    if config["MULTI_TENANT_MODE"] and key and same_key(key, config["API_KEY"]):
        return canonical_developer(named)
    raise InvalidApiKey()


def sent_key(request, config):
    sent = str(request.headers.get(config["API_KEY_HEADER_NAME"], "").strip(" \t") or None)
    return sent.replace("Bearer ", "").strip()


def named_developer(request, config):
    """In multi-tenant mode, the developer a request names, by X-Developer-Id, else by a key of their own, before
    either is checked: the faults that play first and the clock are that developer's. None when it names none."""
    if not config["MULTI_TENANT_MODE"]:
        return None
    named = request.headers.get("X-Developer-Id")
    if named is None:
        _, colon, named = sent_key(request, config).rpartition(":")
        if not colon:
            return None
    try:
        return canonical_developer(named)
    except InvalidDeveloperId:
        return None


def same_key(sent, key):
    # Compared as UTF-8 in constant time: an encoding that, unlike the str comparison's, hmac accepts for any text.
    return hmac.compare_digest(sent.encode(), key.encode())


def developer_id(key_developer, request, config):
    """The developer an API request acts for: the one its key names, else its X-Developer-Id (multi-tenant mode)."""
    if not config["MULTI_TENANT_MODE"]:
        return DEFAULT_DEVELOPER_ID
    if key_developer is not None and "X-Developer-Id" not in request.headers:
        return key_developer
    header_developer = calling_developer(request)
    if key_developer not in (None, header_developer):
        raise InvalidDeveloperId()
    return header_developer


def calling_developer(request):
    """The developer the X-Developer-Id header names; a 400 unless it is a UUID."""
    try:
        return canonical_developer(request.headers["X-Developer-Id"])
    except KeyError:
        raise InvalidDeveloperId() from None


def canonical_developer(text):
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidDeveloperId() from None
