"""Posts that cite library resources: found from the resource links in the post's text."""

from __future__ import annotations

from typing import Any


def record_citations(post: Any) -> None:
    """Make the post's citations match the resource links now in its body (inside a transaction)."""
