"""Onboarding steps through the other apps' actions, and community welcome messages."""

from __future__ import annotations

import pytest
from django.utils import timezone

from carecircle.accounts.models import Profile
from carecircle.accounts.privacy import visibility_of
from carecircle.communities.models import Community, GuidelinesAcceptance, Membership
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.factories import CommunityFactory, UserFactory, make_member
from carecircle.core.models import AuditEvent
from carecircle.engagement import actions
from carecircle.engagement.models import CommunityWelcome, OnboardingState
from carecircle.engagement.tests.helpers import db_state
from carecircle.notifications.models import Notification, NotificationSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer():
    member = UserFactory(display_name="Nia Newcomer", handle="newcomer")
    actions.start_onboarding(actor=member)
    return member


# --- onboarding state -----------------------------------------------------------------------


def test_start_onboarding_is_idempotent(newcomer):
    again = actions.start_onboarding(actor=newcomer)

    assert OnboardingState.objects.count() == 1
    assert (again.step, again.completed_at, again.skipped_at, again.is_open) == (
        "roles",
        None,
        None,
        True,
    )


def test_steps_advance_in_order_and_the_last_completes(newcomer):
    seen = []
    for step in actions.STEPS:
        state = actions.advance_onboarding(actor=newcomer, step=step)
        seen.append((state.step, state.completed_at is not None))

    assert seen == [
        ("communities", False),
        ("privacy", False),
        ("notifications", False),
        ("introduction", False),
        ("introduction", True),
    ]
    assert OnboardingState.objects.get().is_open is False


def test_skipping_closes_onboarding_once(newcomer):
    first = actions.skip_onboarding(actor=newcomer).skipped_at
    second = actions.skip_onboarding(actor=newcomer).skipped_at

    assert first is not None
    assert second == first
    assert OnboardingState.objects.get().is_open is False


def test_members_from_before_onboarding_get_no_state_by_walking_the_steps(patient):
    assert actions.advance_onboarding(actor=patient, step="roles") is None
    assert OnboardingState.objects.count() == 0


def test_an_unknown_step_is_refused_and_nothing_changes(newcomer):
    before = db_state()
    with pytest.raises(ValidationFailed) as error:
        actions.advance_onboarding(actor=newcomer, step="payment")
    assert error.value.field == "step"
    assert db_state() == before


# --- roles ----------------------------------------------------------------------------------


def test_roles_are_saved_through_the_account_action_and_professional_is_untouched(newcomer):
    state = actions.save_onboarding_roles(actor=newcomer, is_patient=False, is_caregiver=True)

    newcomer.refresh_from_db()
    assert (newcomer.is_patient, newcomer.is_caregiver, newcomer.is_professional) == (
        False,
        True,
        False,
    )
    assert state.step == "communities"


def test_roles_never_grant_the_professional_label():
    member = UserFactory(handle="doc", is_professional=True)
    actions.save_onboarding_roles(actor=member, is_patient=True, is_caregiver=False)
    member.refresh_from_db()
    assert (member.is_patient, member.is_professional) == (True, True)


# --- communities ----------------------------------------------------------------------------


def test_joining_needs_the_guidelines_accepted_and_a_refusal_changes_nothing(newcomer, community):
    before = db_state()
    with pytest.raises(ValidationFailed) as error:
        actions.join_onboarding_communities(
            actor=newcomer, communities=[community], accept_guidelines=False
        )
    assert (error.value.code, error.value.field) == ("guidelines_not_accepted", "accept_guidelines")
    assert db_state() == before


