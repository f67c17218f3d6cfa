"""Who is calling: the API key, and in multi-tenant mode the developer the X-Developer-Id header names."""

import hmac
import uuid

from flask import current_app, request

from .errors import InvalidApiKey, InvalidDeveloperId

# Every user belongs to this developer in single-tenant mode, as on the hosted service.
DEFAULT_DEVELOPER_ID = "00000000-0000-0000-0000-000000000000"


def check_api_key():
    """403 unless the request carries the API key, as `Bearer <key>` or bare."""
    config = current_app.config
    sent = request.headers.get(config["API_KEY_HEADER_NAME"], "")
    if sent[:7].lower() == "bearer ":
        sent = sent[7:]
    if not hmac.compare_digest(sent.encode(), config["API_KEY"].encode()):
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
