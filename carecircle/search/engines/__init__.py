"""The two full-text engines behind one interface, chosen by the database in use."""

from __future__ import annotations

from django.db import connection

from carecircle.search.engines.base import Engine, EngineResult, Hit, KindScope, Scope

__all__ = ["Engine", "EngineResult", "Hit", "KindScope", "Scope", "get_engine"]


def get_engine() -> Engine:
    """FTS5 on SQLite (the embedded default), tsvector + GIN on PostgreSQL."""
    if connection.vendor == "postgresql":
        from carecircle.search.engines.postgres import PostgresEngine

        return PostgresEngine()
    from carecircle.search.engines.sqlite import SqliteEngine

    return SqliteEngine()