def test_joining_several_communities_records_guidelines_and_welcomes(
    newcomer, community, django_capture_on_commit_callbacks
):
    other = CommunityFactory(name="Long Covid", slug="long-covid")
    with django_capture_on_commit_callbacks(execute=True):
        joined = actions.join_onboarding_communities(
            actor=newcomer, communities=[community, other], accept_guidelines=True
        )

    assert sorted(m.community.slug for m in joined) == ["long-covid", "type-2-diabetes"]
    assert sorted(
        GuidelinesAcceptance.objects.filter(user=newcomer).values_list(
            "community__slug", "guidelines_version"
        )
    ) == [("long-covid", 1), ("type-2-diabetes", 1)]
    welcomes = Notification.objects.filter(recipient=newcomer, kind="welcome").order_by("url")
    assert list(welcomes.values_list("url", "community_id")) == [
        ("/c/long-covid/welcome/", other.pk),
        ("/c/type-2-diabetes/welcome/", community.pk),
    ]
    assert OnboardingState.objects.get(user=newcomer).step == "privacy"


def test_one_refused_join_keeps_none_of_them(newcomer, community, hidden_community):
    before = db_state()
    with pytest.raises(PermissionDeniedError):
        actions.join_onboarding_communities(
            actor=newcomer, communities=[community, hidden_community], accept_guidelines=True
        )
    assert db_state() == before


def test_communities_already_joined_are_left_alone(patient, community):
    actions.start_onboarding(actor=patient)
    joined = actions.join_onboarding_communities(
        actor=patient, communities=[community], accept_guidelines=True
    )
    assert joined == []
    assert Membership.objects.filter(user=patient).count() == 1


# --- privacy --------------------------------------------------------------------------------


def test_privacy_changes_only_the_chosen_levels_of_the_actors_profile(newcomer, patient):
    Profile.objects.create(
        user=newcomer, bio="Hello", pronouns="she/her", story="My long story", country="FR"
    )
    Profile.objects.create(user=patient, bio="Patient bio")
    others = list(Profile.objects.filter(user=patient).values())

    actions.save_onboarding_privacy(
        actor=newcomer,
        visibility={"bio": "shared", "conditions": "private", "location": "private"},
        is_hidden=True,
    )

    profile = Profile.objects.get(user=newcomer)
    assert visibility_of(profile) == {
        "avatar": "everyone",
        "bio": "shared",
        "pronouns": "members",
        "role": "members",
        "interests": "members",
        "location": "private",
        "joined": "members",
        "conditions": "private",
        "treatments": "private",
        "story": "private",
    }
    assert (profile.is_hidden, profile.bio, profile.pronouns, profile.story, profile.country) == (
        True,
        "Hello",
        "she/her",
        "My long story",
        "FR",
    )
    assert list(Profile.objects.filter(user=patient).values()) == others
    event = AuditEvent.objects.get(verb="profile.update")
    assert event.data["fields"] == ["is_hidden", "visibility.bio", "visibility.location"]


def test_privacy_refuses_fields_it_does_not_ask_about(newcomer):
    before = db_state()
    with pytest.raises(ValidationFailed) as error:
        actions.save_onboarding_privacy(
            actor=newcomer, visibility={"story": "everyone"}, is_hidden=False
        )
    assert error.value.field == "visibility"
    assert db_state() == before


def test_privacy_refuses_an_unknown_level(newcomer):
    before = db_state()
    with pytest.raises(ValidationFailed) as error:
        actions.save_onboarding_privacy(
            actor=newcomer, visibility={"bio": "the whole world"}, is_hidden=False
        )
    assert error.value.field == "visibility_bio"
    assert db_state() == before


# --- notifications --------------------------------------------------------------------------


def test_digest_opt_in_goes_through_notification_settings(newcomer):
    actions.save_onboarding_notifications(
        actor=newcomer, digest="weekly", email_includes_details=False
    )
    row = NotificationSettings.objects.get(user=newcomer)
    assert (row.digest, row.email_includes_details) == ("weekly", False)
    assert OnboardingState.objects.get(user=newcomer).step == "introduction"


