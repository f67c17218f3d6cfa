"""The hosted stack's behaviour in pure Python (no Flask, no SQLite): jsonb, pgvector, text search."""
