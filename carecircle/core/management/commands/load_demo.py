"""Load the demo communities, members and conversations (only into an empty database)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from carecircle.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo communities and members when the database has no communities yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Load even if data exists.")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        from django.conf import settings

        from carecircle.communities.models import Community

        if not settings.DEMO_MODE and not force:
            self.stdout.write("Demo mode is off (CARECIRCLE_DEMO_MODE); demo data not loaded.")
            return
        if Community.objects.exists() and not force:
            self.stdout.write("Database already has communities; demo data not loaded.")
            return
        with transaction.atomic():
            people = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Demo accounts:"))
        for person in people:
            self.stdout.write(f"  {person.email:32} {person.display_name}")
        self.stdout.write(f"Every demo account's password: {DEMO_PASSWORD}")
