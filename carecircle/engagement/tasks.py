"""Background work for engagement. Tasks take ids and are idempotent."""

from __future__ import annotations

from django.tasks import task


@task()
def check_badges_task(user_id: int) -> list[str]:
    """Award the badges this member has earned and does not hold yet; returns the new keys."""
    from carecircle.engagement.actions import award_earned_badges

    return award_earned_badges(member_id=user_id)
