"""Profile pages, bylines, member lists and the profile API."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from carecircle.accounts import actions
from carecircle.accounts.models import Profile
from carecircle.accounts.privacy import FIELDS
from carecircle.core.factories import UserFactory, make_member, make_topic
from carecircle.core.models import AuditEvent
from conftest import client_for

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def png() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (50, 40), (0, 90, 200)).save(output, "PNG")
    return output.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


# --- edit page ------------------------------------------------------------------------------


def test_edit_page_needs_sign_in(visitor_client):
    response = visitor_client.get("/account/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_edit_page_explains_each_level_and_links_the_preview(patient_client):
    page = text(patient_client.get("/account/profile/"))

    assert "Anyone on the internet, even people without an account" in page
    assert "Nobody else, not even moderators or site administrators." in page
    assert "Moderators and site administrators see your profile exactly like any other" in page
    assert 'href="/account/profile/preview/"' in page
    assert '<datalist id="condition-names">' in page
    assert '<option value="Acne">' in page
    assert 'name="visibility_conditions"' in page


def test_account_settings_links_profile_pages(patient_client):
    page = text(patient_client.get("/account/"))
    assert 'href="/account/profile/"' in page
    assert 'href="/account/profile/preview/"' in page


def form_data(**overrides):
    data = {
        "operation": "save",
        "bio": "Hello",
        "pronouns": "they/them",
        "interests": "tea, walks",
        "treatments": "Inhaler\nPhysio",
        "country": "FR",
        "region": "Brittany",
        "story": "It began in **2019**.",
        "new_condition": ["Asthma", "my own words", ""],
    }
    data.update({f"visibility_{name}": "members" for name in FIELDS})
    data.update(overrides)
    return data


def test_saving_the_profile_form(patient, patient_client):
    response = patient_client.post("/account/profile/", form_data(visibility_story="shared"))

    assert response.status_code == 302
    profile = Profile.objects.get(user=patient)
    assert profile.bio == "Hello"
    assert profile.interests == ["tea", "walks"]
    assert profile.treatments == ["Inhaler", "Physio"]
    assert profile.conditions == ["Asthma", "my own words"]
    assert (profile.country, profile.region) == ("FR", "Brittany")
    assert profile.visibility["story"] == "shared"

    kept = patient_client.post(
        "/account/profile/", form_data(conditions=["Asthma"], new_condition=["Gout"])
    )
    assert kept.status_code == 302
    assert Profile.objects.get(user=patient).conditions == ["Asthma", "Gout"]


def test_bad_input_keeps_the_text_and_shows_the_error_by_the_field(patient, patient_client):
    response = patient_client.post(
        "/account/profile/",
        form_data(country="ZZ", bio="My words stay"),
    )

    page = text(response)
    assert response.status_code == 400
    assert "My words stay" in page
    assert 'id="id_country_error"' in page
    assert Profile.objects.get(user=patient).bio == ""


def test_a_condition_too_long_is_shown_by_the_conditions_field(patient, patient_client):
    response = patient_client.post(
        "/account/profile/", form_data(new_condition=["x" * 121], bio="Kept bio")
    )

    page = text(response)
    assert response.status_code == 400
    assert 'id="error_conditions"' in page
    assert "x" * 121 in page
    assert "Kept bio" in page
    assert Profile.objects.get(user=patient).conditions == []


def test_avatar_upload_remove_and_refusal(patient, patient_client, media):
    bad = patient_client.post(
        "/account/profile/",
        {"operation": "avatar_upload", "avatar": SimpleUploadedFile("x.png", b"nope")},
    )
    assert bad.status_code == 400
    assert "We could not read that file as a picture." in text(bad)
    assert Profile.objects.get(user=patient).avatar == ""

    good = patient_client.post(
        "/account/profile/",
        {"operation": "avatar_upload", "avatar": SimpleUploadedFile("me.png", png())},
    )
    assert good.status_code == 302
    name = Profile.objects.get(user=patient).avatar
    assert name.startswith("avatars/") and name.endswith(".webp")

    picture = client_for(None).get("/members/patient/avatar")
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/webp"
    assert b"".join(picture.streaming_content)[:4] == b"RIFF"

    patient_client.post("/account/profile/", {"operation": "avatar_remove"})
    assert Profile.objects.get(user=patient).avatar == ""
    assert client_for(None).get("/members/patient/avatar").status_code == 404


def test_avatar_file_is_only_served_to_allowed_viewers(patient, outsider, media):
    actions.set_avatar(actor=patient, data=png())
    Profile.objects.filter(user=patient).update(visibility={"avatar": "members"})

    assert client_for(None).get("/members/patient/avatar").status_code == 404
    assert client_for(outsider).get("/members/patient/avatar").status_code == 200
    Profile.objects.filter(user=patient).update(is_hidden=True)
    assert client_for(outsider).get("/members/patient/avatar").status_code == 404
    assert client_for(patient).get("/members/patient/avatar").status_code == 200


# --- preview --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "shown"),
    [
        ("everyone", {"CanaryEveryone"}),
        ("members", {"CanaryEveryone", "CanaryMembers"}),
        ("shared", {"CanaryEveryone", "CanaryMembers", "CanaryShared"}),
        ("private", {"CanaryEveryone", "CanaryMembers", "CanaryShared", "CanaryPrivate"}),
        ("nonsense", {"CanaryEveryone"}),
    ],
)
def test_preview_shows_the_profile_as_each_audience_sees_it(
    patient, patient_client, audience, shown
):
    actions.update_profile_details(
        actor=patient,
        bio="CanaryEveryone",
        pronouns="CanaryMembers",
        interests=["CanaryShared"],
        story="CanaryPrivate",
        visibility={"bio": "everyone", "pronouns": "members", "interests": "shared"},
    )

    page = text(patient_client.get("/account/profile/preview/", {"as": audience}))

    canaries = {"CanaryEveryone", "CanaryMembers", "CanaryShared", "CanaryPrivate"}
    assert {c for c in canaries if c in page} == shown
    assert 'aria-current="page"' in page


# --- profile page ---------------------------------------------------------------------------


def test_profile_page_says_in_memory(patient, visitor_client):
    patient.memorialised_at = timezone.now()
    patient.save(update_fields=["memorialised_at"])

    page = text(visitor_client.get("/members/patient/"))

    assert "In memory" in page
    assert "Their profile and posts are kept in their memory." in page


def test_profile_page_explains_the_pseudonym_and_is_never_publicly_cached(visitor_client, patient):
    response = visitor_client.get("/members/patient/")
    assert "they are the name posts are signed with" in text(response)
    assert "private" in response["Cache-Control"]


def test_unknown_or_inactive_member_is_404(patient, visitor_client):
    assert visitor_client.get("/members/nobody/").status_code == 404
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    assert visitor_client.get("/members/patient/").status_code == 404
    assert visitor_client.get("/api/v1/members/patient").status_code == 404


def test_viewing_shared_health_fields_is_audited_once_a_day(patient, caregiver, community):
    actions.update_profile_details(
        actor=patient, conditions=["Asthma"], visibility={"conditions": "shared"}
    )
    viewer = client_for(caregiver)

    viewer.get("/members/patient/")
    viewer.get("/members/patient/")
    viewer.get("/api/v1/members/patient")
    client_for(patient).get("/members/patient/")  # the member themself: not audited

    events = AuditEvent.objects.filter(verb="profile.view_sensitive")
    assert [(e.actor_id, e.subject_id, e.data) for e in events] == [
        (caregiver.pk, patient.pk, {"fields": ["conditions"]})
    ]


def test_no_audit_when_no_health_field_is_shown(patient, caregiver, community):
    actions.update_profile_details(actor=patient, conditions=["Asthma"])
    client_for(caregiver).get("/members/patient/")
    assert not AuditEvent.objects.filter(verb="profile.view_sensitive").exists()


# --- bylines and member lists ---------------------------------------------------------------


def test_bylines_and_member_list_follow_the_avatar_choice(patient, professional, community, media):
    make_member(community, professional)
    actions.set_avatar(actor=patient, data=png())
    Profile.objects.filter(user=patient).update(visibility={"avatar": "members"})
    topic = make_topic(community, patient, title="Avatars", replies=0)
    make_topic(community, professional, title="Other")

    for url in (topic.get_absolute_url(), "/c/type-2-diabetes/members/"):
        as_visitor = text(client_for(None).get(url))
        as_member = text(client_for(professional).get(url))
        assert '<img class="avatar" src="/members/patient/avatar?v=' not in as_visitor
        assert '<img class="avatar" src="/members/patient/avatar?v=' in as_member
        assert ">PT</text>" in as_visitor  # generated initials instead

    members_page = text(client_for(None).get("/c/type-2-diabetes/members/"))
    assert '<a class="member-name" href="/members/professional/">Nurse Pro</a>' in members_page
    assert '<span class="badge badge-ok">Professional</span>' in members_page


def test_byline_keeps_the_post_author_id_and_professional_badge(professional, community):
    make_member(community, professional)
    topic = make_topic(community, professional, title="From a nurse")

    page = text(client_for(None).get(topic.get_absolute_url()))

    assert (
        '<a class="post-author" id="post-1-author" href="/members/professional/">Nurse Pro</a>'
        ' <span class="badge badge-ok">Professional</span>'
    ) in page


def test_hidden_profile_bylines_show_only_initials(patient, outsider, community, media):
    actions.set_avatar(actor=patient, data=png())
    Profile.objects.filter(user=patient).update(is_hidden=True)
    topic = make_topic(community, patient, title="Hidden")

    page = text(client_for(outsider).get(topic.get_absolute_url()))

    assert "/members/patient/avatar" not in page
    assert '<a class="post-author" id="post-1-author" href="/members/patient/">' in page


def profile_queries(context) -> list[str]:
    return [q["sql"] for q in context.captured_queries if "accounts_profile" in q["sql"]]


@pytest.mark.parametrize("persona", ["visitor", "patient"])
def test_topic_page_bylines_cost_one_profile_query_whatever_the_number_of_posts(
    community, patient, caregiver, persona
):
    authors = [UserFactory() for _ in range(6)]
    for author in authors:
        make_member(community, author)
        Profile.objects.create(user=author, visibility={"avatar": "shared"})
    topic = make_topic(community, patient, title="Busy", replies=0)
    from carecircle.discussions.models import Post

    for position, author in enumerate(authors * 3, start=2):
        Post.objects.create(topic=topic, author=author, position=position, body="x", body_html="x")
    type(topic).objects.filter(pk=topic.pk).update(reply_count=len(authors) * 3)
    client = client_for(None if persona == "visitor" else patient)

    with CaptureQueriesContext(connection) as context:
        response = client.get(topic.get_absolute_url())

    assert response.status_code == 200
    assert len(profile_queries(context)) == 1
    shared = [q for q in context.captured_queries if "U1" in q["sql"] and "membership" in q["sql"]]
    assert len(shared) <= 1


@pytest.mark.parametrize("count", [3, 20])
# A member's page also counts their unread conversations for the header (once per cold cache).
@pytest.mark.parametrize(("persona", "queries"), [("visitor", 3), ("patient", 11)])
def test_member_list_query_count_does_not_grow(
    community, patient, count, persona, queries, django_assert_num_queries
):
    for number in range(count):
        member = UserFactory()
        make_member(community, member)
        Profile.objects.create(
            user=member, visibility={"avatar": ["everyone", "shared"][number % 2]}
        )
    client = client_for(None if persona == "visitor" else patient)

    with django_assert_num_queries(queries):
        response = client.get("/c/type-2-diabetes/members/")

    assert response.status_code == 200