def test_a_bad_digest_choice_changes_nothing(newcomer):
    before = db_state()
    with pytest.raises(ValidationFailed):
        actions.save_onboarding_notifications(
            actor=newcomer, digest="hourly", email_includes_details=True
        )
    assert db_state() == before


# --- introduction ---------------------------------------------------------------------------


def test_introduction_saves_the_bio_and_keeps_the_rest(newcomer):
    Profile.objects.create(user=newcomer, pronouns="they/them", visibility={"bio": "shared"})
    state = actions.save_onboarding_introduction(actor=newcomer, bio="  Living with T2D.  ")

    profile = Profile.objects.get(user=newcomer)
    assert (profile.bio, profile.pronouns, visibility_of(profile)["bio"]) == (
        "Living with T2D.",
        "they/them",
        "shared",
    )
    assert state.completed_at is not None


def test_an_over_long_introduction_is_refused(newcomer):
    before = db_state()
    with pytest.raises(ValidationFailed) as error:
        actions.save_onboarding_introduction(actor=newcomer, bio="x" * 301)
    assert error.value.field == "bio"
    assert db_state() == before


# --- welcome messages -----------------------------------------------------------------------


@pytest.fixture
def community_manager(community):
    manager = UserFactory(display_name="Community Manager", handle="cmanager")
    make_member(community, manager, Membership.Role.MANAGER)
    return manager


def test_a_manager_writes_the_welcome_message(community, community_manager):
    welcome = actions.update_welcome_message(
        actor=community_manager,
        community=community,
        body="  Hello **friend**  ",
        is_enabled=True,
    )
    assert (welcome.body, welcome.body_html, welcome.is_enabled, welcome.updated_by) == (
        "Hello **friend**",
        "<p>Hello <strong>friend</strong></p>\n",
        True,
        community_manager,
    )
    event = AuditEvent.objects.get(verb="community.welcome_message")
    assert event.data["fields"] == ["body", "is_enabled"]


@pytest.mark.parametrize("persona", ["patient", "moderator", "outsider"])
def test_others_cannot_edit_the_welcome_message(request, community, community_manager, persona):
    actions.update_welcome_message(
        actor=community_manager, community=community, body="Original", is_enabled=True
    )
    actor = request.getfixturevalue(persona)
    before = db_state()
    with pytest.raises(PermissionDeniedError) as error:
        actions.update_welcome_message(
            actor=actor, community=community, body="Defaced", is_enabled=False
        )
    assert error.value.code == "not_manager"
    assert db_state() == before


def test_an_over_long_welcome_message_is_refused(community, community_manager):
    before = db_state()
    with pytest.raises(ValidationFailed) as error:
        actions.update_welcome_message(
            actor=community_manager, community=community, body="x" * 5001, is_enabled=True
        )
    assert error.value.field == "body"
    assert db_state() == before


def test_send_welcome_notifies_in_app_unless_turned_off(
    community, community_manager, outsider, django_capture_on_commit_callbacks
):
    membership = make_member(community, outsider)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_welcome(membership) is True
    assert list(
        Notification.objects.filter(recipient=outsider).values_list("kind", "url", "community_id")
    ) == [("welcome", "/c/type-2-diabetes/welcome/", community.pk)]

    actions.update_welcome_message(
        actor=community_manager, community=community, body="", is_enabled=False
    )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_welcome(membership) is False
    assert Notification.objects.count() == 0


def test_send_welcome_once_per_join_even_when_called_twice(
    community, outsider, django_capture_on_commit_callbacks
):
    membership = make_member(community, outsider)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_welcome(membership) is True
        assert actions.send_welcome(membership) is False
    assert Notification.objects.filter(recipient=outsider, kind="welcome").count() == 1


def test_welcome_message_model_defaults(community):
    welcome = CommunityWelcome.objects.create(community=community)
    assert (welcome.body, welcome.is_enabled) == ("", True)
    assert Community.objects.get().welcome_message == welcome
    assert timezone.now() >= welcome.updated_at
