"""The journal in a member's data export: all of it, decrypted, since it is all theirs."""

from __future__ import annotations

from carecircle.privacy.registry import exclude, register


def _register_all() -> None:
    register(
        "journal.JournalEntry",
        name="journal_entries",
        fields=["kind", "recorded_at", "data", "source", "goal_id", "created_at", "updated_at"],
    )
    register(
        "journal.Medication",
        name="journal_medications",
        fields=["data", "created_at", "updated_at"],
    )
    register(
        "journal.Goal",
        name="journal_goals",
        fields=["status", "data", "closed_at", "created_at", "updated_at"],
    )
    register(
        "journal.JournalShare",
        name="journal_shares",
        fields=["audience", "parts", "since", "title", "revoked_at", "created_at"],
        user_fields=["owner"],
    )
    register(
        "journal.JournalPreferences",
        name="journal_preferences",
        fields=[
            "contributes_to_insights",
            "contributes_since",
            "is_matchable",
            "match_fields",
            "stage",
        ],
    )
    exclude(
        "journal.MatchToken",
        reason="Keyed hashes derived from the member's own chosen fields, rebuilt by a task.",
    )


_register_all()
