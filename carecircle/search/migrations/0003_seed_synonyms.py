"""Seed the synonym groups from data/synonyms.txt (later additions: `manage.py load_synonyms`).

The file is parsed here rather than with the app's code, so this migration keeps working
whatever later versions of that code do. Going back deletes the groups as seeded (groups an
admin added or changed since stay).
"""

from pathlib import Path
from typing import Any

from django.db import migrations

SYNONYM_FILE = Path(__file__).resolve().parent.parent / "data" / "synonyms.txt"


def _file_groups() -> list[tuple[str, str]]:
    groups = []
    for line in SYNONYM_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        category, _separator, rest = line.partition(":")
        terms = [" ".join(part.split()) for part in rest.split(",")]
        groups.append((category.strip().lower(), ", ".join(term for term in terms if term)))
    return groups


def seed(apps: Any, schema_editor: Any) -> None:
    group_model = apps.get_model("search", "SynonymGroup")
    present = set(group_model.objects.values_list("terms", flat=True))
    group_model.objects.bulk_create(
        group_model(category=category, terms=terms)
        for category, terms in _file_groups()
        if terms not in present
    )


def unseed(apps: Any, schema_editor: Any) -> None:
    group_model = apps.get_model("search", "SynonymGroup")
    terms = [terms for _category, terms in _file_groups()]
    for start in range(0, len(terms), 500):  # SQLite's limit on query parameters
        group_model.objects.filter(terms__in=terms[start : start + 500]).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text_structures")]

    operations = [migrations.RunPython(seed, unseed)]
