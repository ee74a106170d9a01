"""Library resources become a kind of search row.

Resource rows are few beside discussions, like member and community rows, so they join those
in the small full-text index built by migration 0004 (on SQLite the `search_fts_people` table
and its triggers, on PostgreSQL the partial GIN index `search_document_people_vector`): a
common word's resource matches are then counted there, without walking its discussion matches.
The engines name the same kinds (engines/sqlite.py PEOPLE_KINDS, engines/postgres.py
KIND_INDEX_CONDITIONS), which must match the conditions here literally.
"""

from django.db import migrations, models

OLD_KINDS = "('member', 'community')"
NEW_KINDS = "('member', 'community', 'resource')"


def _sqlite_triggers(kinds: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS search_fts_people_insert",
        "DROP TRIGGER IF EXISTS search_fts_people_delete",
        "DROP TRIGGER IF EXISTS search_fts_people_update_old",
        "DROP TRIGGER IF EXISTS search_fts_people_update_new",
        f"""
        CREATE TRIGGER search_fts_people_insert AFTER INSERT ON search_searchdocument
        WHEN new.kind IN {kinds} BEGIN
            INSERT INTO search_fts_people(rowid, title, body) VALUES (new.id, new.title, new.body);
        END
        """,
        f"""
        CREATE TRIGGER search_fts_people_delete AFTER DELETE ON search_searchdocument
        WHEN old.kind IN {kinds} BEGIN
            INSERT INTO search_fts_people(search_fts_people, rowid, title, body)
            VALUES ('delete', old.id, old.title, old.body);
        END
        """,
        f"""
        CREATE TRIGGER search_fts_people_update_old AFTER UPDATE OF kind, title, body
        ON search_searchdocument WHEN old.kind IN {kinds} BEGIN
            INSERT INTO search_fts_people(search_fts_people, rowid, title, body)
            VALUES ('delete', old.id, old.title, old.body);
        END
        """,
        f"""
        CREATE TRIGGER search_fts_people_update_new AFTER UPDATE OF kind, title, body
        ON search_searchdocument WHEN new.kind IN {kinds} BEGIN
            INSERT INTO search_fts_people(rowid, title, body) VALUES (new.id, new.title, new.body);
        END
        """,
    ]


SQLITE_FORWARD = [
    *_sqlite_triggers(NEW_KINDS),
    # Rows written before the triggers knew the kind (none on a fresh database).
    "INSERT INTO search_fts_people(rowid, title, body)"
    " SELECT id, title, body FROM search_searchdocument WHERE kind = 'resource'",
]
SQLITE_BACKWARD = [
    "INSERT INTO search_fts_people(search_fts_people, rowid, title, body)"
    " SELECT 'delete', id, title, body FROM search_searchdocument WHERE kind = 'resource'",
    *_sqlite_triggers(OLD_KINDS),
]


def _postgres_index(kinds: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS search_document_people_vector",
        "CREATE INDEX search_document_people_vector ON search_searchdocument"
        f" USING gin (search_vector) WITH (fastupdate = off) WHERE kind IN {kinds}",
    ]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0005_search_walk_indexes")]

    operations = [
        migrations.AlterField(
            model_name="searchdocument",
            name="kind",
            field=models.CharField(
                choices=[
                    ("topic", "Topic"),
                    ("post", "Reply"),
                    ("member", "Member"),
                    ("community", "Community"),
                    ("resource", "Library resource"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": _postgres_index(NEW_KINDS)}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": _postgres_index(OLD_KINDS)}),
        ),
    ]
