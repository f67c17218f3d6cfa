"""The hosted stack's behaviour in pure Python (no Flask, no SQLite): pydantic, FastAPI's wire, jsonb, pgvector,
text search."""

# The largest int64: PostgreSQL's bigint (asyncpg's int8), pydantic-core's i64, and SQLite's integers too.
INT64_MAX = 2**63 - 1
