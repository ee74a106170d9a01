"""Named personas and shared fixtures for every test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from carecircle.accounts.models import User
from carecircle.communities.models import Community, Membership
from carecircle.core.factories import (
    PASSWORD,
    CommunityFactory,
    UserFactory,
    make_member,
    make_topic,
)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Rate-limit counters live in the cache; each test starts with none.
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def patient(db: None) -> User:
    return UserFactory(display_name="Pat the patient", handle="patient", is_patient=True)


@pytest.fixture
def caregiver(db: None) -> User:
    return UserFactory(display_name="Cam the caregiver", handle="caregiver", is_caregiver=True)


@pytest.fixture
def professional(db: None) -> User:
    return UserFactory(display_name="Nurse Pro", handle="professional", is_professional=True)


@pytest.fixture
def moderator(db: None) -> User:
    """A community moderator of `community` (not site staff)."""
    return UserFactory(display_name="Mo the moderator", handle="moderator")


@pytest.fixture
def manager(db: None) -> User:
    """A site manager: may create communities and manage every community."""
    return UserFactory(display_name="Manny the manager", handle="manager", is_site_manager=True)


@pytest.fixture
def outsider(db: None) -> User:
    """A signed-in member who belongs to no community."""
    return UserFactory(display_name="Olly outsider", handle="outsider")


@pytest.fixture
def community(db: None, patient: User, caregiver: User, moderator: User) -> Community:
    """A public community where patient and caregiver are members, moderator moderates."""
    community = CommunityFactory(name="Type 2 Diabetes", slug="type-2-diabetes")
    make_member(community, patient)
    make_member(community, caregiver)
    make_member(community, moderator, Membership.Role.MODERATOR)
    return community


@pytest.fixture
def private_community(db: None, patient: User) -> Community:
    """A members-only community whose only member is the patient."""
    community = CommunityFactory(
        name="Breast Cancer", slug="breast-cancer", visibility=Community.Visibility.MEMBERS
    )
    make_member(community, patient)
    return community


@pytest.fixture
def hidden_community(db: None, patient: User) -> Community:
    community = CommunityFactory(
        name="Secret Circle", slug="secret-circle", visibility=Community.Visibility.HIDDEN
    )
    make_member(community, patient)
    return community


@pytest.fixture
def topic(community: Community, patient: User):
    return make_topic(community, patient, title="Tired after metformin", body="Anyone else?")


@pytest.fixture
def private_topic(private_community: Community, patient: User):
    return make_topic(
        private_community, patient, title="Secret chemo diary", body="Only members see this"
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def visitor_client() -> Client:
    return Client()


@pytest.fixture
def patient_client(patient: User) -> Client:
    return client_for(patient)


@pytest.fixture
def upload_root(settings: Any, tmp_path: Path) -> Path:
    """Uploads stored during a test go to a folder of its own (never the real one), so files
    can be counted exactly and their addresses really opened. Modules that store files use it
    for every test: `pytestmark = pytest.mark.usefixtures("upload_root")`."""
    root = tmp_path / "uploads"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    settings.WHITENOISE_AUTOREFRESH = True
    return root


def stored_files(root: Path) -> list[str]:
    """Every file under an uploads folder, relative names, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
