"""Profile writes: defaults, validation, audit, encryption at rest, avatars."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from PIL import Image

from carecircle.accounts import actions
from carecircle.accounts.avatars import MAX_UPLOAD_BYTES, make_avatar
from carecircle.accounts.models import Condition, Profile, Visibility
from carecircle.accounts.privacy import (
    DEFAULT_VISIBILITY,
    Audience,
    audience_of,
    is_presence_hidden,
    searchable_profile_text,
    visibility_of,
    visible_profile,
)
from carecircle.accounts.queries import get_profile
from carecircle.core.errors import PermissionDeniedError, RateLimitedError, ValidationFailed
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def save(actor, **fields):
    return actions.update_profile_details(actor=actor, **fields)


def test_health_fields_default_to_only_me(patient):
    profile = get_profile(patient)

    assert visibility_of(profile) == {
        "avatar": "everyone",
        "bio": "members",
        "pronouns": "members",
        "role": "members",
        "interests": "members",
        "location": "members",
        "joined": "members",
        "conditions": "private",
        "treatments": "private",
        "story": "private",
    }
    assert DEFAULT_VISIBILITY["conditions"] == Visibility.PRIVATE


def test_saving_health_fields_without_choosing_keeps_them_private(patient, caregiver, community):
    save(patient, conditions=["Type 2 diabetes"], treatments=["Metformin"], story="My story")

    seen = visible_profile(caregiver, patient)

    assert audience_of(caregiver, patient) == Audience.SHARED
    assert (seen.conditions, seen.treatments, seen.story) == (None, None, None)
    assert visible_profile(patient, patient).conditions == ["Type 2 diabetes"]


def test_update_saves_cleaned_values_and_canonical_condition_names(patient):
    profile = save(
        patient,
        bio="  Hello there  ",
        pronouns=" she /  her ",
        interests=["Gardening", " gardening ", "", "Chess"],
        conditions=["type 2 DIABETES", "my own words"],
        treatments=["Metformin", "metformin"],
        country="is",
        region="  North  ",
        story="Line one",
        visibility={"bio": "everyone", "conditions": "shared"},
    )

    profile.refresh_from_db()
    assert profile.bio == "Hello there"
    assert profile.pronouns == "she / her"
    assert profile.interests == ["Gardening", "Chess"]
    assert profile.conditions == ["Type 2 diabetes", "my own words"]
    assert profile.treatments == ["Metformin"]
    assert (profile.country, profile.region) == ("IS", "North")
    assert profile.visibility["bio"] == "everyone"
    assert profile.visibility["conditions"] == "shared"
    assert profile.visibility["treatments"] == "private"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"bio": "x" * 301}, "bio"),
        ({"pronouns": "x" * 41}, "pronouns"),
        ({"country": "XX"}, "country"),
        ({"region": "North"}, "country"),
        ({"story": "x" * 20001}, "story"),
        ({"conditions": ["x" * 121]}, "conditions"),
        ({"interests": [f"i{n}" for n in range(31)]}, "interests"),
        ({"visibility": {"bio": "the world"}}, "visibility_bio"),
        ({"visibility": {"shoe_size": "everyone"}}, "visibility"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_changes(patient, fields, field):
    save(patient, bio="Before")
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed) as raised:
        save(patient, **fields)

    assert raised.value.field == field
    profile = Profile.objects.get(user=patient)
    assert profile.bio == "Before"
    assert profile.conditions == []
    assert AuditEvent.objects.count() == events


def test_a_visitor_cannot_update_a_profile(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDeniedError):
        save(AnonymousUser(), bio="Hi")
    assert Profile.objects.count() == 0


def test_updates_are_audited_with_field_names_only(patient):
    save(patient, conditions=["Asthma"], story="A very private story")
    save(patient, conditions=["Asthma"], story="A very private story")  # no change: no event
    save(patient, conditions=["Asthma"], story="Changed", visibility={"story": "shared"})

    events = list(AuditEvent.objects.filter(verb="profile.update").order_by("id"))
    assert [e.data for e in events] == [
        {"fields": ["conditions", "story"]},
        {"fields": ["story", "visibility.story"]},
    ]
    assert all(e.subject_id == patient.pk and e.actor_id == patient.pk for e in events)
    assert events[0].target_type == "accounts.profile"
    assert "private story" not in str([e.data for e in events])


def test_encrypted_columns_hold_no_plaintext(patient):
    save(
        patient,
        conditions=["PlainCondition"],
        treatments=["PlainTreatment"],
        story="PlainStory",
        bio="PlainBio",
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conditions, treatments, story, bio FROM accounts_profile WHERE user_id = %s",
            [patient.pk],
        )
        conditions, treatments, story, bio = cursor.fetchone()
    for raw in (conditions, treatments, story):
        assert raw.startswith("gAAAAA")
        assert "Plain" not in raw
    assert bio == "PlainBio"  # not a health field: stored as typed
    assert Profile.objects.get(user=patient).conditions == ["PlainCondition"]


def test_presence_hiding_is_stored_and_readable(patient, caregiver):
    save(patient, is_presence_hidden=True)

    assert is_presence_hidden(patient) is True
    assert is_presence_hidden(caregiver) is False


def test_shared_community_may_be_hidden(patient, outsider):
    place = CommunityFactory(visibility="hidden")
    make_member(place, patient)
    assert audience_of(outsider, patient) == Audience.MEMBER
    make_member(place, outsider)
    assert audience_of(outsider, patient) == Audience.SHARED


def test_searchable_text_follows_the_policy(patient, outsider):
    save(
        patient,
        bio="Loves tea",
        conditions=["Asthma"],
        visibility={"bio": "everyone", "conditions": "shared"},
    )

    assert "Loves tea" in searchable_profile_text(None, patient)
    assert "Asthma" not in searchable_profile_text(outsider, patient)
    assert "Asthma" in searchable_profile_text(patient, patient)


def test_sensitive_views_are_audited_once_a_day_per_viewer(patient, outsider, caregiver):
    assert actions.record_sensitive_view(viewer=outsider, member=patient, fields=["story"])
    assert not actions.record_sensitive_view(viewer=outsider, member=patient, fields=["story"])
    assert actions.record_sensitive_view(viewer=caregiver, member=patient, fields=["conditions"])
    assert not actions.record_sensitive_view(viewer=patient, member=patient, fields=["story"])
    assert not actions.record_sensitive_view(viewer=outsider, member=caregiver, fields=[])

    events = AuditEvent.objects.filter(verb="profile.view_sensitive").order_by("id")
    assert [(e.actor_id, e.subject_id, e.data) for e in events] == [
        (outsider.pk, patient.pk, {"fields": ["story"]}),
        (caregiver.pk, patient.pk, {"fields": ["conditions"]}),
    ]


def test_condition_list_is_seeded():
    assert Condition.objects.count() >= 150
    assert Condition.objects.filter(name="Type 2 diabetes", synonyms__icontains="sugar").exists()


# --- avatars --------------------------------------------------------------------------------


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CanaryCameraMaker"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif)
    data = output.getvalue()
    assert b"CanaryCameraMaker" in data
    return data


def test_avatar_is_a_small_webp_without_exif():
    webp = make_avatar(jpeg_with_gps())

    with Image.open(io.BytesIO(webp)) as image:
        assert image.format == "WEBP"
        assert image.size == (256, 256)
        assert "exif" not in image.info
        assert dict(image.getexif()) == {}
    assert b"CanaryCameraMaker" not in webp


def test_a_decompression_bomb_is_refused_before_decoding():
    image = Image.new("1", (6000, 5000))  # 30 megapixels, a few kilobytes as PNG
    output = io.BytesIO()
    image.save(output, "PNG")

    with pytest.raises(ValidationFailed) as raised:
        make_avatar(output.getvalue())

    assert raised.value.field == "avatar"
    assert "too many pixels" in str(raised.value.message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a picture", "could not read that file"),
        (b"", "empty"),
        (b"\xff" * (MAX_UPLOAD_BYTES + 1), "larger than 5 MB"),
    ],
)
def test_files_that_are_not_pictures_are_refused(data, message):
    with pytest.raises(ValidationFailed) as raised:
        make_avatar(data)
    assert message in str(raised.value.message)


def test_set_and_remove_avatar_store_and_delete_the_file(
    patient, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)

    with pytest.raises(ValidationFailed):
        actions.set_avatar(actor=patient, data=b"not an image")
    assert list(tmp_path.glob("avatars/*")) == []

    profile = actions.set_avatar(actor=patient, data=jpeg_with_gps())

    files = list(tmp_path.glob("avatars/*.webp"))
    assert [f"avatars/{f.name}" for f in files] == [profile.avatar]
    assert len(files[0].stem) == 24  # random, unguessable
    with django_capture_on_commit_callbacks(execute=True):
        actions.remove_avatar(actor=patient)

    assert Profile.objects.get(user=patient).avatar == ""
    assert list(tmp_path.glob("avatars/*")) == []
    events = AuditEvent.objects.filter(verb="profile.update").order_by("id")
    assert [e.data for e in events] == [{"fields": ["avatar"]}, {"fields": ["avatar"]}]


def test_avatar_uploads_are_rate_limited(patient, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    small = io.BytesIO()
    Image.new("RGB", (10, 10)).save(small, "PNG")
    for _attempt in range(20):
        actions.set_avatar(actor=patient, data=small.getvalue())
    before = Profile.objects.get(user=patient).avatar

    with pytest.raises(RateLimitedError):
        actions.set_avatar(actor=patient, data=small.getvalue())

    assert Profile.objects.get(user=patient).avatar == before


def test_other_members_are_found_by_factory(db):
    # A sanity check that factories do not create profiles on their own.
    UserFactory()
    assert Profile.objects.count() == 0


def test_a_stored_choice_for_a_field_that_no_longer_exists_does_not_block_saving(patient):
    actions.update_profile_details(actor=patient, bio="Hello")
    Profile.objects.filter(user=patient).update(visibility={"oldfield": "everyone"})
    profile = actions.update_profile_details(actor=patient, bio="Hello again")
    assert profile.bio == "Hello again"
