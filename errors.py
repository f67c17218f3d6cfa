"""Every error the double answers, by name, with its body in either format (web/handlers.py answers them):

    detail  `{"detail": …}`, the published contract's shape (FastAPI's own handlers)
    hosted  `{"error": {…}}`, as the hosted v1 service's handlers answer (envelope.py)
"""

import sqlite3

from werkzeug.http import HTTP_STATUS_CODES

from .hosted import envelope

ERROR_FORMATS = ("detail", "hosted")


class ApiError(Exception):
    """An error of the API's dependencies or endpoints, answered with `status` (and `headers`): `{"detail": detail}`,
    or in the hosted format as the hosted handler of FastAPI's HTTPException answers it."""

    status = 500
    detail = "Internal Server Error"
    # The schemas of the two bodies, by their names in /openapi.json.
    detail_schema = "HTTPError"
    hosted_schema = "HostedHTTPError"

    def __init__(self, detail=None, headers=None):
        super().__init__(detail)
        if detail is not None:
            self.detail = detail
        self.headers = headers

    def detail_body(self):
        return {"detail": self.detail}

    def hosted_body(self):
        return envelope.http_error(self.status, str(self.detail))


class StarletteError(ApiError):
    """What the hosted service answers below its handlers (its router, its body parser) and the double's own answers
    of that layer: `{"detail": detail}` in either format."""

    hosted_schema = "HTTPError"

    def hosted_body(self):
        return self.detail_body()


class InvalidApiKey(ApiError):
    status, detail = 403, "Could not validate API KEY"


class InvalidDeveloperId(ApiError):
    """Hosted: the answer of the middleware in front of the app, which has no type."""

    status, detail = 400, "Invalid developer ID"
    hosted_schema = "HostedMiddlewareError"

    def hosted_body(self):
        return envelope.middleware_error(self.detail, "invalid_developer_id")


class UnreadableBody(StarletteError):
    """A body FastAPI cannot read (bad UTF-8, nesting too deep), or one it would answer with a 500."""

    status, detail = 400, "There was an error parsing the body"


class BodyTooLarge(StarletteError):
    status, detail = 413, "Request body too large"


class UserTooLarge(ApiError):
    """A write that would store a user (its metadata as JSON, name, about and project) over the body limit."""

    status, detail = 413, "User too large"


class LimitOutOfRange(ApiError):
    status, detail = 400, "Limit must be between 1 and 100"

    @classmethod
    def check(cls, limit):
        """The hosted list queries' bound on a page, beside its words (their 400, not a validation error)."""
        if not 1 <= limit <= 100:
            raise cls()


class NegativeOffset(ApiError):
    status, detail = 400, "Offset must be non-negative"


class ClockNotFrozen(ApiError):
    status, detail = 409, "The clock is not frozen"


class UserNotFound(ApiError):
    """404 in the hosted words (common_db_exceptions): its get fetches one row and finds none (NoDataFoundError);
    its other queries count the rows they changed and find no one (AssertionError)."""

    status = 404


class UserNotFoundDuringGet(UserNotFound):
    detail = "User not found during get"


class NoUserFoundDuringUpdate(UserNotFound):
    detail = "No user found during update"


class NoUserFoundDuringPatch(UserNotFound):
    detail = "No user found during patch"


class NoUserFoundDuringDelete(UserNotFound):
    detail = "No user found during delete"


class ProjectNotFound(ApiError):
    """The hosted user writes look the project up first (project_exists) and raise this outside their rewrap."""

    status, detail = 404, "Project '{canonical_name}' not found"

    def __init__(self, canonical_name):
        super().__init__(self.detail.format(canonical_name=canonical_name))


class ProjectExists(ApiError):
    """uq_projects_developer_canonical_name: the developer has a project of this canonical name (citext: any case)."""

    status, detail = 409, "A project with these unique properties already exists during create"


class ProjectConstraintViolated(ApiError):
    """ct_projects_name_length: a name that sanitize_string left empty (it was only NUL characters)."""

    status, detail = 400, "The provided project data violates one or more constraints during {operation}"

    def __init__(self, operation):
        super().__init__(self.detail.format(operation=operation))


# A user's docs, in the hosted words: common_db_exceptions("doc", [operation]) maps what PostgreSQL raises.


class DocOwnerNotFound(ApiError):
    """The doc_owners trigger validate_doc_owner finds no such user ("Invalid user reference")."""

    status, detail = 409, "Reference to user not found during create"


class DuplicateDoc(ApiError):
    """The doc_owners trigger check_duplicate_doc_owner: another doc of the user has a chunk of the same md5."""

    status, detail = 409, "A doc with this content already exists during create"


class NoDocCreated(ApiError):
    """`content: []` inserts no row, and reading the new doc back finds none (NoDataFoundError)."""

    status, detail = 404, "Doc not found during create"


