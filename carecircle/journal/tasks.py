"""Background work of the journal: community figures and "people like me" tokens.

Tasks take ids and are idempotent; each runs the same way twice.
"""

from __future__ import annotations

from django.tasks import task


@task()
def compute_all_insights_task() -> int:
    """Recompute every community's figures and the site's (every 6 hours), and refresh every
    matchable member's tokens so profile and medicine changes reach matching (additions only
    for members whose last one was a day ago or more: this is where deferred ones happen);
    returns the number of snapshots written."""
    from carecircle.journal.actions.preferences import refresh_all_match_tokens
    from carecircle.journal.insights import compute_all_insights

    written = compute_all_insights()
    refresh_all_match_tokens()
    return written


@task()
def refresh_match_tokens_task(member_id: int) -> int:
    """Bring one member's matching tokens in line with their data and choices (stale ones go at
    once; new ones wait for the daily allowance, see matching.py)."""
    from carecircle.journal.actions.preferences import refresh_match_tokens

    return refresh_match_tokens(member_id=member_id)
