"""Site-wide starter watched words and default crisis resources.

The watched words come from carecircle/moderation/screening/data/starter_watched_words.json,
read when the migration runs; without the file there is nothing to load and nothing fails.
"""

import json
from pathlib import Path

from django.db import migrations

STARTER_WORDS = (
    Path(__file__).resolve().parent.parent / "screening" / "data" / "starter_watched_words.json"
)
ACTIONS = {"block", "require_approval", "flag", "replace"}

CRISIS_RESOURCES = [
    {
        "country": "",
        "name": "Emergency services",
        "phone": "",
        "description": "If you or someone else is in immediate danger, contact your local "
        "emergency number now.",
        "is_emergency": True,
        "position": 0,
    },
    {
        "country": "GB",
        "name": "Emergency services",
        "phone": "999",
        "description": "If your life or someone else's is in danger, call 999.",
        "is_emergency": True,
        "position": 0,
    },
    {
        "country": "GB",
        "name": "Samaritans",
        "phone": "116 123",
        "url": "https://www.samaritans.org/",
        "description": "Free, any time, day or night, to talk about anything.",
        "position": 1,
    },
    {
        "country": "GB",
        "name": "NHS 111 (option 2 for mental health)",
        "phone": "111",
        "url": "https://111.nhs.uk/",
        "description": "Urgent help for your mental health: call 111 and choose option 2.",
        "position": 2,
    },
    {
        "country": "US",
        "name": "Emergency services",
        "phone": "911",
        "description": "If your life or someone else's is in danger, call 911.",
        "is_emergency": True,
        "position": 0,
    },
    {
        "country": "US",
        "name": "988 Suicide & Crisis Lifeline",
        "phone": "988",
        "url": "https://988lifeline.org/",
        "description": "Call or text 988, any time, for free and confidential support.",
        "position": 1,
    },
]


def load(apps, schema_editor):
    CrisisResource = apps.get_model("moderation", "CrisisResource")
    WatchedWord = apps.get_model("moderation", "WatchedWord")
    for fields in CRISIS_RESOURCES:
        CrisisResource.objects.get_or_create(
            country=fields["country"], name=fields["name"], defaults=fields
        )
    if not STARTER_WORDS.exists():
        return
    for entry in json.loads(STARTER_WORDS.read_text(encoding="utf-8")):
        pattern = str(entry.get("pattern", "")).strip()[:200]
        action = entry.get("action")
        if not pattern or action not in ACTIONS:
            continue
        WatchedWord.objects.get_or_create(
            community=None,
            pattern=pattern,
            defaults={
                "is_regex": bool(entry.get("is_regex", False)),
                "action": action,
                "replacement": str(entry.get("replacement", ""))[:200],
                "message": str(entry.get("message", ""))[:300],
            },
        )


def unload(apps, schema_editor):
    CrisisResource = apps.get_model("moderation", "CrisisResource")
    for fields in CRISIS_RESOURCES:
        CrisisResource.objects.filter(country=fields["country"], name=fields["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
