"""Backfill badges: award every active member the badges they already earned."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carecircle.accounts.models import User
from carecircle.engagement.actions import award_earned_badges


class Command(BaseCommand):
    help = "Award every active member the badges they earned and do not hold yet."

    def handle(self, *args: Any, **options: Any) -> None:
        awarded = 0
        members = 0
        for member_id in (
            User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
        ).iterator(chunk_size=1000):
            members += 1
            awarded += len(award_earned_badges(member_id=member_id))
        self.stdout.write(f"Checked {members} members, awarded {awarded} badges.")
