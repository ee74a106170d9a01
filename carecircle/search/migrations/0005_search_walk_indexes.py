"""PostgreSQL: a date index over topic rows, and GIN indexes that never keep a pending list.

The engine walks a common word's topics newest first and checks each (engines/postgres.py):
through the date index of every row it read ~16 rows for each topic, so topic rows get a
partial date index of their own.

With GIN's `fastupdate` (the default) new rows wait in a pending list that every search reads
in full until VACUUM merges it: measured at 1,000,000 rows, 32,000 member rows waiting made
each search of the member index take 200 ms instead of 0.1 ms. Without it, each new row
updates the index as it is written (slower writes, done by tasks after commit), and searches
stay as fast between vacuums as after one. What is already waiting is merged now.
SQLite has nothing to change.
"""

from django.db import migrations

GIN_INDEXES = (
    "search_document_vector",
    "search_document_topic_vector",
    "search_document_people_vector",
)
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_document_topic_created ON search_searchdocument"
    " (created_at) WHERE kind = 'topic'",
    *(f"ALTER INDEX {name} SET (fastupdate = off)" for name in GIN_INDEXES),
    *(f"SELECT gin_clean_pending_list('{name}'::regclass)" for name in GIN_INDEXES),
]
POSTGRES_BACKWARD = [
    *(f"ALTER INDEX {name} RESET (fastupdate)" for name in GIN_INDEXES),
    "DROP INDEX IF EXISTS search_document_topic_created",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_search_speed_indexes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD}),
        )
    ]
