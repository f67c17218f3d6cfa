"""Who is calling: the API key, and in multi-tenant mode the developer the X-Developer-Id header names."""

import hmac
import uuid

from flask import current_app, request

from .errors import InvalidApiKey, InvalidDeveloperId

# Every user belongs to this developer in single-tenant mode, as on the hosted service.
DEFAULT_DEVELOPER_ID = "00000000-0000-0000-0000-000000000000"


def check_api_key():
    """403 unless the key header, read as the hosted get_api_key reads it, is the API key.

    Hosted: `str(value).replace("Bearer ", "").strip() == api_key`, where a missing or empty header is None
    (FastAPI's APIKeyHeader), the string "None". The value is first stripped of spaces and tabs at its ends, as
    uvicorn's h11 delivers it; gunicorn does so too, Werkzeug's server keeps the trailing ones.
    """
    config = current_app.config
    sent = str(request.headers.get(config["API_KEY_HEADER_NAME"], "").strip(" \t") or None)
    # Compared as UTF-8 in constant time: an encoding that, unlike the str comparison's, hmac accepts for any text.
    if not hmac.compare_digest(sent.replace("Bearer ", "").strip().encode(), config["API_KEY"].encode()):
        raise InvalidApiKey()


def developer_id():
    """The developer an API request acts for."""
    return calling_developer() if current_app.config["MULTI_TENANT_MODE"] else DEFAULT_DEVELOPER_ID


def calling_developer():
    """The developer the X-Developer-Id header names; a 400 unless it is a UUID."""
    try:
        return str(uuid.UUID(request.headers["X-Developer-Id"]))
    except (KeyError, ValueError):
        raise InvalidDeveloperId() from None
