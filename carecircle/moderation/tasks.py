"""Background work for moderation. Tasks take ids only and are idempotent enough to rerun."""

from __future__ import annotations

from django.tasks import task


@task()
def send_moderation_notice_task(action_id: int) -> bool:
    """Email the member a moderation decision was about (after the decision committed)."""
    from carecircle.moderation.notify import send_moderation_notice

    return send_moderation_notice(action_id=action_id)


@task()
def recompute_trust_levels_task() -> int:
    """Recompute every member's trust level (daily, from the scheduler)."""
    from carecircle.moderation.trust import recompute_all

    return recompute_all()
