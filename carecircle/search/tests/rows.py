"""Index rows as stored and as the document builders say they should be, for comparison."""

from __future__ import annotations

from dataclasses import asdict, fields

from carecircle.search.documents import DocumentData
from carecircle.search.models import SearchDocument

FIELDS = tuple(field.name for field in fields(DocumentData))


def stored(**filters: object) -> list[dict]:
    """The stored rows matching `filters`, as dicts of the DocumentData fields, in key order."""
    return list(
        SearchDocument.objects.filter(**filters)
        .order_by("kind", "object_id", "audience")
        .values(*FIELDS)
    )


def expected(documents: list) -> list[dict]:
    """`documents` (DocumentData) as the same dicts, in the same order."""
    return sorted(
        (asdict(doc) for doc in documents),
        key=lambda row: (row["kind"], row["object_id"], row["audience"]),
    )
