"""Community moderation settings, report reasons, watched words, context notes and crisis
resources through the API."""

from __future__ import annotations

from django.test import Client

from carecircle.moderation.models import (
    ContextNote,
    CrisisResource,
    ModerationSettings,
    ReportReason,
    WatchedWord,
)
from carecircle.moderation.tests.test_api_support import (
    World,
    call,
    signed_in,
    snapshot,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

SETTINGS = "/communities/type-2-diabetes/moderation/settings"
NEW_SETTINGS = {
    "premoderate_first_posts": 2,
    "auto_hide_reports": 4,
    "auto_hide_trust_level": 3,
    "new_member_posts_per_day": 5,
    "show_medical_notice": True,
    "medical_notice": "Ask your diabetes nurse before changing anything.",
}


def test_moderators_read_the_defaults(world: World) -> None:
    response = call(world.client("moderator"), "get", SETTINGS)

    assert response.status_code == 200
    body = response.json()
    assert body.pop("effective_medical_notice").startswith("Posts here share members' own")
    assert body == {
        "community": "type-2-diabetes",
        "premoderate_first_posts": 0,
        "auto_hide_reports": 3,
        "auto_hide_trust_level": 2,
        "new_member_posts_per_day": 10,
        "show_medical_notice": True,
        "medical_notice": "",
    }


def test_a_manager_changes_the_settings(world: World) -> None:
    response = call(world.client("manager"), "put", SETTINGS, NEW_SETTINGS)

    assert response.status_code == 200
    assert response.json() == {
        "community": "type-2-diabetes",
        **NEW_SETTINGS,
        "effective_medical_notice": "Ask your diabetes nurse before changing anything.",
    }
    saved = ModerationSettings.objects.get(community=world.community)
    assert (saved.premoderate_first_posts, saved.auto_hide_reports) == (2, 4)


def test_members_cannot_read_the_settings(world: World) -> None:
    response = call(world.client("member"), "get", SETTINGS)

    assert response.status_code == 403


def test_report_reasons_for_managers_and_readers(world: World) -> None:
    manager = world.client("manager")

    created = call(
        manager,
        "post",
        "/communities/type-2-diabetes/report-reasons",
        {"label": "Selling supplements", "description": "Advertising a cure."},
    )
    assert created.status_code == 201
    reason = ReportReason.objects.get()
    assert created.json() == {
        "id": reason.pk,
        "label": "Selling supplements",
        "description": "Advertising a cure.",
        "is_active": True,
    }
    changed = call(
        manager,
        "post",
        "/communities/type-2-diabetes/report-reasons",
        {"id": reason.pk, "label": "Selling supplements", "is_active": False},
    )
    assert changed.status_code == 200
    assert changed.json()["is_active"] is False

    as_manager = call(manager, "get", "/communities/type-2-diabetes/report-reasons")
    as_visitor = call(Client(), "get", "/communities/type-2-diabetes/report-reasons")
    assert [r["id"] for r in as_manager.json()] == [reason.pk]
    assert as_visitor.json() == []


def test_watched_words(world: World) -> None:
    manager = world.client("manager")

    added = call(
        manager,
        "post",
        "/moderation/watched-words",
        {"community": "type-2-diabetes", "pattern": "miracle cure", "action": "require_approval"},
    )
    assert added.status_code == 201
    word = WatchedWord.objects.get(community=world.community)
    assert (added.json()["id"], added.json()["community"], added.json()["action"]) == (
        word.pk,
        "type-2-diabetes",
        "require_approval",
    )
    listed = call(
        world.client("moderator"), "get", "/moderation/watched-words?community=type-2-diabetes"
    )
    assert [w["pattern"] for w in listed.json()] == ["miracle cure"]

    deleted = call(manager, "delete", f"/moderation/watched-words/{word.pk}")
    assert deleted.status_code == 204
    assert not WatchedWord.objects.filter(community=world.community).exists()


def test_an_unsafe_pattern_is_refused(world: World) -> None:
    manager = world.client("manager")
    before = snapshot()

    response = call(
        manager,
        "post",
        "/moderation/watched-words",
        {"community": "type-2-diabetes", "pattern": "(a+)+$", "is_regex": True, "action": "flag"},
    )

    assert response.status_code == 400
    assert response.json()["field"] == "pattern"
    assert snapshot() == before


def test_a_watched_word_of_another_community_looks_missing(world: World) -> None:
    word = WatchedWord.objects.create(
        community=world.other_community, pattern="quack", action="flag"
    )
    manager = world.client("manager")
    before = snapshot()

    response = call(manager, "delete", f"/moderation/watched-words/{word.pk}")

    assert response.status_code == 404
    assert snapshot() == before


def test_context_notes_added_listed_and_removed(world: World) -> None:
    professional = world.client("professional")
    post_id = world.first_post.pk

    added = call(
        professional,
        "post",
        f"/posts/{post_id}/context-notes",
        {
            "body": "Metformin should only be stopped with your doctor's advice.",
            "resource_url": "https://www.nhs.uk/medicines/metformin/",
            "resource_title": "NHS: Metformin",
        },
    )
    assert added.status_code == 201
    note = ContextNote.objects.get()
    body = added.json()
    assert body.pop("created_at")
    assert body == {
        "id": note.pk,
        "post_id": post_id,
        "author": "professional",
        "author_is_professional": True,
        "body": "Metformin should only be stopped with your doctor's advice.",
        "resource_url": "https://www.nhs.uk/medicines/metformin/",
        "resource_title": "NHS: Metformin",
    }
    listed = call(Client(), "get", f"/posts/{post_id}/context-notes")
    assert [n["id"] for n in listed.json()] == [note.pk]

    removed = call(professional, "delete", f"/context-notes/{note.pk}")
    assert removed.status_code == 204
    assert call(Client(), "get", f"/posts/{post_id}/context-notes").json() == []


def test_a_member_cannot_remove_a_context_note(world: World) -> None:
    note = ContextNote.objects.create(
        post=world.first_post, author=world.professional, body="Talk to your doctor."
    )
    member = signed_in(world.member)
    before = snapshot()

    response = call(member, "delete", f"/context-notes/{note.pk}")

    assert response.status_code == 403
    assert snapshot() == before


def test_crisis_resources_for_a_country(world: World) -> None:
    # Only this test's helplines (the starter list is replaced by site admins anyway).
    CrisisResource.objects.all().delete()
    CrisisResource.objects.create(
        country="", name="Befrienders Worldwide", url="https://befrienders.org"
    )
    CrisisResource.objects.create(country="GB", name="Samaritans", phone="116 123")
    CrisisResource.objects.create(country="GB", name="Emergency", phone="999", is_emergency=True)
    CrisisResource.objects.create(country="US", name="988 Lifeline", phone="988")

    response = call(Client(), "get", "/crisis-resources?country=gb")

    assert response.status_code == 200
    assert [r["name"] for r in response.json()] == [
        "Emergency",
        "Samaritans",
        "Befrienders Worldwide",
    ]
