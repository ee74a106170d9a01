"""The periodic job scheduler: each job is enqueued once per slot, however often it checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.tasks import task

from carecircle.core import schedule
from carecircle.core.models import ScheduledRun

RUNS: list[str] = []


@task()
def record_run_task(label: str = "run") -> None:
    """A job for these tests: notes each time it actually runs (tests run tasks immediately)."""
    RUNS.append(label)


@pytest.fixture
def hourly_job():
    RUNS.clear()
    schedule.register("tests.hourly", every=timedelta(hours=1), task=record_run_task)
    yield "tests.hourly"
    schedule.unregister("tests.hourly")
    RUNS.clear()


def test_slots_are_aligned_to_the_interval():
    moment = datetime(2027, 3, 2, 19, 42, 17, tzinfo=UTC)

    assert schedule.slot_start(timedelta(hours=1), moment) == datetime(2027, 3, 2, 19, tzinfo=UTC)
    assert schedule.slot_start(timedelta(days=1), moment) == datetime(2027, 3, 2, tzinfo=UTC)
    assert schedule.slot_start(timedelta(minutes=15), moment) == datetime(
        2027, 3, 2, 19, 30, tzinfo=UTC
    )


@pytest.mark.django_db
def test_a_job_is_enqueued_once_per_slot_however_often_the_scheduler_checks(hourly_job):
    first = datetime(2027, 3, 2, 19, 5, tzinfo=UTC)

    assert schedule.run_due(now=first, names=[hourly_job]) == [hourly_job]
    assert schedule.run_due(now=first + timedelta(minutes=30), names=[hourly_job]) == []
    assert schedule.run_due(now=first + timedelta(minutes=54), names=[hourly_job]) == []

    assert RUNS == ["run"]
    assert list(ScheduledRun.objects.values_list("name", "slot")) == [
        (hourly_job, datetime(2027, 3, 2, 19, tzinfo=UTC))
    ]

    assert schedule.run_due(now=first + timedelta(hours=1), names=[hourly_job]) == [hourly_job]
    assert RUNS == ["run", "run"]
    assert ScheduledRun.objects.filter(name=hourly_job).count() == 2


@pytest.mark.django_db
def test_a_slot_claimed_by_another_scheduler_is_not_enqueued_again(hourly_job):
    now = datetime(2027, 3, 2, 19, 5, tzinfo=UTC)
    ScheduledRun.objects.create(name=hourly_job, slot=datetime(2027, 3, 2, 19, tzinfo=UTC))

    assert schedule.run_due(now=now, names=[hourly_job]) == []

    assert RUNS == []
    assert ScheduledRun.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_claim_of_the_same_slot():
    slot = datetime(2027, 3, 2, 19, tzinfo=UTC)
    ScheduledRun.objects.create(name="tests.claim", slot=slot)

    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledRun.objects.create(name="tests.claim", slot=slot)

    assert ScheduledRun.objects.filter(name="tests.claim").count() == 1


@pytest.mark.django_db
def test_old_claims_are_forgotten_when_a_new_slot_is_claimed(hourly_job):
    ScheduledRun.objects.create(name=hourly_job, slot=datetime(2027, 1, 1, tzinfo=UTC))
    ScheduledRun.objects.create(name="tests.other", slot=datetime(2027, 1, 1, tzinfo=UTC))

    schedule.run_due(now=datetime(2027, 3, 2, 19, 5, tzinfo=UTC), names=[hourly_job])

    assert sorted(ScheduledRun.objects.values_list("name", "slot")) == [
        (hourly_job, datetime(2027, 3, 2, 19, tzinfo=UTC)),
        ("tests.other", datetime(2027, 1, 1, tzinfo=UTC)),
    ]


def test_the_project_registers_its_periodic_jobs():
    registered = {name: entry.every for name, entry in schedule.REGISTRY.items()}

    assert registered["messaging.purge_chat_history"] == timedelta(hours=1)
    assert registered["privacy.delete_expired_exports"] == timedelta(days=1)
    assert registered["moderation.recompute_trust_levels"] == timedelta(days=1)
    assert schedule.REGISTRY["messaging.purge_chat_history"].resolve().name == (
        "purge_chat_history_task"
    )
    assert schedule.REGISTRY["privacy.delete_expired_exports"].resolve().name == (
        "delete_expired_exports_task"
    )


def test_jobs_run_at_most_once_a_minute():
    with pytest.raises(ValueError):
        schedule.register("tests.fast", every=timedelta(seconds=30), task=record_run_task)

    assert "tests.fast" not in schedule.REGISTRY


@pytest.mark.django_db
def test_run_scheduler_once_twice_enqueues_each_project_job_once(capsys):
    call_command("run_scheduler", "--once")
    call_command("run_scheduler", "--once")

    output = capsys.readouterr().out
    assert output.count("Enqueued messaging.purge_chat_history") == 1
    assert output.count("Enqueued privacy.delete_expired_exports") == 1
    assert output.count("Enqueued moderation.recompute_trust_levels") == 1
    assert output.count("Enqueued notifications.send_due_emails") == 1
    assert output.count("Enqueued notifications.send_digests") == 1
    assert sorted(ScheduledRun.objects.values_list("name", flat=True)) == [
        "bookmarks.send_reminders",
        "journal.compute_insights",
        "messaging.purge_chat_history",
        "moderation.recompute_trust_levels",
        "notifications.purge_delivery_claims",
        "notifications.send_digests",
        "notifications.send_due_emails",
        "privacy.delete_expired_exports",
        "resources.refresh_previews",
        "search.embed_missing_topics",
        "search.refresh_vocabulary",
        "uploads.cleanup",
    ]