class DocTooLarge(ApiError):
    """A doc past what one write should store: each chunk is a row written under the write lock, with its own copy of
    the title and the metadata, its search vector and embedding (200,000 tiny chunks held the lock for a second). The
    hosted service has no such bound."""

    status = 413
    MAX_CHUNKS = 1_000
    MAX_BYTES = 4 * 1024 * 1024
    detail = (
        f"Doc too large: a doc stores at most {MAX_CHUNKS:,} chunks and {MAX_BYTES // 2**20} MiB "
        "(each chunk with its title, metadata, search vector and embedding)"
    )


class DocNotFound(ApiError):
    status, detail = 404, "No doc found during delete"


class NoDocFoundDuringGet(ApiError):
    """GET /docs/{doc_id}: its query finds no row of the developer's, and one=True asserts one (AssertionError)."""

    status, detail = 404, "No doc found during get"


class InvalidData(ApiError):
    """400 for what PostgreSQL or asyncpg refuses as data (DataError): a lone surrogate, a NUL in a jsonb key,
    a number for a text parameter, a vector of the wrong size."""

    status = 400

    def __init__(self, resource, operation):
        super().__init__(f"Invalid {resource} data provided during {operation}")


class PartlyEmbeddedDoc(ApiError):
    """A doc read with its embeddings, some chunks embedded and others not, fails the Doc model (a ValueError)."""

    status, detail = 400, "Invalid value provided for doc during {operation}"

    def __init__(self, operation):
        super().__init__(self.detail.format(operation=operation))


class DocOffsetNegative(ApiError):
    status, detail = 400, "Offset must be >= 0"


class EmptyEmbedding(ApiError):
    status, detail = 400, "Empty embedding provided"


class EmptyQuery(ApiError):
    status, detail = 400, "Empty query provided"


class InvalidLanguageCode(ApiError):
    status, detail = 422, "Invalid ISO 639 language code."


# Where the hosted service answers a 500, the double answers a 4xx that says why.


class DocsUnsortable(ApiError):
    """Hosted: ORDER BY updated_at, a column its grouped list query neither selects nor groups by."""

    status, detail = 400, "Docs cannot be sorted by updated_at"


class NoTextSearchConfig(ApiError):
    """Hosted: `websearch_to_tsquery(config::regconfig, …)` for a language PostgreSQL has no configuration of."""

    status = 422

    def __init__(self, language):
        super().__init__(f"No text search configuration for the language '{language}'")


class UnsearchableText(ApiError):
    """Hosted: PostgreSQL refuses the search text itself (websearch_to_tsquery raises)."""

    status = 400

    def __init__(self, reason):
        super().__init__(f"The search text cannot be searched: {reason}")


class SearchTooCostly(ApiError):
    """The double's own: a text search whose words and phrases, times the chunks to rank, cost more than
    tsearch.MAX_SEARCH_COST (the hosted service runs it however long it takes)."""

    status = 400

    def __init__(self, atoms, chunks):
        super().__init__(
            f"The search text is too costly: {atoms} words and phrases to rank {chunks} chunks by; search fewer at once"
        )


class NoCosineDistance(ApiError):
    """Hosted: a zero vector's cosine distance is NaN, which the response cannot encode."""

    status, detail = 400, "A zero vector has no cosine distance"


class NoSuchDoc(ApiError):
    """A control named a doc that is not there."""

    status, detail = 404, "No such doc"


class RequestValidationError(ApiError):
    """A 422: `detail` is the list of pydantic-style error items (hosted/pydantic.error_item)."""

    status = 422
    detail_schema, hosted_schema = "HTTPValidationError", "HostedValidationError"

    def hosted_body(self):
        return envelope.validation_error(self.detail)


class DatabaseBusy(ApiError):
    """The database stayed locked by other writers for db.BUSY_TIMEOUT seconds: nothing was done, try again."""

    status, detail = 503, "Database busy"

    def __init__(self):
        super().__init__(headers={"Retry-After": "1"})


class StorageFull(ApiError):
    """The disk is full: the write was not stored."""

    status, detail = 507, "Insufficient Storage"


class TooManyWaiting(ApiError):
    """A journal read with wait_ms past the reads a process lets wait at once (journal_waits.MAX_WAITING)."""

    status = 503

    def __init__(self, limit):
        super().__init__(
            f"{limit} journal reads are waiting already, as many as a server process lets wait: try again later",
            {"Retry-After": "1"},
        )


class DatabaseGone(ApiError):
    """The database file the double opened was deleted or replaced while it ran."""

    status, detail = 503, "The database file was deleted or replaced: restart the double"


class Unhealthy(ApiError):
    """Health while a write cannot be stored; the detail says why."""

    status = 503


class HTTPError(StarletteError):
    """What Werkzeug's routing and request handling refuse, worded as Starlette words it."""

    def __init__(self, status, headers=None):
        super().__init__(HTTP_STATUS_CODES[status], headers)
        self.status = status


def database_error(error):
    """The ApiError for what SQLite refused (busy, full), or None for a failure that is a bug."""
    code = error.sqlite_errorcode & 0xFF  # the primary code of an extended one (SQLITE_BUSY_SNAPSHOT, …)
    if code == sqlite3.SQLITE_BUSY:
        return DatabaseBusy()
    if code == sqlite3.SQLITE_FULL:
        return StorageFull()
    return None
