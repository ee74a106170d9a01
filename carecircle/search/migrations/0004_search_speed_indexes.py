"""Structures that keep searches fast at a million rows, one set per database.

Member and community rows are few beside discussions, but a common word matches tens of
thousands of discussion rows: counting its member or community matches (the per-tab numbers)
through the main full-text index walks all of those to keep a handful (over 200 ms each at
200,000 rows on SQLite). So both databases get a small full-text index over member and
community rows only: on SQLite a second external-content FTS5 table kept by triggers, on
PostgreSQL a partial GIN index. (Topic rows were tried in the SQLite table too: their many
matches then slowed the member and community counts more than the topic count gained.)
PostgreSQL also gets a partial GIN index over topic rows: a common word's topics are counted
from it (a few thousand entries) instead of a bitmap of every matching row AND-ed with the
kind; on SQLite the topic count walks the main index and stops at the cap.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE search_fts_people USING fts5(
        title, body,
        content='search_searchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER search_fts_people_insert AFTER INSERT ON search_searchdocument
    WHEN new.kind IN ('member', 'community') BEGIN
        INSERT INTO search_fts_people(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER search_fts_people_delete AFTER DELETE ON search_searchdocument
    WHEN old.kind IN ('member', 'community') BEGIN
        INSERT INTO search_fts_people(search_fts_people, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER search_fts_people_update_old AFTER UPDATE OF kind, title, body
    ON search_searchdocument WHEN old.kind IN ('member', 'community') BEGIN
        INSERT INTO search_fts_people(search_fts_people, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER search_fts_people_update_new AFTER UPDATE OF kind, title, body
    ON search_searchdocument WHEN new.kind IN ('member', 'community') BEGIN
        INSERT INTO search_fts_people(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    INSERT INTO search_fts_people(rowid, title, body)
    SELECT id, title, body FROM search_searchdocument WHERE kind IN ('member', 'community')
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_fts_people_update_new",
    "DROP TRIGGER IF EXISTS search_fts_people_update_old",
    "DROP TRIGGER IF EXISTS search_fts_people_delete",
    "DROP TRIGGER IF EXISTS search_fts_people_insert",
    "DROP TABLE IF EXISTS search_fts_people",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_document_topic_vector ON search_searchdocument"
    " USING gin (search_vector) WHERE kind = 'topic'",
    "CREATE INDEX IF NOT EXISTS search_document_people_vector ON search_searchdocument"
    " USING gin (search_vector) WHERE kind IN ('member', 'community')",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_people_vector",
    "DROP INDEX IF EXISTS search_document_topic_vector",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_seed_synonyms")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
